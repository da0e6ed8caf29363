//! Spotify's redirect-URI rules, and building the redirect back to the app.

use url::Url;

#[path = "../../src/core/portless_loopback.rs"]
mod portless_loopback;

/// `redirect_uri` with the given query parameters appended (properly encoded).
pub(crate) fn redirect_with(redirect_uri: &str, params: &[(&str, impl AsRef<str>)]) -> String {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return redirect_uri.to_string();
    };
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// Whether `requested` may be used as a redirect URI given the registered ones:
/// exact match, except that a loopback URI registered without a port matches any
/// port (the library's rule, included by path); `localhost` and non-loopback
/// `http` are refused even when registered.
pub(crate) fn redirect_uri_allowed(registered: &[String], requested: &str) -> bool {
    let Ok(url) = Url::parse(requested) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => return false,
        _ => false,
    };
    if url.scheme() == "http" && !loopback {
        return false;
    }
    registered
        .iter()
        .any(|r| r == requested || portless_loopback::fits_portless(r, requested))
}

/// Whether `uri` can be registered for the app, as the dashboard's Redirect URIs
/// field takes it: only a URI that `redirect_uri_allowed` would ever accept
/// (never `localhost`, never plain `http` to another host). The error says why
/// and what to write instead.
pub fn check_registrable_redirect_uri(uri: &str) -> Result<(), String> {
    if redirect_uri_allowed(&[uri.to_string()], uri) {
        return Ok(());
    }
    Err(format!(
        "`{uri}` cannot be registered as a redirect URI: Spotify takes http only for loopback written 127.0.0.1 or [::1] (never localhost), https for any other host, or an app's own scheme (myapp://callback); e.g. http://127.0.0.1:8888/callback, or http://127.0.0.1/callback for any port"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        let reg = |uris: &[&str]| uris.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let r = reg(&["http://127.0.0.1:8888/callback"]);
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1:8888/callback"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8888/callback/"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8889/callback"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8888/Callback"));
        assert!(!redirect_uri_allowed(&r, "https://127.0.0.1:8888/callback"));
        let r = reg(&["http://127.0.0.1/callback", "http://[::1]/cb"]);
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1:43123/callback"));
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1/callback"));
        assert!(redirect_uri_allowed(&r, "http://[::1]:5000/cb"));
        assert!(!redirect_uri_allowed(
            &r,
            "http://127.0.0.1:43123/callback/"
        ));
        let r = reg(&[
            "http://localhost:8888/callback",
            "http://example.com/callback",
            "https://example.com/callback",
            "myapp://callback",
        ]);
        assert!(!redirect_uri_allowed(&r, "http://localhost:8888/callback"));
        assert!(!redirect_uri_allowed(&r, "http://example.com/callback"));
        assert!(redirect_uri_allowed(&r, "https://example.com/callback"));
        assert!(redirect_uri_allowed(&r, "myapp://callback"));
    }

    #[test]
    fn only_uris_spotify_would_take_can_be_registered() {
        for uri in [
            "http://127.0.0.1:8888/callback",
            "http://127.0.0.1/callback",
            "http://[::1]/cb",
            "https://app.example/callback",
            "myapp://callback",
        ] {
            assert_eq!(check_registrable_redirect_uri(uri), Ok(()), "{uri}");
        }
        for uri in [
            "http://localhost:8888/callback",
            "http://app.example/callback",
            "not a uri",
        ] {
            let err = check_registrable_redirect_uri(uri).unwrap_err();
            assert!(err.contains("never localhost"), "{err}");
        }
    }
}
