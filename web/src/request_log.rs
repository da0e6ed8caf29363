//! Logs through `tracing`, to stderr: one line per request (method, route,
//! status, milliseconds), levels from `RUST_LOG` (`info` for the app and
//! `warn` for its libraries by default). A line never holds a query string,
//! a header or a body: no code, token or cookie reaches the log, and the
//! path of an unknown route is printed through `printable`.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use spotify_auth::core::error::printable;
use std::str::FromStr;
use std::time::Instant;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The levels when `RUST_LOG` is not set.
pub const DEFAULT_LEVELS: &str = "warn,web_app=info";

/// The levels of `rust_log` (`RUST_LOG`'s `target=level,...` syntax).
pub fn levels(rust_log: Option<&str>) -> Result<Targets, String> {
    let text = rust_log.unwrap_or(DEFAULT_LEVELS);
    Targets::from_str(text).map_err(|_| {
        format!(
            "RUST_LOG `{}` is not a list of levels: use e.g. `info` or `warn,web_app=debug`",
            printable(text, 80)
        )
    })
}

/// Sends the app's logs to stderr at the levels of `rust_log`.
pub fn init(rust_log: Option<&str>) -> Result<(), String> {
    let levels = levels(rust_log)?;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false),
        )
        .with(levels)
        .try_init()
        .map_err(|e| format!("cannot start the log: {e}"))
}

/// The layer's function (`axum::middleware::from_fn`).
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(route) => route.as_str().to_string(),
        None => printable(request.uri().path(), 100),
    };
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(target: "web_app::request", "{method} {route} {status} {ms:.1} ms");
    } else {
        tracing::info!(target: "web_app::request", "{method} {route} {status} {ms:.1} ms");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log() {
        assert!(levels(None).is_ok());
        assert!(levels(Some("debug")).is_ok());
        assert!(levels(Some("warn,web_app=trace")).is_ok());
        let bad = levels(Some("web_app=loud\n")).unwrap_err();
        assert!(bad.contains("RUST_LOG `web_app=loud\\n`"), "{bad}");
    }
}
