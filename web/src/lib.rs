//! The many-users web app of spotify-auth: the Authorization Code flow of the
//! seeds' Django and Flask apps, in Rust, on the library's protocol core.
//!
//! axum serves the routes ([`app::router`]); every protocol decision (the
//! authorize URL, the redirect check, the token requests and answers, when to
//! refresh, the Web API's errors) is the core's; [`spotify`] only sends.
//! Sessions and tokens live behind the [`store::Store`] trait (SQLite for one
//! process, PostgreSQL for several replicas), the tokens sealed by
//! [`cipher::TokenCipher`]; [`tokens::Tokens`] refreshes each user's token
//! once however many requests (and replicas) need it; [`ratelimit`] makes a
//! 429 from Spotify pause the whole app. Around every route, one layer
//! ([`around`]): [`security_headers`], [`host_redirect`], the session
//! cookie's check ([`session`]) and the [`request_log`]; [`server`] serves
//! the connections within a head deadline, an idle timeout and a cap.
#![deny(missing_docs)]

pub mod app;
pub mod around;
pub mod cipher;
pub mod error;
pub mod folders;
pub mod home;
pub mod host_redirect;
pub mod html;
pub mod listen_addr;
pub mod playback;
pub mod ratelimit;
pub mod request_log;
pub mod routes;
pub mod security_headers;
pub mod server;
pub mod session;
pub mod session_cache;
pub mod spotify;
pub mod startup;
pub mod state;
pub mod store;
pub mod sweep;
pub mod tokens;
pub mod web_api;
pub mod web_playback;

pub use app::router;
pub use startup::{prepare, prepare_with, Prepared, StartOptions};
pub use state::AppState;
