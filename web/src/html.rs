//! The pages: plain HTML forms that work with JavaScript off, a small script
//! that makes the player buttons act in place when it is on. Everything from
//! outside is escaped; no token is ever written into a page.

use crate::error::in_browser;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use spotify_auth::core::error::printable;
use spotify_auth::Error;

pub use spotify_auth::html::escape;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// `GET /assets/page.css`: the pages' style, a file of this origin (the
/// Content-Security-Policy allows no inline style).
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// `GET /assets/page.js`: the pages' script, a file of this origin (the
/// Content-Security-Policy allows no inline script).
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// A file of the app itself, served as `content_type`.
pub(crate) fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
        .into_response()
}

/// A whole page around `body`.
pub fn layout(status: StatusCode, title: &str, banner: Option<&str>, body: &str) -> Response {
    let banner = banner
        .map(escape)
        .map(|b| format!("<p class=\"banner\" id=\"sandbox-banner\">{b}</p>\n"));
    let banner = banner.unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/assets/page.css\">\n</head>\n<body>\n{banner}\
         <header><span class=\"logo\">&#9679;</span> spotify-auth <span class=\"muted\">web app</span></header>\n\
         <main>\n{body}\n</main>\n<script src=\"/assets/page.js\"></script>\n</body>\n</html>\n",
        title = escape(title),
    );
    let headers = [
        (CONTENT_TYPE, "text/html; charset=utf-8"),
        (CACHE_CONTROL, "no-store"),
    ];
    (status, headers, html).into_response()
}

/// A page with one message and a way back.
pub fn message_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = format!(
        "<section class=\"card narrow\" id=\"message\">\n<h1>{}</h1>\n<p id=\"detail\">{}</p>\n\
         <p><a class=\"button\" href=\"/\">Back to the app</a></p>\n</section>",
        escape(title),
        escape(detail)
    );
    layout(status, title, None, &body)
}

/// Why a callback signed nobody in (its page: [`message_page`]).
#[derive(Debug)]
pub struct Failure {
    /// The page's status.
    pub status: StatusCode,
    /// Its heading.
    pub title: String,
    /// What happened, in a sentence or two.
    pub detail: String,
}

impl Failure {
    /// Malformed input.
    pub fn bad_request(title: &str, detail: &str) -> Failure {
        Failure {
            status: StatusCode::BAD_REQUEST,
            title: title.into(),
            detail: detail.into(),
        }
    }

    /// An answer that this browser's session did not ask for.
    pub fn forged(detail: &str) -> Failure {
        Failure {
            status: StatusCode::FORBIDDEN,
            title: "This sign-in was refused".into(),
            detail: detail.into(),
        }
    }

    /// The app itself failed (the cause is logged, not shown).
    pub fn internal(cause: impl std::fmt::Display) -> Failure {
        tracing::error!("callback failed: {}", printable(&cause.to_string(), 500));
        Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "The app failed".into(),
            detail: "Something went wrong on our side; nobody was signed in. Try again.".into(),
        }
    }

    /// The core refused the redirect (state, refusal, no code, too old).
    pub fn from_core(e: Error) -> Failure {
        match e {
            Error::AuthorizationDenied { error } if error == "access_denied" => Failure {
                status: StatusCode::OK,
                title: "You did not allow access".into(),
                detail: "You pressed Cancel on Spotify's page (error=access_denied), so nobody was signed in. Log in again whenever you like.".into(),
            },
            Error::AuthorizationDenied { error } => Failure::bad_request(
                "Spotify refused the login",
                &format!("Spotify answered error={}. Nobody was signed in.", spotify_auth::core::error::printable(&error, 60)),
            ),
            Error::PendingAuthorizationExpired { .. } => Failure::bad_request(
                "The login took too long",
                "More than 10 minutes passed since you clicked Log in, so its code has expired. Nobody was signed in; log in again.",
            ),
            Error::Paste(_) => Failure::forged(
                "The answer did not match the login this browser started (its state differs or is missing, or it has no code): possibly a forged or replayed link. Nobody was signed in; log in again.",
            ),
            e => Failure::bad_request("The answer from Spotify could not be used", &format!("{}. Nobody was signed in.", in_browser(&e))),
        }
    }

    /// The code exchange (or the profile read after it) failed.
    pub fn exchange(e: Error) -> Failure {
        // The core's text, for whoever runs the app; the page says what a visitor can do.
        eprintln!("web_app: sign-in failed: {e}");
        Failure {
            status: StatusCode::BAD_GATEWAY,
            title: "Spotify did not accept the sign-in".into(),
            detail: format!("{}. Nobody was signed in.", in_browser(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::tests::COMMAND_LINE;
    use spotify_auth::core::error::one_of_each;

    #[test]
    fn callback_pages_name_no_binary_flag_or_variable() {
        let pages = one_of_each()
            .into_iter()
            .map(Failure::from_core)
            .chain(one_of_each().into_iter().map(Failure::exchange));
        for failure in pages {
            let shown = format!("{} {}", failure.title, failure.detail);
            for advice in COMMAND_LINE {
                assert!(!shown.contains(advice), "{advice} in {shown}");
            }
        }
    }
}
