//! What the binaries say on a newcomer's usual mistakes: the right fault,
//! and the fix that applies to this binary and this setting.

mod common;

use common::{edit_token, free_port, World};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
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
    let line = doctor
        .stdout
        .lines()
        .find(|l| l.contains("SPOTIFY_AUTH_DIR:"))
        .unwrap_or_default()
        .to_string();
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
