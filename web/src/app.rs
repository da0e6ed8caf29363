//! The app's routes (the contract other tests rely on) and the layers
//! around every one of them: the request log, the security headers, a
//! `localhost` visit sent to the redirect URI's host, the clearing of
//! tossed session cookies.

use crate::host_redirect::to_public_host;
use crate::html;
use crate::listen_addr::{servable, OWN_ROUTES};
use crate::playback;
use crate::request_log::log_request;
use crate::routes::{api, auth, page, player};
use crate::security_headers::{self, SecurityHeaders};
use crate::session::clear_tossed_cookies;
use crate::state::AppState;
use axum::middleware::{from_fn, from_fn_with_state, map_response_with_state};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

/// Every route.
pub fn router(state: AppState) -> Router {
    let headers = Arc::new(SecurityHeaders::new(&state.feature_origins()));
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
        .layer(from_fn_with_state(state.clone(), clear_tossed_cookies))
        .layer(from_fn_with_state(state.clone(), to_public_host))
        .layer(map_response_with_state(headers, security_headers::add))
        .layer(from_fn(log_request))
        .with_state(state)
}
