//! The signed-in user's Web API calls, shared by the page and `/api/*`: a
//! 401 from Spotify causes one refresh (shared by every request that saw it)
//! and one retry.

use crate::error::AppError;
use crate::spotify::Answer;
use crate::state::AppState;
use axum::http::Method;
use serde_json::Value;
use spotify_auth::core::web_api::{api_error, decode, Method as ApiMethod};
use spotify_auth::Endpoint;

/// How many playlists and shows are listed.
pub const LIST_LIMIT: u32 = 20;

/// One Web API call to `endpoint` for `user_id` (with a JSON body, if any),
/// with the refresh-once rule after a 401.
pub async fn call(
    state: &AppState,
    user_id: &str,
    endpoint: Endpoint,
    json: Option<&str>,
) -> Result<Answer, AppError> {
    let method = match endpoint.method() {
        ApiMethod::Get => Method::GET,
        ApiMethod::Put => Method::PUT,
        ApiMethod::Post => Method::POST,
    };
    let path = endpoint.path();
    let send = |token| {
        state
            .spotify
            .api_with_body(method.clone(), &path, token, json)
    };
    let token = state.tokens.access_token(user_id).await?.access_token;
    let answer = send(&token).await?;
    if answer.status != 401 {
        return Ok(answer);
    }
    let token = state.tokens.after_unauthorized(user_id, &token).await?;
    Ok(send(&token.access_token).await?)
}

/// A read endpoint's JSON (`None` for 204 No Content), or the core's error.
pub async fn read(
    state: &AppState,
    user_id: &str,
    endpoint: Endpoint,
) -> Result<Option<Value>, AppError> {
    let answer = call(state, user_id, endpoint, None).await?;
    let url = endpoint.url(&state.spotify.config.api_url);
    match answer.status {
        204 => Ok(None),
        200 => Ok(Some(decode(&url, &answer.body)?)),
        status => Err(api_error(&url, endpoint, status, &answer.body).into()),
    }
}

/// A command to the player (with a JSON body, if any): done when Spotify
/// answers any 2xx, else the core's error.
pub async fn command(
    state: &AppState,
    user_id: &str,
    endpoint: Endpoint,
    json: Option<&str>,
) -> Result<(), AppError> {
    let answer = call(state, user_id, endpoint, json).await?;
    if (200..300).contains(&answer.status) {
        return Ok(());
    }
    let url = endpoint.url(&state.spotify.config.api_url);
    let error = api_error(&url, endpoint, answer.status, &answer.body);
    Err(AppError::Spotify(error))
}
