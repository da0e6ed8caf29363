//! Spotify's 2026 refusals of the app itself, through the web app: a plain
//! sentence on the page and in `/api/*`'s JSON, 503 (with `Retry-After` for
//! a rate limit too long to wait out), and nothing tried again.

mod common;

use common::{browser, sign_in, start};
use spotify_sandbox::{Fault, FaultKind};

#[test]
fn each_2026_refusal_has_its_sentence_and_is_not_tried_again() {
    let cases = [
        (
            FaultKind::OwnerPremiumLapsed,
            "the Spotify account of the app's owner no longer has Premium",
            None,
        ),
        (
            FaultKind::QuotaExceeded,
            "This app has used up the requests Spotify allows it for now",
            None,
        ),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: Some(7200),
            },
            "Spotify asks this app to wait before its next request: try again in 7200 s (after 20",
            Some("7200"),
        ),
    ];
    for (kind, sentence, retry_after) in cases {
        let app = start();
        let ada = browser();
        sign_in(&app, &ada, "ada");
        app.sandbox.add_fault(Fault {
            endpoint: "/v1/me".into(),
            kind: kind.clone(),
            count: 2,
        });
        let before = app.sandbox.request_count("/v1/me");
        let started = std::time::Instant::now();
        let answer = ada.get(format!("{}/api/me", app.url)).send().unwrap();
        assert_eq!(answer.status(), 503, "{kind:?}");
        assert_eq!(
            answer
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap()),
            retry_after,
            "{kind:?}"
        );
        let body: serde_json::Value = serde_json::from_str(&answer.text().unwrap()).unwrap();
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(sentence), "{kind:?}: {message}");
        for word in ["step1_auth_url", "SPOTIFY_", "--"] {
            assert!(!message.contains(word), "{kind:?}: {message}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(
            app.sandbox.request_count("/v1/me") - before,
            1,
            "{kind:?}: not tried again"
        );
        // The page says it too (a paused app counts its seconds down).
        app.sandbox.add_fault(Fault {
            endpoint: "/v1/me/playlists".into(),
            kind: kind.clone(),
            count: 1,
        });
        let page = ada.get(&app.url).send().unwrap().text().unwrap();
        let start_of = |s: &str| {
            s.split([':', '('])
                .next()
                .unwrap()
                .trim()
                .replace('\'', "&#39;")
        };
        assert!(page.contains(&start_of(sentence)), "{kind:?}: {page}");
    }
}
