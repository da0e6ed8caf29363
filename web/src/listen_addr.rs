//! Whether the address the app listens on can receive its redirect URI:
//! Spotify sends the browser back to `SPOTIFY_REDIRECT_URI`, so an app on
//! another port (or on an address that is not loopback while the URI is)
//! would see every login end on a refused connection.

use spotify_auth::core::redirect_uri::loopback_socket;
use std::net::SocketAddr;

/// The app's own routes (those of `app::router`), which a redirect URI's path must not take.
pub const OWN_ROUTES: &[&str] = &[
    "/",
    "/health",
    "/login",
    "/logout",
    "/api/me",
    "/api/playlists",
    "/api/shows",
    "/api/player",
    "/api/token",
    "/assets/page.css",
    "/assets/page.js",
];

/// True when the router can take `path` as a plain route (axum reads a
/// segment starting with `:` or `*` as a pattern).
pub fn servable(path: &str) -> bool {
    path.starts_with('/') && !path.split('/').any(|s| s.starts_with([':', '*']))
}

/// `Ok(None)` when `addr` receives `redirect_uri`; `Ok(Some(warning))` when
/// it cannot tell (a host name: a proxy may forward it); `Err(refusal)`,
/// with the fix, when it cannot.
pub fn check(addr: SocketAddr, redirect_uri: &str) -> Result<Option<String>, String> {
    let url = url::Url::parse(redirect_uri)
        .map_err(|e| format!("SPOTIFY_REDIRECT_URI `{redirect_uri}` is not a URL ({e})"))?;
    if !servable(url.path()) {
        return Err(format!(
            "SPOTIFY_REDIRECT_URI `{redirect_uri}` has a path segment starting with `:` or `*`, which the app cannot serve: use a plain path such as /callback"
        ));
    }
    if OWN_ROUTES.contains(&url.path()) {
        return Err(format!(
            "SPOTIFY_REDIRECT_URI `{redirect_uri}` uses the path {}, which is one of the app's own pages: use a path of its own such as /callback (and register the URI so in the app's dashboard)",
            url.path()
        ));
    }
    let Some(target) = loopback_socket(&url) else {
        let port = url.port_or_known_default().unwrap_or(0);
        return Ok((port != addr.port()).then(|| format!(
            "warning: SPOTIFY_REDIRECT_URI `{redirect_uri}` is on port {port} but the app listens on {addr}: logins work only if a proxy forwards {} to this address",
            url.origin().ascii_serialization()
        )));
    };
    let same_ip = addr.ip() == target.ip() || addr.ip().is_unspecified();
    if same_ip && addr.port() == target.port() {
        return Ok(None);
    }
    let mut moved = url.clone();
    let _ = moved.set_port(Some(addr.port()));
    Err(format!(
        "SPOTIFY_REDIRECT_URI is {redirect_uri}, which the browser reaches at {target}, but the app would listen on {addr}: every login would end on a refused connection. Start it with --addr {target}, or set SPOTIFY_REDIRECT_URI={moved} (and register that URI in the app's dashboard)",
    ))
}

/// The message when `addr` is taken. `--addr` alone is the fix only when
/// `SPOTIFY_REDIRECT_URI` is not set (the default follows the address).
pub fn busy_message(addr: SocketAddr, error: &std::io::Error, redirect_uri_set: bool) -> String {
    if error.kind() != std::io::ErrorKind::AddrInUse {
        return format!("cannot listen on {addr}: {error}");
    }
    let other_port = if redirect_uri_set {
        "to use another port, change both --addr and SPOTIFY_REDIRECT_URI (and register the new URI in the app's dashboard)"
    } else {
        "or choose another port with --addr (the redirect URI follows it: register http://127.0.0.1:PORT/callback in the app's dashboard)"
    };
    format!("cannot listen on {addr}: the port is taken (is another web_app running? stop it first); {other_port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_redirect_uri_the_address_receives() {
        let uri = "http://127.0.0.1:8888/callback";
        assert_eq!(check(addr("127.0.0.1:8888"), uri), Ok(None));
        assert_eq!(check(addr("0.0.0.0:8888"), uri), Ok(None));
        assert_eq!(
            check(addr("127.0.0.1:8888"), "http://127.0.0.1:8888/auth/cb"),
            Ok(None)
        );
    }

    #[test]
    fn another_port_is_refused_with_both_fixes() {
        let refusal = check(addr("127.0.0.1:9000"), "http://127.0.0.1:8888/callback").unwrap_err();
        assert!(refusal.contains("--addr 127.0.0.1:8888"), "{refusal}");
        assert!(
            refusal.contains("SPOTIFY_REDIRECT_URI=http://127.0.0.1:9000/callback"),
            "{refusal}"
        );
        // A port-less loopback URI is port 80 for the browser.
        assert!(check(addr("127.0.0.1:8888"), "http://127.0.0.1/callback").is_err());
        assert!(check(addr("0.0.0.0:8890"), "http://127.0.0.1:8888/callback").is_err());
    }

    #[test]
    fn own_pages_are_refused_and_proxies_warned_about() {
        assert!(check(addr("127.0.0.1:8888"), "http://127.0.0.1:8888/login")
            .unwrap_err()
            .contains("/login"));
        let warning = check(addr("0.0.0.0:8080"), "https://app.example/callback")
            .unwrap()
            .unwrap();
        assert!(warning.contains("proxy"), "{warning}");
        assert_eq!(
            check(addr("0.0.0.0:443"), "https://app.example/callback"),
            Ok(None)
        );
    }

    #[test]
    fn a_busy_port_suggests_addr_only_when_the_redirect_uri_follows_it() {
        let busy = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let set = busy_message(addr("127.0.0.1:8888"), &busy, true);
        assert!(
            set.contains("change both --addr and SPOTIFY_REDIRECT_URI"),
            "{set}"
        );
        let unset = busy_message(addr("127.0.0.1:8888"), &busy, false);
        assert!(unset.contains("another port with --addr"), "{unset}");
    }
}
