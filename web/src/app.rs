//! The app's routes (the contract other tests rely on) and the one layer
//! around every one of them ([`Around`]).

use crate::around::Around;
use crate::html;
use crate::listen_addr::{servable, OWN_ROUTES};
use crate::playback;
use crate::routes::{api, auth, page, player};
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

/// Every route.
pub fn router(state: AppState) -> Router {
    let mut routes = Router::new();
    // Spotify comes back to the redirect URI's path, whatever it is.
    if let Ok(uri) = url::Url::parse(&state.spotify.config.redirect_uri) {
        let path = uri.path();
        if path != "/callback" && servable(path) && !OWN_ROUTES.contains(&path) {
            routes = routes.route(path, get(auth::callback));
        }
    }
    routes
        .route("/", get(page::index))
        .route("/health", get(|| async { "ok\n" }))
        .route("/login", get(auth::login))
        .route("/callback", get(auth::callback))
        .route("/logout", post(auth::logout))
        .route("/api/me", get(api::me))
        .route("/api/playlists", get(api::playlists))
        .route("/api/shows", get(api::shows))
        .route("/api/player", get(api::player))
        .route("/api/player/transfer", post(player::transfer))
        .route("/api/player/{command}", post(api::command))
        .route("/api/token", get(api::token))
        .route("/assets/page.css", get(html::style))
        .route("/assets/page.js", get(html::script))
        .route(playback::SCRIPT_PATH, get(playback::script))
        .layer(Around::new(state.clone()))
        .with_state(state)
}
