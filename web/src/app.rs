//! The app's routes (the contract other tests rely on) and the one layer
//! around every one of them ([`Around`]).

use crate::around::Around;
use crate::html;
use crate::listen_addr::{servable, OWN_ROUTES};
use crate::playback;
use crate::routes::api::{self, json_of};
use crate::routes::{auth, page, player};
use crate::state::AppState;
use crate::web_api::LIST_LIMIT;
use axum::routing::{get, post};
use axum::Router;
use spotify_auth::Endpoint;

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
    let limit = LIST_LIMIT;
    routes
        .route("/", get(page::index))
        .route("/health", get(|| async { "ok\n" }))
        .route("/login", get(auth::login))
        .route("/callback", get(auth::callback))
        .route("/logout", post(auth::logout))
        .route("/api/me", json_of(Endpoint::Me))
        .route("/api/playlists", json_of(Endpoint::Playlists { limit }))
        .route("/api/shows", json_of(Endpoint::SavedShows { limit }))
        .route("/api/player", json_of(Endpoint::Playback))
        .route("/api/player/transfer", post(player::transfer))
        .route("/api/player/{command}", post(api::command))
        .route("/api/token", get(api::token))
        .route("/assets/page.css", get(html::style))
        .route("/assets/page.js", get(html::script))
        .route(playback::SCRIPT_PATH, get(playback::script))
        .layer(Around::new(state.clone()))
        .with_state(state)
}
