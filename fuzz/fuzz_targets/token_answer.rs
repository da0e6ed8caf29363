//! Answers of the token endpoint: `parse_token_response` on a 200 body (then
//! saved, refreshed and round-tripped through the token file's JSON), and
//! `accounts_error(status, body)` on any other. The first two bytes are the
//! status; the rest is the body, decoded lossily as `http::read_body` does.
//! The body is also read as a saved `token.json`, and the last 24 bytes give
//! the times of a saved token (any size: a tampered file).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotify_auth::core::accounts::accounts_error;
use spotify_auth::core::token::{parse_token_response, MAX_EXPIRES_IN_SECS};
use spotify_auth::{AccessToken, RefreshToken, SavedToken};
use std::sync::OnceLock;

const NOW: u64 = 1_750_000_000;

fn one_clean_line(what: &str, message: &str) {
    assert!(
        !message.chars().any(char::is_control),
        "{what}: control character in the error message: {message:?}"
    );
}

static TEMPLATE: OnceLock<SavedToken> = OnceLock::new();

fn template() -> SavedToken {
    serde_json::from_value(serde_json::json!({
        "access_token": "BQ-access", "token_type": "Bearer", "scopes": ["user-read-private"],
        "expires_at": NOW + 3600, "refresh_token": "AQ-refresh", "consented_at": NOW,
        "obtained_at": NOW, "client_id": "5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3", "pkce": false,
    }))
    .expect("a token as step 2 saves it")
}

fn check_saved_times(saved: &SavedToken, now: u64) {
    let left = saved.expires_in_secs(now);
    let exact = i128::from(saved.expires_at) - i128::from(now);
    assert_eq!(
        i128::from(left),
        exact.clamp(i128::from(i64::MIN), i128::from(i64::MAX)),
        "expires_in_secs wrapped"
    );
    assert_eq!(saved.needs_refresh(now), left < 60);
    let horizon = saved.refresh_token_expires_at();
    assert!(horizon >= saved.consented_at, "the refresh horizon wrapped");
    let status = spotify_auth::walkthrough::report::token_status(saved, now);
    one_clean_line("token_status", &status.replace('\n', " "));
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]);
    let body = String::from_utf8_lossy(&data[2..]);

    match parse_token_response(&body) {
        Ok(response) => {
            assert!(!response.access_token.secret().is_empty());
            // An absurd `expires_in` is refused, so expiries stay near `now`.
            assert!(response.expires_in <= MAX_EXPIRES_IN_SECS);
            let asked = vec!["user-read-private".to_string()];
            if let Ok(token) = SavedToken::from_exchange(&response, &asked, "id", false, NOW) {
                assert_eq!(token.expires_at, NOW + response.expires_in);
                let refreshed = token.merge_refresh(&response, NOW + 10);
                assert_eq!(refreshed.expires_at, NOW + 10 + response.expires_in);
                // Never a null refresh token: the old one is kept when absent.
                assert!(
                    response.refresh_token.is_some()
                        || refreshed.refresh_token == token.refresh_token
                );
                let _ = refreshed.needs_refresh(NOW);
                let _ = refreshed.expires_in_secs(NOW);
                let _ = refreshed.refresh_token_expires_at();
                let _ = spotify_auth::walkthrough::report::token_status(&refreshed, NOW);
                // What is saved reads back identical.
                let json = serde_json::to_vec_pretty(&refreshed).unwrap();
                let back: SavedToken = serde_json::from_slice(&json).unwrap();
                assert_eq!(back, refreshed);
                // Debug never shows the tokens: it does not depend on them at all.
                let mut blank = refreshed.clone();
                blank.access_token = AccessToken::new("");
                blank.refresh_token = RefreshToken::new("");
                assert_eq!(
                    format!("{refreshed:?}"),
                    format!("{blank:?}"),
                    "a token in Debug"
                );
            }
        }
        Err(error) => one_clean_line("parse_token_response", &error.to_string()),
    }

    // The service's `error` / `error_description` are printed: one clean,
    // short line (60 and 200 characters, each escaped to at most 10).
    let message = accounts_error(status, &body).to_string();
    one_clean_line("accounts_error", &message);
    assert!(
        message.chars().count() <= 3_500,
        "accounts_error: {} characters",
        message.chars().count()
    );

    // A saved `token.json` (tampered, or written by another version) with
    // times of any size: the body itself when it is one, and always a fixed
    // token whose times are the last 24 bytes (`expires_at`, `consented_at`,
    // `now`). Reading its state never panics and never wraps.
    if let Ok(saved) = serde_json::from_str::<SavedToken>(&body) {
        check_saved_times(&saved, u64::from(status) << 48 | NOW);
    }
    if let Some(tail) = data.len().checked_sub(24).map(|start| &data[start..]) {
        let word = |i: usize| u64::from_le_bytes(tail[i * 8..i * 8 + 8].try_into().unwrap());
        let mut saved = TEMPLATE.get_or_init(template).clone();
        saved.expires_at = word(0);
        saved.consented_at = word(1);
        check_saved_times(&saved, word(2));
    }
});
