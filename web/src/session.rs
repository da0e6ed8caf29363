//! Browser sessions: an opaque random id in the `webapp_session` cookie
//! (`HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` behind https), stored as
//! its SHA-256, rotated at login; and the `Origin` check of state-changing routes.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use spotify_auth::core::step1::random_urlsafe;
use spotify_auth::now_secs;

/// The cookie's name (on 127.0.0.1 every port shares one cookie jar: the
/// sandbox's cookies must not collide with it).
pub const COOKIE_NAME: &str = "webapp_session";
/// How long a session lives.
pub const SESSION_LIFETIME_SECS: u64 = 30 * 24 * 3600;

/// A new session id: 32 bytes from the OS's random source, base64url.
pub fn new_id() -> Result<String, AppError> {
    random_urlsafe(32).map_err(AppError::Spotify)
}

/// The key a session is stored under: SHA-256 of its id, hex. A copy of the
/// database gives no cookie that works.
pub fn hash(id: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(id.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// The session id of the request's cookie, when it looks like one of ours.
pub fn cookie_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|v| {
            v.len() == 43
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The `Set-Cookie` value giving the browser session `id`.
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE_NAME}={id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={SESSION_LIFETIME_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value removing the cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// True unless the request says it comes from another site: an `Origin`
/// other than the app's public origin (or the origin of the `Host` it was
/// sent to), or `Sec-Fetch-Site: cross-site`. Requests without either header
/// (curl, scripts) are not a browser's cross-site request.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    if header("sec-fetch-site").is_some_and(|v| v == "cross-site") {
        return false;
    }
    let Some(origin) = header(ORIGIN.as_str()) else {
        return true;
    };
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
    /// The session's key.
    pub id_hash: String,
}

impl<S> FromRequestParts<S> for SignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        signed_in(&parts.headers, &AppState::from_ref(state))
            .await?
            .ok_or(AppError::SignedOut)
    }
}

/// The signed-in user of a request, if any.
pub async fn signed_in(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<SignedIn>, AppError> {
    let Some(id) = cookie_id(headers) else {
        return Ok(None);
    };
    let id_hash = hash(&id);
    if let Some(user_id) = state.sessions.get(&id_hash) {
        return Ok(Some(SignedIn { user_id, id_hash }));
    }
    let session = state.store.session(&id_hash, now_secs()).await?;
    let user_id = session.and_then(|s| s.user_id);
    if let Some(user_id) = &user_id {
        state.sessions.put(&id_hash, user_id);
    }
    Ok(user_id.map(|user_id| SignedIn { user_id, id_hash }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookie_flags() {
        let c = set_cookie("abc", false);
        assert!(c.starts_with("webapp_session=abc;"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"));
        assert!(!c.contains("Secure"));
        assert!(set_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn only_well_formed_ids_are_read() {
        let id = new_id().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE_NAME}={id}")).unwrap(),
        );
        assert_eq!(cookie_id(&headers).as_deref(), Some(id.as_str()));
        headers.insert(COOKIE, HeaderValue::from_static("webapp_session=short"));
        assert_eq!(cookie_id(&headers), None);
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
        assert!(!with(&[("sec-fetch-site", "cross-site")]));
    }
}
