//! [`Shared`]: what the worker threads, the relay and the `Sandbox` handle share.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::relay::Conns;
use crate::state::State;

/// State shared by the worker threads, the relay and the `Sandbox` handle.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    /// Open client connections (the relay's), so a fault can close one.
    pub(crate) conns: Arc<Conns>,
    /// Set when the sandbox stops.
    pub(crate) stopping: Arc<AtomicBool>,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
}

impl Shared {
    /// The state, locked (a panicked holder does not poison it for the others).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
