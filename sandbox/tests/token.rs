//! `POST /api/token`: code exchange, PKCE, refresh.

mod common;

use common::*;
use spotify_sandbox::approve_consent;

#[test]
fn exchange_answers_tokens() {
    let sb = start();
    let response = exchange(&sb, &code(&sb, "user-read-private playlist-read-private"));
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body = body_json(response);
    assert!(body["access_token"].as_str().unwrap().starts_with("BQ"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("AQ"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "user-read-private playlist-read-private");
}

#[test]
fn access_token_lifetime_is_configurable() {
    let sb = start_with(|o| o.access_token_lifetime_secs = 60);
    let (_, body) = json(exchange(&sb, &code(&sb, "")));
    assert_eq!(body["expires_in"], 60);
    assert_eq!(body["scope"], "");
}

#[test]
fn withheld_scope_is_not_granted() {
    // Extended quota mode, where /v1/me still shows what the scopes allow.
    let sb = start_with(|o| {
        o.withhold_scopes = vec!["user-read-email".into()];
        o.extended_quota = true;
    });
    let location = approve_consent(
        &authorize_url(&sb, "user-read-private user-read-email", "s"),
        true,
    )
    .unwrap();
    let code = param(&location, "code").unwrap();
    let (status, body) = json(exchange(&sb, &code));
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "user-read-private");
    // And the token really lacks it.
    let token = body["access_token"].as_str().unwrap();
    let (_, me) = json(api_get(&sb, "/v1/me", Some(token)));
    assert!(me.get("email").is_none());
    assert_eq!(me["country"], "SE");
}

#[test]
fn a_code_is_single_use() {
    let sb = start();
    let code = code(&sb, "");
    assert_eq!(exchange(&sb, &code).status(), 200);
    assert_eq!(
        oauth_error(exchange(&sb, &code)),
        (
            400,
            "invalid_grant".into(),
            "Invalid authorization code".into()
        )
    );
}

#[test]
fn unknown_code_is_invalid() {
    let sb = start();
    assert_eq!(
        oauth_error(exchange(&sb, "AQnot-a-code")),
        (
            400,
            "invalid_grant".into(),
            "Invalid authorization code".into()
        )
    );
}

#[test]
fn a_code_expires_after_ten_minutes() {
    let sb = start();
    let fresh = code(&sb, "");
    let old = code(&sb, "");
    sb.advance_clock(9 * 60);
    assert_eq!(exchange(&sb, &fresh).status(), 200);
    sb.advance_clock(2 * 60);
    assert_eq!(
        oauth_error(exchange(&sb, &old)),
        (
            400,
            "invalid_grant".into(),
            "Invalid authorization code".into()
        )
    );
}

#[test]
fn redirect_uri_must_be_the_same_as_in_authorize() {
    let sb = start();
    let code = code(&sb, "");
    let response = token_request(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8888/callback/"),
        ],
    );
    assert_eq!(
        oauth_error(response),
        (400, "invalid_grant".into(), "Invalid redirect URI".into())
    );
    // Not consumed by the failed attempt.
    assert_eq!(exchange(&sb, &code).status(), 200);
}

#[test]
fn client_authentication_errors() {
    let sb = start();
    let code = code(&sb, "");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", sb.redirect_uri()),
    ];
    let url = format!("{}/api/token", sb.url());
    let wrong_secret = client()
        .post(&url)
        .basic_auth(sb.client_id(), Some("0123456789abcdef0123456789abcdef"))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(
        oauth_error(wrong_secret),
        (400, "invalid_client".into(), "Invalid client secret".into())
    );
    let secret_with_newline = client()
        .post(&url)
        .basic_auth(sb.client_id(), Some(format!("{}\n", sb.client_secret())))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(
        oauth_error(secret_with_newline).2,
        "Invalid client secret",
        "stray whitespace from an env file"
    );
    let unknown_id = client()
        .post(&url)
        .basic_auth("ffffffffffffffffffffffffffffffff", Some(sb.client_secret()))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(
        oauth_error(unknown_id),
        (400, "invalid_client".into(), "Invalid client".into())
    );
    let no_auth = client().post(&url).form(&form).send().unwrap();
    assert_eq!(oauth_error(no_auth).1, "invalid_client");
    // The code survived all of that.
    assert_eq!(exchange(&sb, &code).status(), 200);
}

#[test]
fn secret_in_the_body_is_accepted_too() {
    let sb = start();
    let code = code(&sb, "");
    let response = client()
        .post(format!("{}/api/token", sb.url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", sb.redirect_uri()),
            ("client_id", sb.client_id()),
            ("client_secret", sb.client_secret()),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn grant_type_is_checked() {
    let sb = start();
    assert_eq!(
        oauth_error(token_request(&sb, &[("code", "x")])).1,
        "unsupported_grant_type"
    );
    assert_eq!(
        oauth_error(token_request(&sb, &[("grant_type", "password")])).1,
        "unsupported_grant_type"
    );
}

#[test]
fn missing_fields_are_invalid_request() {
    let sb = start();
    let (status, error, description) = oauth_error(token_request(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("redirect_uri", sb.redirect_uri()),
        ],
    ));
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    assert!(description.contains("code"));
    let (_, error, description) = oauth_error(token_request(
        &sb,
        &[("grant_type", "authorization_code"), ("code", "AQx")],
    ));
    assert_eq!(error, "invalid_request");
    assert!(description.contains("redirect_uri"));
    let (_, error, description) =
        oauth_error(token_request(&sb, &[("grant_type", "refresh_token")]));
    assert_eq!(error, "invalid_request");
    assert!(description.contains("refresh_token"));
}

fn pkce_code(sb: &spotify_sandbox::Sandbox) -> String {
    let location = approve_consent(&pkce_authorize_url(sb, "user-read-private"), true).unwrap();
    param(&location, "code").unwrap()
}

fn pkce_exchange(
    sb: &spotify_sandbox::Sandbox,
    code: &str,
    verifier: Option<&str>,
) -> reqwest::blocking::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", sb.redirect_uri()),
        ("client_id", sb.client_id()),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    client()
        .post(format!("{}/api/token", sb.url()))
        .form(&form)
        .send()
        .unwrap()
}

#[test]
fn pkce_right_verifier_gives_tokens() {
    let sb = start();
    let (status, body) = json(pkce_exchange(&sb, &pkce_code(&sb), Some(VERIFIER)));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "user-read-private");
    assert!(body["refresh_token"].as_str().is_some());
}

#[test]
fn pkce_wrong_or_missing_verifier_is_refused() {
    let sb = start();
    let code = pkce_code(&sb);
    let expected = (
        400,
        "invalid_grant".to_string(),
        "code_verifier was incorrect".to_string(),
    );
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx";
    assert_eq!(
        oauth_error(pkce_exchange(&sb, &code, Some(wrong))),
        expected
    );
    // Without the verifier, as Spotify: required once a challenge was sent,
    // with or without the secret.
    let required = (
        400,
        "invalid_request".to_string(),
        "code_verifier required".to_string(),
    );
    assert_eq!(oauth_error(pkce_exchange(&sb, &code, None)), required);
    assert_eq!(oauth_error(exchange(&sb, &code)), required);
    // Basic auth plus the right verifier is fine.
    let response = token_request(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", sb.redirect_uri()),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(response.status(), 200);
}

#[test]
fn a_sandbox_can_refuse_the_verifier_together_with_the_secret() {
    let sb = start_with(|o| o.refuse_pkce_with_secret = true);
    let code = pkce_code(&sb);
    let with_secret = token_request(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", sb.redirect_uri()),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(oauth_error(with_secret).1, "invalid_request");
    // PKCE without the secret still works.
    assert_eq!(pkce_exchange(&sb, &code, Some(VERIFIER)).status(), 200);
}

#[test]
fn public_client_cannot_exchange_a_code_without_pkce() {
    let sb = start();
    let code = code(&sb, "");
    assert_eq!(
        oauth_error(pkce_exchange(&sb, &code, None)),
        (400, "invalid_client".into(), "Invalid client secret".into())
    );
    assert_eq!(
        oauth_error(pkce_exchange(&sb, &code, Some(VERIFIER))).2,
        "code_verifier was incorrect"
    );
}

#[test]
fn refresh_without_rotation_omits_refresh_token() {
    let sb = start();
    let (access, refresh_token) = tokens(&sb, "user-read-private");
    for _ in 0..2 {
        let (status, body) = json(refresh(&sb, &refresh_token));
        assert_eq!(status, 200, "{body}");
        assert!(body.get("refresh_token").is_none(), "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert_eq!(body["scope"], "user-read-private");
        let new_access = body["access_token"].as_str().unwrap();
        assert_ne!(new_access, access);
        assert_eq!(api_get(&sb, "/v1/me", Some(new_access)).status(), 200);
    }
}

#[test]
fn refresh_with_rotation_answers_a_new_one_and_revokes_the_old() {
    let sb = start_with(|o| o.rotate_refresh_tokens = true);
    let (_, first) = tokens(&sb, "");
    let (status, body) = json(refresh(&sb, &first));
    assert_eq!(status, 200);
    let second = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(
        oauth_error(refresh(&sb, &first)),
        (400, "invalid_grant".into(), "Refresh token revoked".into())
    );
    assert_eq!(refresh(&sb, &second).status(), 200);
}

#[test]
fn revoked_refresh_tokens_are_refused() {
    let sb = start();
    let (access, refresh_token) = tokens(&sb, "");
    sb.revoke_refresh_tokens();
    assert_eq!(
        oauth_error(refresh(&sb, &refresh_token)),
        (400, "invalid_grant".into(), "Refresh token revoked".into())
    );
    // Access tokens already issued keep working until they expire.
    assert_eq!(api_get(&sb, "/v1/me", Some(&access)).status(), 200);
    // Tokens issued afterwards are fine.
    let (_, later) = tokens(&sb, "");
    assert_eq!(refresh(&sb, &later).status(), 200);
    assert_eq!(oauth_error(refresh(&sb, "AQunknown")).1, "invalid_grant");
}

#[test]
fn refresh_tokens_expire_six_months_after_consent_even_when_used() {
    let sb = start_with(|o| o.rotate_refresh_tokens = true);
    let (_, mut current) = tokens(&sb, "");
    // Refresh every month: rotation does not extend the horizon.
    for _ in 0..5 {
        sb.advance_clock(30 * 24 * 3600);
        let (status, body) = json(refresh(&sb, &current));
        assert_eq!(status, 200, "{body}");
        current = body["refresh_token"].as_str().unwrap().to_string();
    }
    sb.advance_clock(40 * 24 * 3600); // 190 days after consent
    assert_eq!(
        oauth_error(refresh(&sb, &current)),
        (400, "invalid_grant".into(), "Refresh token revoked".into())
    );
}

#[test]
fn pkce_refresh_with_client_id_only() {
    let sb = start();
    let (_, body) = json(pkce_exchange(&sb, &pkce_code(&sb), Some(VERIFIER)));
    let pkce_refresh = body["refresh_token"].as_str().unwrap();
    let response = client()
        .post(format!("{}/api/token", sb.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", pkce_refresh),
            ("client_id", sb.client_id()),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    // A refresh token from the secret-based flow needs the secret.
    let (_, confidential) = tokens(&sb, "");
    let response = client()
        .post(format!("{}/api/token", sb.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", confidential.as_str()),
            ("client_id", sb.client_id()),
        ])
        .send()
        .unwrap();
    assert_eq!(oauth_error(response).1, "invalid_client");
}
