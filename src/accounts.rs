//! Requests to the accounts service's token endpoint and the meaning of its
//! error answers.

use crate::error::printable;
use crate::http::{send, RetryPolicy};
use crate::token::{parse_token_response, TokenResponse};
use crate::{ClientSecret, Config, Error, Result};
use reqwest::blocking::Client;

/// How the app proves who it is at the token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    /// `Authorization: Basic base64(client_id:client_secret)`.
    Basic(&'a ClientSecret),
    /// PKCE: `client_id` in the form, no secret.
    Public,
}

/// `POST {accounts}/api/token` with `form` (plus `client_id` for [`ClientAuth::Public`]).
pub fn token_request(
    http: &Client,
    config: &Config,
    auth: ClientAuth<'_>,
    form: &[(&str, &str)],
    policy: RetryPolicy,
) -> Result<TokenResponse> {
    let url = format!("{}/api/token", config.accounts_url);
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    if let ClientAuth::Public = auth {
        fields.push(("client_id", &config.client_id));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let build = || {
        let request = http
            .post(&url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body.clone());
        match auth {
            ClientAuth::Basic(secret) => {
                request.basic_auth(&config.client_id, Some(secret.secret()))
            }
            ClientAuth::Public => request,
        }
    };
    let answer = send(build, &url, config.http_timeout, policy)?;
    if answer.status == 200 {
        return parse_token_response(&answer.body);
    }
    Err(accounts_error(answer.status, &answer.body))
}

/// The error for a non-200 answer of the token endpoint.
pub fn accounts_error(status: u16, body: &str) -> Error {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let (Some(error), description) = (
        field("error"),
        field("error_description").unwrap_or_default(),
    ) else {
        return Error::UnexpectedResponse(format!(
            "the accounts service answered {status} with a body that is not its JSON error ({:?}): check SPOTIFY_ACCOUNTS_URL",
            body.chars().take(60).collect::<String>()
        ));
    };
    // Both are printed: keep them to one short line.
    let (error, description) = (printable(&error, 60), printable(&description, 200));
    let lower = description.to_ascii_lowercase();
    match error.as_str() {
        "invalid_client" => Error::InvalidClient(description),
        "invalid_grant" if lower.contains("authorization code") => Error::InvalidAuthorizationCode,
        "invalid_grant" if lower.contains("redirect uri") => Error::RedirectUriMismatch,
        "invalid_grant" if lower.contains("code_verifier") => Error::CodeVerifierIncorrect,
        "invalid_grant" if lower.contains("refresh token") => Error::RefreshTokenRevoked,
        _ => Error::AccountsError {
            status,
            error,
            description,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spotify_errors_become_specific_variants() {
        let e = |body: &str| accounts_error(400, body);
        assert!(matches!(
            e(r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#),
            Error::InvalidClient(_)
        ));
        assert!(matches!(
            e(r#"{"error":"invalid_grant","error_description":"Invalid authorization code"}"#),
            Error::InvalidAuthorizationCode
        ));
        assert!(matches!(
            e(r#"{"error":"invalid_grant","error_description":"Invalid redirect URI"}"#),
            Error::RedirectUriMismatch
        ));
        assert!(matches!(
            e(r#"{"error":"invalid_grant","error_description":"code_verifier was incorrect"}"#),
            Error::CodeVerifierIncorrect
        ));
        assert!(matches!(
            e(r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#),
            Error::RefreshTokenRevoked
        ));
        assert!(matches!(
            e(r#"{"error":"unsupported_grant_type","error_description":"x"}"#),
            Error::AccountsError { .. }
        ));
        assert!(matches!(e("<html>"), Error::UnexpectedResponse(_)));
        assert!(matches!(
            e(r#"{"error":{"status":400}}"#),
            Error::UnexpectedResponse(_)
        ));
    }

    #[test]
    fn invalid_client_mentions_quotes() {
        let msg = accounts_error(
            400,
            r#"{"error":"invalid_client","error_description":"Invalid client"}"#,
        )
        .to_string();
        assert!(msg.contains("without quotes"), "{msg}");
    }
}
