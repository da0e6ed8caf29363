//! Steps 2 and 3: the request to the accounts service's token endpoint as
//! data (URL, headers, form body), for any HTTP client to send, and the
//! meaning of its answers. Nothing here sends anything.

use super::error::{printable, Error, Result};
use super::secret::ClientSecret;
use super::token::{parse_token_response, TokenResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fmt;

/// Steps 2 and 3: how the app proves who it is at the token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    /// `Authorization: Basic base64(client_id:client_secret)`.
    Basic(&'a ClientSecret),
    /// PKCE: `client_id` in the form, no secret.
    Public,
}

/// Steps 2 and 3: which failures a request may be sent again after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// Only when the request surely did not take effect: connection refused,
    /// 429. For the code exchange: a code works once.
    UnsentOnly,
    /// Also after 5xx answers, timeouts and dropped connections (reads, refreshes).
    Idempotent,
}

/// Steps 2 and 3: one `POST {accounts}/api/token`, ready to send. Its `Debug`
/// shows no secret (the body and the `Authorization` header hold them).
pub struct TokenRequest {
    /// `{accounts}/api/token`.
    pub url: String,
    /// The headers: `Content-Type`, and `Authorization` for [`ClientAuth::Basic`].
    pub headers: Vec<(&'static str, String)>,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
    /// When the sender may try again.
    pub retry: RetryPolicy,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("TokenRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .field("body", &"[redacted]")
            .field("retry", &self.retry)
            .finish()
    }
}

/// Steps 2 and 3: the token request with `form` (plus `client_id` for [`ClientAuth::Public`]).
pub fn token_request(
    accounts_url: &str,
    client_id: &str,
    auth: ClientAuth<'_>,
    form: &[(&str, &str)],
    retry: RetryPolicy,
) -> TokenRequest {
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    let mut headers = vec![(
        "Content-Type",
        "application/x-www-form-urlencoded".to_string(),
    )];
    match auth {
        ClientAuth::Public => fields.push(("client_id", client_id)),
        ClientAuth::Basic(secret) => {
            let credentials = STANDARD.encode(format!("{client_id}:{}", secret.secret()));
            headers.push(("Authorization", format!("Basic {credentials}")));
        }
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    TokenRequest {
        url: format!("{accounts_url}/api/token"),
        headers,
        body,
        retry,
    }
}

/// Steps 2 and 3: the token endpoint's answer, parsed: the tokens of a 200,
/// else the error its body names.
pub fn parse_token_answer(status: u16, body: &str) -> Result<TokenResponse> {
    if status == 200 {
        parse_token_response(body)
    } else {
        Err(accounts_error(status, body))
    }
}

/// Steps 2 and 3: the error for a non-200 answer of the token endpoint.
pub fn accounts_error(status: u16, body: &str) -> Error {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let Some(error) = json["error"].as_str() else {
        return Error::UnexpectedResponse(format!(
            "the accounts service answered {status} with a body that is not its JSON error ({:?}): check SPOTIFY_ACCOUNTS_URL",
            body.chars().take(60).collect::<String>()
        ));
    };
    // Both are printed: keep them to one short line.
    let error = printable(error, 60);
    let description = printable(json["error_description"].as_str().unwrap_or_default(), 200);
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
    fn requests_carry_the_credentials_and_hide_them_in_debug() {
        let secret = ClientSecret::new("s3cr3t");
        let basic = token_request(
            "https://accounts.example",
            "id",
            ClientAuth::Basic(&secret),
            &[("grant_type", "refresh_token"), ("refresh_token", "AQ r")],
            RetryPolicy::Idempotent,
        );
        assert_eq!(basic.url, "https://accounts.example/api/token");
        assert_eq!(basic.body, "grant_type=refresh_token&refresh_token=AQ+r");
        assert!(basic.headers.contains(&(
            "Authorization",
            format!("Basic {}", STANDARD.encode("id:s3cr3t"))
        )));
        let shown = format!("{basic:?}");
        assert!(!shown.contains("AQ") && !shown.contains("aWQ6"), "{shown}");
        let public = token_request("u", "id", ClientAuth::Public, &[], RetryPolicy::UnsentOnly);
        assert_eq!(public.body, "client_id=id");
        assert_eq!(public.headers.len(), 1);
    }

    #[test]
    fn invalid_client_is_its_own_error() {
        let e = accounts_error(
            400,
            r#"{"error":"invalid_client","error_description":"Invalid client"}"#,
        );
        assert!(
            matches!(&e, Error::InvalidClient(d) if d == "Invalid client"),
            "{e}"
        );
    }
}
