//! The blocking HTTP transport around the protocol core: it sends a
//! [`TokenRequest`] or a Web API request with a bearer token, reads the
//! answer and waits, as the core's [`Call`] decides (tries, back-off,
//! `Retry-After`, the deadline of the whole call, the body cap). It decides
//! nothing about the protocol; the core parses what comes back.

use crate::core::accounts::{RetryPolicy, TokenRequest};
use crate::core::error::{Error, Result};
use crate::core::http_policy::{Call, Next, NoAnswer};
use crate::core::wire::{RecordedExchange, WireAnswer, WireRequest};
use reqwest::blocking::{Client, RequestBuilder};
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub use crate::core::http_policy::{Answer as HttpAnswer, MAX_ATTEMPTS, MAX_BODY_BYTES};

/// Where notes about waits go ("retrying in 1 s"), so a back-off never looks
/// like a hang. The walkthrough prints them on stderr; a library user may
/// leave them silent.
pub type NoteSink = fn(&str);

/// Where every exchange goes as it happens (`--http` prints it, `cargo run`
/// keeps it for its diagram). Nothing is recorded without one.
pub type TraceSink = Arc<dyn Fn(&RecordedExchange) + Send + Sync>;

/// The blocking transport: one client, made on first use (so step 1 never
/// pays for it), with the configured time limit.
pub struct Http {
    timeout: Duration,
    client: OnceLock<Client>,
    notes: Option<NoteSink>,
    trace: Option<TraceSink>,
}

impl fmt::Debug for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("timeout", &self.timeout)
            .field("notes", &self.notes.is_some())
            .field("trace", &self.trace.is_some())
            .finish()
    }
}

impl Http {
    /// A transport whose every request has `timeout`.
    pub fn new(timeout: Duration) -> Http {
        Http {
            timeout,
            client: OnceLock::new(),
            notes: None,
            trace: None,
        }
    }

    /// Sends notes about waits and retries to `sink`.
    pub fn set_notes(&mut self, sink: NoteSink) {
        self.notes = Some(sink);
    }

    /// Hands every exchange (each try) to `sink`, the secret left out.
    pub fn set_trace(&mut self, sink: TraceSink) {
        self.trace = Some(sink);
    }

    /// Tells `text` to the note sink, if any.
    pub fn note(&self, text: &str) {
        if let Some(note) = self.notes {
            note(text);
        }
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
        self.send_call(
            || {
                let mut builder = client.post(&request.url).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                builder
            },
            call.strict_text(),
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
        self.send_call(build, Call::new(url, self.timeout, policy, Instant::now()))
    }

    /// The one place every blocking request is sent and its answer read: each
    /// try as the core's [`Call`] decides (tries, waits, deadline, body cap),
    /// and handed to the trace sink when there is one.
    fn send_call(&self, build: impl Fn() -> RequestBuilder, mut call: Call) -> Result<HttpAnswer> {
        let trace = self.trace.as_ref();
        loop {
            let limit = call.begin_try(Instant::now())?;
            let (client, request) = build().timeout(limit).build_split();
            let request = request.map_err(|e| Error::HttpClient(Box::new(e)))?;
            let recorded = trace.map(|_| {
                let body = request.body().and_then(|body| body.as_bytes());
                wire_request(request.method(), request.url(), request.headers(), body)
            });
            let started = Instant::now();
            let record = |answer: std::result::Result<WireAnswer, String>| {
                if let (Some(sink), Some(request)) = (trace, &recorded) {
                    sink(&RecordedExchange {
                        request: request.clone(),
                        answer,
                        elapsed: started.elapsed(),
                    });
                }
            };
            // The answer read whole, or why there is none (a body cut short too).
            let read = match client.execute(request) {
                Err(e) => Err(no_answer(e, limit)),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = trace.map(|_| header_pairs(response.headers()));
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let body = read_body(response, &call, Instant::now() + limit, limit)?;
                    body.map(|body| (status, headers, retry_after, body))
                }
            };
            let next = match read {
                Err(cause) => {
                    record(Err(describe(&cause)));
                    call.failed(cause, Instant::now())
                }
                Ok((status, headers, retry_after, body)) => {
                    record(Ok(WireAnswer {
                        status,
                        headers: headers.unwrap_or_default(),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    }));
                    call.answered(status, retry_after.as_deref(), body, Instant::now())
                }
            };
            let (wait, cause) = match next {
                Next::Done(answer) => return Ok(answer),
                Next::Fail(error) => return Err(error),
                Next::Retry { wait, cause } => (wait, cause),
            };
            if let Some(note) = self.notes {
                note(&call.note(&cause, wait));
            }
            std::thread::sleep(wait);
        }
    }
}

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("spotify-auth/", env!("CARGO_PKG_VERSION"));

/// The blocking client with the configured time limit; no redirects followed.
pub fn client(timeout: Duration) -> Result<Client> {
    client_builder()?
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| Error::HttpClient(Box::new(e)))
}

/// Client builders with the crate's one TLS configuration (rustls over the
/// system's OpenSSL, roots read lazily), for a client of one's own (reqwest is
/// built without a TLS provider of its own): blocking, and async (the web app's).
pub use crate::tls::{async_client_builder, client_builder};

/// A request of either transport as it goes out: the headers it carries plus
/// those the client adds (`Host` first, as on the wire; `User-Agent`,
/// `Accept`, the length), the secret left out by the core.
pub fn wire_request(
    method: &reqwest::Method,
    url: &reqwest::Url,
    own_headers: &reqwest::header::HeaderMap,
    body: Option<&[u8]>,
) -> WireRequest {
    let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
    let body = body.map(|bytes| String::from_utf8_lossy(bytes).into_owned());
    let mut headers = vec![("Host".to_string(), host.to_string())];
    headers.extend(header_pairs(own_headers));
    headers.push(("User-Agent".into(), USER_AGENT.into()));
    headers.push(("Accept".into(), "*/*".into()));
    if let Some(body) = &body {
        headers.push(("Content-Length".into(), body.len().to_string()));
    }
    WireRequest::new(
        method.as_str(),
        url.as_str(),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        body.as_deref().unwrap_or_default(),
    )
}

/// Header names and values, a value that is not text shown as such.
pub fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("(not text)");
            (canonical_name(name.as_str()), value.to_string())
        })
        .collect()
}

/// `content-type` as `Content-Type`, the way the learner reads headers.
fn canonical_name(name: &str) -> String {
    let mut shown = String::with_capacity(name.len());
    for c in name.chars() {
        let upper = shown.is_empty() || shown.ends_with('-');
        shown.push(if upper { c.to_ascii_uppercase() } else { c });
    }
    shown
}

/// Why a try got no answer, in a few words.
pub fn describe(cause: &NoAnswer) -> String {
    match cause {
        NoAnswer::Unsent { detail, .. } => format!("not sent: {detail}"),
        NoAnswer::TimedOut { limit } => format!("no answer within {} s", limit.as_secs()),
        NoAnswer::Broken { detail, .. } => format!("the connection broke: {detail}"),
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
            Err(e)
                if e.kind() == std::io::ErrorKind::TimedOut
                    || Instant::now() + Duration::from_millis(100) >= deadline =>
            {
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
    let (detail, unsent) = (root_cause(&e), e.is_connect());
    let source = Box::new(e);
    if unsent {
        NoAnswer::Unsent { detail, source }
    } else {
        NoAnswer::Broken { detail, source }
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
