//! The app's routes (the contract other tests rely on).

use crate::routes::{api, auth, page};
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

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
