//! [`Shared`]: what the connection threads and the `Sandbox` handle share.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};

use crate::state::State;

/// State shared by the connection threads and the `Sandbox` handle.
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    /// Open client connections by peer address, so that stopping can close them.
    pub(crate) conns: Mutex<HashMap<SocketAddr, TcpStream>>,
    /// Set when the sandbox stops.
    pub(crate) stopping: AtomicBool,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
}

impl Shared {
    /// The state, locked (a panicked holder does not poison it for the others).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The open connections, locked.
    pub(crate) fn conns(&self) -> MutexGuard<'_, HashMap<SocketAddr, TcpStream>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }
}
