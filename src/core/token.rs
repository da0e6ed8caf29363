//! Steps 2 and 3: token answers of the accounts service, and the token policy
//! (expiry margin, keeping the old refresh token, scope checks) applied to the
//! token a caller keeps between steps.

use super::error::{Error, Result};
use super::secret::{AccessToken, AuthorizationCode, RefreshToken};
use serde::{Deserialize, Serialize};

/// Step 3: a refresh token dies six months after the user's consent (since mid-2026);
/// refreshing does not extend it. 182 days, the short reading of "six months".
pub const REFRESH_TOKEN_LIFETIME_SECS: u64 = 182 * 24 * 3600;
/// Step 3: an access token with less than this left is refreshed before use.
pub const REFRESH_MARGIN_SECS: u64 = 60;

/// Steps 2 and 3: a longer `expires_in` than a year is a broken answer, not a token.
pub const MAX_EXPIRES_IN_SECS: u64 = 365 * 24 * 3600;

/// Steps 2 and 3: the JSON of a 200 answer of `POST /api/token`.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    /// The new access token.
    pub access_token: AccessToken,
    /// Always `Bearer`.
    pub token_type: String,
    /// The scopes granted, space separated (may be fewer than asked).
    pub scope: Option<String>,
    /// Seconds the access token lives (3600).
    pub expires_in: u64,
    /// A refresh token: always in a code exchange, only sometimes in a refresh.
    pub refresh_token: Option<RefreshToken>,
}

impl TokenResponse {
    /// The granted scopes as a list (`None` when the answer has no `scope`).
    pub fn granted_scopes(&self) -> Option<Vec<String>> {
        self.scope.as_deref().map(super::scopes::parse_scopes)
    }
}

/// Steps 2 and 3: parses a 200 answer; a body that is not JSON, or lacks a field, is an
/// [`Error::UnexpectedResponse`] naming what is wrong.
pub fn parse_token_response(body: &str) -> Result<TokenResponse> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|_| {
        Error::UnexpectedResponse(format!(
            "the token answer is not JSON (it starts with {:?}): check SPOTIFY_ACCOUNTS_URL points at the accounts service",
            body.chars().take(40).collect::<String>()
        ))
    })?;
    for field in ["access_token", "token_type", "expires_in"] {
        if value.get(field).is_none_or(serde_json::Value::is_null) {
            return Err(Error::UnexpectedResponse(format!(
                "the token answer lacks `{field}`: the accounts service misbehaved; try again"
            )));
        }
    }
    let response: TokenResponse = serde_json::from_value(value).map_err(|e| {
        Error::UnexpectedResponse(format!(
            "the token answer has a field of the wrong type ({e}); try again"
        ))
    })?;
    if response.expires_in > MAX_EXPIRES_IN_SECS {
        return Err(Error::UnexpectedResponse(format!(
            "the token answer's `expires_in` ({} s) is implausible (Spotify says 3600); try again",
            response.expires_in
        )));
    }
    check_token_value("access_token", response.access_token.secret())?;
    if let Some(refresh_token) = &response.refresh_token {
        check_token_value("refresh_token", refresh_token.secret())?;
    }
    Ok(response)
}

/// Steps 2 and 3: the longest token accepted. Spotify's are a few hundred
/// characters; anything near this is not a token.
pub const MAX_TOKEN_BYTES: usize = 2048;

/// Steps 2 and 3: true when `value` is an RFC 6750 `b64token`:
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub fn is_b64token(value: &str) -> bool {
    let body = value.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// Steps 2 and 3: a token from an answer is saved and printed, so it must be
/// one: non-empty, at most [`MAX_TOKEN_BYTES`], RFC 6750's character set (no
/// space, quote, control character or escape sequence). The value is never
/// shown in the error (it may be a real token, or hostile text).
fn check_token_value(field: &str, value: &str) -> Result<()> {
    let problem = if value.is_empty() {
        "is empty".to_string()
    } else if value.len() > MAX_TOKEN_BYTES {
        format!(
            "is {} bytes long, more than any token (at most {} KiB)",
            value.len(),
            MAX_TOKEN_BYTES / 1024
        )
    } else if !is_b64token(value) {
        "holds characters a token cannot have (RFC 6750 allows letters, digits, - . _ ~ + / and a trailing =)".to_string()
    } else {
        return Ok(());
    };
    Err(Error::UnexpectedResponse(format!(
        "the token answer's `{field}` {problem}: the answer was refused and nothing was saved (a saved token is kept as it was); try again"
    )))
}

/// Steps 2 and 3: the token kept between steps (never with the client secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedToken {
    /// The access token.
    pub access_token: AccessToken,
    /// `Bearer`.
    pub token_type: String,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// When the access token expires (seconds since the Unix epoch).
    pub expires_at: u64,
    /// The refresh token.
    pub refresh_token: RefreshToken,
    /// When the user consented (the refresh token dies six months later).
    pub consented_at: u64,
    /// When the access token was obtained.
    pub obtained_at: u64,
    /// The client id it belongs to.
    pub client_id: String,
    /// True when obtained with PKCE (refreshes then send `client_id`, no secret).
    pub pkce: bool,
    /// [`code_digest`] of the authorization code it was traded for, so that the
    /// same redirect given again is recognised (the code itself is not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
}

/// Step 2: base64url(SHA-256(code)), the fingerprint a saved token keeps of
/// the code it was traded for.
pub fn code_digest(code: &AuthorizationCode) -> String {
    // The same digest as a PKCE challenge.
    super::step1::pkce_challenge(code.secret())
}

impl SavedToken {
    /// Step 2: the token of a code exchange answered at `now`.
    pub fn from_exchange(
        response: &TokenResponse,
        asked: &[String],
        client_id: &str,
        pkce: bool,
        now: u64,
    ) -> Result<SavedToken> {
        let refresh_token = response.refresh_token.clone().ok_or_else(|| {
            Error::UnexpectedResponse(
                "the code exchange answer has no `refresh_token`; run step 1 again".into(),
            )
        })?;
        Ok(SavedToken {
            access_token: response.access_token.clone(),
            token_type: response.token_type.clone(),
            scopes: response.granted_scopes().unwrap_or_else(|| asked.to_vec()),
            expires_at: now.saturating_add(response.expires_in),
            refresh_token,
            consented_at: now,
            obtained_at: now,
            client_id: client_id.to_string(),
            pkce,
            code_sha256: None,
        })
    }

    /// Step 3: the token after a refresh answered at `now`: the new access token; the
    /// new refresh token when the answer has one, else the old one (never null).
    pub fn merge_refresh(&self, response: &TokenResponse, now: u64) -> SavedToken {
        SavedToken {
            access_token: response.access_token.clone(),
            token_type: response.token_type.clone(),
            scopes: response
                .granted_scopes()
                .unwrap_or_else(|| self.scopes.clone()),
            expires_at: now.saturating_add(response.expires_in),
            refresh_token: response
                .refresh_token
                .clone()
                .unwrap_or_else(|| self.refresh_token.clone()),
            obtained_at: now,
            ..self.clone()
        }
    }

    /// Seconds until the access token expires (negative once expired).
    pub fn expires_in_secs(&self, now: u64) -> i64 {
        (i128::from(self.expires_at) - i128::from(now))
            .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// True when the access token has less than [`REFRESH_MARGIN_SECS`] left.
    pub fn needs_refresh(&self, now: u64) -> bool {
        self.expires_in_secs(now) < REFRESH_MARGIN_SECS as i64
    }

    /// When the refresh token dies (six months after the consent).
    pub fn refresh_token_expires_at(&self) -> u64 {
        self.consented_at
            .saturating_add(REFRESH_TOKEN_LIFETIME_SECS)
    }

    /// The scopes of `wanted` this token was not granted.
    pub fn missing_scopes(&self, wanted: &[String]) -> Vec<String> {
        wanted
            .iter()
            .filter(|s| !self.scopes.contains(s))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &str) -> TokenResponse {
        parse_token_response(body).unwrap()
    }

    #[test]
    fn exchange_answer_is_saved_with_expiry() {
        let r = response(
            r#"{"access_token":"BQa","token_type":"Bearer","scope":"user-read-private","expires_in":3600,"refresh_token":"AQr"}"#,
        );
        let t =
            SavedToken::from_exchange(&r, &["user-read-private".into()], "id", false, 100).unwrap();
        assert_eq!(t.expires_at, 3700);
        assert_eq!(t.refresh_token.secret(), "AQr");
        assert_eq!(t.scopes, ["user-read-private"]);
        assert_eq!(
            t.refresh_token_expires_at(),
            100 + REFRESH_TOKEN_LIFETIME_SECS
        );
    }

    #[test]
    fn refresh_without_refresh_token_keeps_the_old_one() {
        let r = response(
            r#"{"access_token":"BQa","token_type":"Bearer","scope":"a","expires_in":3600,"refresh_token":"AQr"}"#,
        );
        let t = SavedToken::from_exchange(&r, &[], "id", false, 0).unwrap();
        let refreshed = t.merge_refresh(
            &response(r#"{"access_token":"BQb","token_type":"Bearer","expires_in":3600}"#),
            50,
        );
        assert_eq!(refreshed.refresh_token.secret(), "AQr");
        assert_eq!(refreshed.access_token.secret(), "BQb");
        assert_eq!(refreshed.scopes, ["a"]);
        assert_eq!(refreshed.consented_at, 0);
        assert_eq!(refreshed.expires_at, 3650);
        let rotated = refreshed.merge_refresh(&response(r#"{"access_token":"BQc","token_type":"Bearer","expires_in":3600,"refresh_token":"AQnew","scope":"a b"}"#), 60);
        assert_eq!(rotated.refresh_token.secret(), "AQnew");
        assert_eq!(rotated.scopes, ["a", "b"]);
    }

    #[test]
    fn null_refresh_token_counts_as_absent() {
        let r = response(
            r#"{"access_token":"BQb","token_type":"Bearer","expires_in":3600,"refresh_token":null}"#,
        );
        assert!(r.refresh_token.is_none());
    }

    #[test]
    fn bad_answers_name_the_problem() {
        let cases = [
            ("<html>oops</html>", "not JSON"),
            ("", "not JSON"),
            ("{}", "lacks `access_token`"),
            (
                r#"{"access_token":"x","token_type":"Bearer"}"#,
                "lacks `expires_in`",
            ),
            (
                r#"{"access_token":null,"token_type":"Bearer","expires_in":1}"#,
                "lacks `access_token`",
            ),
            (
                r#"{"access_token":"x","token_type":"Bearer","expires_in":"soon"}"#,
                "wrong type",
            ),
            (
                r#"{"access_token":"","token_type":"Bearer","expires_in":1}"#,
                "empty",
            ),
            (
                r#"{"access_token":"x","token_type":"Bearer","expires_in":-5}"#,
                "wrong type",
            ),
            (
                r#"{"access_token":"BQa","token_type":"Bearer","expires_in":1,"refresh_token":""}"#,
                "`refresh_token` is empty",
            ),
            (
                r#"{"access_token":"BQa\u001b[2J\nerror: x","token_type":"Bearer","expires_in":1}"#,
                "`access_token` holds characters",
            ),
            (
                r#"{"access_token":"BQa","token_type":"Bearer","expires_in":1,"refresh_token":"AQé"}"#,
                "`refresh_token` holds characters",
            ),
            (
                r#"{"access_token":"BQ a","token_type":"Bearer","expires_in":1}"#,
                "holds characters",
            ),
            (
                r#"{"access_token":"===","token_type":"Bearer","expires_in":1}"#,
                "holds characters",
            ),
        ];
        for (body, expected) in cases {
            let err = parse_token_response(body).unwrap_err().to_string();
            assert!(err.contains(expected), "{body}: {err}");
        }
    }

    #[test]
    fn token_values_follow_rfc_6750() {
        for good in ["BQa", "a-b.c_d~e+f/g", "AQ==", "x="] {
            assert!(is_b64token(good), "{good}");
        }
        for bad in ["", "=", "a b", "a=b", "a\u{1b}", "é", "a\n", "\"a\""] {
            assert!(!is_b64token(bad), "{bad:?}");
        }
        let long = format!(
            r#"{{"access_token":"{}","token_type":"Bearer","expires_in":1}}"#,
            "A".repeat(MAX_TOKEN_BYTES + 1)
        );
        let err = parse_token_response(&long).unwrap_err().to_string();
        assert!(err.contains("bytes long"), "{err}");
        let fine = format!(
            r#"{{"access_token":"{}","token_type":"Bearer","expires_in":1}}"#,
            "A".repeat(MAX_TOKEN_BYTES)
        );
        parse_token_response(&fine).unwrap();
    }

    #[test]
    fn expiry_margin() {
        let r = response(
            r#"{"access_token":"BQa","token_type":"Bearer","expires_in":3600,"refresh_token":"AQr"}"#,
        );
        let t = SavedToken::from_exchange(&r, &[], "id", false, 0).unwrap();
        assert!(!t.needs_refresh(3539));
        assert!(t.needs_refresh(3541));
        assert_eq!(t.missing_scopes(&["x".into()]), ["x"]);
    }
}
