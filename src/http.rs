//! The blocking HTTP transport around the protocol core: it sends a
//! [`TokenRequest`] or a Web API request with a bearer token, with time limits, retries with capped
//! back-off, and transport failures translated into [`Error`]s. It decides
//! nothing about the protocol; the core parses what comes back.

use crate::core::accounts::{RetryPolicy, TokenRequest};
use crate::core::error::{Error, Result};
use reqwest::blocking::{Client, RequestBuilder};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Tries of one call, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// The longest `Retry-After` waited for; a longer one is reported instead.
pub const MAX_RETRY_AFTER_SECS: u64 = 10;
/// Answers of interest are a few kB; a larger body is cut (and then fails to
/// parse with a clear message) instead of filling memory.
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Where notes about waits go ("retrying in 1 s"), so a back-off never looks
/// like a hang. The walkthrough prints them on stderr; a library user may
/// leave them silent.
pub type NoteSink = fn(&str);

/// A finished HTTP exchange.
#[derive(Debug)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// The blocking transport: one client, made on first use (so step 1 never
/// pays for it), with the configured time limit.
#[derive(Debug)]
pub struct Http {
    timeout: Duration,
    client: OnceLock<Client>,
    notes: Option<NoteSink>,
}

impl Http {
    /// A transport whose every request has `timeout`.
    pub fn new(timeout: Duration) -> Http {
        Http {
            timeout,
            client: OnceLock::new(),
            notes: None,
        }
    }

    /// Sends notes about waits and retries to `sink`.
    pub fn with_notes(mut self, sink: NoteSink) -> Http {
        self.notes = Some(sink);
        self
    }

    /// Tells `text` to the note sink, if any.
    pub fn note(&self, text: &str) {
        if let Some(note) = self.notes {
            note(text);
        }
    }

    /// The time limit of one call, every try and wait included.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn client(&self) -> Result<&Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = client(self.timeout)?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Sends a token request (steps 2 and 3) as its retry policy allows. A
    /// body that is not UTF-8 is refused: its tokens would be saved and printed.
    pub fn send_token_request(&self, request: &TokenRequest) -> Result<HttpAnswer> {
        let client = self.client()?;
        send_checked(
            || {
                let mut builder = client.post(&request.url).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                builder
            },
            &request.url,
            self.timeout,
            request.retry,
            self.notes,
            true,
        )
    }

    /// `method url` with `Authorization: Bearer token` and an empty body,
    /// retried as `retry` allows (a `POST` player command only when surely
    /// not sent: see [`crate::core::web_api::Method::retry`]).
    pub fn bearer(
        &self,
        method: reqwest::Method,
        url: &str,
        token: &str,
        retry: RetryPolicy,
    ) -> Result<HttpAnswer> {
        let client = self.client()?;
        let has_body = method != reqwest::Method::GET;
        self.send(
            || {
                let builder = client.request(method.clone(), url).bearer_auth(token);
                // PUT and POST without a body still say `Content-Length: 0`
                // (Spotify answers 411 Length Required otherwise).
                if has_body {
                    builder.body(Vec::new())
                } else {
                    builder
                }
            },
            url,
            retry,
        )
    }

    /// Sends the request `build` makes, retrying as `policy` allows.
    pub fn send(
        &self,
        build: impl Fn() -> RequestBuilder,
        url: &str,
        policy: RetryPolicy,
    ) -> Result<HttpAnswer> {
        send(build, url, self.timeout, policy, self.notes)
    }
}

/// The blocking client with the configured time limit; no redirects followed.
pub fn client(timeout: Duration) -> Result<Client> {
    crate::tls::client_builder()?
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("spotify-auth/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::HttpClient(Box::new(e)))
}

/// Sends the request `build` makes, retrying as `policy` allows; waits are
/// told to `notes`.
pub fn send(
    build: impl Fn() -> RequestBuilder,
    url: &str,
    timeout: Duration,
    policy: RetryPolicy,
    notes: Option<NoteSink>,
) -> Result<HttpAnswer> {
    send_checked(build, url, timeout, policy, notes, false)
}

/// The time one try may take: for a call that may be retried after a
/// timeout, half the time limit (at least 1 s), so a stalled connection
/// gets a second chance within the same limit; otherwise all of it.
fn try_limit(timeout: Duration, policy: RetryPolicy) -> Duration {
    match policy {
        RetryPolicy::Idempotent => Duration::from_secs(timeout.as_secs().div_ceil(2).max(1)),
        RetryPolicy::UnsentOnly => timeout,
    }
}

/// [`send`], with `utf8_only`: a body that is not UTF-8 is refused instead of
/// decoded lossily (token answers, whose tokens are saved and printed).
///
/// `timeout` bounds the whole call: every try and every wait between tries
/// end by one deadline, and a timeout says how many tries it covered.
fn send_checked(
    build: impl Fn() -> RequestBuilder,
    url: &str,
    timeout: Duration,
    policy: RetryPolicy,
    notes: Option<NoteSink>,
    utf8_only: bool,
) -> Result<HttpAnswer> {
    let deadline = Instant::now() + timeout;
    let overall = |tries: u32| Error::Timeout {
        url: url.into(),
        secs: timeout.as_secs(),
        tries,
    };
    let mut attempt = 1;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(overall(attempt - 1));
        }
        let limit = try_limit(timeout, policy).min(left);
        let try_deadline = Instant::now() + limit;
        let outcome = build().timeout(limit).send();
        let (error, wait) = match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let body = read_body(response, url, try_deadline, limit)
                    .map_err(|e| whole_call(e, timeout, attempt))?;
                match status {
                    429 => {
                        let error = Error::RateLimited {
                            retry_after_secs: retry_after,
                        };
                        match retry_after {
                            Some(secs) if secs > MAX_RETRY_AFTER_SECS => return Err(error),
                            Some(secs) => (error, Duration::from_secs(secs)),
                            None => (error, backoff(attempt)),
                        }
                    }
                    500..=599 if policy == RetryPolicy::Idempotent => (
                        Error::ServerError {
                            status,
                            url: url.into(),
                        },
                        backoff(attempt),
                    ),
                    500..=599 => {
                        return Err(Error::ServerError {
                            status,
                            url: url.into(),
                        })
                    }
                    _ => {
                        let body = match String::from_utf8(body) {
                            Ok(text) => text,
                            Err(_) if utf8_only => {
                                return Err(Error::UnexpectedResponse(format!(
                                    "the answer of {url} (status {status}) is not UTF-8 text, as JSON must be: refused, nothing was saved; check SPOTIFY_ACCOUNTS_URL and try again"
                                )))
                            }
                            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                        };
                        return Ok(HttpAnswer { status, body });
                    }
                }
            }
            Err(e) => {
                let connect = e.is_connect();
                let error = transport_error(url, e, limit, attempt);
                if connect || policy == RetryPolicy::Idempotent {
                    (error, backoff(attempt))
                } else {
                    return Err(whole_call(error, timeout, attempt));
                }
            }
        };
        let too_late = Instant::now() + wait >= deadline;
        if attempt >= MAX_ATTEMPTS || too_late {
            return Err(whole_call(error, timeout, attempt));
        }
        if let Some(note) = notes {
            note(&format!(
                "note: {url}: {}; retrying in {:.1} s (try {} of {MAX_ATTEMPTS}, all within {} s)",
                short_reason(&error),
                wait.as_secs_f32(),
                attempt + 1,
                timeout.as_secs()
            ));
        }
        std::thread::sleep(wait);
        attempt += 1;
    }
}

/// A timeout of one try, reported for the whole call: its time limit and tries.
fn whole_call(error: Error, timeout: Duration, tries: u32) -> Error {
    match error {
        Error::Timeout { url, .. } => Error::Timeout {
            url,
            secs: timeout.as_secs(),
            tries,
        },
        other => other,
    }
}

fn short_reason(error: &Error) -> String {
    match error {
        Error::RateLimited {
            retry_after_secs: Some(s),
        } => format!("429 Too Many Requests, Retry-After {s} s"),
        Error::RateLimited {
            retry_after_secs: None,
        } => "429 Too Many Requests, no Retry-After".into(),
        Error::ServerError { status, .. } => format!("server error {status}"),
        Error::Timeout { secs, .. } => format!("no answer within {secs} s"),
        Error::Connection { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

/// Reads the body by `deadline` (a server dripping one byte at a time must
/// not hold us forever) and refuses one larger than [`MAX_BODY_BYTES`].
fn read_body(
    mut response: reqwest::blocking::Response,
    url: &str,
    deadline: Instant,
    limit: Duration,
) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut body = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let read = response.read(&mut chunk).map_err(|e| {
            // The try's own time limit ends a read with an error of its own kind.
            let late = Instant::now() + Duration::from_millis(100) >= deadline;
            if e.kind() == std::io::ErrorKind::TimedOut || late {
                timeout_error(url, limit, 1)
            } else {
                Error::Connection {
                    url: url.into(),
                    detail: root_cause(&e),
                    source: Some(Box::new(e)),
                }
            }
        })?;
        if read == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..read]);
        if body.len() as u64 > MAX_BODY_BYTES {
            return Err(Error::UnexpectedResponse(format!(
                "the answer of {url} is larger than 1 MiB, far more than a token or API answer: check SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL"
            )));
        }
        if Instant::now() > deadline {
            return Err(timeout_error(url, limit, 1));
        }
    }
}

/// 0.5 s, 1 s, 2 s, ...
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << (attempt - 1).min(4))
}

fn timeout_error(url: &str, limit: Duration, tries: u32) -> Error {
    Error::Timeout {
        url: url.into(),
        secs: limit.as_secs(),
        tries,
    }
}

fn transport_error(url: &str, e: reqwest::Error, limit: Duration, tries: u32) -> Error {
    if e.is_timeout() {
        timeout_error(url, limit, tries)
    } else {
        Error::Connection {
            url: url.into(),
            detail: root_cause(&e),
            source: Some(Box::new(e)),
        }
    }
}

/// The innermost cause, which says what really happened ("Connection refused").
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
