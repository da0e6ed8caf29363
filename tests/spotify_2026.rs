//! Spotify as it is in 2026, against the sandbox: both answer shapes
//! (development mode by default, extended quota), the allow-list, playback
//! control (step 5) with each player error, app-only tokens
//! (`client_credentials`), an implicit-grant paste, and a loopback redirect
//! URI without a port caught by `--listen`.

mod common;

use common::{edit_token, Run, World};
use spotify_sandbox::{SandboxOptions, DEFAULT_USER_ID};

fn assert_ok(run: &Run) {
    assert!(run.ok(), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

fn assert_has(run: &Run, expected: &str) {
    assert!(
        run.stdout.contains(expected),
        "missing {expected:?} in:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// A world with `options` and a token from steps 1 and 2 (default scopes).
fn world_with_token(options: SandboxOptions) -> World {
    let world = World::with(options);
    world.obtain_token();
    world
}

fn now() -> u64 {
    spotify_auth::now_secs()
}

#[test]
fn step4_reads_the_development_mode_shapes() {
    let world = world_with_token(SandboxOptions::default());
    let run = world.run("step4_call_api", &[]);
    assert_ok(&run);
    // Each playlist's real count, from `items.total` (`tracks` is null).
    for line in [
        "Morning Commute                42 tracks, by Sandbox Listener",
        "Deep Focus (sandbox)           87 tracks",
        "Road Trip                      23 tracks",
        "Rainy Days                     15 tracks",
    ] {
        assert_has(&run, line);
    }
    assert!(!run.stdout.contains("   0 tracks"), "{}", run.stdout);
    assert_has(
        &run,
        "(email, country, product, followers: not in the answer: Spotify stopped returning them to development-mode apps in February 2026)",
    );
    assert!(!run.stdout.contains("email        ="), "{}", run.stdout);
    assert!(!run.stdout.contains("not granted"), "{}", run.stdout);
    // Shows without `publisher`: no "by ?".
    assert!(!run.stdout.contains("by ?"), "{}", run.stdout);
    assert_has(&run, "Talking Rust");
}

#[test]
fn step4_reads_the_extended_quota_shapes() {
    let mut world = World::with(SandboxOptions {
        extended_quota: true,
        ..Default::default()
    });
    world.set(
        "SPOTIFY_SCOPES",
        "user-read-private user-read-email playlist-read-private user-library-read user-read-playback-state",
    );
    world.obtain_token();
    let run = world.run("step4_call_api", &[]);
    assert_ok(&run);
    for line in [
        "email        = sandbox-listener@example.com",
        "country      = SE",
        "product      = premium",
        "followers    = 12",
        "Morning Commute                42 tracks, by Sandbox Listener",
        "by Ferris Media",
    ] {
        assert_has(&run, line);
    }
    assert!(!run.stdout.contains("development-mode"), "{}", run.stdout);
}

#[test]
fn extended_quota_without_the_email_scope_names_the_scope_not_the_2026_change() {
    let mut world = World::with(SandboxOptions {
        extended_quota: true,
        ..Default::default()
    });
    world.set("SPOTIFY_SCOPES", "user-read-private");
    world.obtain_token();
    let run = world.run("step4_call_api", &[]);
    assert_has(
        &run,
        "email        = (not in the answer: it comes with the scope user-read-email)",
    );
    assert!(!run.stdout.contains("February 2026"), "{}", run.stdout);
}

#[test]
fn a_user_off_the_allow_list_is_told_what_to_do_in_the_dashboard() {
    let world = world_with_token(SandboxOptions {
        allowed_users: Some(vec!["ada".into()]),
        ..Default::default()
    });
    let run = world.run("step4_call_api", &[]);
    run.assert_error("User not registered in the Developer Dashboard");
    for part in ["User Management", "e-mail", "at most 5 users", "Premium"] {
        assert!(run.stderr.contains(part), "{part}: {}", run.stderr);
    }
    let run = world.run("step5_control_playback", &["pause"]);
    run.assert_error("User Management");
}

#[test]
fn pause_then_play_changes_what_the_player_reports() {
    let world = world_with_token(SandboxOptions::default());
    world.sandbox.set_playing(DEFAULT_USER_ID, true);
    let base = world.sandbox.url();

    let pause = world.run("step5_control_playback", &["pause"]);
    assert_ok(&pause);
    assert_has(&pause, &format!("== PUT {base}/v1/me/player/pause =="));
    assert_has(&pause, "answered 204 No Content");
    assert_has(
        &pause,
        &format!("== The effect: GET {base}/v1/me/player =="),
    );
    assert_has(
        &pause,
        "paused: Authorization Code by The Loopback Addresses",
    );

    let play = world.run("step5_control_playback", &["play"]);
    assert_ok(&play);
    assert_has(&play, &format!("== PUT {base}/v1/me/player/play =="));
    assert_has(
        &play,
        "playing: Authorization Code by The Loopback Addresses",
    );

    let next = world.run("step5_control_playback", &["next"]);
    assert_ok(&next);
    assert_has(&next, &format!("== POST {base}/v1/me/player/next =="));
    assert!(
        !next.stdout.contains("playing: Authorization Code"),
        "{}",
        next.stdout
    );
    let previous = world.run("step5_control_playback", &["previous"]);
    assert_ok(&previous);
    assert_has(&previous, "playing: Authorization Code");

    assert_eq!(world.sandbox.request_count("/v1/me/player/pause"), 1);
    assert_eq!(world.sandbox.request_count("/v1/me/player/play"), 1);
    assert_eq!(world.token_requests(), 1, "no refresh was needed");
}

#[test]
fn devices_are_listed_with_the_active_one_marked() {
    let world = world_with_token(SandboxOptions::default());
    let run = world.run("step5_control_playback", &["devices"]);
    assert_ok(&run);
    let base = world.sandbox.url();
    assert_has(&run, &format!("== GET {base}/v1/me/player/devices =="));
    assert_has(&run, "* Sandbox Speaker (Computer, volume 64%)");
    assert_has(&run, "- Sandbox Phone (Smartphone, volume 40%)");
}

#[test]
fn no_active_device_says_to_start_playback_and_keeps_the_token() {
    let world = world_with_token(SandboxOptions {
        active_device: false,
        ..Default::default()
    });
    let before = world.token_json();
    let run = world.run("step5_control_playback", &["pause"]);
    run.assert_error("NO_ACTIVE_DEVICE");
    assert!(
        run.stderr
            .contains("start playing something on a device first")
            && run.stderr.contains("open.spotify.com"),
        "{}",
        run.stderr
    );
    assert_eq!(world.token_json(), before, "the token is kept");
    let devices = world.run("step5_control_playback", &["devices"]);
    assert_ok(&devices);
    assert_has(&devices, "none is active");
}

#[test]
fn premium_required_says_so_and_keeps_the_token() {
    let world = world_with_token(SandboxOptions {
        premium: false,
        ..Default::default()
    });
    let before = world.token_json();
    for command in ["pause", "play", "next", "previous"] {
        let run = world.run("step5_control_playback", &[command]);
        run.assert_error("playback control needs Spotify Premium (403 PREMIUM_REQUIRED)");
    }
    assert_eq!(world.token_json(), before, "the token is kept");
}

#[test]
fn a_token_without_the_control_scope_is_refused_before_sending() {
    let mut world = World::new();
    world.set(
        "SPOTIFY_SCOPES",
        "user-read-private playlist-read-private user-read-playback-state",
    );
    world.obtain_token();
    // Even with the token about to expire: not even a refresh is sent.
    edit_token(&world, |t| t["expires_at"] = (now() + 10).into());
    let run = world.run("step5_control_playback", &["pause"]);
    run.assert_error("needs the scope `user-modify-playback-state`");
    assert!(
        run.stderr
            .contains("add user-modify-playback-state to SPOTIFY_SCOPES")
            && run.stderr.contains("run step 1 again"),
        "{}",
        run.stderr
    );
    assert_eq!(world.sandbox.request_count("/v1/me/player/pause"), 0);
    assert_eq!(world.sandbox.request_count("/v1/me/player"), 0);
    assert_eq!(world.token_requests(), 1, "only step 2's exchange");

    world.set("SPOTIFY_SCOPES", "user-read-private");
    world.obtain_token();
    let run = world.run("step5_control_playback", &["devices"]);
    run.assert_error("needs the scope `user-read-playback-state`");
    assert_eq!(world.sandbox.request_count("/v1/me/player/devices"), 0);
}

#[test]
fn a_token_about_to_expire_is_refreshed_first() {
    let world = world_with_token(SandboxOptions::default());
    world.sandbox.set_playing(DEFAULT_USER_ID, true);
    edit_token(&world, |t| t["expires_at"] = (now() + 10).into());
    let old = world.token_json()["access_token"].clone();
    let run = world.run("step5_control_playback", &["pause"]);
    assert_ok(&run);
    assert_has(&run, "so it was refreshed first");
    assert_has(&run, "paused: ");
    assert_eq!(world.token_requests(), 2, "one exchange, one refresh");
    assert_ne!(
        world.token_json()["access_token"],
        old,
        "the new token is saved"
    );

    // A player error after a refresh loses nothing either.
    world.sandbox.set_active_device(DEFAULT_USER_ID, false);
    edit_token(&world, |t| t["expires_at"] = (now() + 10).into());
    let run = world.run("step5_control_playback", &["play"]);
    run.assert_error("NO_ACTIVE_DEVICE");
    assert_eq!(world.token_requests(), 3);
    let token = world.token_json();
    assert!(
        token["expires_at"].as_u64().unwrap() > now() + 600,
        "{token}"
    );
}

#[test]
fn step5_asks_for_the_secret_only_when_a_refresh_is_due() {
    let mut world = world_with_token(SandboxOptions::default());
    world.unset("SPOTIFY_CLIENT_SECRET");
    let run = world.run("step5_control_playback", &["devices"]);
    assert_ok(&run);
    edit_token(&world, |t| t["expires_at"] = (now() + 10).into());
    let run = world.run("step5_control_playback", &["devices"]);
    run.assert_error("SPOTIFY_CLIENT_SECRET is not set");
    assert_eq!(world.sandbox.request_count("/v1/me/player/devices"), 1);
}

#[test]
fn step5_usage_errors() {
    let world = World::new();
    world
        .run("step5_control_playback", &[])
        .assert_error("which command?");
    world
        .run("step5_control_playback", &["stop"])
        .assert_error("unknown command `stop`");
    world
        .run("step5_control_playback", &["pause"])
        .assert_error("no saved token");
}

#[test]
fn client_credentials_prints_an_app_only_token_and_an_artist() {
    let world = World::new();
    let run = world.run("client_credentials", &[]);
    assert_ok(&run);
    let base = world.sandbox.url();
    assert_has(
        &run,
        &format!("POST {base}/api/token grant_type=client_credentials"),
    );
    assert!(run.field("access_token").len() > 20, "{}", run.stdout);
    assert_eq!(run.field("token_type"), "Bearer");
    assert_eq!(run.field("expires_in"), "3600");
    assert_has(
        &run,
        "refresh_token = (none: when this token expires the app simply asks again",
    );
    assert_has(&run, "scope         = (none: scopes are what a user grants");
    assert_has(
        &run,
        &format!("GET {base}/v1/artists/0OdUWJ0sBjDrqHygGUXeCF"),
    );
    assert_has(&run, "name      = Band of Horses");
    assert_has(&run, "genres    = indie folk, indie rock, modern rock");
    assert!(
        !run.stdout.contains(world.sandbox.client_secret()),
        "the secret is never printed"
    );
    assert!(
        !world.auth_dir().join("token.json").exists(),
        "an app token is not saved as the user's token"
    );
    assert_eq!(world.sandbox.request_count("/v1/me"), 0);
}

#[test]
fn client_credentials_token_is_refused_for_me_with_the_explanation() {
    let world = World::new();
    let run = world.run("client_credentials", &["--me"]);
    assert_ok(&run);
    assert_has(
        &run,
        "answered 401: This request requires user authentication.",
    );
    assert_has(&run, "an app-only token has no user");
    assert_has(
        &run,
        "Authorization Code flow (step1_auth_url, then step2_get_tokens)",
    );
    assert_eq!(
        world.sandbox.request_count("/v1/me"),
        1,
        "sent once, no retry"
    );
}

#[test]
fn client_credentials_bad_and_unknown_artists_and_no_app() {
    let mut world = World::new();
    world
        .run("client_credentials", &["--artist", "not-an-id"])
        .assert_error("`not-an-id` is not a Spotify artist id (22 characters");
    assert_eq!(world.token_requests(), 0, "refused before sending");
    world
        .run(
            "client_credentials",
            &["--artist", "0OdUWJ0sBjDrqHygGUXeCX"],
        )
        .assert_error("no artist has the id 0OdUWJ0sBjDrqHygGUXeCX");
    world.unset("SPOTIFY_CLIENT_SECRET");
    world
        .run("client_credentials", &[])
        .assert_error("SPOTIFY_CLIENT_SECRET is not set");
    world.unset("SPOTIFY_CLIENT_ID");
    let run = world.run("client_credentials", &[]);
    run.assert_error("SPOTIFY_CLIENT_ID is not set");
    assert!(
        run.stderr.contains("cargo run --bin sandbox"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pasted_implicit_grant_url_is_named_in_one_line() {
    let world = World::new();
    world.authorize(&[], true);
    let run = world.run(
        "step2_get_tokens",
        &["http://127.0.0.1:8888/callback#access_token=BQold&token_type=Bearer&expires_in=3600"],
    );
    run.assert_error("implicit grant");
    assert!(run.stderr.contains("2025-11-27"), "{}", run.stderr);
    assert_eq!(world.token_requests(), 0);
}

#[test]
fn listen_with_a_loopback_redirect_uri_without_a_port_picks_a_free_port() {
    let registered = "http://127.0.0.1/callback";
    let mut world = World::with(SandboxOptions {
        redirect_uris: vec![registered.into()],
        ..Default::default()
    });
    world.set("SPOTIFY_REDIRECT_URI", registered);
    let record = world.install_fake_browser();
    let step1 = world.run("step1_auth_url", &["--pkce"]);
    assert_ok(&step1);
    assert_has(&step1, "step 2 --listen will pick a free port");
    let child = world
        .command(
            "step2_get_tokens",
            &["--listen", "--open", "--timeout", "30"],
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let authorize_url = common::wait_for_file(&record);
    let query: std::collections::HashMap<String, String> = url::Url::parse(&authorize_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let sent = &query["redirect_uri"];
    let port = url::Url::parse(sent)
        .unwrap()
        .port()
        .expect("a port was put in");
    assert_eq!(sent, &format!("http://127.0.0.1:{port}/callback"));
    assert_eq!(query["code_challenge_method"], "S256", "PKCE kept");
    assert_eq!(
        query["scope"],
        spotify_auth::walkthrough::setup::DEFAULT_SCOPES,
        "same scopes"
    );
    let redirected = spotify_sandbox::approve_consent(&authorize_url, true).unwrap();
    assert!(redirected.starts_with(sent.as_str()), "{redirected}");
    let answer = common::http().get(&redirected).send().unwrap();
    assert_eq!(answer.status(), 200);
    let run = Run::from(child.wait_with_output().unwrap());
    assert_ok(&run);
    assert_has(&run, "has no port, so the listener bound a free one");
    assert_has(&run, "Authorize URL (open this one, not step 1's):");
    assert_has(&run, "Saved the token");
    assert_eq!(world.token_json()["pkce"], true);
}

#[test]
fn env_example_scopes_are_the_walkthrough_defaults() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("SPOTIFY_SCOPES="))
        .unwrap();
    assert_eq!(
        line,
        format!(
            "SPOTIFY_SCOPES=\"{}\"",
            spotify_auth::walkthrough::setup::DEFAULT_SCOPES
        )
    );
}

/// What the README says: put the sandbox binary's lines in `.env`; step 1
/// then reads them, scopes included.
#[test]
fn the_sandbox_binary_lines_work_as_a_dotenv() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(common::bin_path("sandbox"))
        .args(["--port", "0"])
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut dotenv = String::new();
    while dotenv.lines().count() < 6 {
        let line = lines.next().expect("sandbox prints its lines").unwrap();
        if line.starts_with("SPOTIFY_") {
            dotenv.push_str(&line);
            dotenv.push('\n');
        }
    }
    let world = World::new();
    std::fs::write(world.dir.join(".env"), dotenv).unwrap();
    let output = std::process::Command::new(common::bin_path("step1_auth_url"))
        .current_dir(&world.dir)
        .env_clear()
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let run = Run::from(output);
    assert_ok(&run);
    assert!(
        run.authorize_url()
            .contains("user-library-read%20user-read-playback-state%20user-modify-playback-state"),
        "{}",
        run.stdout
    );
}

/// Spotify's 2026 refusals of the app itself, from step 4: each has its own
/// one-line message with the fix, none is tried again, none is slept on.
#[test]
fn step4_names_each_2026_refusal_of_the_app() {
    use spotify_sandbox::{Fault, FaultKind};
    let cases = [
        (
            FaultKind::OwnerPremiumLapsed,
            "403 Active premium subscription required for the owner of the app",
            "renew Premium at https://www.spotify.com/premium",
        ),
        (
            FaultKind::QuotaExceeded,
            "429 QUOTA_EXCEEDED",
            "run this command again once the quota is reset",
        ),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: Some(7200),
            },
            "rate limited (429, Retry-After 7200 s)",
            "wait 7200 s (until 20",
        ),
    ];
    for (kind, what, fix) in cases {
        let world = world_with_token(SandboxOptions::default());
        world.sandbox.add_fault(Fault {
            endpoint: "/v1/me".into(),
            kind: kind.clone(),
            count: 5,
        });
        let started = std::time::Instant::now();
        let run = world.run("step4_call_api", &[]);
        run.assert_error(what);
        run.assert_error(fix);
        assert_eq!(
            world.sandbox.request_count("/v1/me"),
            1,
            "{kind:?}: not tried again"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
