//! Issue 11's items, each on the real binaries against the sandbox: storage
//! that does not trust its folder, leftovers and what the browser inherits,
//! the pending authorization kept until its code is spent, messages that say
//! what works next and where they looked, configuration rules shared with
//! `doctor`, and the terminal.

mod common;

use common::World;
use spotify_sandbox::{Fault, FaultKind};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn arm(world: &World, kind: FaultKind, count: u32) {
    world.sandbox.add_fault(Fault {
        endpoint: "/api/token".into(),
        kind,
        count,
    });
}

// ----------------------------------------------------------- 4. storage --

/// An auth folder others may write in, or another user's, is refused with
/// the command that fixes it, and nothing is written in it.
#[test]
fn an_auth_folder_others_can_write_or_own_is_refused() {
    let world = World::new();
    let dir = world.auth_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = world.run("step1_auth_url", &[]);
    run.assert_error(&format!("chmod 700 {}", dir.display()));
    assert!(!dir.join("pending_authorization.json").exists());
    assert_eq!(mode(&dir), 0o777, "refused, not silently changed");
    if is_root() {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let run = world.run("step1_auth_url", &[]);
        run.assert_error("belongs to user id 65534, not to you");
        assert!(run.stderr.contains("chown"), "{}", run.stderr);
        assert!(!dir.join("pending_authorization.json").exists());
    }
}

/// Links planted at the lock and the token are not followed: the files they
/// point to keep their content and mode.
#[test]
fn planted_links_in_the_auth_folder_are_not_followed() {
    let world = World::new();
    world.obtain_token();
    let dir = world.auth_dir();
    let victim = world.dir.join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _ = std::fs::remove_file(dir.join(".lock"));
    symlink(&victim, dir.join(".lock")).unwrap();
    let run = world.run("step3_refresh", &[]);
    run.assert_error(".lock");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(mode(&victim), 0o644, "the link's target was not chmod-ed");

    // A link in place of the token: never read through, and a save replaces
    // the link itself.
    std::fs::remove_file(dir.join(".lock")).unwrap();
    let token = std::fs::read(dir.join("token.json")).unwrap();
    std::fs::remove_file(dir.join("token.json")).unwrap();
    symlink(&victim, dir.join("token.json")).unwrap();
    world.run("step3_refresh", &[]).assert_error("token.json");
    std::fs::write(dir.join("token.json.real"), &token).unwrap();
    let (_, redirected) = world.authorize(&[], true);
    let step2 = world.run("step2_get_tokens", &[&redirected]);
    assert!(step2.ok(), "{}", step2.stderr);
    assert!(!std::fs::symlink_metadata(dir.join("token.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(mode(&victim), 0o644);
}

/// doctor looks at whose folder it is before it changes anything.
#[test]
fn doctor_touches_nothing_in_another_users_folder() {
    if !is_root() {
        return; // chown needs root (CI runs as root).
    }
    let world = World::new();
    world.obtain_token();
    let dir = world.auth_dir();
    let token = dir.join("token.json");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    let run = world.run("doctor", &[]);
    assert!(!run.ok());
    assert!(
        run.stdout.contains("belongs to user id 65534")
            && run.stdout.contains("nothing in it was touched"),
        "{}",
        run.stdout
    );
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&token), 0o644);
}

/// doctor reports a link in the folder and does not chmod through it.
#[test]
fn doctor_does_not_follow_links_in_the_folder() {
    let world = World::new();
    world.obtain_token();
    let victim = world.dir.join("victim.txt");
    std::fs::write(&victim, "x").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    symlink(&victim, world.auth_dir().join("planted.json")).unwrap();
    let run = world.run("doctor", &[]);
    assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
    assert_eq!(mode(&victim), 0o644);
}

// ------------------------------------------- 5. leftovers and inheritance --

/// Temporary files of a save that was killed (each holds a live token) are
/// removed at the next start.
#[test]
fn temporary_files_of_killed_saves_are_removed() {
    let world = World::new();
    world.obtain_token();
    let dir = world.auth_dir();
    let stale = dir.join(".token.json.tmp-2147483000");
    std::fs::write(&stale, "{\"refresh_token\":\"AQlive\"}").unwrap();
    let run = world.run("step3_refresh", &[]);
    assert!(run.ok(), "{}", run.stderr);
    assert!(
        !stale.exists(),
        "a dead process's temporary file is removed"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The browser does not inherit the client secret.
#[test]
fn the_browser_is_started_without_the_secrets() {
    let mut world = World::new();
    let dump = world.dir.join("browser-env.txt");
    let script = world.dir.join("env-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            dump.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    world.set("BROWSER", &script.display().to_string());
    world.set("SPOTIFY_TOKEN_KEY", "k3y-value");
    let run = world.run("step1_auth_url", &["--open"]);
    assert!(run.ok(), "{}", run.stderr);
    let env = common::wait_for_file(&dump);
    assert!(
        env.contains("SPOTIFY_CLIENT_ID="),
        "the rest is kept: {env}"
    );
    assert!(!env.contains("SPOTIFY_CLIENT_SECRET"), "{env}");
    assert!(!env.contains(world.sandbox.client_secret()), "{env}");
    assert!(!env.contains("k3y-value"), "{env}");
}

// ------------------------------------------------- 11. what --open did --

/// An opener that fails or is missing is reported, the next one is tried, and
/// the URL is printed anyway.
#[test]
fn open_reports_what_really_happened() {
    let mut world = World::new();
    let failing = world.dir.join("failing-browser");
    std::fs::write(&failing, "#!/bin/sh\nexit 3\n").unwrap();
    std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).unwrap();
    world.set("PATH", "/nonexistent");
    world.set(
        "BROWSER",
        &format!("/nonexistent/browser:{}", failing.display()),
    );
    let run = world.run("step1_auth_url", &["--open"]);
    assert!(run.ok(), "{}", run.stderr);
    assert!(
        !run.stderr.contains("Opened the authorize URL"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("/nonexistent/browser was not found")
            && run.stderr.contains("failing-browser exited with status 3")
            && run.stderr.contains("xdg-open was not found"),
        "{}",
        run.stderr
    );
    run.authorize_url();
    // A working one after the failing one: both said.
    world.set("PATH", &std::env::var("PATH").unwrap_or_default());
    let record = world.install_fake_browser();
    let working = world
        .extra_env
        .iter()
        .find(|(n, _)| n == "BROWSER")
        .unwrap()
        .1
        .clone();
    world.set("BROWSER", &format!("{}:{working}", failing.display()));
    let run = world.run("step1_auth_url", &["--open"]);
    assert!(run.ok(), "{}", run.stderr);
    assert!(
        run.stderr.contains("Opened the authorize URL with")
            && run.stderr.contains("fake-browser")
            && run.stderr.contains("failing-browser exited with status 3"),
        "{}",
        run.stderr
    );
    assert_eq!(common::wait_for_file(&record), run.authorize_url());
}

// --------------------------------- 9. the pending authorization is kept --

/// A failed exchange that did not spend the code keeps the pending
/// authorization, says so, and the same redirect then works.
#[test]
fn a_failed_exchange_keeps_the_authorization_until_the_code_is_spent() {
    // A 503: the service had trouble; the same address works next time.
    let world = World::new();
    let (_, redirected) = world.authorize(&[], true);
    arm(&world, FaultKind::Status(503), 1);
    let run = world.run("step2_get_tokens", &[&redirected]);
    run.assert_error("answered 503");
    assert!(
        run.stderr.contains("the authorization from step 1 is kept")
            && run.stderr.contains("with the same address"),
        "{}",
        run.stderr
    );
    let retry = world.run("step2_get_tokens", &[&redirected]);
    assert!(retry.ok(), "{}", retry.stderr);
    assert!(!world.auth_dir().join("pending_authorization.json").exists());

    // A wrong secret: fixed, the same address works.
    let mut world = World::new();
    let (_, redirected) = world.authorize(&[], true);
    world.set("SPOTIFY_CLIENT_SECRET", "00000000000000000000000000000000");
    let run = world.run("step2_get_tokens", &[&redirected]);
    run.assert_error("invalid_client");
    assert!(run.stderr.contains("is kept"), "{}", run.stderr);
    let secret = world.sandbox.client_secret().to_string();
    world.set("SPOTIFY_CLIENT_SECRET", &secret);
    let retry = world.run("step2_get_tokens", &[&redirected]);
    assert!(retry.ok(), "{}", retry.stderr);

    // A spent code: Spotify says invalid_grant, the authorization goes, and
    // the message says to run step 1 again.
    let world = World::new();
    let (_, redirected) = world.authorize(&[], true);
    assert!(world.run("step2_get_tokens", &[&redirected]).ok());
    // Its token gone (with this token, step 2 would know the code as traded
    // and send nothing).
    std::fs::remove_file(world.auth_dir().join("token.json")).unwrap();
    let step1 = world.run("step1_auth_url", &[]);
    assert!(step1.ok());
    let state = step1.field("state");
    let code = redirected
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("code="))
        .unwrap();
    let spent = format!("{}?code={code}&state={state}", world.sandbox.redirect_uri());
    let run = world.run("step2_get_tokens", &[&spent]);
    run.assert_error("run step 1 again");
    assert!(!run.stderr.contains("is kept"), "{}", run.stderr);
    assert!(!world.auth_dir().join("pending_authorization.json").exists());
}

// ------------------------------------------------ 10. the secret prompt --

#[test]
fn steps_2_and_3_point_to_step_1_for_pkce_and_an_empty_secret_is_named() {
    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let (_, redirected) = world.authorize(&[], true);
    let run = world.run("step2_get_tokens", &[&redirected]);
    run.assert_error("run step 1 again with --pkce");
    // On a terminal, Enter alone at the hidden prompt.
    // Quoted: `script -c` hands the line to a shell.
    let quoted = format!("'{redirected}'");
    let run = world.run_in_terminal("step2_get_tokens", &[&quoted], "\r");
    assert!(
        run.stdout.contains("the client secret typed was empty"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("is not set: put it"), "{}", run.stdout);
}

// ---------------------------------------- 12. where the files were looked for --

#[test]
fn no_pending_authorization_and_no_token_name_the_absolute_folder() {
    let world = World::new();
    // The default folder is relative to where the command runs.
    let folder = world.auth_dir().canonicalize().unwrap_or(world.auth_dir());
    let run = world.run(
        "step2_get_tokens",
        &["http://127.0.0.1:8888/callback?code=x&state=y"],
    );
    run.assert_error(&format!(
        "none is in {}",
        folder.join("pending_authorization.json").display()
    ));
    let run = world.run("step3_refresh", &[]);
    run.assert_error(&format!(
        "none is in {}",
        folder.join("token.json").display()
    ));
}

// ----------------------------------------------- 13. configuration rules --

#[test]
fn unusual_redirect_uris_warn_and_dotenv_errors_name_the_line() {
    let mut world = World::new();
    world.set("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:8888/callback/");
    let run = world.run("step1_auth_url", &[]);
    assert!(
        run.stderr.contains(
            "warning: SPOTIFY_REDIRECT_URI `http://127.0.0.1:8888/callback/` ends with a slash"
        ),
        "{}",
        run.stderr
    );
    let doctor = world.run("doctor", &[]);
    assert!(
        doctor.stdout.contains("ends with a slash"),
        "{}",
        doctor.stdout
    );

    let mut world = World::new();
    world.set(
        "SPOTIFY_CLIENT_ID",
        "\u{201c}5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3\u{201d}",
    );
    world
        .run("step1_auth_url", &[])
        .assert_error("SPOTIFY_CLIENT_ID contains typographic quotes");
    world.set("SPOTIFY_CLIENT_ID", "5a5db0c1d2e3f4a5 b6c7d8e9f0a1b2c3");
    world
        .run("step1_auth_url", &[])
        .assert_error("SPOTIFY_CLIENT_ID contains a space");

    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_SECRET");
    std::fs::write(
        world.dir.join(".env"),
        "# app\nSPOTIFY_SCOPES=user-read-private\nSPOTIFY_CLIENT_SECRET='s3cr3t\n",
    )
    .unwrap();
    let run = world.run("step1_auth_url", &[]);
    run.assert_error("malformed at line 3 (SPOTIFY_CLIENT_SECRET)");
    assert!(!run.stderr.contains("s3cr3t"));
}

/// doctor: an unset SPOTIFY_SCOPES means the default scopes, as in the steps,
/// and the token is compared with them.
#[test]
fn doctor_compares_the_token_with_the_default_scopes() {
    let world = World::new();
    world.obtain_token();
    let run = world.run("doctor", &[]);
    assert!(!run.stdout.contains("none asked for"), "{}", run.stdout);
    assert!(!run.stdout.contains("not compared"), "{}", run.stdout);
    assert!(
        run.stdout.contains("user-modify-playback-state"),
        "{}",
        run.stdout
    );
}

// -------------------------------------------------------- 14. Ctrl-D --

#[test]
fn ctrl_d_at_the_prompt_puts_the_error_on_its_own_line() {
    let world = World::new();
    world.authorize(&[], true);
    let run = world.run_in_terminal("step2_get_tokens", &[], "\u{4}");
    assert!(
        run.stdout.contains("error: nothing was pasted"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("> error"), "{:?}", run.stdout);
}

#[test]
fn ctrl_d_at_the_hidden_secret_prompt_puts_the_error_on_its_own_line() {
    let mut world = World::new();
    world.obtain_token();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let run = world.run_in_terminal("step3_refresh", &[], "\u{4}");
    assert!(
        run.stdout
            .contains("error: the client secret typed was empty"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("(hidden): error"), "{:?}", run.stdout);
}
