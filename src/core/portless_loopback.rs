//! Spotify's rule for a loopback redirect URI registered without a port: any
//! port may be used at run time. The one copy of that rule: the library uses it
//! (through `redirect_uri`), and the sandbox includes this file by path (as it
//! does `scope_table.rs`), so the client and the stand-in cannot disagree.
//! Plain functions of text and `url`, no `crate::` paths, so it compiles
//! inside either crate.

use url::{Host, Url};

/// True for a plain `http` URI to a loopback IP literal whose text names no
/// port (`http://127.0.0.1/callback`, `http://[::1]/cb`).
pub fn names_portless_loopback(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    // `Url` drops an explicit default port (`:80`): look at the text itself.
    let authority = uri.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    let after_host = authority
        .rsplit_once(']')
        .map_or(authority, |(_, tail)| tail);
    url.scheme() == "http" && is_loopback(&url) && !after_host.contains(':')
}

/// True when the URL's host is a loopback IP literal (`127.0.0.0/8`, `[::1]`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

/// `uri` with `port` put in, keeping the text's form (no `/` added to an empty
/// path); `None` when `uri` cannot take a port.
pub fn with_port(uri: &str, port: u16) -> Option<String> {
    let mut url = Url::parse(uri).ok()?;
    url.set_port(Some(port)).ok()?;
    let mut text = url.to_string();
    let has_path = uri
        .split_once("://")
        .is_some_and(|(_, rest)| rest.contains(['/', '?']));
    if !has_path {
        text = text.trim_end_matches('/').to_string();
    }
    Some(text)
}

/// True when `requested` is `registered`, a loopback URI registered without a
/// port, with a port put in and nothing else changed.
pub fn fits_portless(registered: &str, requested: &str) -> bool {
    names_portless_loopback(registered)
        && Url::parse(requested)
            .ok()
            .and_then(|url| url.port())
            .is_some_and(|port| with_port(registered, port).as_deref() == Some(requested))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portless_loopback_uri_takes_any_port_and_nothing_else() {
        assert!(names_portless_loopback("http://[::1]/cb"));
        assert!(!names_portless_loopback("https://127.0.0.1/callback"));
        let registered = "http://127.0.0.1/callback";
        assert!(fits_portless(registered, "http://127.0.0.1:43123/callback"));
        for requested in [
            "http://127.0.0.1/callback",
            "http://127.0.0.1:43123/callback/",
            "http://[::1]:43123/callback",
        ] {
            assert!(!fits_portless(registered, requested), "{requested}");
        }
    }
}
