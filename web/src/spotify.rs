//! The calls to Spotify, async: the core builds each request and reads each
//! answer; the core's [`Call`] decides what is tried again, how long to wait,
//! the deadline of the whole call and the body cap. This module only sends
//! (with reqwest), reads and waits. Nothing here logs a token.

use crate::ratelimit::RateLimits;
use spotify_auth::core::accounts::{parse_token_answer, TokenRequest};
use spotify_auth::core::http_policy::{retry_after_secs, Call, Next};
use spotify_auth::core::web_api::Method;
use spotify_auth::core::wire::{RecordedExchange, WireAnswer, WireRequest};
use spotify_auth::http::{describe, header_pairs, no_answer, wire_request, TraceSink, USER_AGENT};
use spotify_auth::{AccessToken, Config, Error, TokenResponse};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A Web API answer: status and body (empty for 204).
pub use spotify_auth::core::http_policy::Answer;

/// The HTTP client and the app's settings.
#[derive(Clone)]
pub struct Spotify {
    http: reqwest::Client,
    /// Where each exchange goes, when someone watches the wire.
    trace: Option<TraceSink>,
    /// The app's settings (client id and secret, URLs, scopes).
    pub config: Config,
    /// Spotify's 429 pauses, for the whole app.
    pub limits: Arc<RateLimits>,
}

impl Spotify {
    /// A client with the configured time limit.
    pub fn new(config: Config) -> Result<Spotify, Error> {
        // Each try gets its time limit from the core's `Call`.
        // The library's TLS (rustls over the system's OpenSSL), as the binaries'.
        let http = spotify_auth::http::async_client_builder()?
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| Error::HttpClient(Box::new(e)))?;
        Ok(Spotify {
            http,
            trace: None,
            config,
            limits: Arc::new(RateLimits::new(None)),
        })
    }

    /// The same client, handing every exchange (each try) to `sink`, the
    /// secret left out: the wire, recorded where the blocking transport
    /// records it too.
    pub fn with_trace(mut self, sink: TraceSink) -> Spotify {
        self.trace = Some(sink);
        self
    }

    /// The same client with `limits` (shared by the replicas through the store).
    pub fn with_limits(mut self, limits: Arc<RateLimits>) -> Spotify {
        self.limits = limits;
        self
    }

    /// Steps 2 and 3: sends a token request built by the core; its answer parsed by the core.
    pub async fn send_token(&self, request: &TokenRequest) -> Result<TokenResponse, Error> {
        let call = self.call(&request.url, request.retry).strict_text();
        let answer = self
            .send("accounts", call, || {
                let post = self.http.post(&request.url).body(request.body.clone());
                request
                    .headers
                    .iter()
                    .fold(post, |post, (name, value)| post.header(*name, value))
            })
            .await?;
        parse_token_answer(answer.status, &answer.body)
    }

    /// A Web API call with the access token, tried again as the core's
    /// [`Method::retry`] says for its verb (a `POST` only when surely not sent).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &AccessToken,
    ) -> Result<Answer, Error> {
        self.api_with_body(method, path, token, None).await
    }

    /// [`Spotify::api`] with a JSON body (a transfer's `device_ids`).
    pub async fn api_with_body(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &AccessToken,
        json: Option<&str>,
    ) -> Result<Answer, Error> {
        let url = format!("{}{path}", self.config.api_url);
        let verb = match method.as_str() {
            "POST" => Method::Post,
            "PUT" => Method::Put,
            _ => Method::Get,
        };
        self.send("api", self.call(&url, verb.retry()), || {
            let request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.secret());
            // Spotify answers 411 to a PUT or POST without `Content-Length`.
            match json {
                Some(body) => request
                    .header("Content-Type", "application/json")
                    .body(body.to_string()),
                None if verb == Method::Get => request,
                None => request.header("Content-Length", "0"),
            }
        })
        .await
    }

    fn call(&self, url: &str, retry: spotify_auth::core::accounts::RetryPolicy) -> Call {
        Call::new(url, self.config.http_timeout, retry, Instant::now())
    }

    /// The one place every request of the app is sent and its answer read.
    async fn send(
        &self,
        kind: &str,
        mut call: Call,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        loop {
            // A 429 seen by any request (of any replica) holds this one back.
            self.limits.wait(kind).await?;
            let limit = call.begin_try(Instant::now())?;
            let request = build()
                .timeout(limit)
                .build()
                .map_err(|e| Error::HttpClient(Box::new(e)))?;
            let record = Record {
                sink: self.trace.as_ref(),
                request: self.trace.as_ref().map(|_| {
                    let body = request.body().and_then(|b| b.as_bytes());
                    wire_request(request.method(), request.url(), request.headers(), body)
                }),
                started: Instant::now(),
            };
            let next = match self.http.execute(request).await {
                Ok(response) => self.read(kind, &call, response, limit, &record).await?,
                Err(e) => {
                    let cause = no_answer(e, limit);
                    record.answer(Err(describe(&cause)));
                    call.failed(cause, Instant::now())
                }
            };
            match next {
                Next::Done(answer) => break Ok(answer),
                Next::Fail(error) => break Err(error),
                // The pause after a 429 is the app's: `limits.wait` sits it out.
                Next::Retry {
                    cause: Error::RateLimited { .. },
                    ..
                } => {}
                Next::Retry { wait, .. } => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Reads an answer's body within the core's cap and asks the core what
    /// it means; a 429 (not a spent quota) pauses the whole app.
    async fn read(
        &self,
        kind: &str,
        call: &Call,
        mut response: reqwest::Response,
        limit: Duration,
        record: &Record<'_>,
    ) -> Result<Next, Error> {
        let status = response.status().as_u16();
        let headers = record.sink.map(|_| header_pairs(response.headers()));
        let header = response.headers().get(reqwest::header::RETRY_AFTER);
        let retry_after = header.and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(None) => break,
                Ok(Some(bytes)) => body.extend_from_slice(&bytes),
                Err(e) => {
                    let cause = no_answer(e, limit);
                    record.answer(Err(describe(&cause)));
                    return Ok(call.failed(cause, Instant::now()));
                }
            }
            call.check_body_len(body.len())?;
        }
        record.answer(Ok(WireAnswer {
            status,
            headers: headers.unwrap_or_default(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }));
        let next = call.answered(status, retry_after.as_deref(), body, Instant::now());
        if status == 429 && !matches!(next, Next::Fail(Error::QuotaExceeded)) {
            let secs = retry_after_secs(retry_after.as_deref());
            self.limits.record(kind, secs).await;
        }
        Ok(next)
    }
}

/// One try as the wire saw it, handed to the trace (if any) once answered.
struct Record<'a> {
    sink: Option<&'a TraceSink>,
    request: Option<WireRequest>,
    started: Instant,
}

impl Record<'_> {
    fn answer(&self, answer: Result<WireAnswer, String>) {
        if let (Some(sink), Some(request)) = (self.sink, &self.request) {
            sink(&RecordedExchange {
                request: request.clone(),
                answer,
                elapsed: self.started.elapsed(),
            });
        }
    }
}
