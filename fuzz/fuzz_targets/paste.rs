//! The paste of step 2: `parse_redirect`, then `check_redirect` against a
//! fixed pending authorization, on any bytes (decoded as the binary decodes
//! standard input: lossy UTF-8).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spotify_auth::core::step2::{check_redirect, parse_redirect, MAX_PASTE_BYTES};
use spotify_auth::PendingAuthorization;
use std::sync::OnceLock;

const STATE: &str = "Zm9vYmFyYmF6cXV4LXN0YXRlLTAx";
const CREATED_AT: u64 = 1_750_000_000;
static PENDING: OnceLock<PendingAuthorization> = OnceLock::new();

/// Built from JSON, as step 2 reads it from disk (fields added later with a
/// serde default need no change here).
fn pending() -> PendingAuthorization {
    serde_json::from_value(serde_json::json!({
        "state": STATE,
        "code_verifier": null,
        "redirect_uri": "http://127.0.0.1:8888/callback",
        "client_id": "5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3",
        "scopes": ["user-read-private"],
        "created_at": CREATED_AT,
    }))
    .expect("a pending authorization as step 1 saves it")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The age of the pending authorization: inside and past its 10 minutes.
    let now = CREATED_AT + u64::from(data.first().copied().unwrap_or(0)) * 5;
    let pending = PENDING.get_or_init(pending);
    let parsed = parse_redirect(&text);
    // What the paste carried, to judge the outcome by.
    let (bare, state) = match &parsed {
        Ok(params) => (params.bare_code, params.state.clone()),
        Err(_) => (false, None),
    };
    let outcome = parsed.and_then(|params| check_redirect(params, pending, now));
    match outcome {
        Ok(code) => {
            assert!(text.len() <= MAX_PASTE_BYTES);
            assert!(!code.secret().is_empty(), "an empty code was accepted");
            assert!(
                now - CREATED_AT <= 600,
                "an expired authorization was accepted"
            );
            if bare {
                assert!(code.secret().len() >= 16, "a short bare code was accepted");
            } else {
                // The CSRF check: only the pending state lets a code through.
                assert_eq!(state.as_deref(), Some(STATE), "a wrong state was accepted");
            }
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty());
            if let spotify_auth::Error::AuthorizationDenied { .. } = error {
                // The state is checked before `error=`: only a redirect that
                // the pending authorization started can report a denial.
                assert!(!bare, "a bare code reported a denial");
                assert_eq!(
                    state.as_deref(),
                    Some(STATE),
                    "a forged error= was believed"
                );
                // The service's word is capped (60 characters, each escaped
                // to at most 10): a paste cannot flood the terminal.
                assert!(
                    message.chars().count() <= 800,
                    "{} characters",
                    message.chars().count()
                );
            }
            // The binaries print `error: {message}`: it must stay one line and
            // must not carry terminal control sequences from the paste.
            assert!(
                !message.chars().any(char::is_control),
                "control character in the error message: {message:?}"
            );
        }
    }
});
