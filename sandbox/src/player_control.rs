//! The player commands: `PUT /v1/me/player/pause`, `PUT /v1/me/player/play`,
//! `POST /v1/me/player/next`, `POST /v1/me/player/previous` (204 on success;
//! optional `device_id`). They need `user-modify-playback-state`, Premium and
//! an active device, checked in that order.
//!
//! And `PUT /v1/me/player`: transfer playback to one of the user's devices (a
//! browser's Web Playback SDK player, say), with body
//! `{"device_ids": ["ID"], "play": true}`. 204 on success; it needs
//! `user-modify-playback-state` and Premium, like the other commands.

use serde_json::{json, Value};

use crate::api_auth::user_caller;
use crate::playback::Player;
use crate::request::Incoming;
use crate::respond::{api_error, Answer, Reply};
use crate::state::State;

/// A player command.
#[derive(Clone, Copy)]
pub(crate) enum Command {
    Pause,
    Play,
    Next,
    Previous,
}

/// `{"error":{"status":..,"message":..,"reason":..}}`, Spotify's player errors.
pub(crate) fn player_error(status: u16, message: &str, reason: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"status": status, "message": message, "reason": reason}}),
    )
}

/// What a Web API player command answers a user without Premium.
pub(crate) const PREMIUM_REQUIRED: &str = "Player command failed: Premium required";

/// The player of user `id` (made up when unknown), or, when the user has no
/// Premium, the `403 PREMIUM_REQUIRED` answer saying `message`.
pub(crate) fn premium_player<'a>(
    state: &'a mut State,
    id: &str,
    message: &str,
) -> Result<&'a mut Player, Reply> {
    let user = state.user_mut(id);
    if !user.premium {
        return Err(player_error(403, message, "PREMIUM_REQUIRED"));
    }
    Ok(&mut user.player)
}

/// Run `command` for the token's user.
pub(crate) fn command(state: &mut State, rq: &Incoming, command: Command) -> Answer {
    let (id, _) = user_caller(state, rq, Some("user-modify-playback-state"))?;
    let now = state.now();
    let player = premium_player(state, &id, PREMIUM_REQUIRED)?;
    if let Some(device_id) = rq.query("device_id") {
        // Naming one of the user's devices makes it the active one.
        if !player.transfer(device_id) {
            return Err(api_error(404, "Device not found"));
        }
    }
    if player.active.is_none() {
        return Err(player_error(
            404,
            "Player command failed: No active device found",
            "NO_ACTIVE_DEVICE",
        ));
    }
    match command {
        Command::Pause => player.pause(now),
        Command::Play => player.play(now),
        Command::Next => player.skip(true, now),
        Command::Previous => player.skip(false, now),
    }
    Ok(Reply::no_content())
}

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
