//! A visit to `localhost` sent to the redirect URI's host first: the
//! browser keeps cookies per host name, Spotify returns to the redirect URI
//! (127.0.0.1, as it requires), so a session made on `localhost` would be
//! missing at the callback and the login would look forged.

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, HOST, LOCATION};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use url::{Host, Url};

/// The 307 to the public origin for a `localhost` visit, if this request is one.
pub fn redirect(public_origin: &str, request: &Request) -> Option<Response> {
    let to = public_url(
        public_origin,
        request.method(),
        request.headers(),
        request.uri(),
    )?;
    let headers = [(LOCATION, to), (CACHE_CONTROL, "no-store".to_string())];
    Some((StatusCode::TEMPORARY_REDIRECT, headers).into_response())
}

/// Where a `GET` or `HEAD` sent to `localhost` on the app's port belongs,
/// when the public origin is a loopback address (`/health` stays put for
/// monitors).
fn public_url(
    public_origin: &str,
    method: &Method,
    headers: &HeaderMap,
    uri: &Uri,
) -> Option<String> {
    if !matches!(*method, Method::GET | Method::HEAD) || uri.path() == "/health" {
        return None;
    }
    let host = headers.get(HOST)?.to_str().ok()?;
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    // Every request passes here: the public origin is parsed only for a `localhost` one.
    if !name.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let public = Url::parse(public_origin).ok()?;
    let loopback = match public.host()? {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(_) => false,
    };
    let public_port = public.port_or_known_default()?;
    let port = match port {
        Some(port) => port.parse::<u16>().ok()?,
        None => public_port,
    };
    if !loopback || port != public_port {
        return None;
    }
    let rest = uri.path_and_query().map_or("/", |p| p.as_str());
    Some(format!("{public_origin}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn target(method: Method, host: &'static str, uri: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static(host));
        public_url(
            "http://127.0.0.1:8888",
            &method,
            &headers,
            &uri.parse().unwrap(),
        )
    }

    #[test]
    fn localhost_goes_to_the_redirect_uris_host() {
        assert_eq!(
            target(Method::GET, "localhost:8888", "/login?x=1").as_deref(),
            Some("http://127.0.0.1:8888/login?x=1")
        );
        assert_eq!(target(Method::GET, "127.0.0.1:8888", "/"), None);
        assert_eq!(target(Method::POST, "localhost:8888", "/logout"), None);
        assert_eq!(target(Method::GET, "localhost:8888", "/health"), None);
        assert_eq!(target(Method::GET, "localhost:9999", "/"), None);
    }
}
