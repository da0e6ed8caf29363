//! Token-service faults during the code exchange and the refresh, and crashes
//! while saving: the message, the exit code, and what is on disk afterwards.

mod common;

use common::World;
use spotify_sandbox::{Fault, FaultKind};

fn arm(world: &World, kind: FaultKind, count: u32) {
    world.sandbox.add_fault(Fault {
        endpoint: "/api/token".into(),
        kind,
        count,
    });
}

fn slow_world() -> World {
    let mut world = World::new();
    world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "1");
    world
}

/// A code exchange that may have reached the service is never retried (a code
/// works once); nothing is saved and the message says what happened.
#[test]
fn exchange_faults_fail_once_without_saving() {
    let cases: Vec<(FaultKind, &str)> = vec![
        (FaultKind::Status(500), "answered 500, a server error"),
        (FaultKind::Status(503), "answered 503, a server error"),
        (
            FaultKind::Slow { secs: 3 },
            "did not answer within 1 s (1 try)",
        ),
        (FaultKind::ConnectionReset, "could not reach"),
        (FaultKind::NotJson, "not JSON"),
        (FaultKind::MissingFields, "lacks `access_token`"),
    ];
    for (kind, expected) in cases {
        let world = slow_world();
        let (_, redirected) = world.authorize(&[], true);
        arm(&world, kind.clone(), 5);
        let run = world.run("step2_get_tokens", &[&redirected]);
        run.assert_error(expected);
        assert_eq!(
            world.token_requests(),
            1,
            "{kind:?}: the exchange must not be retried"
        );
        assert!(
            !world.auth_dir().join("token.json").exists(),
            "{kind:?}: nothing saved"
        );
    }
}

/// A 429 means the service did not take the request: the exchange may retry it.
#[test]
fn exchange_waits_out_429() {
    for retry_after in [Some(1), None] {
        let world = World::new();
        let (_, redirected) = world.authorize(&[], true);
        arm(
            &world,
            FaultKind::TooManyRequests {
                retry_after_secs: retry_after,
            },
            1,
        );
        let run = world.run("step2_get_tokens", &[&redirected]);
        assert!(run.ok(), "{retry_after:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("429 Too Many Requests"),
            "the wait is shown: {}",
            run.stderr
        );
        assert_eq!(world.token_requests(), 2);
    }
}

/// Refreshes are retried with capped back-off and end with a valid token.
#[test]
fn refresh_survives_transient_faults() {
    let cases: Vec<(FaultKind, &str)> = vec![
        (FaultKind::Status(500), "server error 500"),
        (FaultKind::Status(503), "server error 503"),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: Some(1),
            },
            "Retry-After 1 s",
        ),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: None,
            },
            "no Retry-After",
        ),
        // A try gets half of the time limit (4 s here): room for a second one.
        (FaultKind::Slow { secs: 3 }, "no answer within 2 s"),
        (FaultKind::ConnectionReset, "retrying"),
    ];
    for (kind, note) in cases {
        // The limit bounds every try and wait: room for the back-offs.
        let mut world = World::new();
        world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "4");
        world.obtain_token();
        let before = world.token_json();
        arm(&world, kind.clone(), 1);
        let run = world.run("step3_refresh", &[]);
        assert!(run.ok(), "{kind:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(note),
            "{kind:?}: wait shown: {}",
            run.stderr
        );
        let after = world.token_json();
        assert_ne!(after["access_token"], before["access_token"], "{kind:?}");
        assert_eq!(after["refresh_token"], before["refresh_token"], "{kind:?}");
    }
}

/// Faults that do not pass leave the saved token byte for byte as it was.
#[test]
fn refresh_failures_leave_the_saved_token_unchanged() {
    let cases: Vec<(FaultKind, u32, &str)> = vec![
        (FaultKind::Status(503), 10, "answered 503, a server error"),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: Some(60),
            },
            1,
            "Retry-After 60 s",
        ),
        (FaultKind::NotJson, 1, "not JSON"),
        (FaultKind::MissingFields, 1, "lacks `access_token`"),
        (FaultKind::ConnectionReset, 10, "could not reach"),
    ];
    for (kind, count, expected) in cases {
        let world = slow_world();
        world.obtain_token();
        let path = world.auth_dir().join("token.json");
        let before = std::fs::read(&path).unwrap();
        arm(&world, kind.clone(), count);
        world.run("step3_refresh", &[]).assert_error(expected);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{kind:?}: token unchanged"
        );
    }
}

/// A service that never answers: the whole refresh, every try and wait, ends
/// within the one time limit, and the message says so (it took four times the
/// limit, naming one).
#[test]
fn a_refresh_that_never_gets_an_answer_ends_within_the_time_limit() {
    let mut world = World::new();
    world.obtain_token();
    world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "2");
    let path = world.auth_dir().join("token.json");
    let before = std::fs::read(&path).unwrap();
    arm(&world, FaultKind::Slow { secs: 5 }, 10);
    let started = std::time::Instant::now();
    let run = world.run("step3_refresh", &[]);
    let elapsed = started.elapsed();
    run.assert_error("did not answer within 2 s (2 tries)");
    assert!(
        elapsed < std::time::Duration::from_millis(3500),
        "took {elapsed:?} for a 2 s limit"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_crash_between_write_and_rename_keeps_the_previous_token() {
    let mut world = World::new();
    world.obtain_token();
    let path = world.auth_dir().join("token.json");
    let before = std::fs::read(&path).unwrap();
    world.set("SPOTIFY_AUTH_FAIL_AT", "before-rename");
    world
        .run("step3_refresh", &[])
        .assert_error("injected failure");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(world.auth_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    world.unset("SPOTIFY_AUTH_FAIL_AT");
    assert!(
        world.run("step3_refresh", &[]).ok(),
        "the previous token still loads and works"
    );
}

#[test]
fn concurrent_refreshes_leave_one_valid_token() {
    let world = World::new();
    world.obtain_token();
    let children: Vec<_> = (0..4)
        .map(|_| {
            world
                .command("step3_refresh", &[])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let token = world.token_json();
    assert!(token["access_token"].as_str().unwrap().starts_with("BQ"));
    assert!(world.run("step3_refresh", &[]).ok());
}
