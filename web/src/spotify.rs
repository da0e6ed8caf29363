//! The calls to Spotify, async: the core builds each request and reads each
//! answer; the core's [`Call`] decides what is tried again, how long to wait,
//! the deadline of the whole call and the body cap. This module only sends
//! (with reqwest), reads and waits. Nothing here logs a token.

use crate::ratelimit::RateLimits;
use spotify_auth::core::accounts::{parse_token_answer, TokenRequest};
use spotify_auth::core::http_policy::{retry_after_secs, Call, Next};
use spotify_auth::core::web_api::Method;
use spotify_auth::http::no_answer;
use spotify_auth::{AccessToken, Config, Error, TokenResponse};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A Web API answer: status and body (empty for 204).
pub use spotify_auth::core::http_policy::Answer;

/// The HTTP client and the app's settings.
#[derive(Clone)]
pub struct Spotify {
    http: reqwest::Client,
    /// The app's settings (client id and secret, URLs, scopes).
    pub config: Config,
    /// Spotify's 429 pauses, for the whole app.
    pub limits: Arc<RateLimits>,
}

impl std::fmt::Debug for Spotify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spotify")
            .field("accounts_url", &self.config.accounts_url)
            .finish_non_exhaustive()
    }
}

impl Spotify {
    /// A client with the configured time limit.
    pub fn new(config: Config) -> Result<Spotify, Error> {
        // Each try gets its time limit from the core's `Call`.
        // The library's TLS (rustls over the system's OpenSSL), as the binaries'.
        let http = spotify_auth::http::async_client_builder()?
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::HttpClient(Box::new(e)))?;
        Ok(Spotify {
            http,
            config,
            limits: Arc::new(RateLimits::new(None)),
        })
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
                (request.headers.iter()).fold(post, |post, (name, value)| post.header(*name, value))
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
            let next = match build().timeout(limit).send().await {
                Ok(response) => self.read(kind, &call, response, limit).await?,
                Err(e) => call.failed(no_answer(e, limit), Instant::now()),
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
    ) -> Result<Next, Error> {
        let status = response.status().as_u16();
        let header = response.headers().get(reqwest::header::RETRY_AFTER);
        let retry_after = header.and_then(|v| v.to_str().ok()).map(str::to_string);
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(None) => break,
                Ok(Some(bytes)) => body.extend_from_slice(&bytes),
                Err(e) => return Ok(call.failed(no_answer(e, limit), Instant::now())),
            }
            call.check_body_len(body.len())?;
        }
        let next = call.answered(status, retry_after.as_deref(), body, Instant::now());
        if status == 429 && !matches!(next, Next::Fail(Error::QuotaExceeded)) {
            let secs = retry_after_secs(retry_after.as_deref());
            self.limits.record(kind, secs).await;
        }
        Ok(next)
    }
}
