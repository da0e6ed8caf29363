//! Browser sessions: an opaque random id in the `webapp_session` cookie
//! (`HttpOnly`, `SameSite=Lax`, `Path=/`; behind https `Secure` and named
//! `__Host-webapp_session`), trusted only when it is the request's one
//! session cookie, stored as
//! its SHA-256, rotated at login; and the `Origin` check of state-changing routes.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use sha2::{Digest, Sha256};
use spotify_auth::core::step1::random_urlsafe;
use spotify_auth::now_secs;

/// The cookie's name over http (on 127.0.0.1 every port shares one cookie
/// jar: the sandbox's cookies must not collide with it).
pub const COOKIE_NAME: &str = "webapp_session";
/// The cookie's name behind https: with the `__Host-` prefix a browser keeps
/// it only when `Secure`, `Path=/` and without `Domain`, so a page of a
/// sibling host cannot set it.
pub const SECURE_COOKIE_NAME: &str = "__Host-webapp_session";
/// How long a session lives.
pub const SESSION_LIFETIME_SECS: u64 = 30 * 24 * 3600;

/// A new session id: 32 bytes from the OS's random source, base64url.
pub fn new_id() -> Result<String, AppError> {
    random_urlsafe(32).map_err(AppError::Spotify)
}

/// The key a session is stored under: SHA-256 of its id, hex. A copy of the
/// database gives no cookie that works.
pub fn hash(id: &str) -> String {
    format!("{:x}", Sha256::digest(id.as_bytes()))
}

/// The session cookie's name: `__Host-` prefixed when it is `Secure`.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The values of every session cookie the request carries.
fn session_cookies(headers: &HeaderMap, secure: bool) -> Vec<&str> {
    let name = cookie_name(secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, value)| value)
        .collect()
}

/// True when the request carries more than one session cookie: one of them
/// was set by someone else (a page on another port, say, with a narrower
/// `Path`), so none is trusted.
pub fn tossed(headers: &HeaderMap, secure: bool) -> bool {
    session_cookies(headers, secure).len() > 1
}

/// The session id of the request's cookie, when it carries exactly one
/// session cookie and it looks like one of ours.
pub fn cookie_id(headers: &HeaderMap, secure: bool) -> Option<String> {
    let cookies = session_cookies(headers, secure);
    let [value] = cookies.as_slice() else {
        return None;
    };
    let id_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    (value.len() == 43 && value.bytes().all(id_char)).then(|| value.to_string())
}

/// The `Set-Cookie` value giving the browser session `id`.
pub fn set_cookie(id: &str, secure: bool) -> String {
    cookie(id, "/", SESSION_LIFETIME_SECS, secure)
}

/// The `Set-Cookie` value removing the cookie.
pub fn clear_cookie(secure: bool) -> String {
    cookie("", "/", 0, secure)
}

fn cookie(value: &str, path: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{}={value}; HttpOnly; SameSite=Lax; Path={path}; Max-Age={max_age}{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// Clears tossed session cookies in `response`: at `/` and at every folder
/// of the request's `path` (where a tossed cookie can sit), `/` left out
/// when the response sets a new session itself (a login).
pub fn clear_tossed(response: &mut Response, path: &str, secure: bool) {
    let name = cookie_name(secure);
    let sets_own = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()));
    let mut folders: Vec<&str> = path
        .match_indices('/')
        .skip(1)
        .map(|(at, _)| &path[..at])
        .chain([path.trim_end_matches('/')])
        .filter(|p| !p.is_empty())
        .collect();
    folders.dedup();
    if !sets_own {
        folders.insert(0, "/");
    }
    for folder in folders {
        if let Ok(value) = HeaderValue::from_str(&cookie("", folder, 0, secure)) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
}

/// True unless the request says it comes from another site: an `Origin`
/// other than the app's public origin (or the origin of the `Host` it was
/// sent to), or `Sec-Fetch-Site: cross-site`. Requests without either header
/// (curl, scripts) are not a browser's cross-site request.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let site = header("sec-fetch-site");
    if site == Some("cross-site") {
        return false;
    }
    let Some(origin) = header(ORIGIN.as_str()) else {
        return true;
    };
    // Under `Referrer-Policy: no-referrer` a browser's own form posts carry
    // `Origin: null`; its `Sec-Fetch-Site` still says where they come from.
    if origin == "null" {
        return site == Some("same-origin");
    }
    if origin == public_origin {
        return true;
    }
    let scheme = public_origin.split("://").next().unwrap_or("http");
    header(HOST.as_str()).is_some_and(|host| origin == format!("{scheme}://{host}"))
}

/// The signed-in user of the request: its session exists and names a user.
/// Rejected with the 401 and its login hint otherwise.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The Spotify user id.
    pub user_id: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        signed_in(&parts.headers, state)
            .await?
            .ok_or(AppError::SignedOut)
    }
}

/// The signed-in user of a request, if any.
pub async fn signed_in(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<SignedIn>, AppError> {
    let Some(id) = cookie_id(headers, state.secure_cookies) else {
        return Ok(None);
    };
    let id_hash = hash(&id);
    if let Some(user_id) = state.sessions.get(&id_hash) {
        return Ok(Some(SignedIn { user_id }));
    }
    let session = state.store.session(&id_hash, now_secs()).await?;
    let user_id = session.and_then(|s| s.user_id);
    if let Some(user_id) = &user_id {
        state.sessions.put(&id_hash, user_id);
    }
    Ok(user_id.map(|user_id| SignedIn { user_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_flags() {
        let c = set_cookie("abc", false);
        assert!(c.starts_with("webapp_session=abc;"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"));
        assert!(!c.contains("Secure"));
        let secure = set_cookie("abc", true);
        assert!(secure.starts_with("__Host-webapp_session=abc;") && secure.ends_with("; Secure"));
        assert!(!secure.contains("Domain"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        assert!(clear_cookie(true).starts_with("__Host-webapp_session=;"));
    }

    #[test]
    fn two_session_cookies_are_none() {
        let (ada, alan) = (new_id().unwrap(), new_id().unwrap());
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("{COOKIE_NAME}={alan}; {COOKIE_NAME}={ada}")).unwrap(),
        );
        assert!(tossed(&headers, false));
        assert_eq!(cookie_id(&headers, false), None);
        // Behind https only the prefixed name counts: a plain one set by a sibling is ignored.
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("{COOKIE_NAME}={alan}; {SECURE_COOKIE_NAME}={ada}"))
                .unwrap(),
        );
        assert_eq!(cookie_id(&headers, true).as_deref(), Some(ada.as_str()));
        assert!(!tossed(&headers, true));
    }

    #[test]
    fn only_well_formed_ids_are_read() {
        let id = new_id().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE_NAME}={id}")).unwrap(),
        );
        assert_eq!(cookie_id(&headers, false).as_deref(), Some(id.as_str()));
        headers.insert(COOKIE, HeaderValue::from_static("webapp_session=short"));
        assert_eq!(cookie_id(&headers, false), None);
        assert_eq!(
            hash("x"),
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        );
    }

    #[test]
    fn origins() {
        let public = "http://127.0.0.1:8888";
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_static(v));
            }
            same_origin(&h, public)
        };
        assert!(with(&[]));
        assert!(with(&[("origin", "http://127.0.0.1:8888")]));
        assert!(with(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:9999")
        ]));
        assert!(!with(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8888")
        ]));
        assert!(!with(&[("origin", "null")]));
        assert!(with(&[
            ("origin", "null"),
            ("sec-fetch-site", "same-origin")
        ]));
        assert!(!with(&[
            ("origin", "null"),
            ("sec-fetch-site", "same-site")
        ]));
        assert!(!with(&[("sec-fetch-site", "cross-site")]));
    }
}
