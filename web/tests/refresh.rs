//! Refresh once: 50 requests after a 401 cause one refresh request; a revoked
//! refresh token signs its user out and nobody else.

mod common;

use common::*;
use spotify_sandbox::SandboxOptions;

#[test]
fn fifty_concurrent_requests_after_a_401_cause_one_refresh() {
    let app = start();
    let client = browser();
    sign_in(&app, &client, "ada");
    assert_eq!(get_json(&client, &format!("{}/api/me", app.url)).0, 200);
    // Spotify's clock moves past the token's hour; ours does not: every call gets 401.
    app.sandbox.advance_clock(3601);
    let before = app.sandbox.request_count("/api/token");
    let url = format!("{}/api/me", app.url);
    let barrier = std::sync::Barrier::new(50);
    let statuses: Vec<(u16, serde_json::Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    get_json(&client, &url)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (status, body) in &statuses {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["id"], "ada");
    }
    assert_eq!(
        app.sandbox.request_count("/api/token") - before,
        1,
        "exactly one refresh request"
    );
    assert_eq!(app.state.tokens.refresh_count(), 1);
}

#[test]
fn a_token_near_expiry_is_refreshed_before_use() {
    let app = start_with(
        SandboxOptions {
            access_token_lifetime_secs: 30,
            ..Default::default()
        },
        &[],
    );
    let client = browser();
    sign_in(&app, &client, "ada");
    let before = app.sandbox.request_count("/api/token");
    let (status, token) = get_json(&client, &format!("{}/api/token", app.url));
    assert_eq!(status, 200);
    assert_eq!(
        app.sandbox.request_count("/api/token") - before,
        1,
        "less than 60 s left: refreshed first"
    );
    assert!(token["expires_at"].as_u64().is_some());
}

#[test]
fn rotated_refresh_tokens_are_saved_before_use() {
    let app = start_with(
        SandboxOptions {
            rotate_refresh_tokens: true,
            ..Default::default()
        },
        &[],
    );
    let client = browser();
    sign_in(&app, &client, "ada");
    let first = block_on(app.state.store.load_token("ada"))
        .unwrap()
        .unwrap();
    for round in 0..3 {
        app.sandbox.advance_clock(3601);
        let (status, body) = get_json(&client, &format!("{}/api/me", app.url));
        assert_eq!(status, 200, "round {round}: {body}");
    }
    let last = block_on(app.state.store.load_token("ada"))
        .unwrap()
        .unwrap();
    assert_ne!(first.token.refresh_token, last.token.refresh_token);
    assert_eq!(last.version, first.version + 3);
}

#[test]
fn invalid_grant_signs_that_user_out_and_nobody_else() {
    let app = start();
    let (ada, grace) = (browser(), browser());
    sign_in(&app, &ada, "ada");
    app.sandbox.revoke_refresh_tokens();
    sign_in(&app, &grace, "grace");
    app.sandbox.advance_clock(3601);
    for _ in 0..2 {
        let (status, body) = get_json(&ada, &format!("{}/api/me", app.url));
        assert_eq!(
            (status, body["login"].as_str()),
            (401, Some("/login")),
            "{body}"
        );
    }
    assert!(block_on(app.state.store.load_token("ada"))
        .unwrap()
        .is_none());
    let (status, body) = get_json(&grace, &format!("{}/api/me", app.url));
    assert_eq!((status, body["id"].as_str()), (200, Some("grace")));
    let page = ada.get(&app.url).send().unwrap().text().unwrap();
    assert!(page.contains("Log in with Spotify"));
}
