//! Step 2 when the browser will never come, or has come already: an expired
//! step 1 with `--listen`, a redirect URI the authorize page refuses, and the
//! same redirect given twice.

mod common;

use common::{listening_world, World};
use std::time::{Duration, Instant};

#[test]
fn an_expired_step1_is_refused_before_the_browser_opens() {
    let (mut world, _) = listening_world();
    let record = world.install_fake_browser();
    assert!(world.run("step1_auth_url", &[]).ok());
    let path = world.auth_dir().join("pending_authorization.json");
    let mut pending: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    pending["created_at"] = (spotify_auth::now_secs() - 11 * 60).into();
    std::fs::write(&path, pending.to_string()).unwrap();

    let started = Instant::now();
    let run = world.run(
        "step2_get_tokens",
        &["--listen", "--open", "--timeout", "30"],
    );
    run.assert_error("the pending authorization from step 1 is 11 min old and has expired");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!record.exists(), "the browser was opened");
    assert!(!run.stdout.contains("Listening"), "{}", run.stdout);
    assert_eq!(world.token_requests(), 0);
    // Before the secret is asked for, too.
    world.unset("SPOTIFY_CLIENT_SECRET");
    world
        .run_with_stdin(
            "step2_get_tokens",
            &[],
            b"http://127.0.0.1/x?code=c&state=s\n",
        )
        .assert_error("has expired");
}

#[test]
fn a_redirect_uri_the_authorize_page_refuses_ends_the_wait_at_once() {
    // The sandbox registers only http://127.0.0.1:8888/callback.
    let mut world = World::new();
    world.set("SPOTIFY_REDIRECT_URI", "http://127.0.0.1/callback");
    assert!(world.run("step1_auth_url", &[]).ok());
    let started = Instant::now();
    let run = world.run("step2_get_tokens", &["--listen", "--timeout", "60"]);
    run.assert_error("answers 400 (INVALID_CLIENT: Invalid redirect URI)");
    assert!(
        run.stderr.contains("never reach the listener"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("check that http://127.0.0.1/callback is registered"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_same_redirect_twice_says_it_was_traded_and_what_is_next() {
    let world = World::new();
    let (_, redirected) = world.authorize(&[], true);
    let first = world.run("step2_get_tokens", &[&redirected]);
    assert!(first.ok(), "{}", first.stderr);
    let again = world.run("step2_get_tokens", &[&redirected]);
    again.assert_error("this redirect's code was already traded for a token");
    assert!(
        again.stderr.contains("step3_refresh") && again.stderr.contains("step4_call_api"),
        "{}",
        again.stderr
    );
    // Still so after a refresh, and with a newer step 1 pending.
    assert!(world.run("step3_refresh", &[]).ok());
    assert!(world.run("step1_auth_url", &[]).ok());
    world
        .run("step2_get_tokens", &[&redirected])
        .assert_error("already traded");
    assert_eq!(world.token_requests(), 2, "the code was sent once");
}
