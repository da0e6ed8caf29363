//! Spotify's rate limit, for the whole app: a 429 pauses that kind of request
//! ("accounts" for the token endpoint, "api" for the Web API) for every
//! request of this process and, through the store's `rate_limits` table, of
//! every replica, instead of each request retrying on its own. A request that
//! meets a pause waits for its end when that is near ([`MAX_WAIT_MS`]);
//! otherwise it fails at once with the time left, which the browser gets as
//! `503` with `Retry-After`.

use crate::store::{now_ms, Store};
use spotify_auth::core::error::printable;
use spotify_auth::Error;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The pause after a 429 that gave no `Retry-After`.
pub const DEFAULT_PAUSE_MS: u64 = 1_000;
/// A pause recorded by another replica is seen within this long.
pub const SYNC_MS: u64 = 250;
/// A request waits at most this long for a pause to end (then 503).
pub const MAX_WAIT_MS: u64 = 2_000;

/// The pauses of this app.
#[derive(Default)]
pub struct RateLimits {
    store: Option<Arc<dyn Store>>,
    until: Mutex<HashMap<String, u64>>,
    synced_at: AtomicU64,
}

impl RateLimits {
    /// Pauses shared through `store` (every replica), or kept in this process with `None`.
    pub fn new(store: Option<Arc<dyn Store>>) -> RateLimits {
        RateLimits {
            store,
            ..RateLimits::default()
        }
    }

    /// Returns when requests of `kind` may be sent: at once, after a short
    /// wait, or `Err(RateLimited)` with the seconds left when the pause is too long.
    pub async fn wait(&self, kind: &str) -> Result<(), Error> {
        let start = now_ms();
        loop {
            self.sync().await;
            let now = now_ms();
            let until = self.local(kind);
            if until <= now {
                return Ok(());
            }
            let left = until - now;
            if now - start + left > MAX_WAIT_MS {
                return Err(Error::RateLimited {
                    retry_after_secs: Some(left.div_ceil(1000)),
                });
            }
            tokio::time::sleep(Duration::from_millis(left)).await;
        }
    }

    /// Spotify answered 429 to a request of `kind`: pause them all.
    pub async fn record(&self, kind: &str, retry_after_secs: Option<u64>) {
        let pause = retry_after_secs.map_or(DEFAULT_PAUSE_MS, |s| s.saturating_mul(1000));
        let until = now_ms().saturating_add(pause);
        self.raise(kind, until);
        if let Some(store) = &self.store {
            if let Err(e) = store.pause(kind, until).await {
                tracing::warn!(
                    "cannot share the rate-limit pause: {}",
                    printable(&e.to_string(), 500)
                );
            }
        }
    }

    fn local(&self, kind: &str) -> u64 {
        let until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        until.get(kind).copied().unwrap_or(0)
    }

    fn raise(&self, kind: &str, until_ms: u64) {
        let mut until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        let entry = until.entry(kind.to_string()).or_insert(0);
        *entry = (*entry).max(until_ms);
    }

    /// Reads the other replicas' pauses, at most every [`SYNC_MS`].
    async fn sync(&self) {
        let Some(store) = &self.store else {
            return;
        };
        let now = now_ms();
        let last = self.synced_at.load(Ordering::Relaxed);
        if now.saturating_sub(last) < SYNC_MS
            || self
                .synced_at
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        match store.pauses().await {
            Ok(pauses) => {
                for (kind, until) in pauses {
                    self.raise(&kind, until);
                }
            }
            Err(e) => tracing::warn!(
                "cannot read the rate-limit pauses: {}",
                printable(&e.to_string(), 500)
            ),
        }
    }
}
