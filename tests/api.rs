//! Step 4 against the sandbox: the four reads, the automatic refresh, missing
//! scopes (checked before sending, and refused by the service), 429, 5xx and
//! slow answers.

mod common;

use common::{edit_token, Run, World};
use spotify_sandbox::{Fault, FaultKind};

const ALL_SCOPES: &str = "user-read-private user-read-email playlist-read-private user-library-read user-read-playback-state";
const NO_PLAYLISTS: &str =
    "user-read-private user-read-email user-library-read user-read-playback-state";

/// A world with a token granted `scopes` (steps 1 and 2 done).
fn world_with(scopes: &str) -> World {
    let mut world = World::new();
    world.set("SPOTIFY_SCOPES", scopes);
    world.obtain_token();
    world
}

fn step4(world: &World) -> Run {
    world.run("step4_call_api", &[])
}

fn arm(world: &World, endpoint: &str, kind: FaultKind, count: u32) {
    world.sandbox.add_fault(Fault {
        endpoint: endpoint.into(),
        kind,
        count,
    });
}

fn now() -> u64 {
    spotify_auth::now_secs()
}

fn set_playing(world: &World, on: bool) {
    let answer = common::http()
        .post(format!("{}/__sandbox/playing?on={on}", world.sandbox.url()))
        .send()
        .unwrap();
    assert!(answer.status().is_success());
}

fn assert_ok(run: &Run) {
    assert!(run.ok(), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn prints_profile_playlists_shows_and_nothing_playing() {
    let world = world_with(ALL_SCOPES);
    let run = step4(&world);
    assert_ok(&run);
    let base = world.sandbox.url();
    for expected in [
        format!("== Profile: GET {base}/v1/me =="),
        "id           = sandbox-user".into(),
        "display_name = Sandbox Listener".into(),
        // The development-mode shape (the sandbox's default since 2026).
        "(email, country, product, followers: not in the answer: Spotify stopped returning them to development-mode apps in February 2026)".into(),
        format!("== Playlists: GET {base}/v1/me/playlists?limit=5 =="),
        "4 in total, the first 4:".into(),
        "Morning Commute".into(),
        "42 tracks, by Sandbox Listener".into(),
        format!("== Saved shows (podcasts): GET {base}/v1/me/shows?limit=5 =="),
        "Talking Rust".into(),
        "120 episodes".into(),
        format!("== Playback: GET {base}/v1/me/player =="),
        "nothing is playing (204 No Content)".into(),
        "refresh token valid until about".into(),
        "six months after the consent".into(),
        "Done: all 4 calls answered.".into(),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("problem:"), "{}", run.stdout);
    assert!(
        !run.stdout.contains(world.sandbox.client_secret()),
        "the secret is never printed"
    );
    assert_eq!(world.token_requests(), 1, "no refresh was needed");
    for path in [
        "/v1/me",
        "/v1/me/playlists",
        "/v1/me/shows",
        "/v1/me/player",
    ] {
        assert_eq!(world.sandbox.request_count(path), 1, "{path}");
    }
}

#[test]
fn limit_option_and_bad_arguments() {
    let world = world_with(ALL_SCOPES);
    let run = world.run("step4_call_api", &["--limit", "2"]);
    assert_ok(&run);
    assert!(
        run.stdout.contains("4 in total, the first 2:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("/v1/me/shows?limit=2"),
        "{}",
        run.stdout
    );
    world
        .run("step4_call_api", &["--limit", "0"])
        .assert_error("--limit `0` is not a number from 1 to 50");
    world
        .run("step4_call_api", &["--verbose"])
        .assert_error("unknown argument `--verbose`");
}

#[test]
fn shows_what_is_playing() {
    let world = world_with(ALL_SCOPES);
    set_playing(&world, true);
    let run = step4(&world);
    assert_ok(&run);
    assert!(
        run.stdout
            .contains("playing: Authorization Code by The Loopback Addresses"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("device: Sandbox Speaker (Computer, volume 64%)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" of 4:14"), "{}", run.stdout);
    set_playing(&world, false);
    assert!(step4(&world)
        .stdout
        .contains("nothing is playing (204 No Content)"));
}

#[test]
fn refreshes_by_itself_when_less_than_a_minute_is_left() {
    let world = world_with(ALL_SCOPES);
    let before = world.token_json();
    edit_token(&world, |t| t["expires_at"] = (now() + 30).into());
    let run = step4(&world);
    assert_ok(&run);
    assert!(
        run.stdout.contains("so it was refreshed first"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("grant_type=refresh_token"),
        "{}",
        run.stdout
    );
    assert_eq!(world.token_requests(), 2, "one exchange, one refresh");
    let after = world.token_json();
    assert_ne!(after["access_token"], before["access_token"]);
    assert!(after["expires_at"].as_u64().unwrap() > now() + 3000);
    assert_eq!(
        after["refresh_token"], before["refresh_token"],
        "kept when the answer has none"
    );
    assert_eq!(
        world.sandbox.request_count("/v1/me"),
        1,
        "refreshed before the call, not after a 401"
    );
    assert!(
        run.stdout.contains(after["access_token"].as_str().unwrap()),
        "the new token is shown"
    );
}

#[test]
fn a_pkce_token_refreshes_without_the_secret() {
    let mut world = World::new();
    world.set("SPOTIFY_SCOPES", ALL_SCOPES);
    let (_, redirected) = world.authorize(&["--pkce"], true);
    world.unset("SPOTIFY_CLIENT_SECRET");
    assert!(world.run("step2_get_tokens", &[&redirected]).ok());
    edit_token(&world, |t| t["expires_at"] = (now() + 10).into());
    let run = step4(&world);
    assert_ok(&run);
    assert!(run.stdout.contains("so it was refreshed first"));
}

#[test]
fn the_secret_is_needed_only_when_a_refresh_is_due() {
    let mut world = world_with(ALL_SCOPES);
    world.unset("SPOTIFY_CLIENT_SECRET");
    // A fresh token works without the secret.
    assert_ok(&step4(&world));
    // An expiring one needs it; without a terminal that is an error naming it.
    edit_token(&world, |t| t["expires_at"] = (now() + 10).into());
    step4(&world).assert_error("SPOTIFY_CLIENT_SECRET is not set");
    assert_eq!(world.sandbox.request_count("/v1/me"), 1);
}

/// The service's clock says the token expired although ours does not: the 401
/// makes step 4 refresh once and try again.
#[test]
fn a_401_for_an_expired_token_is_refreshed_once_and_retried() {
    let world = world_with(ALL_SCOPES);
    world.sandbox.advance_clock(3700);
    let run = step4(&world);
    assert_ok(&run);
    assert!(
        run.stderr
            .contains("answered 401 (The access token expired): refreshing the token"),
        "{}",
        run.stderr
    );
    assert_eq!(world.token_requests(), 2);
    assert_eq!(world.sandbox.request_count("/v1/me"), 2);
    assert_eq!(
        world.sandbox.request_count("/v1/me/playlists"),
        1,
        "later calls use the new token"
    );
}

/// A token the service does not know (here: saved by another sandbox) gets a
/// 401, and its refresh token is refused too: discarded, authorize again.
#[test]
fn a_token_unknown_to_the_service_is_discarded_with_advice() {
    let first = world_with(ALL_SCOPES);
    let mut second = World::new();
    second.set("SPOTIFY_SCOPES", ALL_SCOPES);
    std::fs::create_dir_all(second.auth_dir()).unwrap();
    std::fs::copy(
        first.auth_dir().join("token.json"),
        second.auth_dir().join("token.json"),
    )
    .unwrap();
    let run = step4(&second);
    run.assert_error("Refresh token revoked");
    assert!(
        run.stderr.contains("answered 401 (Invalid access token)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("authorize again with step 1"));
    assert!(!second.auth_dir().join("token.json").exists());
    step4(&second).assert_error("no saved token: run step 1 and step 2 first");
}

#[test]
fn a_scope_not_granted_is_reported_before_sending_and_the_rest_still_runs() {
    let world = world_with(NO_PLAYLISTS);
    let run = step4(&world);
    run.assert_error("needs the scope `playlist-read-private`");
    run.assert_error("add playlist-read-private to SPOTIFY_SCOPES and run step 1 again");
    assert_eq!(
        world.sandbox.request_count("/v1/me/playlists"),
        0,
        "nothing sent"
    );
    assert!(
        run.stdout.contains("  problem: GET "),
        "the problem is under its heading:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("Talking Rust"), "{}", run.stdout);
    assert!(run.stdout.contains("nothing is playing"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("3 of 4 calls answered; failed: playlists"),
        "{}",
        run.stdout
    );
}

/// The library believes the token has the scope (token.json edited); the
/// service refuses with 403, and the message still names the scope.
#[test]
fn a_403_from_the_service_names_the_scope() {
    let world = world_with(NO_PLAYLISTS);
    edit_token(&world, |t| {
        t["scopes"]
            .as_array_mut()
            .unwrap()
            .push("playlist-read-private".into())
    });
    let run = step4(&world);
    run.assert_error(
        "the Web API answered 403 (Insufficient client scope): the token lacks the scope `playlist-read-private`; add it to SPOTIFY_SCOPES and run step 1 again",
    );
    assert_eq!(world.sandbox.request_count("/v1/me/playlists"), 1);
    assert!(run.stdout.contains("Talking Rust"));
}

#[test]
fn several_failed_sections_are_all_shown() {
    let world = world_with("user-read-private");
    let run = step4(&world);
    run.assert_error("`playlist-read-private`");
    assert_eq!(
        run.stdout.matches("  problem: ").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("3 calls failed (playlists, saved shows, playback)"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("id           = sandbox-user"));
}

/// SPOTIFY_SCOPES now asks for a scope the saved token lacks: stop before any call.
#[test]
fn a_scope_added_to_spotify_scopes_needs_step_1_again() {
    let mut world = world_with(ALL_SCOPES);
    world.set("SPOTIFY_SCOPES", &format!("{ALL_SCOPES} user-top-read"));
    step4(&world).assert_error(
        "the saved token was not granted user-top-read, which SPOTIFY_SCOPES asks for: run step 1 again",
    );
    assert_eq!(world.sandbox.request_count("/v1/me"), 0);
}

#[test]
fn waits_out_429_with_and_without_retry_after() {
    for retry_after in [Some(1), None] {
        let world = world_with(ALL_SCOPES);
        arm(
            &world,
            "/v1/me",
            FaultKind::TooManyRequests {
                retry_after_secs: retry_after,
            },
            1,
        );
        let started = std::time::Instant::now();
        let run = step4(&world);
        assert_ok(&run);
        let shown = match retry_after {
            Some(_) => "429 Too Many Requests, Retry-After 1 s; retrying in 1.0 s",
            None => "429 Too Many Requests, no Retry-After; retrying in 0.5 s",
        };
        assert!(run.stderr.contains(shown), "{}", run.stderr);
        assert!(started.elapsed() >= std::time::Duration::from_millis(500));
        assert_eq!(world.sandbox.request_count("/v1/me"), 2);
    }
}

#[test]
fn a_retry_after_beyond_the_cap_is_reported_not_waited() {
    let world = world_with(ALL_SCOPES);
    arm(
        &world,
        "/v1/me",
        FaultKind::TooManyRequests {
            retry_after_secs: Some(120),
        },
        1,
    );
    step4(&world).assert_error("rate limited (429, Retry-After 120 s)");
    assert_eq!(world.sandbox.request_count("/v1/me"), 1);
}

#[test]
fn survives_transient_5xx_and_slow_answers() {
    let cases: Vec<(&str, FaultKind, u32, &str)> = vec![
        ("/v1/me", FaultKind::Status(500), 1, "server error 500"),
        (
            "/v1/me/playlists",
            FaultKind::Status(503),
            2,
            "server error 503",
        ),
        (
            "/v1/me/player",
            FaultKind::Status(502),
            1,
            "server error 502",
        ),
        (
            "/v1/me/shows",
            FaultKind::Slow { secs: 3 },
            1,
            // A try gets half of the time limit (4 s): room for a second one.
            "no answer within 2 s",
        ),
    ];
    for (endpoint, kind, count, shown) in cases {
        let mut world = world_with(ALL_SCOPES);
        // The limit bounds every try and wait: room for the back-offs.
        world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "4");
        arm(&world, endpoint, kind.clone(), count);
        let run = step4(&world);
        assert_ok(&run);
        assert!(run.stderr.contains(shown), "{kind:?}: {}", run.stderr);
        assert!(run.stdout.contains("Done: all 4 calls answered."));
        assert_eq!(world.sandbox.request_count(endpoint), u64::from(count) + 1);
    }
}

#[test]
fn a_5xx_that_persists_fails_clearly() {
    // On the profile, which is required: stop there.
    let world = world_with(ALL_SCOPES);
    arm(&world, "/v1/me", FaultKind::Status(502), 10);
    let run = step4(&world);
    run.assert_error(
        "/v1/me answered 502, a server error: the service has trouble, try again in a minute",
    );
    assert_eq!(
        world.sandbox.request_count("/v1/me"),
        u64::from(spotify_auth::http::MAX_ATTEMPTS)
    );
    assert_eq!(world.sandbox.request_count("/v1/me/playlists"), 0);

    // On the shows: the other sections still print, the run still fails.
    let world = world_with(ALL_SCOPES);
    arm(&world, "/v1/me/shows", FaultKind::Status(503), 10);
    let run = step4(&world);
    run.assert_error("/v1/me/shows?limit=5 answered 503, a server error");
    assert!(run.stdout.contains("Morning Commute"));
    assert!(run.stdout.contains("nothing is playing"));
}

#[test]
fn garbage_answers_are_named() {
    let world = world_with(ALL_SCOPES);
    arm(&world, "/v1/me", FaultKind::NotJson, 1);
    step4(&world).assert_error("/v1/me answered something that is not JSON (it starts with \"<html>upstream error</html>\")");
    arm(&world, "/v1/me/playlists", FaultKind::MissingFields, 1);
    let run = step4(&world);
    run.assert_error("/v1/me/playlists?limit=5 answered JSON of an unexpected shape");
    assert!(run.stdout.contains("Talking Rust"));
}

#[test]
fn without_a_token_says_to_run_steps_1_and_2() {
    let world = World::new();
    world
        .run("step4_call_api", &[])
        .assert_error("no saved token: run step 1 and step 2 first");
}
