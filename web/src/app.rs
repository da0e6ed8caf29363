//! The app's state and its routes (the contract other tests rely on).

use crate::routes::{api, auth, page};
use crate::session::SessionCache;
use crate::spotify::Spotify;
use crate::store::Store;
use crate::tokens::Tokens;
use axum::routing::{get, post};
use axum::Router;
use std::ops::Deref;
use std::sync::Arc;

/// What every handler shares.
pub struct Shared {
    /// Sessions and tokens.
    pub store: Arc<dyn Store>,
    /// Access tokens, refreshed once.
    pub tokens: Tokens,
    /// Signed-in sessions read recently (a short time to live).
    pub sessions: Arc<SessionCache>,
    /// The calls to Spotify, with the app's settings.
    pub spotify: Spotify,
    /// `scheme://host:port` of `SPOTIFY_REDIRECT_URI`: the app's public origin.
    pub public_origin: String,
    /// True when the public URL is https: the cookie is then `Secure`.
    pub secure_cookies: bool,
    /// True when playing against the in-process sandbox.
    pub sandbox: bool,
    /// True (`WEB_APP_PKCE_ONLY=1`): the login exchanges its code with the
    /// PKCE verifier alone, without the secret; else with both.
    pub pkce_only: bool,
}

/// The state of the axum app (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Every route.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/health", get(|| async { "ok\n" }))
        .route("/login", get(auth::login))
        .route("/callback", get(auth::callback))
        .route("/logout", post(auth::logout))
        .route("/api/me", get(api::me))
        .route("/api/playlists", get(api::playlists))
        .route("/api/shows", get(api::shows))
        .route("/api/player", get(api::player))
        .route("/api/player/{command}", post(api::command))
        .route("/api/token", get(api::token))
        .with_state(state)
}
