//! An offline stand-in for Spotify's accounts service (`/authorize`, `/api/token`)
//! and a slice of the Web API (`/v1/me`, `/v1/me/playlists`, `/v1/me/shows`,
//! `/v1/me/player`).
//!
//! Start one with [`Sandbox::start`], point a client at [`Sandbox::url`] (it is both
//! `SPOTIFY_ACCOUNTS_URL` and `SPOTIFY_API_URL`), and approve the consent page with
//! [`approve_consent`] or a real browser. Faults ([`Fault`]) imitate an unreliable
//! network or service; the sandbox clock ([`Sandbox::advance_clock`]) expires codes
//! and tokens without waiting.
//!
//! The server listens on `127.0.0.1` only. Every HTTP exchange is parsed by
//! `tiny_http`; a thin byte relay in front of it owns the public port so that the
//! [`FaultKind::ConnectionReset`] fault can close a client's connection without
//! sending any answer.
#![deny(missing_docs)]

// Module layers, each depending only on layers above it (tests/module_graph.rs
// checks there is no cycle and that nothing but this file uses the router):
// - plain helpers and data: `options`, `util`, `scopes`, `catalog`, `request`,
//   `respond`, `relay`
// - the model: `playback` (one player), `users`, `state`, `switches`
// - endpoints: `redirect_uri`, `consent_page`, `authorize` (`/authorize`),
//   `client_auth`, `token` (`/api/token`), `api_auth` (bearer, allow-list, scopes),
//   `shapes`, `me`, `library`, `player`, `player_control`, `artists` (`/v1/...`)
// - `shared` (state + relay), `fault_parse`, `control` (`/__sandbox/...`), then
//   `router`; `consent` is the client side (a browser stand-in).
mod api_auth;
mod artists;
mod authorize;
mod catalog;
mod client_auth;
mod consent;
mod consent_page;
mod control;
mod fault_parse;
mod library;
mod me;
mod options;
mod playback;
mod player;
mod player_control;
mod redirect_uri;
mod relay;
mod request;
mod respond;
mod router;
mod scopes;
mod shapes;
mod shared;
mod state;
mod switches;
mod token;
mod users;
mod util;

use std::io;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub use consent::{approve_consent, approve_consent_as};
pub use options::{Fault, FaultKind, SandboxOptions};
pub use scopes::{scope_description, Scope, SCOPES};
pub use users::{DEFAULT_USER_ID, USER_IDS};

use shared::Shared;

/// Number of threads answering requests, so that a [`FaultKind::Slow`] request does
/// not hold up the others.
const WORKERS: usize = 8;

/// A running sandbox. It serves on background threads until [`Sandbox::stop`] or
/// drop, which release the port.
pub struct Sandbox {
    shared: Arc<Shared>,
    port: u16,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    server: Option<Arc<tiny_http::Server>>,
    workers: Vec<JoinHandle<()>>,
    relay: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Start a sandbox on `127.0.0.1:options.port` (a free port when `0`), serving
    /// on background threads.
    pub fn start(options: SandboxOptions) -> io::Result<Sandbox> {
        if options.redirect_uris.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "at least one redirect URI must be registered",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let port = listener.local_addr()?.port();
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let upstream = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("tiny_http did not bind an IP address"))?;
        let server = Arc::new(server);
        let base_url = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(&options)),
            conns: Arc::default(),
            stopping: Arc::new(AtomicBool::new(false)),
            base_url,
        });
        let mut workers = Vec::with_capacity(WORKERS);
        for i in 0..WORKERS {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            let worker = std::thread::Builder::new()
                .name(format!("spotify-sandbox-worker-{i}"))
                .spawn(move || loop {
                    match server.recv() {
                        Ok(request) => router::handle(&shared, request),
                        Err(_) if shared.stopping.load(Ordering::SeqCst) => break,
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                    }
                })?;
            workers.push(worker);
        }
        let relay = relay::spawn(
            listener,
            upstream,
            Arc::clone(&shared.conns),
            Arc::clone(&shared.stopping),
        )?;
        Ok(Sandbox {
            port,
            client_id: options.client_id.clone(),
            client_secret: options.client_secret.clone(),
            redirect_uri: options.redirect_uris[0].clone(),
            shared,
            server: Some(server),
            workers,
            relay: Some(relay),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`: both the accounts service and the
    /// Web API (`SPOTIFY_ACCOUNTS_URL` and `SPOTIFY_API_URL`).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The registered app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The registered app's client secret.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The first registered redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The environment a client needs to talk to this sandbox:
    /// `SPOTIFY_CLIENT_ID`, `SPOTIFY_CLIENT_SECRET`, `SPOTIFY_REDIRECT_URI`,
    /// `SPOTIFY_ACCOUNTS_URL`, `SPOTIFY_API_URL`.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SPOTIFY_CLIENT_ID", self.client_id.clone()),
            ("SPOTIFY_CLIENT_SECRET", self.client_secret.clone()),
            ("SPOTIFY_REDIRECT_URI", self.redirect_uri.clone()),
            ("SPOTIFY_ACCOUNTS_URL", self.url()),
            ("SPOTIFY_API_URL", self.url()),
        ]
    }

    /// Arm a fault: it applies to the next `fault.count` requests of its endpoint.
    pub fn add_fault(&self, fault: Fault) {
        self.shared.state().add_fault(fault);
    }

    /// Revoke every refresh token issued so far (as when the user removes the app's
    /// access); using one afterwards gives `invalid_grant` / `Refresh token revoked`.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.state().revoke_refresh_tokens();
    }

    /// Move the sandbox's clock forward: authorization codes (10 minutes), access
    /// tokens (`access_token_lifetime_secs`) and refresh tokens (six months after
    /// the consent) expire by this clock.
    pub fn advance_clock(&self, secs: u64) {
        self.shared.state().advance(secs);
    }

    /// How many requests reached `path` (without query), counted before any fault
    /// applies. Control requests under `/__sandbox/` are not counted.
    pub fn request_count(&self, path: &str) -> u64 {
        self.shared.state().request_count(path)
    }

    /// Make something play for `user_id` (`GET /v1/me/player` answers 200 with
    /// `is_playing: true`, activating the first device if none is active), or
    /// end the playback session (204). An unknown id becomes a fresh user.
    pub fn set_playing(&self, user_id: &str, on: bool) {
        self.switch(user_id, switches::Switch::Playing, on);
    }

    /// Give `user_id`'s player an active device (the first one), or none (player
    /// commands then answer `404 NO_ACTIVE_DEVICE`, `GET /v1/me/player` 204).
    pub fn set_active_device(&self, user_id: &str, on: bool) {
        self.switch(user_id, switches::Switch::ActiveDevice, on);
    }

    /// Give `user_id` Premium or take it away (player commands then answer
    /// `403 PREMIUM_REQUIRED`; `/v1/me` says `product: free` in extended quota).
    pub fn set_premium(&self, user_id: &str, on: bool) {
        self.switch(user_id, switches::Switch::Premium, on);
    }

    /// Put `user_id` on the app's development-mode allow-list or take it off
    /// (every Web API call then answers `403 User not registered in the
    /// Developer Dashboard`). The first edit of an "everyone" list makes it the
    /// explicit list of the users known at that moment.
    pub fn set_allowed(&self, user_id: &str, on: bool) {
        self.switch(user_id, switches::Switch::Allowed, on);
    }

    /// Switch between development-mode (2026) answer shapes (`false`) and the
    /// extended-quota ones (`true`), as [`SandboxOptions::extended_quota`].
    pub fn set_extended_quota(&self, on: bool) {
        self.shared.state().extended_quota = on;
    }

    /// The ids of every user the sandbox knows: the built-in ones
    /// ([`USER_IDS`]), then those made up at sign-in.
    pub fn user_ids(&self) -> Vec<String> {
        self.shared
            .state()
            .users
            .iter()
            .map(|u| u.id.clone())
            .collect()
    }

    fn switch(&self, user_id: &str, switch: switches::Switch, on: bool) {
        switches::apply(&mut self.shared.state(), user_id, switch, on);
    }

    /// Stop serving and release the port (dropping the sandbox does the same).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(server) = &self.server {
            for _ in 0..self.workers.len() {
                server.unblock();
            }
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        // Dropping the last reference closes tiny_http's listener.
        self.server = None;
        // Wake the relay's accept loop so it sees `stopping`.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(relay) = self.relay.take() {
            let _ = relay.join();
        }
        relay::close_all(&self.shared.conns);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.shared.base_url)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}
