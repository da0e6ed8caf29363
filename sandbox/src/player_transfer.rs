//! `PUT /v1/me/player`: transfer playback to one of the user's devices (a
//! browser's Web Playback SDK player, say), with body
//! `{"device_ids": ["ID"], "play": true}`. 204 on success; it needs
//! `user-modify-playback-state` and Premium, like the other commands.

use serde_json::Value;

use crate::api_auth::user_caller;
use crate::player_control::{premium_player, PREMIUM_REQUIRED};
use crate::request::Incoming;
use crate::respond::{api_error, Answer, Reply};
use crate::state::State;

/// `PUT /v1/me/player`.
pub(crate) fn transfer(state: &mut State, rq: &Incoming) -> Answer {
    let (id, _) = user_caller(state, rq, Some("user-modify-playback-state"))?;
    let Ok(body) = serde_json::from_slice::<Value>(&rq.body) else {
        return Err(api_error(400, "Malformed json"));
    };
    // Spotify takes a list but plays on one device: more than one is refused.
    let device_id = match body["device_ids"].as_array().map(Vec::as_slice) {
        Some([one]) => match one.as_str() {
            Some(id) => id.to_string(),
            None => return Err(api_error(400, "device_ids must be a list of strings")),
        },
        Some([]) | None => return Err(api_error(400, "Required field device_ids missing")),
        Some(_) => return Err(api_error(400, "Only one device_id supported")),
    };
    let play = body["play"].as_bool().unwrap_or(false);
    let now = state.now();
    let player = premium_player(state, &id, PREMIUM_REQUIRED)?;
    if !player.transfer(&device_id) {
        return Err(api_error(404, "Device not found"));
    }
    if play {
        player.play(now);
    }
    Ok(Reply::no_content())
}
