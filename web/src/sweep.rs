//! The periodic sweep: expired sessions, expired pending logins and tokens
//! no session holds are deleted, so anonymous `GET /login`s cannot grow the
//! database without bound.

use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// How often the app sweeps by default.
pub const DEFAULT_SWEEP_SECS: u64 = 60;

/// Sweeps `store` every `every`, with `clock` (Unix seconds) as now, for as
/// long as the runtime lives. A failed sweep is logged and tried again next time.
pub fn spawn(
    store: Arc<dyn Store>,
    every: Duration,
    clock: impl Fn() -> u64 + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = store.sweep(clock()).await {
                eprintln!("web_app: the sweep of expired sessions failed: {e}");
            }
        }
    })
}
