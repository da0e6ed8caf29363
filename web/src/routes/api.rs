//! `/api/*`: the Web API for the signed-in user (seeds 001 and 002), and the
//! access token for the Web Playback SDK (seed 004). A 401 from Spotify
//! causes one refresh (shared by every request that saw it) and one retry.

use crate::error::AppError;
use crate::html::message_page;
use crate::routes::wants_html;
use crate::session::{same_origin, SignedIn};
use crate::state::AppState;
use crate::web_api::{self, read};
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Json;
use serde_json::json;
use spotify_auth::Endpoint;

/// `GET /api/me` (the profile: `id`, `display_name`, ...), `/api/playlists`,
/// `/api/shows` (saved podcasts) and `/api/player` (the playback state): the
/// Web API's JSON for `endpoint`.
pub fn json_of(endpoint: Endpoint) -> MethodRouter<AppState> {
    let handler = move |State(state): State<AppState>, user: SignedIn| async move {
        let value = read(&state, &user.user_id, endpoint).await?;
        // Nothing plays: the shape of a stopped player rather than an empty body.
        let value =
            value.unwrap_or_else(|| json!({"is_playing": false, "device": null, "item": null}));
        Ok::<_, AppError>(([(CACHE_CONTROL, "no-store")], Json(value)).into_response())
    };
    get(handler)
}

/// `POST /api/player/{pause|play|next|previous}` (seed 002). A form gets a
/// page back (303 to `/`), a script gets JSON.
pub async fn command(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    user: SignedIn,
) -> Result<Response, AppError> {
    if !same_origin(&headers, &state.public_origin) {
        return Err(AppError::CrossSite);
    }
    let Some(command) = Endpoint::player_command(&name) else {
        let error = json!({"error": "unknown player command: use pause, play, next or previous"});
        return Ok((StatusCode::NOT_FOUND, Json(error)).into_response());
    };
    let result = web_api::command(&state, &user.user_id, command, None).await;
    match (result, wants_html(&headers)) {
        (Ok(()), true) => Ok((StatusCode::SEE_OTHER, [(LOCATION, "/")]).into_response()),
        (Ok(()), false) => Ok(Json(json!({"ok": true, "command": name})).into_response()),
        (Err(AppError::SignedOut), _) => Err(AppError::SignedOut),
        (Err(e), true) => {
            let (status, message) = e.status_and_message();
            Ok(message_page(status, "The player did not follow", &message))
        }
        (Err(e), false) => Err(e),
    }
}

/// `GET /api/token`: the access token for the Web Playback SDK (seed 004),
/// refreshed first when due, or when the page says Spotify refused the one it
/// holds. The only answer that ever shows a token.
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Response, AppError> {
    let fresh = crate::playback::token_for_sdk(&state, &user.user_id, &headers).await?;
    // Serialized straight from borrowed fields: this answer is the busiest one.
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        access_token: &'a str,
        expires_at: u64,
    }
    let answer = Answer {
        access_token: fresh.access_token.secret(),
        expires_at: fresh.expires_at,
    };
    Ok(([(CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}
