//! `cargo run` (the `walkthrough` binary) and the `sandbox` binary, as a new
//! user runs them: no credentials, no network.

mod common;

use std::process::{Command, Stdio};

#[test]
fn cargo_run_walks_the_whole_flow_on_the_sandbox() {
    let dir = std::env::temp_dir().join(format!("spotify-auth-walkthrough-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = std::time::Instant::now();
    let output = Command::new(common::bin_path("walkthrough"))
        .current_dir(&dir)
        .env_clear()
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(started.elapsed().as_secs() < 10, "a few seconds at most");
    assert!(
        stdout.contains("SANDBOX MODE"),
        "says loudly it is the sandbox"
    );
    assert!(
        stdout.contains("To use your real account"),
        "says how to use a real account"
    );
    for heading in [
        "== Step 1",
        "== Consent",
        "== Step 2",
        "== Step 3",
        "GET http://127.0.0.1:",
    ] {
        assert!(stdout.contains(heading), "missing {heading}");
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("http://127.0.0.1:") && l.contains("/authorize?client_id=")),
        "the authorize URL"
    );
    assert!(stdout.contains("Code from the redirect: AQ"));
    let access: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("access_token  = BQ"))
        .collect();
    assert_eq!(access.len(), 2, "the first and the refreshed access token");
    assert_ne!(access[0], access[1]);
    assert!(stdout.contains("refresh_token = AQ"));
    assert!(
        stdout.contains("display_name = Sandbox Listener"),
        "the sandbox profile"
    );
    // Files go to a sandbox subfolder: a real saved token is never overwritten.
    assert!(dir.join(".spotify-auth/sandbox/token.json").exists());
    let secret = spotify_sandbox::SandboxOptions::default().client_secret;
    assert!(!stdout.contains(&secret));
    let token = std::fs::read_to_string(dir.join(".spotify-auth/sandbox/token.json")).unwrap();
    assert!(!token.contains(&secret));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sandbox_binary_prints_the_env_lines_and_serves() {
    let (_sandbox, mut lines) = common::sandbox_binary(&[]);
    let env: std::collections::HashMap<String, String> = common::sandbox_banner(&mut lines, 5)
        .1
        .into_iter()
        .collect();
    let url = &env["SPOTIFY_ACCOUNTS_URL"];
    let status = common::http()
        .get(format!("{url}/v1/me"))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 401, "the sandbox answers like the Web API");
    assert_eq!(
        env["SPOTIFY_REDIRECT_URI"],
        "http://127.0.0.1:8888/callback"
    );
}

#[test]
fn sandbox_binary_reports_a_busy_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(common::bin_path("sandbox"))
        .args(["--port", &port])
        .env_clear()
        .output()
        .unwrap();
    let run = common::Run::from(output);
    run.assert_error("--port 0");
}

/// With credentials, `cargo run` uses the service it is pointed at as the real
/// Spotify: it opens the browser and catches the redirect on loopback.
#[test]
fn cargo_run_with_credentials_opens_the_browser_and_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let mut world = common::World::with(spotify_sandbox::SandboxOptions {
        redirect_uris: vec![redirect_uri.clone()],
        ..Default::default()
    });
    world.set("SPOTIFY_REDIRECT_URI", &redirect_uri);
    let record = world.install_fake_browser();
    let child = world
        .command("walkthrough", &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let authorize_url = common::wait_for_file(&record);
    let redirected = spotify_sandbox::approve_consent(&authorize_url, true).unwrap();
    let answer = common::http().get(&redirected).send().unwrap();
    assert_eq!(answer.status(), 200);
    let run = common::Run::from(child.wait_with_output().unwrap());
    assert!(run.ok(), "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("SANDBOX MODE"));
    assert!(run.stdout.contains("display_name = Sandbox Listener"));
    assert!(
        world.auth_dir().join("token.json").exists(),
        "real mode writes to SPOTIFY_AUTH_DIR itself"
    );
}

/// The README's `cargo run --bin sandbox -- --withhold-scope S --rotate-refresh-tokens`:
/// the steps then see a narrower grant and a rotated refresh token.
#[test]
fn sandbox_binary_switches_reach_the_steps() {
    let (_sandbox, mut lines) = common::sandbox_binary(&[
        "--withhold-scope",
        "user-read-email",
        "--rotate-refresh-tokens",
    ]);
    let env = common::sandbox_banner(&mut lines, 5).1;
    let dir = std::env::temp_dir().join(format!("spotify-auth-sandbox-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |bin: &str, args: &[&str]| {
        let output = Command::new(common::bin_path(bin))
            .args(args)
            .current_dir(&dir)
            .env_clear()
            .envs(env.iter().cloned())
            .env("SPOTIFY_SCOPES", "user-read-private user-read-email")
            .output()
            .unwrap();
        common::Run::from(output)
    };
    let step1 = run("step1_auth_url", &[]);
    let redirected = spotify_sandbox::approve_consent(&step1.authorize_url(), true).unwrap();
    let step2 = run("step2_get_tokens", &[&redirected]);
    assert!(
        step2
            .stdout
            .contains("asked for but not granted: user-read-email"),
        "{}",
        step2.stdout
    );
    let step3 = run("step3_refresh", &[]);
    assert!(
        step3.stdout.contains("(new: it replaces the old one"),
        "{}",
        step3.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README's port-less chapter, offline: `sandbox --redirect-uri
/// http://127.0.0.1/callback` registers a loopback URI without a port, so
/// `step2_get_tokens --listen --open` with that URI ends with a saved token. The
/// banner says what it registered and that it keeps tokens in memory only.
#[test]
fn sandbox_binary_registers_a_portless_redirect_uri_for_listen() {
    let registered = "http://127.0.0.1/callback";
    let (_sandbox, mut lines) = common::sandbox_binary(&["--redirect-uri", registered]);
    let (banner, variables) = common::sandbox_banner(&mut lines, 6);
    let mut world = common::World::new();
    for (name, value) in variables {
        world.set(&name, value.trim_matches('"'));
    }
    assert!(
        banner.contains(&format!(
            "Registered redirect URIs (--redirect-uri changes them): {registered} (any port)"
        )),
        "{banner}"
    );
    assert!(banner.contains("in memory only"), "{banner}");
    assert!(banner.contains(&format!("SPOTIFY_REDIRECT_URI={registered}\n")));

    let record = world.install_fake_browser();
    let step1 = world.run("step1_auth_url", &[]);
    assert!(step1.ok(), "{}", step1.stderr);
    let step2 = world.spawn(
        "step2_get_tokens",
        &["--listen", "--open", "--timeout", "30"],
    );
    let redirected = spotify_sandbox::approve_consent(&common::wait_for_file(&record), true)
        .expect("the sandbox takes the port the listener chose");
    assert_eq!(
        common::http().get(&redirected).send().unwrap().status(),
        200
    );
    let run = common::Run::from(step2.wait_with_output().unwrap());
    assert!(run.ok(), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Saved the token"), "{}", run.stdout);
}
