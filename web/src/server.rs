//! The connection loop: hyper's HTTP/1 server, each connection watched
//! (`axum::serve` watches none, so a request head could take forever): a
//! request head must arrive within a deadline from its first byte, a
//! kept-alive connection idle for too long is closed, and the open
//! connections stay below a cap under the descriptor limit; when the cap is
//! reached the oldest idle connection is closed to make room, so a good
//! user is served however many idle sockets others hold.
//!
//! The head deadline is ours rather than hyper's `header_read_timeout`,
//! whose clock starts when the previous answer ends: it would close every
//! kept-alive connection after the head deadline, racing clients that reuse it.

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::time::Instant;
use tower_service::Service;

/// How long a client has to send a whole request head, by default.
pub const DEFAULT_HEAD_TIMEOUT_SECS: u64 = 10;
/// How long a kept-alive connection may wait for its next request, by default.
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 60;
/// Descriptors left for everything else (the database, Spotify, the sandbox).
const DESCRIPTOR_RESERVE: u64 = 32;
/// How long a graceful stop waits for requests in flight.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The connection limits (`WEB_APP_HEAD_TIMEOUT_SECS`,
/// `WEB_APP_IDLE_TIMEOUT_SECS`, `WEB_APP_MAX_CONNECTIONS`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerLimits {
    /// Deadline for a request head, from its first byte.
    pub head_timeout: Duration,
    /// A connection with no request in flight for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl ServerLimits {
    /// The limits from `lookup`, the cap defaulting to three quarters of
    /// the process's descriptor limit. The message of an error is one line.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ServerLimits, String> {
        let secs = |name: &str, default: u64| -> Result<Duration, String> {
            match lookup(name) {
                None => Ok(Duration::from_secs(default)),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        format!("{name} `{text}` is not a number of seconds (1 or more)")
                    }),
            }
        };
        let descriptors = descriptor_limit();
        let room = descriptors.map(|n| n.saturating_sub(DESCRIPTOR_RESERVE).max(1));
        let max_connections = match lookup("WEB_APP_MAX_CONNECTIONS") {
            None => descriptors.map_or(1024, |n| (n / 4 * 3).max(1)),
            Some(text) => {
                let n = text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("WEB_APP_MAX_CONNECTIONS `{text}` is not a number of connections (1 or more)"))?;
                if let (Some(room), Some(limit)) = (room, descriptors) {
                    if n > room {
                        return Err(format!("WEB_APP_MAX_CONNECTIONS {n} is more than the descriptor limit ({limit}, `ulimit -n`) leaves for connections ({room}): lower it, or raise the limit"));
                    }
                }
                n
            }
        };
        Ok(ServerLimits {
            head_timeout: secs("WEB_APP_HEAD_TIMEOUT_SECS", DEFAULT_HEAD_TIMEOUT_SECS)?,
            idle_timeout: secs("WEB_APP_IDLE_TIMEOUT_SECS", DEFAULT_IDLE_TIMEOUT_SECS)?,
            max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
        })
    }
}

/// The soft limit on open descriptors of this process (`ulimit -n`).
fn descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given, nothing else.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
        (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
    }
    #[cfg(not(unix))]
    None
}

/// One open connection, as the cap and the timeouts see it.
struct Slot {
    /// Requests in flight.
    busy: AtomicUsize,
    /// When the last request ended (or the connection opened).
    last_active: Mutex<Instant>,
    /// When the first byte of a request head not yet dispatched arrived.
    head_started: Mutex<Option<Instant>>,
    /// Told to close (the cap needs its descriptor).
    close: Notify,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            busy: AtomicUsize::new(0),
            last_active: Mutex::new(Instant::now()),
            head_started: Mutex::new(None),
            close: Notify::new(),
        }
    }
    fn last_active(&self) -> Instant {
        *self.last_active.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn head_started(&self) -> Option<Instant> {
        *self.head_started.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn idle(&self) -> bool {
        self.busy.load(Ordering::SeqCst) == 0
    }
    /// Bytes arrived: with no request in flight they begin a head.
    fn bytes_arrived(&self) {
        if !self.idle() {
            return;
        }
        let mut started = self.head_started.lock().unwrap_or_else(|e| e.into_inner());
        if started.is_none() {
            *started = Some(Instant::now());
        }
    }
    /// When this connection is due to close, as things stand (`None`: a
    /// request is in flight).
    fn due(&self, limits: &ServerLimits) -> Option<Instant> {
        if !self.idle() {
            return None;
        }
        Some(match self.head_started() {
            Some(started) => started + limits.head_timeout,
            None => self.last_active() + limits.idle_timeout,
        })
    }
}

/// Marks a request in flight on its connection while it lives.
struct InFlight(Arc<Slot>);

impl InFlight {
    fn new(slot: &Arc<Slot>) -> InFlight {
        slot.busy.fetch_add(1, Ordering::SeqCst);
        *slot.head_started.lock().unwrap_or_else(|e| e.into_inner()) = None;
        InFlight(Arc::clone(slot))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        *self.0.last_active.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connection's socket, telling its slot when bytes arrive.
struct Watched {
    stream: TcpStream,
    slot: Arc<Slot>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.slot.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, bytes)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[derive(Default)]
struct Connections {
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
}

impl Connections {
    /// A slot for a new connection, closing the oldest idle one when the cap
    /// is reached; `None` when every open connection is busy.
    fn admit(&self, id: u64, cap: usize) -> Option<Arc<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() >= cap {
            let oldest = slots
                .iter()
                .filter(|(_, slot)| slot.idle())
                .min_by_key(|(_, slot)| slot.last_active())
                .map(|(id, _)| *id)?;
            if let Some(slot) = slots.remove(&oldest) {
                slot.close.notify_one();
            }
        }
        let slot = Arc::new(Slot::new());
        slots.insert(id, Arc::clone(&slot));
        Some(slot)
    }

    fn remove(&self, id: u64) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

/// Serves `app` on `listener` within `limits` until `stop` completes, then
/// lets the requests in flight finish (for a few seconds at most).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    stop: impl Future<Output = ()>,
) {
    let connections = Arc::new(Connections::default());
    let (stopping, stop_seen) = watch::channel(false);
    tokio::pin!(stop);
    let mut next_id = 0u64;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, or a connection reset before it was
                // accepted: wait a little rather than spin.
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        next_id += 1;
        let Some(slot) = connections.admit(next_id, limits.max_connections) else {
            tracing::warn!(
                "{} connections are open and busy: a new one was refused",
                limits.max_connections
            );
            continue;
        };
        tokio::spawn(connection(
            stream,
            app.clone(),
            limits.clone(),
            slot,
            stop_seen.clone(),
            Arc::clone(&connections),
            next_id,
        ));
    }
    drop(stop_seen);
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(STOP_GRACE, stopping.closed()).await;
}

async fn connection(
    stream: TcpStream,
    app: Router,
    limits: ServerLimits,
    slot: Arc<Slot>,
    mut stop: watch::Receiver<bool>,
    connections: Arc<Connections>,
    id: u64,
) {
    let request_slot = Arc::clone(&slot);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let in_flight = InFlight::new(&request_slot);
        let mut app = app.clone();
        async move {
            let response = app.call(request.map(axum::body::Body::new)).await;
            drop(in_flight);
            response
        }
    });
    let watched = Watched {
        stream,
        slot: Arc::clone(&slot),
    };
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(watched), service);
    tokio::pin!(conn);
    loop {
        // Checked at least once per head deadline, so a head that starts
        // meanwhile (not told to this loop: that would wake it at every
        // request) is closed within twice its deadline at most.
        let next_check = Instant::now() + limits.head_timeout;
        let due = slot
            .due(&limits)
            .map_or(next_check, |due| due.min(next_check));
        tokio::select! {
            _ = conn.as_mut() => break,
            () = slot.close.notified() => break,
            () = tokio::time::sleep_until(due) => {
                if slot.due(&limits).is_some_and(|due| due <= Instant::now()) {
                    break;
                }
            }
            _ = stop.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(STOP_GRACE, conn.as_mut()).await;
                break;
            }
        }
    }
    connections.remove(id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_settings() {
        let none = ServerLimits::from_lookup(|_| None).unwrap();
        assert_eq!(none.head_timeout, Duration::from_secs(10));
        assert_eq!(none.idle_timeout, Duration::from_secs(60));
        assert!(none.max_connections >= 1);
        let set = ServerLimits::from_lookup(|name| match name {
            "WEB_APP_HEAD_TIMEOUT_SECS" => Some("2".into()),
            "WEB_APP_IDLE_TIMEOUT_SECS" => Some("5".into()),
            "WEB_APP_MAX_CONNECTIONS" => Some("7".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(set.head_timeout, Duration::from_secs(2));
        assert_eq!(set.idle_timeout, Duration::from_secs(5));
        assert_eq!(set.max_connections, 7);
        let bad = ServerLimits::from_lookup(|name| {
            (name == "WEB_APP_IDLE_TIMEOUT_SECS").then(|| "soon".into())
        });
        assert!(bad
            .unwrap_err()
            .contains("WEB_APP_IDLE_TIMEOUT_SECS `soon`"));
        let too_many = ServerLimits::from_lookup(|name| {
            (name == "WEB_APP_MAX_CONNECTIONS").then(|| u64::MAX.to_string())
        });
        if descriptor_limit().is_some() {
            assert!(too_many.unwrap_err().contains("ulimit -n"));
        }
    }

    #[test]
    fn the_oldest_idle_connection_makes_room() {
        let connections = Connections::default();
        let first = connections.admit(1, 2).unwrap();
        let second = connections.admit(2, 2).unwrap();
        let _busy = InFlight::new(&first);
        // The first is busy: the second, idle, goes.
        let _third = connections.admit(3, 2).unwrap();
        let slots = connections.slots.lock().unwrap();
        assert!(slots.contains_key(&1) && slots.contains_key(&3) && !slots.contains_key(&2));
        drop(slots);
        drop(second);
        let _busy_too = InFlight::new(&_third);
        assert!(connections.admit(4, 2).is_none(), "all busy: refused");
    }
}
