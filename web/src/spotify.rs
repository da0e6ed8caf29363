//! The calls to Spotify, async: the core builds each request and reads each
//! answer; this module only sends (with reqwest) and retries as the request's
//! [`RetryPolicy`] allows. Nothing here logs a token.

use crate::ratelimit::RateLimits;
use spotify_auth::core::accounts::{parse_token_answer, RetryPolicy, TokenRequest};
use spotify_auth::{AccessToken, Config, Error, TokenResponse};
use std::sync::Arc;
use std::time::Duration;

/// At most this many tries of one request.
const ATTEMPTS: u32 = 3;

/// A Web API answer: status and body (empty for 204).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
}

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
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
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
        let answer = self
            .send("accounts", &request.url, request.retry, || {
                let mut builder = self.http.post(&request.url).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(*name, value);
                }
                builder
            })
            .await?;
        parse_token_answer(answer.status, &answer.body)
    }

    /// A Web API call with the access token; reads are retried after 5xx and
    /// timeouts, commands (`PUT`, `POST`) only when surely not carried out.
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
        let retry = if method == reqwest::Method::GET {
            RetryPolicy::Idempotent
        } else {
            RetryPolicy::UnsentOnly
        };
        self.send("api", &url, retry, || {
            let builder = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.secret());
            match json {
                Some(body) => builder
                    .header("Content-Type", "application/json")
                    .body(body.to_string()),
                None if method == reqwest::Method::GET => builder,
                None => builder.header("Content-Length", "0"),
            }
        })
        .await
    }

    async fn send(
        &self,
        kind: &str,
        url: &str,
        retry: RetryPolicy,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= ATTEMPTS;
            // A 429 seen by any request (of any replica) holds this one back.
            self.limits.wait(kind).await?;
            match build().send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let body = match response.text().await {
                        Ok(body) => body,
                        Err(e) if !last && retry == RetryPolicy::Idempotent => {
                            pause(attempt).await;
                            let _ = e;
                            continue;
                        }
                        Err(e) => return Err(connection(url, e)),
                    };
                    if status == 429 {
                        // Not retried on its own: the pause is the app's, and
                        // the next try waits for it (or gives up) in `wait`.
                        self.limits.record(kind, retry_after).await;
                    }
                    let again = match status {
                        429 => true,
                        500..=599 => retry == RetryPolicy::Idempotent,
                        _ => false,
                    };
                    if again && !last {
                        if status != 429 {
                            pause(attempt).await;
                        }
                        continue;
                    }
                    return match status {
                        429 => Err(Error::RateLimited {
                            retry_after_secs: retry_after,
                        }),
                        500..=599 => Err(Error::ServerError {
                            status,
                            url: url.to_string(),
                        }),
                        _ => Ok(Answer { status, body }),
                    };
                }
                Err(e) => {
                    let unsent = e.is_connect();
                    if !last && (unsent || retry == RetryPolicy::Idempotent) {
                        pause(attempt).await;
                        continue;
                    }
                    if e.is_timeout() {
                        return Err(Error::Timeout {
                            url: url.to_string(),
                            secs: self.config.http_timeout.as_secs(),
                            tries: attempt,
                        });
                    }
                    return Err(connection(url, e));
                }
            }
        }
    }
}

fn connection(url: &str, e: reqwest::Error) -> Error {
    let detail = if e.is_connect() {
        "connection refused or unreachable"
    } else {
        "the connection failed"
    };
    Error::Connection {
        url: url.to_string(),
        detail: detail.into(),
        source: Some(Box::new(e)),
    }
}

async fn pause(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
}
