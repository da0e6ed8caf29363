//! The blocking HTTP transport around the protocol core: it sends a
//! [`TokenRequest`] or a Web API request with a bearer token, reads the
//! answer and waits, as the core's [`Call`] decides (tries, back-off,
//! `Retry-After`, the deadline of the whole call, the body cap). It decides
//! nothing about the protocol; the core parses what comes back.

use crate::core::accounts::{RetryPolicy, TokenRequest};
use crate::core::error::{Error, Result};
use crate::core::http_policy::{Call, Next, NoAnswer};
use reqwest::blocking::{Client, RequestBuilder};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use crate::core::http_policy::{Answer as HttpAnswer, MAX_ATTEMPTS, MAX_BODY_BYTES};

/// Where notes about waits go ("retrying in 1 s"), so a back-off never looks
/// like a hang. The walkthrough prints them on stderr; a library user may
/// leave them silent.
pub type NoteSink = fn(&str);

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
        let call = Call::new(&request.url, self.timeout, request.retry, Instant::now());
        send_call(
            || {
                let mut builder = client.post(&request.url).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                builder
            },
            call.strict_text(),
            self.notes,
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

/// A blocking client builder with the crate's one TLS configuration, for a
/// client of one's own (reqwest is built without a TLS provider of its own).
pub fn client_builder() -> Result<reqwest::blocking::ClientBuilder> {
    crate::tls::client_builder()
}

/// The async client builder (the web app's) with the crate's one TLS
/// configuration (`tls`: rustls over the system's OpenSSL, roots read lazily).
pub fn async_client_builder() -> Result<reqwest::ClientBuilder> {
    crate::tls::async_client_builder()
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
    let call = Call::new(url, timeout, policy, Instant::now());
    send_call(build, call, notes)
}

/// The one place every blocking request is sent and its answer read: each
/// try as the core's [`Call`] decides (tries, waits, deadline, body cap).
fn send_call(
    build: impl Fn() -> RequestBuilder,
    mut call: Call,
    notes: Option<NoteSink>,
) -> Result<HttpAnswer> {
    loop {
        let limit = call.begin_try(Instant::now())?;
        let next = match build().timeout(limit).send() {
            Err(e) => call.failed(no_answer(e, limit), Instant::now()),
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                match read_body(response, &call, Instant::now() + limit, limit)? {
                    Ok(body) => call.answered(status, retry_after.as_deref(), body, Instant::now()),
                    Err(cut) => call.failed(cut, Instant::now()),
                }
            }
        };
        let (wait, cause) = match next {
            Next::Done(answer) => return Ok(answer),
            Next::Fail(error) => return Err(error),
            Next::Retry { wait, cause } => (wait, cause),
        };
        if let Some(note) = notes {
            note(&call.note(&cause, wait));
        }
        std::thread::sleep(wait);
    }
}

/// Reads the body by `deadline` (a server dripping one byte at a time must
/// not hold us forever): the body, or how the read was cut short; an error
/// for a body over the core's cap.
fn read_body(
    mut response: reqwest::blocking::Response,
    call: &Call,
    deadline: Instant,
    limit: Duration,
) -> Result<std::result::Result<Vec<u8>, NoAnswer>> {
    use std::io::Read;
    let mut body = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let read = match response.read(&mut chunk) {
            Ok(read) => read,
            // The try's own time limit ends a read with an error of its own kind.
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return Ok(Err(NoAnswer::TimedOut { limit }))
            }
            Err(_) if Instant::now() + Duration::from_millis(100) >= deadline => {
                return Ok(Err(NoAnswer::TimedOut { limit }))
            }
            Err(e) => {
                return Ok(Err(NoAnswer::Broken {
                    detail: root_cause(&e),
                    source: Box::new(e),
                }))
            }
        };
        if read == 0 {
            return Ok(Ok(body));
        }
        body.extend_from_slice(&chunk[..read]);
        call.check_body_len(body.len())?;
        if Instant::now() > deadline {
            return Ok(Err(NoAnswer::TimedOut { limit }));
        }
    }
}

/// What a failed send of either transport (reqwest's blocking or async
/// client, one error type) means for the policy: never connected, timed
/// out, or broken after the request may have arrived.
pub fn no_answer(e: reqwest::Error, limit: Duration) -> NoAnswer {
    if e.is_timeout() {
        return NoAnswer::TimedOut { limit };
    }
    let detail = root_cause(&e);
    if e.is_connect() {
        NoAnswer::Unsent {
            detail,
            source: Box::new(e),
        }
    } else {
        NoAnswer::Broken {
            detail,
            source: Box::new(e),
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
