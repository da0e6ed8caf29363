//! The loopback listener that catches Spotify's redirect instead of a paste.
//!
//! It binds exactly the redirect URI's host and port, only `127.0.0.1` or
//! `[::1]` (never every interface), accepts only the redirect path with the
//! expected `state`, answers stray requests (favicon, a forged state) without
//! giving up on the real one, and gives up after a timeout.
//!
//! Anything may connect to a loopback port, so the listener trusts no client:
//! it reads only a request's head (request line and headers, at most
//! [`MAX_REQUEST_HEAD`] bytes) and never its body, gives every connection
//! [`CONNECTION_DEADLINE`] to send that head, keeps at most
//! [`MAX_CONNECTIONS`] connections open (the oldest goes first), and uses one
//! thread besides the caller's: the one blocked in `accept`. The caller's
//! thread reads every connection without blocking, so no client can hold up
//! the real redirect or `wait`'s timeout.

use crate::core::error::{Error, Result};
use crate::core::redirect_uri::{check_redirect_uri, loopback_socket};
use crate::html::escape;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long `--listen` waits by default.
pub const DEFAULT_LISTEN_TIMEOUT: Duration = Duration::from_secs(300);

/// The most bytes read from one connection: its request line and headers.
/// A browser's redirect needs about 1 KiB; a longer head is answered 431.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// How long a connection has to send its request head before it is closed.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(3);

/// The most connections read at once; a new one closes the oldest.
pub const MAX_CONNECTIONS: usize = 64;

/// The most request headers looked at (more is answered 431).
const MAX_HEADERS: usize = 64;

/// How often open connections are read again while some wait for data (new
/// connections are read as soon as they are accepted): a tenth of the age of
/// the youngest, within these bounds, since a browser sends its request right
/// after connecting while a silent connection is likely to stay silent.
const POLL_INTERVAL: (Duration, Duration) = (Duration::from_micros(50), Duration::from_millis(2));

/// A bound listener, waiting for the browser.
pub struct RedirectListener {
    address: SocketAddr,
    path: String,
    redirect_uri: String,
    /// Connections accepted by the `accept` thread, in order.
    incoming: Mutex<Option<Receiver<TcpStream>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    /// Set by a [`GiveUp`] handle: why the browser will never come.
    gave_up: Arc<Mutex<Option<String>>>,
}

/// Makes [`RedirectListener::wait`] return at once, from another thread, when
/// it is known that the browser will never come (its authorize page refused
/// the request): waiting out the timeout would only hide the reason.
#[derive(Debug, Clone)]
pub struct GiveUp {
    address: SocketAddr,
    reason: Arc<Mutex<Option<String>>>,
}

impl GiveUp {
    /// Ends the wait with an error saying `reason`.
    pub fn give_up(&self, reason: impl Into<String>) {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.into());
        // Wake the wait with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

impl std::fmt::Debug for RedirectListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedirectListener({}{})", self.address, self.path)
    }
}

impl RedirectListener {
    /// Binds the host and port of `redirect_uri`, which must be
    /// `http://127.0.0.1:PORT/...` or `http://[::1]:PORT/...`.
    ///
    /// Without a port (`http://127.0.0.1/callback`) a free port chosen by the
    /// system is bound (Spotify accepts any port for a loopback redirect URI
    /// registered without one); [`RedirectListener::redirect_uri`] then gives
    /// the URI with that port, for the authorize URL.
    pub fn bind(redirect_uri: &str) -> Result<RedirectListener> {
        let mut url = check_redirect_uri(redirect_uri)?;
        let mut address = loopback_socket(&url).ok_or_else(|| {
            Error::Listener(format!(
                "listening needs a loopback redirect URI (http://127.0.0.1:PORT/... or http://[::1]:PORT/...), not {redirect_uri}: a listener here could not receive it; paste the redirect instead"
            ))
        })?;
        let any_port = !has_explicit_port(redirect_uri);
        if any_port {
            address.set_port(0);
        }
        let failed = |e: std::io::Error| {
            Error::Listener(format!(
                "cannot listen on {address} ({e}): paste the redirect instead of listening"
            ))
        };
        let listener = TcpListener::bind(address).map_err(|e| match e.kind() {
            ErrorKind::AddrInUse => Error::Listener(format!(
                "port {} of {} is taken by another program: stop it (`ss -ltnp 'sport = :{}'` shows which), or register another port in the dashboard and set SPOTIFY_REDIRECT_URI, or paste the redirect instead of listening",
                address.port(), address.ip(), address.port()
            )),
            _ => failed(e),
        })?;
        let address = listener.local_addr().map_err(failed)?;
        let redirect_uri = if any_port {
            let _ = url.set_port(Some(address.port()));
            url.to_string()
        } else {
            redirect_uri.to_string()
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel(MAX_CONNECTIONS);
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("redirect-listener".into())
                .spawn(move || accept_loop(listener, sender, &stop))
                .map_err(failed)?
        };
        Ok(RedirectListener {
            address,
            path: url.path().to_string(),
            redirect_uri,
            incoming: Mutex::new(Some(receiver)),
            stop,
            acceptor: Some(acceptor),
            gave_up: Arc::default(),
        })
    }

    /// The address it listens on (with the port the system chose, if any).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The redirect URI this listener receives: the one given to `bind`, or,
    /// when that had no port, the same with the port actually bound (e.g.
    /// `http://127.0.0.1:53124/callback`), to put in the authorize URL.
    pub fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    /// A handle that ends [`RedirectListener::wait`] early with a reason.
    pub fn give_up_handle(&self) -> GiveUp {
        GiveUp {
            address: self.address,
            reason: self.gave_up.clone(),
        }
    }

    /// Waits for the redirect carrying `state` and returns its full URL (the
    /// caller checks it like a paste). Requests for other paths, or with
    /// another state, are answered and ignored.
    pub fn wait(&self, state: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let incoming = self.incoming.lock().unwrap_or_else(|e| e.into_inner());
        let incoming = incoming.as_ref().ok_or_else(listener_failed)?;
        let mut open: VecDeque<Connection> = VecDeque::new();
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Listener(format!(
                    "no redirect reached {} within {} s: open the authorize URL, press Agree, or run again with a longer --timeout (or paste the redirect instead)",
                    self.address,
                    timeout.as_secs()
                )));
            }
            // Sleep until a connection arrives, or until it is time to read
            // the open ones again.
            let left = deadline - now;
            let pause = match open.back() {
                None => left,
                Some(youngest) => (youngest.opened.elapsed() / 10)
                    .clamp(POLL_INTERVAL.0, POLL_INTERVAL.1)
                    .min(left),
            };
            let arrived = match incoming.recv_timeout(pause) {
                Ok(stream) => Some(stream),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Err(listener_failed()),
            };
            if let Some(reason) = self
                .gave_up
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
            {
                return Err(Error::Listener(reason));
            }
            // What else is queued, up to MAX_CONNECTIONS (a disconnection
            // shows at the next `recv_timeout`).
            let queued = incoming.try_iter();
            for stream in arrived.into_iter().chain(queued).take(MAX_CONNECTIONS) {
                if open.len() == MAX_CONNECTIONS {
                    open.pop_front();
                }
                open.push_back(Connection::new(stream));
            }

            let now = Instant::now();
            let mut index = 0;
            while index < open.len() {
                let progress = open[index].read();
                if matches!(progress, Progress::Waiting)
                    && now < open[index].opened + CONNECTION_DEADLINE
                {
                    index += 1;
                    continue;
                }
                // Answered (or not) and closed, whatever came.
                let mut connection = open.remove(index).expect("index is in range");
                let target = match progress {
                    Progress::Waiting | Progress::Gone => continue,
                    Progress::Refused(status, reason) => {
                        connection.answer(status, &page(reason, &format!("<p>{REFUSED_TEXT}</p>")));
                        continue;
                    }
                    Progress::Head(target) => target,
                };
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                if path != self.path {
                    connection.answer(404, &page("Not found", "<p>This is the spotify-auth listener; it waits only for Spotify's redirect.</p>"));
                } else if query_value(query, "state").as_deref() != Some(state) {
                    connection.answer(400, &page("State does not match", "<p>This request does not carry the state of your step 1, so it was ignored (possibly forged). Still waiting for the real redirect.</p>"));
                } else {
                    if let Some(error) = query_value(query, "error") {
                        connection.answer(200, &page("Authorization refused", &format!("<p>Spotify answered <code>error={}</code>. You can close this tab and run step 1 again.</p>", escape(&error))));
                    } else {
                        connection.answer(200, &page("Authorization received", RECEIVED));
                    }
                    // A loopback address: `[::1]:PORT` has no scope id to show.
                    return Ok(format!("http://{}{target}", self.address));
                }
            }
        }
    }
}

impl Drop for RedirectListener {
    /// Stops the `accept` thread and closes the port before returning.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // A full queue no longer blocks the thread once the receiver is gone.
        *self.incoming.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        // Wake `accept` with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn listener_failed() -> Error {
    Error::Listener("the listener failed: paste the redirect instead".into())
}

/// The `accept` thread: hands every connection to `wait`, in order; stops
/// when asked or when the listener is gone.
fn accept_loop(listener: TcpListener, sender: SyncSender<TcpStream>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                if stop.load(Ordering::SeqCst) || sender.send(stream).is_err() {
                    return;
                }
            }
            // Out of file descriptors or a connection reset before accept:
            // try again shortly rather than spin.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Whether the URI's authority ends with `:PORT` (the `url` crate forgets an
/// explicit default port such as `:80`).
fn has_explicit_port(uri: &str) -> bool {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let after_host = authority.rsplit(']').next().unwrap_or(authority);
    after_host
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
}

/// One accepted connection, read without blocking until its head is complete.
struct Connection {
    stream: TcpStream,
    head: Vec<u8>,
    opened: Instant,
}

enum Progress {
    /// Not all of the head yet.
    Waiting,
    /// Closed, failed, or not worth an answer.
    Gone,
    /// A head that is too long or not HTTP: answered with this status.
    Refused(u16, &'static str),
    /// A complete head: its request target.
    Head(String),
}

const REFUSED_TEXT: &str =
    "This is the spotify-auth listener; it takes only a short GET request from your browser.";

impl Connection {
    fn new(stream: TcpStream) -> Connection {
        let _ = stream.set_nonblocking(true);
        let _ = stream.set_nodelay(true);
        Connection {
            stream,
            head: Vec::new(),
            opened: Instant::now(),
        }
    }

    /// Reads what has arrived (never past `MAX_REQUEST_HEAD` bytes) and
    /// parses the head; a body is never read.
    fn read(&mut self) -> Progress {
        let mut buffer = [0; MAX_REQUEST_HEAD];
        let room = MAX_REQUEST_HEAD - self.head.len();
        match self.stream.read(&mut buffer[..room]) {
            Ok(0) => return Progress::Gone,
            Ok(n) => self.head.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                return Progress::Waiting
            }
            Err(_) => return Progress::Gone,
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&self.head) {
            Ok(httparse::Status::Complete(_)) => match request.path {
                Some(path) => Progress::Head(path.to_string()),
                None => Progress::Refused(400, "Bad request"),
            },
            Ok(httparse::Status::Partial) if self.head.len() < MAX_REQUEST_HEAD => {
                Progress::Waiting
            }
            Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                Progress::Refused(431, "Request too large")
            }
            Err(_) => Progress::Refused(400, "Bad request"),
        }
    }

    /// Sends a small page (it fits the socket's buffer: never waits for a
    /// client that does not read) and closes.
    fn answer(&mut self, status: u16, page: &str) {
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            431 => "Request Header Fields Too Large",
            _ => "Error",
        };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\n\
             Cache-Control: no-store\r\n\
             Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
             X-Content-Type-Options: nosniff\r\n\
             Referrer-Policy: no-referrer\r\n\
             Connection: close\r\n\r\n{page}",
            page.len()
        );
        // Stops at the first error (retrying only an interrupted write).
        let _ = self.stream.write_all(response.as_bytes());
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

fn query_value(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A small self-contained page: inline CSS, no script, nothing fetched.
/// `title` is plain text; `body` is HTML (paragraphs), in which any text that
/// came with the request must already be escaped with [`html_escape`].
fn page(title: &str, body: &str) -> String {
    let title = escape(title);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · spotify-auth</title>
  <style>
    body {{ font-family: system-ui, sans-serif; background: #121212; color: #fff; margin: 0; }}
    main {{ max-width: 34rem; margin: 3rem auto; padding: 2rem; background: #181818; border-radius: 8px; }}
    h1 {{ font-size: 1.6rem; margin-top: 0; }}
    p {{ line-height: 1.5; color: #e0e0e0; }}
    code {{ color: #1ed760; }}
    .mark {{ display: inline-block; width: 2.5rem; height: 2.5rem; line-height: 2.5rem; text-align: center; border-radius: 50%; background: #1ed760; color: #000; font-weight: bold; font-size: 1.4rem; }}
    .small {{ color: #b3b3b3; font-size: .85rem; }}
  </style>
</head>
<body>
  <main>
    <h1>{title}</h1>
    {body}
    <p class="small">spotify-auth loopback listener</p>
  </main>
</body>
</html>
"#
    )
}

/// The body of the page the real redirect gets.
const RECEIVED: &str = "<p><span class=\"mark\" aria-hidden=\"true\">&#10003;</span></p>\n    \
    <p>spotify-auth got the code. You can close this tab and go back to the terminal.</p>";

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

    use test_support::free_port;

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
        // The notebooks show it too, and they have no `--listen`.
        assert!(
            err.ends_with("or paste the redirect instead of listening") && !err.contains("--"),
            "{err}"
        );
        let err = RedirectListener::bind("https://example.com/cb")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a loopback redirect URI"), "{err}");
    }

    #[test]
    fn giving_up_ends_the_wait_with_the_reason() {
        let listener = RedirectListener::bind("http://127.0.0.1/cb").unwrap();
        let give_up = listener.give_up_handle();
        let started = Instant::now();
        let stopper = std::thread::spawn(move || give_up.give_up("the authorize page refused"));
        let err = listener
            .wait("s", Duration::from_secs(60))
            .unwrap_err()
            .to_string();
        stopper.join().unwrap();
        assert_eq!(err, "the authorize page refused");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_loopback_uri_without_port_binds_a_free_port() {
        let listener = RedirectListener::bind("http://127.0.0.1/callback").unwrap();
        let port = listener.address().port();
        assert!(port != 0 && port != 80, "{port}");
        assert_eq!(
            listener.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback")
        );
        let address = listener.address();
        let browser = std::thread::spawn(move || get(address, "/callback?code=c&state=s"));
        let url = listener.wait("s", Duration::from_secs(10)).unwrap();
        assert_eq!(
            url,
            format!("http://127.0.0.1:{port}/callback?code=c&state=s")
        );
        assert!(browser.join().unwrap().starts_with("HTTP/1.1 200"));

        let listener = RedirectListener::bind("http://[::1]/cb?x=1");
        if let Ok(listener) = listener {
            let port = listener.address().port();
            assert_eq!(
                listener.redirect_uri(),
                format!("http://[::1]:{port}/cb?x=1")
            );
        }
        // A port given, even the default one, is kept as it is.
        let uri = format!("http://127.0.0.1:{}/callback", free_port());
        assert_eq!(RedirectListener::bind(&uri).unwrap().redirect_uri(), uri);
        assert!(has_explicit_port("http://127.0.0.1:80/cb"));
        assert!(has_explicit_port("http://[::1]:8888"));
        assert!(!has_explicit_port("http://[::1]/cb:1"));
        assert!(!has_explicit_port("http://127.0.0.1?a=b:2"));
    }

    #[test]
    fn dropping_the_listener_frees_the_port() {
        let uri = format!("http://127.0.0.1:{}/cb", free_port());
        drop(RedirectListener::bind(&uri).unwrap());
        drop(RedirectListener::bind(&uri).unwrap());
    }

    fn exchange(address: SocketAddr, request: &[u8]) -> String {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn bodies_are_never_read_and_long_heads_are_refused() {
        let listener = RedirectListener::bind("http://127.0.0.1/cb").unwrap();
        let address = listener.address();
        let client = std::thread::spawn(move || {
            let started = Instant::now();
            let unfinished = exchange(
                address,
                b"POST /cb?state=x HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
            );
            let mut long = b"GET /".to_vec();
            long.extend(std::iter::repeat_n(b'a', 2 * MAX_REQUEST_HEAD));
            let long = exchange(address, &long);
            let garbage = exchange(address, b"\x16\x03\x01 not http\r\n\r\n");
            let escaped = exchange(
                address,
                b"GET /cb?state=s&error=%3Cscript%3E'%22 HTTP/1.1\r\n\r\n",
            );
            (started.elapsed(), unfinished, long, garbage, escaped)
        });
        let url = listener.wait("s", Duration::from_secs(10)).unwrap();
        assert!(url.ends_with("/cb?state=s&error=%3Cscript%3E'%22"), "{url}");
        let (took, unfinished, long, garbage, escaped) = client.join().unwrap();
        assert!(took < Duration::from_secs(2), "{took:?}");
        // The announced body is not waited for: the head is answered at once.
        assert!(unfinished.starts_with("HTTP/1.1 400"), "{unfinished}");
        assert!(
            long.is_empty() || long.starts_with("HTTP/1.1 431"),
            "{long}"
        );
        assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
        assert!(escaped.starts_with("HTTP/1.1 200"), "{escaped}");
        assert!(
            escaped.contains("error=&lt;script&gt;&#39;&quot;") && !escaped.contains("<script"),
            "{escaped}"
        );
    }

    #[test]
    fn a_silent_client_is_closed_after_the_deadline() {
        let listener = RedirectListener::bind("http://127.0.0.1/cb").unwrap();
        let address = listener.address();
        let client = std::thread::spawn(move || {
            let started = Instant::now();
            let silent = exchange(address, b"GET /cb?sta");
            let closed_after = started.elapsed();
            get(address, "/cb?state=s");
            (closed_after, silent)
        });
        listener.wait("s", Duration::from_secs(10)).unwrap();
        let (closed_after, silent) = client.join().unwrap();
        assert_eq!(silent, "", "closed without an answer");
        assert!(
            closed_after >= CONNECTION_DEADLINE && closed_after < CONNECTION_DEADLINE * 2,
            "{closed_after:?}"
        );
    }
}
