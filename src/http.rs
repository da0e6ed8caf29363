//! The blocking HTTP transport around the protocol core: it sends a
//! [`TokenRequest`] or a Web API request with a bearer token, with time limits, retries with capped
//! back-off, and transport failures translated into [`Error`]s. It decides
//! nothing about the protocol; the core parses what comes back.

use crate::core::accounts::{RetryPolicy, TokenRequest};
use crate::core::error::{Error, Result};
use reqwest::blocking::{Client, RequestBuilder};
use std::sync::OnceLock;
use std::time::Duration;

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

    /// The time limit of one request.
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

    /// Sends a token request (steps 2 and 3) as its retry policy allows.
    pub fn send_token_request(&self, request: &TokenRequest) -> Result<HttpAnswer> {
        let client = self.client()?;
        self.send(
            || {
                let mut builder = client.post(&request.url).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                builder
            },
            &request.url,
            request.retry,
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
    let mut attempt = 1;
    loop {
        let outcome = build().send();
        let (error, wait) = match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let body = read_body(response, url, timeout)?;
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
                    _ => return Ok(HttpAnswer { status, body }),
                }
            }
            Err(e) => {
                let connect = e.is_connect();
                let error = transport_error(url, e, timeout);
                if connect || policy == RetryPolicy::Idempotent {
                    (error, backoff(attempt))
                } else {
                    return Err(error);
                }
            }
        };
        if attempt >= MAX_ATTEMPTS {
            return Err(error);
        }
        if let Some(note) = notes {
            note(&format!(
                "note: {url}: {}; retrying in {:.1} s (try {} of {MAX_ATTEMPTS})",
                short_reason(&error),
                wait.as_secs_f32(),
                attempt + 1
            ));
        }
        std::thread::sleep(wait);
        attempt += 1;
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

/// Reads the body within the time limit (a server dripping one byte at a time
/// must not hold us forever) and refuses one larger than [`MAX_BODY_BYTES`].
fn read_body(
    mut response: reqwest::blocking::Response,
    url: &str,
    timeout: Duration,
) -> Result<String> {
    use std::io::Read;
    let deadline = std::time::Instant::now() + timeout;
    let mut body = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let read = response.read(&mut chunk).map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                timeout_error(url, timeout)
            } else {
                Error::Connection {
                    url: url.into(),
                    detail: root_cause(&e),
                    source: Some(Box::new(e)),
                }
            }
        })?;
        if read == 0 {
            return Ok(String::from_utf8_lossy(&body).into_owned());
        }
        body.extend_from_slice(&chunk[..read]);
        if body.len() as u64 > MAX_BODY_BYTES {
            return Err(Error::UnexpectedResponse(format!(
                "the answer of {url} is larger than 1 MiB, far more than a token or API answer: check SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL"
            )));
        }
        if std::time::Instant::now() > deadline {
            return Err(timeout_error(url, timeout));
        }
    }
}

/// 0.5 s, 1 s, 2 s, ...
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << (attempt - 1).min(4))
}

fn timeout_error(url: &str, timeout: Duration) -> Error {
    Error::Timeout {
        url: url.into(),
        secs: timeout.as_secs(),
    }
}

fn transport_error(url: &str, e: reqwest::Error, timeout: Duration) -> Error {
    if e.is_timeout() {
        timeout_error(url, timeout)
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
