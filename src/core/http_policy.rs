//! How one call to Spotify is sent, tried again and read, as data and pure
//! functions: which answers are tried again and how often, the back-off,
//! `Retry-After`, the deadline of the whole call, the cap on a body, and how
//! an answer becomes a result. The blocking transport (`crate::http`) and the
//! web app's async one drive the same [`Call`]; they only send, read and wait.
//! The clock is an argument, so nothing here reads it.

use super::accounts::RetryPolicy;
use super::error::{BoxError, Error, Result};
use super::web_api::reason_of;
use std::time::{Duration, Instant};

/// Tries of one call, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// Answers of interest are a few kB; a larger body is refused instead of
/// filling memory.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A finished exchange: the status and the body as text.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The body as text (empty for 204).
    pub body: String,
}

/// A try that ended without an answer, as the transport saw it.
#[derive(Debug)]
pub enum NoAnswer {
    /// Connecting failed: the request surely did not arrive.
    Unsent {
        /// What the operating system said, in a few words.
        detail: String,
        /// The transport's own error.
        source: BoxError,
    },
    /// The try's own time limit ran out.
    TimedOut {
        /// That limit.
        limit: Duration,
    },
    /// The connection failed after the request may have arrived.
    Broken {
        /// What the operating system said, in a few words.
        detail: String,
        /// The transport's own error.
        source: BoxError,
    },
}

/// What the transport does after a try.
#[derive(Debug)]
pub enum Next {
    /// Hand this answer to the caller (any status but those tried again).
    Done(Answer),
    /// Wait `wait`, then try again; `cause` is what this try met.
    Retry {
        /// How long to wait first.
        wait: Duration,
        /// What went wrong, for a note.
        cause: Error,
    },
    /// Stop with this error.
    Fail(Error),
}

/// One call in progress: its URL, retry rule, deadline and tries so far.
#[derive(Debug, Clone)]
pub struct Call {
    url: String,
    timeout: Duration,
    retry: RetryPolicy,
    strict_text: bool,
    deadline: Instant,
    tries: u32,
}

impl Call {
    /// A call to `url` started at `now`, all of whose tries and waits end
    /// within `timeout`, tried again as `retry` allows.
    pub fn new(url: &str, timeout: Duration, retry: RetryPolicy, now: Instant) -> Call {
        Call {
            url: url.to_string(),
            timeout,
            retry,
            strict_text: false,
            deadline: now + timeout,
            tries: 0,
        }
    }

    /// Refuses a body that is not UTF-8 instead of decoding it lossily (token
    /// answers, whose tokens are saved and printed).
    pub fn strict_text(mut self) -> Call {
        self.strict_text = true;
        self
    }

    /// Starts the next try at `now`: its time limit, or the whole call's
    /// timeout when no time is left.
    pub fn begin_try(&mut self, now: Instant) -> Result<Duration> {
        let left = self.deadline.saturating_duration_since(now);
        if left.is_zero() {
            return Err(self.timed_out());
        }
        self.tries += 1;
        Ok(try_limit(self.timeout, self.retry).min(left))
    }

    /// Refuses a body once `len` bytes of it exceed [`MAX_BODY_BYTES`].
    pub fn check_body_len(&self, len: usize) -> Result<()> {
        if len > MAX_BODY_BYTES {
            return Err(Error::UnexpectedResponse(format!(
                "the answer of {} is larger than 1 MiB, far more than a token or API answer: check SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL",
                self.url
            )));
        }
        Ok(())
    }

    /// The timeout of the whole call: its limit and the tries made.
    pub fn timed_out(&self) -> Error {
        Error::Timeout {
            url: self.url.clone(),
            secs: self.timeout.as_secs(),
            tries: self.tries,
        }
    }

    /// An answer arrived at `now`, its whole body read (within the cap);
    /// `retry_after` is its `Retry-After` header, if any.
    pub fn answered(
        &self,
        status: u16,
        retry_after: Option<&str>,
        body: Vec<u8>,
        now: Instant,
    ) -> Next {
        match status {
            429 => {
                if reason_of(&String::from_utf8_lossy(&body)).as_deref() == Some("QUOTA_EXCEEDED") {
                    return Next::Fail(Error::QuotaExceeded);
                }
                let retry_after_secs = retry_after_secs(retry_after);
                let cause = Error::RateLimited { retry_after_secs };
                match retry_after_secs {
                    Some(secs) if now + Duration::from_secs(secs) >= self.deadline => {
                        Next::Fail(Error::RetryAfterTooLong {
                            retry_after_secs: secs,
                            limit_secs: self.timeout.as_secs(),
                        })
                    }
                    Some(secs) => self.again(cause, Duration::from_secs(secs), now),
                    None => self.again(cause, backoff(self.tries), now),
                }
            }
            500..=599 => {
                let cause = Error::ServerError {
                    status,
                    url: self.url.clone(),
                };
                match self.retry {
                    RetryPolicy::Idempotent => self.again(cause, backoff(self.tries), now),
                    RetryPolicy::UnsentOnly => Next::Fail(cause),
                }
            }
            _ => self
                .text(status, body)
                .map_or_else(Next::Fail, |body| Next::Done(Answer { status, body })),
        }
    }

    /// A try ended at `now` without an answer (or with a body cut short).
    pub fn failed(&self, what: NoAnswer, now: Instant) -> Next {
        let unsent = matches!(what, NoAnswer::Unsent { .. });
        let url = self.url.clone();
        let cause = match what {
            NoAnswer::Unsent { detail, source } | NoAnswer::Broken { detail, source } => {
                Error::Connection {
                    url,
                    detail,
                    source: Some(source),
                }
            }
            NoAnswer::TimedOut { limit } => Error::Timeout {
                url,
                secs: limit.as_secs(),
                tries: self.tries,
            },
        };
        if unsent || self.retry == RetryPolicy::Idempotent {
            self.again(cause, backoff(self.tries), now)
        } else {
            Next::Fail(self.whole_call(cause))
        }
    }

    /// What a transport may tell before waiting, so a back-off never looks like a hang.
    pub fn note(&self, cause: &Error, wait: Duration) -> String {
        format!(
            "note: {}: {}; retrying in {:.1} s (try {} of {MAX_ATTEMPTS}, all within {} s)",
            self.url,
            short_reason(cause),
            wait.as_secs_f32(),
            self.tries + 1,
            self.timeout.as_secs()
        )
    }

    fn again(&self, cause: Error, wait: Duration, now: Instant) -> Next {
        if self.tries >= MAX_ATTEMPTS || now + wait >= self.deadline {
            Next::Fail(self.whole_call(cause))
        } else {
            Next::Retry { wait, cause }
        }
    }

    /// A timeout of one try, reported for the whole call: its limit and tries.
    fn whole_call(&self, cause: Error) -> Error {
        match cause {
            Error::Timeout { .. } => self.timed_out(),
            other => other,
        }
    }

    fn text(&self, status: u16, body: Vec<u8>) -> Result<String> {
        match String::from_utf8(body) {
            Ok(text) => Ok(text),
            Err(_) if self.strict_text => Err(Error::UnexpectedResponse(format!(
                "the answer of {} (status {status}) is not UTF-8 text, as JSON must be: refused, nothing was saved; check SPOTIFY_ACCOUNTS_URL and try again",
                self.url
            ))),
            Err(e) => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        }
    }
}

/// The seconds of a `Retry-After` header; its date form is not used by Spotify.
pub fn retry_after_secs(header: Option<&str>) -> Option<u64> {
    header.and_then(|v| v.trim().parse::<u64>().ok())
}

/// The time one try may take: for a call that may be tried again after a
/// timeout, half the time limit (at least 1 s), so a stalled connection gets
/// a second chance within the same limit; otherwise all of it.
pub fn try_limit(timeout: Duration, retry: RetryPolicy) -> Duration {
    match retry {
        RetryPolicy::Idempotent => Duration::from_secs(timeout.as_secs().div_ceil(2).max(1)),
        RetryPolicy::UnsentOnly => timeout,
    }
}

/// The wait after try `attempt` (from 1): 0.5 s, 1 s, 2 s, ...
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 << attempt.saturating_sub(1).min(4))
}

fn short_reason(error: &Error) -> String {
    match error {
        Error::RateLimited { retry_after_secs } => match retry_after_secs {
            Some(s) => format!("429 Too Many Requests, Retry-After {s} s"),
            None => "429 Too Many Requests, no Retry-After".into(),
        },
        Error::ServerError { status, .. } => format!("server error {status}"),
        Error::Timeout { secs, .. } => format!("no answer within {secs} s"),
        Error::Connection { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:1/v1/me";

    fn call(retry: RetryPolicy, secs: u64) -> (Call, Instant) {
        let now = Instant::now();
        (Call::new(URL, Duration::from_secs(secs), retry, now), now)
    }

    fn refused() -> NoAnswer {
        NoAnswer::Unsent {
            detail: "Connection refused".into(),
            source: "refused".into(),
        }
    }

    #[test]
    fn a_5xx_is_tried_again_only_when_idempotent() {
        let (mut read, now) = call(RetryPolicy::Idempotent, 15);
        read.begin_try(now).unwrap();
        match read.answered(500, None, b"{}".to_vec(), now) {
            Next::Retry { wait, cause } => {
                assert_eq!(wait, Duration::from_millis(500));
                assert!(matches!(cause, Error::ServerError { status: 500, .. }));
                assert!(read
                    .note(&cause, wait)
                    .contains("server error 500; retrying in 0.5 s (try 2 of 4, all within 15 s)"));
            }
            other => panic!("{other:?}"),
        }
        read.begin_try(now).unwrap();
        match read.answered(200, None, b"{\"id\":1}".to_vec(), now) {
            Next::Done(answer) => {
                assert_eq!((answer.status, answer.body.as_str()), (200, "{\"id\":1}"))
            }
            other => panic!("{other:?}"),
        }
        let (mut exchange, now) = call(RetryPolicy::UnsentOnly, 15);
        exchange.begin_try(now).unwrap();
        assert!(matches!(
            exchange.answered(503, None, Vec::new(), now),
            Next::Fail(Error::ServerError { status: 503, .. })
        ));
    }

    #[test]
    fn tries_are_counted_and_back_off_doubles() {
        let (mut read, now) = call(RetryPolicy::Idempotent, 600);
        let mut waits = Vec::new();
        loop {
            read.begin_try(now).unwrap();
            match read.answered(502, None, Vec::new(), now) {
                Next::Retry { wait, .. } => waits.push(wait.as_millis()),
                Next::Fail(e) => {
                    assert!(matches!(e, Error::ServerError { status: 502, .. }));
                    break;
                }
                Next::Done(a) => panic!("{a:?}"),
            }
        }
        assert_eq!(waits, [500, 1000, 2000]);
        assert_eq!(read.tries, MAX_ATTEMPTS);
    }

    #[test]
    fn retry_after_is_waited_only_within_the_deadline() {
        let (mut read, now) = call(RetryPolicy::Idempotent, 15);
        read.begin_try(now).unwrap();
        match read.answered(429, Some(" 2 "), Vec::new(), now) {
            Next::Retry { wait, cause } => {
                assert_eq!(wait, Duration::from_secs(2));
                assert!(read
                    .note(&cause, wait)
                    .contains("429 Too Many Requests, Retry-After 2 s; retrying in 2.0 s"));
            }
            other => panic!("{other:?}"),
        }
        // Ten seconds into the call, a 6 s Retry-After no longer fits.
        let later = now + Duration::from_secs(10);
        match read.answered(429, Some("6"), Vec::new(), later) {
            Next::Fail(Error::RetryAfterTooLong {
                retry_after_secs: 6,
                limit_secs: 15,
            }) => {}
            other => panic!("{other:?}"),
        }
        match read.answered(429, Some("3600"), Vec::new(), now) {
            Next::Fail(e @ Error::RetryAfterTooLong { .. }) => {
                assert!(e.to_string().contains("Retry-After 3600 s"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        // No Retry-After: the back-off; even a code exchange (429: not taken).
        let (mut exchange, now) = call(RetryPolicy::UnsentOnly, 15);
        exchange.begin_try(now).unwrap();
        assert!(matches!(
            exchange.answered(429, None, Vec::new(), now),
            Next::Retry { wait, .. } if wait == Duration::from_millis(500)
        ));
    }

    #[test]
    fn a_quota_answer_is_never_retried() {
        let (mut read, now) = call(RetryPolicy::Idempotent, 15);
        read.begin_try(now).unwrap();
        let body =
            br#"{"error":{"status":429,"message":"Quota exceeded","reason":"QUOTA_EXCEEDED"}}"#;
        assert!(matches!(
            read.answered(429, Some("1"), body.to_vec(), now),
            Next::Fail(Error::QuotaExceeded)
        ));
    }

    #[test]
    fn the_deadline_bounds_every_try_and_wait() {
        let (mut read, now) = call(RetryPolicy::Idempotent, 4);
        // A try that may be repeated gets half of the limit.
        assert_eq!(read.begin_try(now).unwrap(), Duration::from_secs(2));
        let two = now + Duration::from_secs(2);
        assert!(matches!(
            read.failed(
                NoAnswer::TimedOut {
                    limit: Duration::from_secs(2)
                },
                two
            ),
            Next::Retry { .. }
        ));
        // Only what is left of the call for the second.
        let three = now + Duration::from_millis(3500);
        assert_eq!(read.begin_try(three).unwrap(), Duration::from_millis(500));
        match read.failed(
            NoAnswer::TimedOut {
                limit: Duration::from_millis(500),
            },
            now + Duration::from_secs(4),
        ) {
            Next::Fail(Error::Timeout {
                secs: 4, tries: 2, ..
            }) => {}
            other => panic!("{other:?}"),
        }
        match read.begin_try(now + Duration::from_secs(4)) {
            Err(Error::Timeout {
                secs: 4, tries: 2, ..
            }) => {}
            other => panic!("{other:?}"),
        }
        // A code exchange gets the whole limit and one try.
        let (mut exchange, now) = call(RetryPolicy::UnsentOnly, 4);
        assert_eq!(exchange.begin_try(now).unwrap(), Duration::from_secs(4));
        match exchange.failed(
            NoAnswer::TimedOut {
                limit: Duration::from_secs(4),
            },
            now,
        ) {
            Next::Fail(e @ Error::Timeout { .. }) => {
                assert!(e.to_string().contains("within 4 s (1 try)"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unsent_request_is_tried_again_a_broken_one_only_when_idempotent() {
        let (mut exchange, now) = call(RetryPolicy::UnsentOnly, 15);
        exchange.begin_try(now).unwrap();
        assert!(matches!(
            exchange.failed(refused(), now),
            Next::Retry { .. }
        ));
        let broken = NoAnswer::Broken {
            detail: "reset".into(),
            source: "reset".into(),
        };
        assert!(matches!(
            exchange.failed(broken, now),
            Next::Fail(Error::Connection { .. })
        ));
    }

    #[test]
    fn bodies_are_capped_and_token_answers_must_be_utf8() {
        let (read, now) = call(RetryPolicy::Idempotent, 15);
        assert!(read.check_body_len(MAX_BODY_BYTES).is_ok());
        let e = read.check_body_len(MAX_BODY_BYTES + 1).unwrap_err();
        assert!(e.to_string().contains("larger than 1 MiB"), "{e}");
        match read.answered(200, None, vec![b'a', 0xff], now) {
            Next::Done(answer) => assert_eq!(answer.body, "a\u{fffd}"),
            other => panic!("{other:?}"),
        }
        let strict = read.strict_text();
        assert!(matches!(
            strict.answered(200, None, vec![0xff], now),
            Next::Fail(Error::UnexpectedResponse(m)) if m.contains("not UTF-8")
        ));
    }

    #[test]
    fn other_statuses_are_answers_for_the_caller() {
        let (read, now) = call(RetryPolicy::Idempotent, 15);
        for status in [204, 400, 401, 403, 404] {
            assert!(matches!(
                read.answered(status, None, Vec::new(), now),
                Next::Done(Answer { status: s, .. }) if s == status
            ));
        }
        assert_eq!(retry_after_secs(Some("soon")), None);
    }
}
