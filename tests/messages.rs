//! What the binaries say on a newcomer's usual mistakes: the right fault,
//! and the fix that applies to this binary and this setting.

mod common;

use common::{edit_token, free_port, Run, World};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `doctor`'s first line about `topic` (`ok    SPOTIFY_AUTH_DIR: ...`).
fn doctor_line(doctor: &Run, topic: &str) -> String {
    let topic = format!(" {topic}: ");
    let line = doctor.stdout.lines().find(|l| l.contains(&topic));
    line.unwrap_or_default().to_string()
}

#[test]
fn client_credentials_without_a_secret_needs_the_secret_not_pkce() {
    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let run = world.run("client_credentials", &[]);
    run.assert_error("SPOTIFY_CLIENT_SECRET is not set");
    assert!(run.stderr.contains("always"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("--pkce") && !run.stderr.contains("use PKCE"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_token_expired_hours_ago_is_said_to_have_expired() {
    let world = World::new();
    assert!(world.obtain_token().ok());
    for (bin, args) in [
        ("step4_call_api", &[][..]),
        ("step5_control_playback", &["devices"][..]),
    ] {
        let expired_at = now() - 2 * 3600 - 60;
        edit_token(&world, |t| t["expires_at"] = expired_at.into());
        let run = world.run(bin, args);
        assert!(run.ok(), "{bin}: {}", run.stderr);
        assert!(
            run.stdout.contains("The access token expired at ")
                && run
                    .stdout
                    .contains(" (2 h 1 min ago), so it was refreshed first"),
            "{bin}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("had 0 s left"),
            "{bin}: {}",
            run.stdout
        );
    }
}

#[test]
fn nothing_listening_on_a_loopback_url_points_at_the_sandbox() {
    let mut world = World::new();
    let closed = format!("http://127.0.0.1:{}", free_port());
    world.set("SPOTIFY_ACCOUNTS_URL", &closed);
    let run = world.run("client_credentials", &[]);
    run.assert_error("could not reach");
    assert!(
        run.stderr.contains("is the sandbox") && run.stderr.contains("cargo run --bin sandbox"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("check the network"), "{}", run.stderr);
}

#[test]
fn a_tilde_in_the_auth_dir_of_dotenv_is_the_home_folder() {
    let mut world = World::new();
    let home = world.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    world.set("HOME", home.to_str().unwrap());
    std::fs::write(world.dir.join(".env"), "SPOTIFY_AUTH_DIR=~/spauth\n").unwrap();
    let step2 = world.obtain_token();
    let token = home.join("spauth").join("token.json");
    assert!(token.is_file(), "{}", step2.stdout);
    assert!(!world.dir.join("~").exists(), "a folder named ~ was made");

    let doctor = world.run("doctor", &[]);
    let line = doctor_line(&doctor, "SPOTIFY_AUTH_DIR");
    assert!(
        line.starts_with("ok")
            && line.contains(&format!("that is {}", home.join("spauth").display())),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor
            .stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("saved token")),
        "{}",
        doctor.stdout
    );
}

#[test]
fn from_a_subfolder_the_projects_dotenv_is_named() {
    let mut world = World::new();
    for name in ["SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"] {
        world.unset(name);
    }
    std::fs::write(
        world.dir.join(".env"),
        format!("SPOTIFY_CLIENT_ID={}\n", world.sandbox.client_id()),
    )
    .unwrap();
    let notebooks = world.dir.join("notebooks");
    std::fs::create_dir_all(&notebooks).unwrap();
    let in_notebooks = |bin: &str| -> Run {
        let output = world
            .command(bin, &[])
            .current_dir(&notebooks)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        Run::from(output)
    };

    let step1 = in_notebooks("step1_auth_url");
    step1.assert_error("SPOTIFY_CLIENT_ID is not set");
    let searched = notebooks.join(".env");
    let project = world.dir.join(".env");
    for expected in [
        format!("nor {} sets it", searched.display()),
        format!("{} is not read from here", project.display()),
        format!("run from {}", world.dir.display()),
    ] {
        assert!(
            step1.stderr.contains(&expected),
            "{expected}: {}",
            step1.stderr
        );
    }

    let tour = in_notebooks("walkthrough");
    assert!(tour.ok(), "{}", tour.stderr);
    let expected = format!(
        "warning: {} sets SPOTIFY_CLIENT_ID but is not read from here",
        project.display()
    );
    assert!(tour.stderr.contains(&expected), "{}", tour.stderr);

    let doctor = in_notebooks("doctor");
    let line = doctor_line(&doctor, ".env");
    assert!(
        line.starts_with("warn")
            && line.contains(&format!("no {}", searched.display()))
            && line.contains(&format!("run from {}", world.dir.display())),
        "{}",
        doctor.stdout
    );
}

#[test]
fn the_sandbox_tour_applies_the_redirect_uri_rules_and_says_it_uses_its_own() {
    let tour = |redirect_uri: &str| -> Run {
        let mut world = World::new();
        world.without_app();
        world.set("SPOTIFY_REDIRECT_URI", redirect_uri);
        world.run("walkthrough", &[])
    };
    // Refused by step 1, so refused here too, with the same fix.
    let localhost = tour("http://localhost:8888/callback");
    localhost.assert_error("localhost");
    assert!(
        localhost.stderr.contains("http://127.0.0.1:8888/callback"),
        "{}",
        localhost.stderr
    );
    // Allowed, but not the sandbox app's: said so.
    let other = tour("http://127.0.0.1:9999/cb");
    assert!(other.ok(), "{}", other.stderr);
    assert!(
        other.stderr.contains(
            "warning: the sandbox tour uses its own app's redirect URI http://127.0.0.1:8888/callback, not SPOTIFY_REDIRECT_URI http://127.0.0.1:9999/cb"
        ),
        "{}",
        other.stderr
    );
}
