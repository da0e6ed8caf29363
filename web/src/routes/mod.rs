//! The handlers, one file per concern, reading like the seeds' Flask views.

pub mod api;
pub mod auth;
pub mod page;
pub mod player;

use axum::http::HeaderMap;

/// True when a browser form (not a script) sent the request: it wants a page back.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}
