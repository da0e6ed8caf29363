//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::blocking::{Client, Response};
use serde_json::Value;
use spotify_sandbox::{approve_consent, Sandbox, SandboxOptions};

/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn start() -> Sandbox {
    Sandbox::start(SandboxOptions::default()).expect("sandbox starts")
}

pub fn start_with(f: impl FnOnce(&mut SandboxOptions)) -> Sandbox {
    let mut options = SandboxOptions::default();
    f(&mut options);
    Sandbox::start(options).expect("sandbox starts")
}

/// `form` and `json` without reqwest's "form"/"json" features (the sandbox keeps
/// the library's exact reqwest features).
pub trait FormExt {
    fn form<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self;
    fn json(self, value: &Value) -> Self;
}

impl FormExt for reqwest::blocking::RequestBuilder {
    fn form<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
            .finish();
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    }

    fn json(self, value: &Value) -> Self {
        self.header("Content-Type", "application/json")
            .body(value.to_string())
    }
}

/// Parse a response body as JSON.
pub fn body_json(response: Response) -> Value {
    let bytes = response.bytes().expect("a body");
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// A client builder that works in a workspace build (reqwest's rustls then
/// has no crypto provider of its own); these tests speak plain http anyway.
pub use test_support::http_builder as client_builder;

pub fn client() -> Client {
    client_with_timeout(Duration::from_secs(10))
}

pub fn client_with_timeout(timeout: Duration) -> Client {
    client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .unwrap()
}

/// An authorize URL built from raw query pairs.
pub fn authorize_url_with(sb: &Sandbox, pairs: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", sb.url())).unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url.to_string()
}

pub fn authorize_url(sb: &Sandbox, scope: &str, state: &str) -> String {
    authorize_url_with(
        sb,
        &[
            ("client_id", sb.client_id()),
            ("response_type", "code"),
            ("redirect_uri", sb.redirect_uri()),
            ("scope", scope),
            ("state", state),
        ],
    )
}

pub fn pkce_authorize_url(sb: &Sandbox, scope: &str) -> String {
    authorize_url_with(
        sb,
        &[
            ("client_id", sb.client_id()),
            ("response_type", "code"),
            ("redirect_uri", sb.redirect_uri()),
            ("scope", scope),
            ("state", "pkce-state"),
            ("code_challenge_method", "S256"),
            ("code_challenge", CHALLENGE),
        ],
    )
}

/// The query parameters of a redirect Location.
pub fn params(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param(location: &str, name: &str) -> Option<String> {
    params(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A fresh authorization code for `scope` (consent approved).
pub fn code(sb: &Sandbox, scope: &str) -> String {
    let location = approve_consent(&authorize_url(sb, scope, "s"), true).unwrap();
    param(&location, "code").expect("code in the redirect")
}

pub fn token_request(sb: &Sandbox, form: &[(&str, &str)]) -> Response {
    client()
        .post(format!("{}/api/token", sb.url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(form)
        .send()
        .unwrap()
}

pub fn exchange(sb: &Sandbox, code: &str) -> Response {
    token_request(
        sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", sb.redirect_uri()),
        ],
    )
}

pub fn refresh(sb: &Sandbox, refresh_token: &str) -> Response {
    token_request(
        sb,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
}

/// Access and refresh token for `scope`.
pub fn tokens(sb: &Sandbox, scope: &str) -> (String, String) {
    let response = exchange(sb, &code(sb, scope));
    assert_eq!(response.status(), 200);
    let body = body_json(response);
    (
        body["access_token"].as_str().unwrap().to_string(),
        body["refresh_token"].as_str().unwrap().to_string(),
    )
}

pub fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = body_json(response);
    (status, body)
}

/// `{"error":..,"error_description":..}` pair of an accounts-service answer.
pub fn oauth_error(response: Response) -> (u16, String, String) {
    let (status, body) = json(response);
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

pub fn api_get(sb: &Sandbox, path: &str, token: Option<&str>) -> Response {
    let mut request = client().get(format!("{}{path}", sb.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().unwrap()
}
