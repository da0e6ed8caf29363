//! An offline stand-in for Spotify's accounts service (`/authorize`, `/api/token`
//! with the authorization-code, refresh and client-credentials grants) and a slice
//! of the Web API (`/v1/me`, `/v1/me/playlists`, `/v1/me/shows`, `/v1/me/player`
//! with its devices, queue and commands, `/v1/artists/{id}`), answering in the
//! development-mode shapes of 2026 unless [`SandboxOptions::extended_quota`].
//!
//! Start one with [`Sandbox::start`], point a client at [`Sandbox::url`] (it is both
//! `SPOTIFY_ACCOUNTS_URL` and `SPOTIFY_API_URL`), and approve the consent page with
//! [`approve_consent`] (the default user, [`DEFAULT_USER_ID`]),
//! [`approve_consent_as`] (any user) or a real browser. Faults ([`Fault`]) imitate an unreliable
//! network or service; the sandbox clock ([`Sandbox::advance_clock`]) expires codes
//! and tokens without waiting.
//!
//! The server listens on `127.0.0.1` only and serves each connection on a thread
//! of its own (answers are written by `tiny_http`'s response writer), so that the
//! [`FaultKind::ConnectionReset`] fault can close a client's connection without
//! sending any answer.
#![deny(missing_docs)]

// Module layers, each depending only on layers above it (tests/module_graph.rs
// checks there is no cycle and that only `server` uses the router):
// - plain helpers and data: `options`, `util`, `scopes`, `catalog`, `request`,
//   `respond`
// - the model: `playback` (one player), `users`, `state`, `switches`
// - endpoints: `redirect_uri`, `consent_page`, `authorize` (`/authorize`),
//   `token` (`/api/token`, client authentication included), `api_auth`
//   (bearer, allow-list, scopes), `shapes`, `me`, `library`, `player`,
//   `player_control` (commands and transfer), `artists` (`/v1/...`); `sdk`
//   (the Web Playback SDK stand-in, `/sdk/...`)
// - `shared` (state + open connections), `control` (`/__sandbox/...`), then
//   `router`, then `server` (the connections), then `sandbox` (the `Sandbox`
//   handle) and `sandbox_handles` (its run-time controls); `consent` is the
//   client side (a browser stand-in).
mod api_auth;
mod artists;
mod authorize;
mod catalog;
mod consent;
mod consent_page;
mod control;
mod http_client;
mod library;
mod me;
mod options;
mod playback;
mod player;
mod player_control;
mod redirect_uri;
mod request;
mod respond;
mod router;
mod sandbox;
mod sandbox_handles;
mod scopes;
mod sdk;
mod server;
mod shapes;
mod shared;
mod state;
mod switches;
mod token;
mod users;
mod util;

pub use consent::{approve_consent, approve_consent_as};
pub use options::{Fault, FaultKind, SandboxOptions};
pub use redirect_uri::check_registrable_redirect_uri;
pub use request::ReceivedRequest;
pub use sandbox::Sandbox;
pub use scopes::{scope_description, Scope, SCOPES};
pub use users::{DEFAULT_USER_ID, USER_IDS};
