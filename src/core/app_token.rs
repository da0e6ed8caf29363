//! App-only tokens: the Client Credentials grant. The app authenticates as
//! itself (Basic header with its secret), no user takes part, so the token
//! reaches public catalogue data only (`GET /v1/artists/{id}`, search), never
//! `/v1/me`. The answer has no refresh token (the app can always ask again)
//! and no scope (scopes are what a user grants). No I/O here.

use super::accounts::{accounts_error, token_request, ClientAuth, RetryPolicy, TokenRequest};
use super::config::Config;
use super::error::{Error, Result};
use super::secret::AccessToken;
use super::token::MAX_EXPIRES_IN_SECS;
use serde::Deserialize;

/// The answer of `POST /api/token` with `grant_type=client_credentials`.
#[derive(Debug, Clone, Deserialize)]
pub struct AppToken {
    /// The app-only access token.
    pub access_token: AccessToken,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds it lives (3600).
    pub expires_in: u64,
    /// A refresh token, which Spotify never sends for this grant; kept to say
    /// so if one ever appears.
    refresh_token: Option<serde_json::Value>,
    /// A scope, which Spotify never sends for this grant.
    scope: Option<serde_json::Value>,
}

impl AppToken {
    /// True when the answer carried a `refresh_token` (Spotify's never does).
    pub fn has_refresh_token(&self) -> bool {
        self.refresh_token.as_ref().is_some_and(|v| !v.is_null())
    }

    /// True when the answer carried a non-empty `scope` (Spotify's never does;
    /// a `null` one is read as none).
    pub fn has_scope(&self) -> bool {
        self.scope
            .as_ref()
            .is_some_and(|scope| scope.as_str() != Some(""))
    }
}

/// The token request: `grant_type=client_credentials` with the Basic header.
/// PKCE cannot do this grant (there is no user to prove anything for): the
/// secret is required. Asking twice does no harm, so it may be retried.
pub fn client_credentials_request(config: &Config) -> Result<TokenRequest> {
    let secret = config.require_secret()?;
    Ok(token_request(
        &config.accounts_url,
        &config.client_id,
        ClientAuth::Basic(secret),
        &[("grant_type", "client_credentials")],
        RetryPolicy::Idempotent,
    ))
}

/// The answer parsed: the token of a 200, else the accounts service's error.
pub fn parse_app_token_answer(status: u16, body: &str) -> Result<AppToken> {
    if status != 200 {
        return Err(accounts_error(status, body));
    }
    let token: AppToken = serde_json::from_str(body).map_err(|e| {
        Error::UnexpectedResponse(format!(
            "the client-credentials answer is not the JSON expected ({e}): check SPOTIFY_ACCOUNTS_URL points at the accounts service"
        ))
    })?;
    if token.access_token.secret().is_empty() {
        return Err(Error::UnexpectedResponse(
            "the client-credentials answer has an empty `access_token`; try again".into(),
        ));
    }
    if token.expires_in > MAX_EXPIRES_IN_SECS {
        return Err(Error::UnexpectedResponse(format!(
            "the client-credentials answer's `expires_in` ({} s) is implausible (Spotify says 3600); try again",
            token.expires_in
        )));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::ClientSecret;
    use base64::Engine;

    fn config(secret: Option<&str>) -> Config {
        let mut config = Config::from_lookup(|name| match name {
            "SPOTIFY_CLIENT_ID" => Some("5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3".into()),
            "SPOTIFY_ACCOUNTS_URL" => Some("http://127.0.0.1:9".into()),
            _ => None,
        })
        .unwrap();
        config.client_secret = secret.map(ClientSecret::new);
        config
    }

    #[test]
    fn the_request_is_the_grant_with_the_basic_header() {
        let request = client_credentials_request(&config(Some("s3cr3t"))).unwrap();
        assert_eq!(request.url, "http://127.0.0.1:9/api/token");
        assert_eq!(request.body, "grant_type=client_credentials");
        let basic = base64::engine::general_purpose::STANDARD
            .encode("5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3:s3cr3t");
        assert!(request
            .headers
            .contains(&("Authorization", format!("Basic {basic}"))));
        assert!(matches!(
            client_credentials_request(&config(None)),
            Err(Error::MissingClientSecret)
        ));
    }

    #[test]
    fn the_answer_has_no_refresh_token_and_no_scope() {
        let token = parse_app_token_answer(
            200,
            r#"{"access_token":"BQapp","token_type":"Bearer","expires_in":3600}"#,
        )
        .unwrap();
        assert_eq!(token.access_token.secret(), "BQapp");
        assert_eq!(token.expires_in, 3600);
        assert!(!token.has_refresh_token() && !token.has_scope());
        for (scope, has) in [
            ("null", false),
            ("\"\"", false),
            ("\"x\"", true),
            ("[]", true),
        ] {
            let body = format!(
                r#"{{"access_token":"a","token_type":"Bearer","expires_in":1,"scope":{scope}}}"#
            );
            assert_eq!(parse_app_token_answer(200, &body).unwrap().has_scope(), has);
        }
        assert!(matches!(
            parse_app_token_answer(
                400,
                r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#
            ),
            Err(Error::InvalidClient(_))
        ));
        assert!(matches!(
            parse_app_token_answer(200, "<html>"),
            Err(Error::UnexpectedResponse(_))
        ));
        assert!(parse_app_token_answer(200, r#"{"token_type":"Bearer","expires_in":1}"#).is_err());
    }
}
