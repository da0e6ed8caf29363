//! `GET /authorize`, the consent page and the decision.

mod common;

use common::*;
use spotify_sandbox::{approve_consent, scope_description};

#[test]
fn consent_page_shows_app_scopes_user_and_both_buttons() {
    let sb = start_with(|o| o.app_name = "My <Test> App".to_string());
    let url = authorize_url(&sb, "user-read-email playlist-read-private", "xyz");
    let response = client().get(&url).send().unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>"));
    assert!(page.contains("My &lt;Test&gt; App"), "app name, escaped");
    assert!(page.contains("user-read-email"));
    assert!(page.contains(scope_description("user-read-email").unwrap()));
    assert!(page.contains(scope_description("playlist-read-private").unwrap()));
    assert!(
        !page.contains(scope_description("user-top-read").unwrap()),
        "only the asked scopes are listed"
    );
    assert!(page.contains("Sandbox Listener"));
    assert!(page.contains(r#"<form method="post" action="/authorize/decision""#));
    assert!(page.contains(
        r#"<button type="submit" name="decision" value="agree" id="agree">Agree</button>"#
    ));
    assert!(page.contains(r#"id="cancel">Cancel</button>"#));
}

#[test]
fn consent_page_without_scopes_says_public_data_only() {
    let sb = start();
    let page = client()
        .get(authorize_url(&sb, "", "s"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("id=\"no-scopes\""));
    assert!(page.contains("id=\"agree\""));
}

#[test]
fn agree_redirects_with_code_and_state() {
    let sb = start();
    let state = "a state/with spaces&symbols=";
    let location = approve_consent(&authorize_url(&sb, "user-read-private", state), true).unwrap();
    assert!(location.starts_with("http://127.0.0.1:8888/callback?"));
    let code = param(&location, "code").unwrap();
    assert!(code.starts_with("AQ"));
    assert!(code.len() > 150);
    assert_eq!(param(&location, "state").as_deref(), Some(state));
    assert!(param(&location, "error").is_none());
}

#[test]
fn agree_without_state_echoes_no_state() {
    let sb = start();
    let url = authorize_url_with(
        &sb,
        &[
            ("client_id", sb.client_id()),
            ("response_type", "code"),
            ("redirect_uri", sb.redirect_uri()),
        ],
    );
    let location = approve_consent(&url, true).unwrap();
    assert!(param(&location, "code").is_some());
    assert!(param(&location, "state").is_none());
}

#[test]
fn cancel_redirects_with_access_denied() {
    let sb = start();
    let location = approve_consent(&authorize_url(&sb, "user-read-private", "st8"), false).unwrap();
    assert!(location.starts_with("http://127.0.0.1:8888/callback?"));
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&location, "state").as_deref(), Some("st8"));
    assert!(param(&location, "code").is_none());
}

#[test]
fn decision_answers_303_and_a_request_is_answered_once() {
    let sb = start();
    let page = client()
        .get(authorize_url(&sb, "", "s"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let marker = "name=\"request_id\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let id = &page[start..start + page[start..].find('"').unwrap()];
    let submit = || {
        client()
            .post(format!("{}/authorize/decision", sb.url()))
            .form(&[("request_id", id), ("decision", "agree")])
            .send()
            .unwrap()
    };
    let first = submit();
    assert_eq!(first.status(), 303);
    assert!(first.headers()["location"]
        .to_str()
        .unwrap()
        .contains("code="));
    let second = submit();
    assert_eq!(second.status(), 400);
}

fn error_page(url: &str) -> (u16, String) {
    let response = client().get(url).send().unwrap();
    let status = response.status().as_u16();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    (status, response.text().unwrap())
}

#[test]
fn unknown_client_id_is_an_error_page() {
    let sb = start();
    let url = authorize_url_with(
        &sb,
        &[
            ("client_id", "00000000000000000000000000000000"),
            ("response_type", "code"),
            ("redirect_uri", sb.redirect_uri()),
        ],
    );
    assert_eq!(
        error_page(&url),
        (400, "INVALID_CLIENT: Invalid client".into())
    );
    let err = approve_consent(&url, true).unwrap_err();
    assert!(err.contains("INVALID_CLIENT: Invalid client"), "{err}");
}

fn redirect_error(sb: &spotify_sandbox::Sandbox, redirect_uri: &str) -> (u16, String) {
    error_page(&authorize_url_with(
        sb,
        &[
            ("client_id", sb.client_id()),
            ("response_type", "code"),
            ("redirect_uri", redirect_uri),
        ],
    ))
}

#[test]
fn unregistered_redirect_uris_are_refused() {
    let sb = start();
    let expected = (400, "INVALID_CLIENT: Invalid redirect URI".to_string());
    for uri in [
        "http://127.0.0.1:8888/callback/",
        "http://127.0.0.1:8888/Callback",
        "http://127.0.0.1:8889/callback",
        "https://127.0.0.1:8888/callback",
        "http://localhost:8888/callback",
        "http://evil.example/callback",
    ] {
        assert_eq!(redirect_error(&sb, uri), expected, "{uri}");
    }
    let url = authorize_url_with(
        &sb,
        &[("client_id", sb.client_id()), ("response_type", "code")],
    );
    assert_eq!(error_page(&url), expected, "no redirect_uri at all");
    let err = approve_consent(
        &authorize_url_with(
            &sb,
            &[
                ("client_id", sb.client_id()),
                ("response_type", "code"),
                ("redirect_uri", "http://localhost:8888/callback"),
            ],
        ),
        true,
    )
    .unwrap_err();
    assert!(
        err.contains("INVALID_CLIENT: Invalid redirect URI"),
        "{err}"
    );
}

#[test]
fn localhost_and_plain_http_are_refused_even_when_registered() {
    let sb = start_with(|o| {
        o.redirect_uris = vec![
            "http://localhost:8888/callback".into(),
            "http://app.example/callback".into(),
            "https://app.example/callback".into(),
        ]
    });
    assert_eq!(
        redirect_error(&sb, "http://localhost:8888/callback").1,
        "INVALID_CLIENT: Invalid redirect URI"
    );
    assert_eq!(
        redirect_error(&sb, "http://app.example/callback").1,
        "INVALID_CLIENT: Invalid redirect URI"
    );
    let location = approve_consent(
        &authorize_url_with(
            &sb,
            &[
                ("client_id", sb.client_id()),
                ("response_type", "code"),
                ("redirect_uri", "https://app.example/callback"),
            ],
        ),
        true,
    )
    .unwrap();
    assert!(location.starts_with("https://app.example/callback?code="));
}

/// Agree on the consent page of an authorize URL carrying `uri`: the
/// redirect, checked to go to `uri` with a code.
fn agree_with_redirect_uri(sb: &spotify_sandbox::Sandbox, uri: &str) -> String {
    let url = authorize_url_with(
        sb,
        &[
            ("client_id", sb.client_id()),
            ("response_type", "code"),
            ("redirect_uri", uri),
        ],
    );
    let location = approve_consent(&url, true).unwrap();
    assert!(location.starts_with(&format!("{uri}?code=")), "{location}");
    location
}

#[test]
fn loopback_registered_without_port_matches_any_port() {
    let sb = start_with(|o| {
        o.redirect_uris = vec!["http://127.0.0.1/callback".into(), "http://[::1]/cb".into()]
    });
    for uri in ["http://127.0.0.1:54321/callback", "http://[::1]:8080/cb"] {
        let location = agree_with_redirect_uri(&sb, uri);
        // The code is bound to the port actually used.
        let code = param(&location, "code").unwrap();
        let response = token_request(
            &sb,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", uri),
            ],
        );
        assert_eq!(response.status(), 200);
    }
    assert_eq!(
        redirect_error(&sb, "http://127.0.0.1:54321/callback/").1,
        "INVALID_CLIENT: Invalid redirect URI"
    );
}

/// Several URIs registered side by side (what `sandbox --redirect-uri` does),
/// each matched by Spotify's rule: exactly, or on any port for a loopback URI
/// registered without one; what the dashboard would not take is refused.
#[test]
fn several_registered_redirect_uris_each_match_by_the_rule() {
    let registered = [
        "http://127.0.0.1:8888/callback",
        "http://127.0.0.1/callback",
        "https://app.example/callback",
    ];
    for uri in registered {
        spotify_sandbox::check_registrable_redirect_uri(uri).unwrap();
    }
    for uri in ["http://localhost/callback", "http://app.example/callback"] {
        let err = spotify_sandbox::check_registrable_redirect_uri(uri).unwrap_err();
        assert!(err.contains("cannot be registered"), "{err}");
    }
    let sb = start_with(|o| o.redirect_uris = registered.map(String::from).to_vec());
    for uri in [
        "http://127.0.0.1:8888/callback",
        "http://127.0.0.1:41234/callback",
        "http://127.0.0.1/callback",
        "https://app.example/callback",
    ] {
        agree_with_redirect_uri(&sb, uri);
    }
    for uri in [
        "http://127.0.0.1:8888/other",
        "https://app.example:8443/callback",
        "http://[::1]:8888/callback",
    ] {
        assert_eq!(
            redirect_error(&sb, uri).1,
            "INVALID_CLIENT: Invalid redirect URI",
            "{uri}"
        );
    }
}

#[test]
fn wrong_response_type_redirects_with_unsupported_response_type() {
    let sb = start();
    let url = authorize_url_with(
        &sb,
        &[
            ("client_id", sb.client_id()),
            ("response_type", "token"),
            ("redirect_uri", sb.redirect_uri()),
            ("state", "abc"),
        ],
    );
    let response = client().get(&url).send().unwrap();
    assert_eq!(response.status(), 303);
    let location = approve_consent(&url, true).unwrap();
    assert!(location.starts_with("http://127.0.0.1:8888/callback?"));
    assert_eq!(
        param(&location, "error").as_deref(),
        Some("unsupported_response_type")
    );
    assert_eq!(param(&location, "state").as_deref(), Some("abc"));
}

#[test]
fn unknown_scope_is_an_error_page() {
    let sb = start();
    let url = authorize_url(&sb, "user-read-private user-read-everything", "s");
    assert_eq!(
        error_page(&url),
        (400, "INVALID_SCOPE: Invalid scope".into())
    );
    let url = authorize_url(&sb, "user-read-private,user-read-email", "s");
    assert_eq!(
        error_page(&url).1,
        "INVALID_SCOPE: Invalid scope",
        "comma separated scopes are one unknown scope"
    );
}

fn pkce_refusal(sb: &spotify_sandbox::Sandbox, extra: &[(&str, &str)]) -> Option<String> {
    let mut pairs = vec![
        ("client_id", sb.client_id()),
        ("response_type", "code"),
        ("redirect_uri", sb.redirect_uri()),
        ("state", "p"),
    ];
    pairs.extend_from_slice(extra);
    let location = approve_consent(&authorize_url_with(sb, &pairs), true).unwrap();
    assert_eq!(param(&location, "state").as_deref(), Some("p"));
    param(&location, "error")
}

#[test]
fn pkce_parameters_are_checked() {
    let sb = start();
    assert_eq!(
        pkce_refusal(
            &sb,
            &[
                ("code_challenge_method", "plain"),
                ("code_challenge", CHALLENGE)
            ]
        )
        .as_deref(),
        Some("invalid_request")
    );
    assert_eq!(
        pkce_refusal(&sb, &[("code_challenge", CHALLENGE)]).as_deref(),
        Some("invalid_request"),
        "method missing: plain is not supported"
    );
    assert_eq!(
        pkce_refusal(&sb, &[("code_challenge_method", "S256")]).as_deref(),
        Some("invalid_request"),
        "method without challenge"
    );
    assert_eq!(
        pkce_refusal(
            &sb,
            &[
                ("code_challenge_method", "S256"),
                ("code_challenge", "tooshort")
            ]
        )
        .as_deref(),
        Some("invalid_request")
    );
    assert_eq!(
        pkce_refusal(
            &sb,
            &[
                ("code_challenge_method", "S256"),
                ("code_challenge", CHALLENGE)
            ]
        ),
        None,
        "a well-formed S256 challenge is accepted"
    );
}
