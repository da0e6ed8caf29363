//! `POST /api/player/transfer`: playback moves to the device named in the
//! body (the browser's Web Playback SDK player, on its `ready`), with
//! `PUT /v1/me/player` `{"device_ids":[id],"play":true}`.

use crate::error::AppError;
use crate::session::{same_origin, SignedIn};
use crate::state::AppState;
use crate::web_api::command;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use spotify_auth::core::web_api::{is_device_id, transfer_body};
use spotify_auth::Endpoint;

/// The device id of the body: `{"device_id": "..."}`, or the id alone as text.
fn device_id_of(body: &str) -> Option<String> {
    let id = match serde_json::from_str::<Value>(body) {
        Ok(value) => value["device_id"].as_str()?.to_string(),
        Err(_) => body.trim().to_string(),
    };
    is_device_id(&id).then_some(id)
}

/// `POST /api/player/transfer`.
pub async fn transfer(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    body: String,
) -> Result<Response, AppError> {
    if !same_origin(&headers, &state.public_origin) {
        return Err(AppError::CrossSite);
    }
    let Some(device_id) = device_id_of(&body) else {
        let error = json!({"error": "the body must be {\"device_id\": ID} with the id from the SDK's ready event (1 to 64 of A-Z a-z 0-9 - _)"});
        return Ok((StatusCode::BAD_REQUEST, Json(error)).into_response());
    };
    let body = transfer_body(&device_id, true);
    command(&state, &user.user_id, Endpoint::Transfer, Some(&body)).await?;
    Ok(Json(json!({"ok": true, "device_id": device_id})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_id_comes_as_json_or_text() {
        let id = "0d1841b0976bae2a3a310dd74c0f3df354899bc8";
        assert_eq!(
            device_id_of(&format!("{{\"device_id\":\"{id}\"}}")).as_deref(),
            Some(id)
        );
        assert_eq!(device_id_of(&format!(" {id}\n")).as_deref(), Some(id));
        assert_eq!(device_id_of("{\"device_id\": 5}"), None);
        assert_eq!(device_id_of("<script>"), None);
        assert_eq!(device_id_of(""), None);
    }
}
