//! The loopback listener that catches Spotify's redirect instead of a paste.
//!
//! It binds exactly the redirect URI's host and port, only `127.0.0.1` or
//! `[::1]` (never every interface), accepts only the redirect path with the
//! expected `state`, answers stray requests (favicon, a forged state) without
//! giving up on the real one, and gives up after a timeout.

use crate::core::error::{Error, Result};
use crate::core::redirect_uri::{check_redirect_uri, loopback_socket};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long `--listen` waits by default.
pub const DEFAULT_LISTEN_TIMEOUT: Duration = Duration::from_secs(300);

/// A bound listener, waiting for the browser.
pub struct RedirectListener {
    server: tiny_http::Server,
    address: SocketAddr,
    path: String,
}

impl std::fmt::Debug for RedirectListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedirectListener({}{})", self.address, self.path)
    }
}

impl RedirectListener {
    /// Binds the host and port of `redirect_uri`, which must be
    /// `http://127.0.0.1:PORT/...` or `http://[::1]:PORT/...`.
    pub fn bind(redirect_uri: &str) -> Result<RedirectListener> {
        let url = check_redirect_uri(redirect_uri)?;
        let address = loopback_socket(&url).ok_or_else(|| {
            Error::Listener(format!(
                "--listen needs a loopback redirect URI (http://127.0.0.1:PORT/... or http://[::1]:PORT/...), not {redirect_uri}: a listener here could not receive it; paste the redirect instead"
            ))
        })?;
        let server = tiny_http::Server::http(address).map_err(|e| {
            let in_use = e
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::AddrInUse);
            if in_use {
                Error::Listener(format!(
                    "port {} of {} is taken by another program: stop it (`ss -ltnp 'sport = :{}'` shows which), or register another port in the dashboard and set SPOTIFY_REDIRECT_URI, or paste instead of --listen",
                    address.port(), address.ip(), address.port()
                ))
            } else {
                Error::Listener(format!("cannot listen on {address} ({e}): paste the redirect instead of --listen"))
            }
        })?;
        Ok(RedirectListener {
            server,
            address,
            path: url.path().to_string(),
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Waits for the redirect carrying `state` and returns its full URL (the
    /// caller checks it like a paste). Requests for other paths, or with
    /// another state, are answered and ignored.
    pub fn wait(&self, state: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let request = match self.server.recv_timeout(left) {
                Ok(Some(request)) => request,
                Ok(None) => {
                    return Err(Error::Listener(format!(
                        "no redirect reached {} within {} s: open the authorize URL, press Agree, or run again with a longer --timeout (or paste the redirect instead)",
                        self.address,
                        timeout.as_secs()
                    )))
                }
                Err(e) => return Err(Error::Listener(format!("the listener failed ({e}): paste the redirect instead"))),
            };
            let target = request.url().to_string();
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            let (status, page, done) = if path != self.path {
                (
                    404,
                    page(
                        "Not found",
                        "This is the spotify-auth listener; it waits only for Spotify's redirect.",
                    ),
                    false,
                )
            } else if query_value(query, "state").as_deref() != Some(state) {
                (400, page("State does not match", "This request does not carry the state of your step 1, so it was ignored (possibly forged). Still waiting for the real redirect."), false)
            } else if let Some(error) = query_value(query, "error") {
                (200, page("Authorization refused", &format!("Spotify answered error={}. You can close this tab and run step 1 again.", html_escape(&error))), true)
            } else {
                (200, page("Authorization received", "spotify-auth got the code. You can close this tab and go back to the terminal."), true)
            };
            let response = tiny_http::Response::from_string(page)
                .with_status_code(status)
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
                        .expect("static header"),
                );
            let _ = request.respond(response);
            if done {
                let host = match self.address {
                    SocketAddr::V4(a) => a.to_string(),
                    SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
                };
                return Ok(format!("http://{host}{target}"));
            }
        }
    }
}

fn query_value(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn page(title: &str, text: &str) -> String {
    format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(address: SocketAddr, target: &str) -> String {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn ignores_strays_and_returns_the_real_redirect() {
        let uri = format!("http://127.0.0.1:{}/callback", free_port());
        let listener = RedirectListener::bind(&uri).unwrap();
        let address = listener.address();
        let browser = std::thread::spawn(move || {
            let favicon = get(address, "/favicon.ico");
            let forged = get(address, "/callback?code=evil&state=forged");
            let real = get(address, "/callback?code=good&state=s1");
            (favicon, forged, real)
        });
        let url = listener.wait("s1", Duration::from_secs(10)).unwrap();
        assert_eq!(url, format!("{uri}?code=good&state=s1"));
        let (favicon, forged, real) = browser.join().unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(
            forged.starts_with("HTTP/1.1 400") && forged.contains("ignored"),
            "{forged}"
        );
        assert!(
            real.starts_with("HTTP/1.1 200") && real.contains("close this tab"),
            "{real}"
        );
    }

    #[test]
    fn times_out_with_advice() {
        let uri = format!("http://127.0.0.1:{}/cb", free_port());
        let listener = RedirectListener::bind(&uri).unwrap();
        let err = listener
            .wait("s", Duration::from_millis(200))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("within 0 s") && err.contains("--timeout"),
            "{err}"
        );
    }

    #[test]
    fn busy_port_and_non_loopback_are_refused() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = RedirectListener::bind(&format!("http://127.0.0.1:{port}/cb"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("port {port} of 127.0.0.1 is taken")),
            "{err}"
        );
        let err = RedirectListener::bind("https://example.com/cb")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a loopback redirect URI"), "{err}");
    }
}
