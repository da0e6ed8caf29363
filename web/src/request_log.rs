//! Logs through `tracing`, to stderr: one line per request (method, route,
//! status, milliseconds), levels from `RUST_LOG` (`info` for the app and
//! `warn` for its libraries by default). A line never holds a query string,
//! a header or a body: no code, token or cookie reaches the log, and the
//! path of an unknown route is printed through `printable`.

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use spotify_auth::core::error::printable;
use std::io::Write;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
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

/// Sends the app's logs to stderr at the levels of `rust_log`: warnings and
/// errors at once, other lines in batches (see [`Batched`]).
pub fn init(rust_log: Option<&str>) -> Result<(), String> {
    let levels = levels(rust_log)?;
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(&BATCHED)
                .with_ansi(false),
        )
        .with(levels)
        .try_init()
        .map_err(|e| format!("cannot start the log: {e}"))?;
    std::thread::Builder::new()
        .name("log-flush".into())
        .spawn(|| loop {
            std::thread::sleep(FLUSH_EVERY);
            BATCHED.flush();
        })
        .map_err(|e| format!("cannot start the log: {e}"))?;
    Ok(())
}

/// Writes what is still gathered (at exit).
pub fn flush() {
    BATCHED.flush();
}

/// How often gathered lines are written.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Gathered lines beyond this size are written at once.
const BATCH_BYTES: usize = 64 * 1024;

static BATCHED: Batched = Batched {
    lines: Mutex::new(Vec::new()),
};

/// Lines below `WARN` gathered in memory and written to stderr every 100 ms
/// (or at 64 KiB): one write per request costs a system call, which at tens
/// of thousands of requests a second is a third of the app's time. A
/// `kill -9` loses at most the last 100 ms of them; warnings and errors are
/// written at once.
pub struct Batched {
    lines: Mutex<Vec<u8>>,
}

impl Batched {
    fn flush(&self) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if !lines.is_empty() {
            let _ = std::io::stderr().write_all(&lines);
            lines.clear();
        }
    }
}

/// Where one log line goes.
pub enum LineWriter {
    /// Straight to stderr.
    Now(std::io::Stderr),
    /// Into the batch.
    Later(&'static Batched),
}

impl Write for LineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            LineWriter::Now(stderr) => stderr.write(bytes),
            LineWriter::Later(batched) => {
                let mut lines = batched.lines.lock().unwrap_or_else(|e| e.into_inner());
                lines.extend_from_slice(bytes);
                if lines.len() >= BATCH_BYTES {
                    let _ = std::io::stderr().write_all(&lines);
                    lines.clear();
                }
                Ok(bytes.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for &'static Batched {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> LineWriter {
        LineWriter::Now(std::io::stderr())
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> LineWriter {
        if *meta.level() <= tracing::Level::WARN {
            LineWriter::Now(std::io::stderr())
        } else {
            LineWriter::Later(self)
        }
    }
}

/// The route of a request for its log line: the pattern it matched, or the
/// path (through `printable`) when it matched none.
pub fn route_of(request: &Request) -> Route {
    match request.extensions().get::<MatchedPath>() {
        Some(route) => Route::Matched(route.clone()),
        None => Route::Unmatched(printable(request.uri().path(), 100)),
    }
}

/// What [`route_of`] found.
pub enum Route {
    /// A route's pattern (`/api/player/{command}`).
    Matched(MatchedPath),
    /// No route: the path, made printable.
    Unmatched(String),
}

impl Route {
    fn as_str(&self) -> &str {
        match self {
            Route::Matched(route) => route.as_str(),
            Route::Unmatched(path) => path,
        }
    }
}

/// The request's log line: method, route, status, milliseconds since `started`.
pub fn log(method: &Method, route: &Route, status: StatusCode, started: Instant) {
    let status = status.as_u16();
    let route = route.as_str();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(target: "web_app::request", "{method} {route} {status} {ms:.1} ms");
    } else {
        tracing::info!(target: "web_app::request", "{method} {route} {status} {ms:.1} ms");
    }
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
