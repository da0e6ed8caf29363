//! The player reads: `GET /v1/me/player` (204 unless a playback session exists
//! on an active device) and `GET /v1/me/player/devices`, both needing
//! `user-read-playback-state`; also `GET /v1/me/player/queue`.

use serde_json::{json, Value};

use crate::api_auth::known_user;
use crate::request::Incoming;
use crate::respond::{Answer, Reply};
use crate::shapes::{device, track};
use crate::state::State;
use crate::users::User;

const READ_SCOPE: &str = "user-read-playback-state";

/// `GET /v1/me/player`.
pub(crate) fn get_player(state: &State, rq: &Incoming, base_url: &str) -> Answer {
    let (user, _) = known_user(state, rq, Some(READ_SCOPE))?;
    if !user.player.reports_state() {
        return Ok(Reply::no_content());
    }
    Ok(Reply::json(200, &playback(user, state, base_url)))
}

/// `GET /v1/me/player/devices`.
pub(crate) fn get_devices(state: &State, rq: &Incoming) -> Answer {
    let (user, _) = known_user(state, rq, Some(READ_SCOPE))?;
    let player = &user.player;
    let devices: Vec<Value> = player
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| device(d, player.active == Some(i)))
        .collect();
    Ok(Reply::json(200, &json!({ "devices": devices })))
}

/// `GET /v1/me/player/queue`: `{"currently_playing": track, "queue": [tracks]}`
/// (`null` and `[]` without a playback session).
pub(crate) fn get_queue(state: &State, rq: &Incoming, base_url: &str) -> Answer {
    let (user, _) = known_user(state, rq, Some(READ_SCOPE))?;
    let player = &user.player;
    if !player.reports_state() {
        return Ok(Reply::json(
            200,
            &json!({"currently_playing": null, "queue": []}),
        ));
    }
    let ext = state.options.extended_quota;
    let queue: Vec<Value> = player
        .upcoming()
        .into_iter()
        .map(|t| track(t, ext, base_url))
        .collect();
    Ok(Reply::json(
        200,
        &json!({"currently_playing": track(player.item(), ext, base_url), "queue": queue}),
    ))
}

fn playback(user: &User, state: &State, base_url: &str) -> Value {
    let player = &user.player;
    let now = state.now();
    let active = player
        .active
        .map_or(Value::Null, |i| device(&player.devices[i], true));
    let disallows = if player.playing {
        json!({"resuming": true})
    } else {
        json!({"pausing": true})
    };
    json!({
        "device": active,
        "repeat_state": "off",
        "shuffle_state": false,
        "context": null,
        "timestamp": now * 1000,
        "progress_ms": player.progress_ms(now),
        "is_playing": player.playing,
        "currently_playing_type": "track",
        "actions": {"disallows": disallows},
        "item": track(player.item(), state.options.extended_quota, base_url),
    })
}
