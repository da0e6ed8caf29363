//! Spotify's redirect-URI rules (enforced since 2025), checked before anything else.

use super::error::{Error, Result};
use super::portless_loopback;
use url::{Host, Url};

/// Steps 1 and 2: the default redirect URI: loopback written as an IP literal, as Spotify requires.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8888/callback";

/// Steps 1 and 2: checks a redirect URI against Spotify's rules and returns it parsed.
///
/// - `http` only for `127.0.0.1` or `[::1]` written as IP literals;
/// - `localhost` is refused, with the exact replacement;
/// - any other host must use `https`; custom schemes (`myapp:/callback`) are allowed.
pub fn check_redirect_uri(uri: &str) -> Result<Url> {
    let url = Url::parse(uri).map_err(|e| {
        Error::RedirectUri(format!(
            "SPOTIFY_REDIRECT_URI `{uri}` is not a URL ({e}): use e.g. {DEFAULT_REDIRECT_URI}"
        ))
    })?;
    if url.fragment().is_some() {
        return Err(Error::RedirectUri(format!(
            "SPOTIFY_REDIRECT_URI `{uri}` has a #fragment, which OAuth forbids: remove it"
        )));
    }
    let is_localhost =
        matches!(url.host(), Some(Host::Domain(d)) if d.eq_ignore_ascii_case("localhost"));
    if is_localhost {
        let mut loopback = url.clone();
        let _ = loopback.set_host(Some("127.0.0.1"));
        return Err(Error::RedirectUri(format!(
            "SPOTIFY_REDIRECT_URI uses `localhost`, which Spotify rejects since 2025: use {loopback} instead (register exactly that in the app's dashboard)"
        )));
    }
    match url.scheme() {
        "http" => match url.host() {
            Some(Host::Ipv4(ip)) if ip.is_loopback() && ip.octets() == [127, 0, 0, 1] => Ok(url),
            Some(Host::Ipv6(ip)) if ip.is_loopback() => Ok(url),
            _ => Err(Error::RedirectUri(format!(
                "SPOTIFY_REDIRECT_URI `{uri}` uses http for a host that is not loopback: Spotify allows http only for http://127.0.0.1:PORT/... or http://[::1]:PORT/...; use https for any other host"
            ))),
        },
        "https" => Ok(url),
        // Custom schemes (mobile and desktop apps) are still allowed.
        _ if !url.cannot_be_a_base() => Ok(url),
        _ => Err(Error::RedirectUri(format!(
            "SPOTIFY_REDIRECT_URI `{uri}` is not a usable redirect URI: use e.g. {DEFAULT_REDIRECT_URI}"
        ))),
    }
}

/// Steps 1 and 2: what is unusual about a redirect URI that passes [`check_redirect_uri`]:
/// it works only if registered exactly so, and is more often a typo.
pub fn redirect_uri_warnings(uri: &str, url: &Url) -> Vec<String> {
    let mut warnings = Vec::new();
    if url.scheme() == "https" && portless_loopback::is_loopback(url) {
        warnings.push(format!(
            "SPOTIFY_REDIRECT_URI `{uri}` uses https on a loopback address, which is unusual (the listener of step 2 speaks plain http): it works only if registered exactly so in the dashboard; usually http://{}{}{} is meant",
            url.host_str().unwrap_or(""),
            url.port().map(|p| format!(":{p}")).unwrap_or_default(),
            url.path()
        ));
    }
    if matches!(url.scheme(), "http" | "https") && url.path().len() > 1 && url.path().ends_with('/')
    {
        warnings.push(format!(
            "SPOTIFY_REDIRECT_URI `{uri}` ends with a slash, which is unusual: it must be registered exactly so in the dashboard (Spotify compares every character)"
        ));
    }
    warnings
}

/// Step 2: the loopback address and port a listener must bind for this redirect URI,
/// or `None` when the URI is not a loopback `http` URI.
pub fn loopback_socket(url: &Url) -> Option<std::net::SocketAddr> {
    if url.scheme() != "http" {
        return None;
    }
    let ip: std::net::IpAddr = match url.host()? {
        Host::Ipv4(ip) => ip.into(),
        Host::Ipv6(ip) => ip.into(),
        Host::Domain(_) => return None,
    };
    Some((ip, url.port_or_known_default()?).into())
}

/// True for a loopback `http` redirect URI written without a port
/// (`http://127.0.0.1/callback`): Spotify then accepts any port at run time,
/// so a listener may bind a free port chosen by the system.
pub fn is_portless_loopback(uri: &str) -> bool {
    check_redirect_uri(uri).is_ok() && portless_loopback::names_portless_loopback(uri)
}

/// `uri` (a loopback URI without a port) with `port` put in.
pub fn with_port(uri: &str, port: u16) -> Result<String> {
    check_redirect_uri(uri)?;
    portless_loopback::with_port(uri, port).ok_or_else(|| {
        Error::RedirectUri(format!("SPOTIFY_REDIRECT_URI `{uri}` cannot take a port"))
    })
}

/// Checks that `concrete` is `configured` (a loopback URI without a port)
/// with a port put in, and nothing else changed.
pub fn check_concrete_loopback(configured: &str, concrete: &str) -> Result<()> {
    let fits = is_portless_loopback(configured)
        && check_redirect_uri(concrete).is_ok()
        && portless_loopback::fits_portless(configured, concrete);
    if fits {
        Ok(())
    } else {
        Err(Error::RedirectUri(format!(
            "the redirect URI {concrete} is not SPOTIFY_REDIRECT_URI ({configured}) with a port put in: only a loopback URI registered without a port takes one"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_without_a_port() {
        assert!(is_portless_loopback("http://127.0.0.1/callback"));
        assert!(is_portless_loopback("http://[::1]/callback"));
        assert!(!is_portless_loopback("http://127.0.0.1:8888/callback"));
        assert!(!is_portless_loopback("http://[::1]:8888/callback"));
        assert!(!is_portless_loopback("http://127.0.0.1:80/callback"));
        assert!(!is_portless_loopback("https://example.com/callback"));
        assert!(!is_portless_loopback("http://localhost/callback"));
        assert_eq!(
            with_port("http://127.0.0.1/callback", 43123).unwrap(),
            "http://127.0.0.1:43123/callback"
        );
        assert_eq!(
            with_port("http://[::1]/cb?x=1", 5).unwrap(),
            "http://[::1]:5/cb?x=1"
        );
        assert_eq!(
            with_port("http://127.0.0.1", 5).unwrap(),
            "http://127.0.0.1:5"
        );
        check_concrete_loopback(
            "http://127.0.0.1/callback",
            "http://127.0.0.1:43123/callback",
        )
        .unwrap();
        for bad in [
            "http://127.0.0.1:43123/other",
            "http://127.0.0.1/callback",
            "http://[::1]:43123/callback",
        ] {
            assert!(
                check_concrete_loopback("http://127.0.0.1/callback", bad).is_err(),
                "{bad}"
            );
        }
        assert!(check_concrete_loopback(
            "http://127.0.0.1:8888/callback",
            "http://127.0.0.1:43123/callback"
        )
        .is_err());
    }

    #[test]
    fn loopback_ip_literals_over_http_pass() {
        check_redirect_uri("http://127.0.0.1:8888/callback").unwrap();
        check_redirect_uri("http://[::1]:8888/callback").unwrap();
        check_redirect_uri("http://127.0.0.1/callback").unwrap();
    }

    #[test]
    fn localhost_is_refused_with_the_replacement() {
        let err = check_redirect_uri("http://localhost:8888/callback")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("use http://127.0.0.1:8888/callback instead"),
            "{err}"
        );
        assert!(err.contains("since 2025"), "{err}");
        let err = check_redirect_uri("http://LOCALHOST:8888/cb")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("use http://127.0.0.1:8888/cb instead"),
            "{err}"
        );
        assert!(check_redirect_uri("https://LOCALHOST/cb").is_err());
    }

    #[test]
    fn http_for_other_hosts_is_refused() {
        for uri in [
            "http://example.com/callback",
            "http://192.168.1.2:8888/cb",
            "http://127.0.0.2:8888/cb",
        ] {
            let err = check_redirect_uri(uri).unwrap_err().to_string();
            assert!(err.contains("use https"), "{uri}: {err}");
        }
    }

    #[test]
    fn https_and_custom_schemes_pass() {
        check_redirect_uri("https://example.com/callback").unwrap();
        check_redirect_uri("myapp://callback").unwrap();
        check_redirect_uri("com.example.app:/oauth").unwrap();
    }

    #[test]
    fn garbage_and_fragments_are_refused() {
        assert!(check_redirect_uri("not a url").is_err());
        assert!(check_redirect_uri("https://example.com/cb#frag").is_err());
    }

    #[test]
    fn loopback_socket_is_the_uri_host_and_port() {
        let url = check_redirect_uri("http://[::1]:9000/cb").unwrap();
        assert_eq!(loopback_socket(&url).unwrap().to_string(), "[::1]:9000");
        let url = check_redirect_uri("https://example.com/cb").unwrap();
        assert_eq!(loopback_socket(&url), None);
    }
}
