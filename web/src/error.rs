//! Every failure of a route, turned into a response in one place: JSON for
//! `/api/*` (`{"error": ..., "login": "/login"}` when nobody is signed in).
//! The pages render their own errors with [`crate::routes::page`] and [`crate::html::message_page`].

use crate::store::StoreError;
use axum::http::header::RETRY_AFTER;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use spotify_auth::core::error::printable;
use spotify_auth::Error;

/// What went wrong while serving a request.
#[derive(Debug)]
pub enum AppError {
    /// No session, or its user's tokens are gone (logout, revoked refresh token).
    SignedOut,
    /// A state-changing request from another site (its `Origin`).
    CrossSite,
    /// Spotify refused or failed (the core's error).
    Spotify(Error),
    /// The database failed.
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Store(e)
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        match e {
            Error::RefreshTokenRevoked => AppError::SignedOut,
            e => AppError::Spotify(e),
        }
    }
}

impl AppError {
    /// The status and the message shown to the browser.
    pub fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            AppError::SignedOut => (
                StatusCode::UNAUTHORIZED,
                "not signed in: log in with Spotify".into(),
            ),
            AppError::CrossSite => (
                StatusCode::FORBIDDEN,
                "refused: this request came from another site (Origin)".into(),
            ),
            AppError::Store(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the app's database failed; try again".into(),
            ),
            AppError::Spotify(e) => {
                let status = match e {
                    // Spotify's limit is the app's, not this browser's: 503, with
                    // the time left in `Retry-After` (see `ratelimit`).
                    Error::RateLimited { .. }
                    | Error::RetryAfterTooLong { .. }
                    | Error::QuotaExceeded
                    | Error::OwnerPremiumRequired => StatusCode::SERVICE_UNAVAILABLE,
                    Error::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                    Error::Api { status, .. } | Error::ApiUnauthorized { status, .. }
                        if (400..500).contains(status) && *status != 401 =>
                    {
                        StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
                    }
                    _ => StatusCode::BAD_GATEWAY,
                };
                (status, in_browser(e))
            }
        }
    }
}

/// What a person in a browser reads about a core error: what happened, and
/// what they can do here (log in again, wait, ask whoever runs the app). The
/// core's own text is used where it already says only that; the binaries, flags
/// and variables of the command line never reach a page.
pub fn in_browser(e: &Error) -> String {
    const FIX_SETTINGS: &str =
        "logging in again will not help: whoever runs this app must fix its settings";
    if let Some(refusal) = spotify_refusal(e) {
        return refusal;
    }
    match e {
        Error::AuthorizationDenied { .. } | Error::PendingAuthorizationExpired { .. } | Error::Paste(_) => {
            "the answer from Spotify could not be used for this login: log in again".into()
        }
        Error::InvalidClient(_) => format!("Spotify refused this app's credentials (invalid_client): {FIX_SETTINGS}"),
        Error::RedirectUriMismatch => format!("Spotify says this app's return address differs from the one registered for it (invalid_grant, Invalid redirect URI): {FIX_SETTINGS}"),
        Error::MissingClientId
        | Error::MissingClientSecret
        | Error::EmptyClientSecret
        | Error::Config(_)
        | Error::RedirectUri(_)
        | Error::UnknownScope { .. } => format!("the app is not set up right: {FIX_SETTINGS}"),
        Error::InvalidAuthorizationCode | Error::CodeVerifierIncorrect => format!("{e}: log in again"),
        Error::RefreshTokenRevoked | Error::NoSavedToken { .. } | Error::NoPendingAuthorization { .. } => {
            "your Spotify sign-in is over (revoked, older than six months, or logged out): log in again".into()
        }
        Error::MissingScopes(scopes) => format!("this app was not granted {} for you: log out, then log in again and allow it", scopes.join(" ")),
        Error::ApiUnauthorized { needed_scope: Some(scope), .. } | Error::ScopeNotGranted { scope, .. } => {
            format!("this app was not granted the permission {scope} for you: log out, then log in again and allow it")
        }
        Error::ApiUnauthorized { status, .. } => format!("Spotify no longer accepts this sign-in ({status}): log out and log in again"),
        Error::RateLimited { retry_after_secs: Some(secs) } => format!(
            "Spotify is limiting this app's requests (429): try again in {} s",
            secs.max(&1)
        ),
        Error::RateLimited { retry_after_secs: None } => {
            "Spotify is limiting this app's requests (429): try again in a little while".into()
        }
        Error::Timeout { secs, .. } => format!("Spotify did not answer within {secs} s: try again in a minute"),
        Error::Connection { .. } => "the app could not reach Spotify: try again in a minute".into(),
        Error::UnexpectedResponse(_) => "Spotify answered something this app could not read: try again in a minute".into(),
        Error::HttpClient(_)
        | Error::RandomSource(_)
        | Error::Storage { .. }
        | Error::UnsafeAuthDir { .. }
        | Error::DamagedFile { .. }
        | Error::Listener(_) => "the app failed on its side: try again in a minute".into(),
        other => other.to_string(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        if let AppError::Store(e) = &self {
            tracing::error!("{}", printable(&e.to_string(), 500));
        }
        let body = if matches!(self, AppError::SignedOut) {
            json!({"error": message, "login": "/login"})
        } else {
            json!({"error": message})
        };
        let secs = match &self {
            AppError::Spotify(e) => retry_after(e),
            _ => None,
        };
        let retry = secs.map(|secs| [(RETRY_AFTER, secs.to_string())]);
        (status, retry, Json(body)).into_response()
    }
}

/// The seconds to send in `Retry-After` with a 503 of Spotify's rate limit.
fn retry_after(e: &Error) -> Option<u64> {
    match e {
        Error::RateLimited { retry_after_secs } => Some(retry_after_secs.unwrap_or(1).max(1)),
        Error::RetryAfterTooLong {
            retry_after_secs, ..
        } => Some((*retry_after_secs).max(1)),
        _ => None,
    }
}

/// A plain sentence for a browser when Spotify refuses the app itself:
/// the user can only wait.
fn spotify_refusal(e: &Error) -> Option<String> {
    Some(match e {
        Error::OwnerPremiumRequired => "Spotify refuses every request of this app for now: the Spotify account of the app's owner no longer has Premium. Nothing you can do here fixes it; try again in a few hours.".to_string(),
        Error::QuotaExceeded => "This app has used up the requests Spotify allows it for now (its developer's quota). Try again later.".to_string(),
        _ => {
            let secs = retry_after(e)?;
            let at = spotify_auth::format_utc(spotify_auth::now_secs() + secs);
            format!("Spotify asks this app to wait before its next request: try again in {secs} s (after {at}).")
        }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(
            AppError::SignedOut.status_and_message().0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            AppError::from(Error::RefreshTokenRevoked)
                .status_and_message()
                .0,
            StatusCode::UNAUTHORIZED
        );
        let no_device = AppError::Spotify(Error::Api {
            status: 404,
            message: "Player command failed: No active device found".into(),
        });
        assert_eq!(no_device.status_and_message().0, StatusCode::NOT_FOUND);
        let down = AppError::Spotify(Error::ServerError {
            status: 503,
            url: "u".into(),
        });
        assert_eq!(down.status_and_message().0, StatusCode::BAD_GATEWAY);
        let limited = AppError::Spotify(Error::RateLimited {
            retry_after_secs: Some(30),
        })
        .into_response();
        assert_eq!(limited.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(limited.headers()[RETRY_AFTER], "30");
        let too_long = AppError::Spotify(Error::RetryAfterTooLong {
            retry_after_secs: 7200,
            limit_secs: 15,
        })
        .into_response();
        assert_eq!(too_long.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(too_long.headers()[RETRY_AFTER], "7200");
        for refusal in [Error::OwnerPremiumRequired, Error::QuotaExceeded] {
            let (status, message) = AppError::Spotify(refusal).status_and_message();
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert!(message.starts_with("Spotify refuses") || message.starts_with("This app"));
        }
    }

    /// Command-line advice, which no page or answer of the web app may show.
    pub(crate) const COMMAND_LINE: [&str; 4] =
        ["step1_auth_url", "step2_get_tokens", "SPOTIFY_", "--"];

    #[test]
    fn answers_name_no_binary_flag_or_variable() {
        for e in spotify_auth::core::error::one_of_each() {
            let (_, message) = AppError::from(e).status_and_message();
            for advice in COMMAND_LINE {
                assert!(!message.contains(advice), "{advice} in {message}");
            }
        }
    }
}
