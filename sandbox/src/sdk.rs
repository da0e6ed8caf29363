//! The Web Playback SDK, played by the sandbox: `GET /sdk/spotify-player.js`
//! serves a stand-in script with the real SDK's interface, and the calls that
//! script makes with the user's access token (as the real SDK talks to Spotify
//! with the token `getOAuthToken` handed it) register the browser as a device
//! of the token's user, report its state and carry its commands:
//!
//! - `POST /sdk/v1/devices` `{"name": ...}`: a new device, `{"device_id", "expires_in"}`
//!   (the seconds its token has left); 403 `INVALID_TOKEN_SCOPES` without
//!   `streaming`, `user-read-email` and `user-read-private`; 403
//!   `PREMIUM_REQUIRED` for a user without Premium;
//! - `GET /sdk/v1/devices/{id}/state`: the `WebPlaybackState` when the device
//!   is the active one, else `null`; 404 once the device is gone;
//! - `POST /sdk/v1/devices/{id}/{toggle|pause|resume|next|previous}`: the
//!   command on the browser's player (when it is the active device), then its state;
//! - `DELETE /sdk/v1/devices/{id}`: the browser disconnected.
//!
//! The page is on another origin (the web app's), so every answer carries
//! CORS headers; the token travels in `Authorization`, never in a cookie.

use serde_json::{json, Value};

use crate::api_auth::{bearer_token, user_caller};
use crate::catalog::{Track, ARTISTS};
use crate::playback::{Device, Player};
use crate::player_control::{player_error, premium_player};
use crate::request::Incoming;
use crate::respond::{api_error, Answer, Reply};
use crate::state::State;

/// The stand-in for `https://sdk.scdn.co/spotify-player.js`.
const SCRIPT: &str = include_str!("sdk_player.js");

/// The scopes the real SDK needs of a token.
pub(crate) const SDK_SCOPES: [&str; 3] = ["streaming", "user-read-email", "user-read-private"];

/// Browser devices a user may have at once; registering one more drops the oldest idle one.
const MAX_BROWSER_DEVICES: usize = 8;
const BUILT_IN_PREFIX: &str = "sandbox-device-";

/// Every answer under `/sdk/`, faults included, readable by a page of any origin.
pub(crate) fn cors(reply: Reply) -> Reply {
    reply
        .header("Access-Control-Allow-Origin", "*")
        .header(
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type",
        )
        .header("Access-Control-Allow-Methods", "GET, POST, DELETE")
        .header("Access-Control-Max-Age", "600")
}

/// A request under `/sdk/`.
pub(crate) fn handle(state: &mut State, rq: &Incoming) -> Answer {
    use tiny_http::Method::{Delete, Get, Post};
    let rest = rq.path.strip_prefix("/sdk/v1/devices").unwrap_or("");
    let parts: Vec<&str> = rest.split('/').skip(1).collect();
    match (&rq.method, rq.path.as_str(), parts.as_slice()) {
        (Get, "/sdk/spotify-player.js", _) => {
            Ok(Reply::new(200, "text/javascript; charset=utf-8", SCRIPT)
                .header("Cache-Control", "no-cache"))
        }
        (Post, "/sdk/v1/devices", _) => register(state, rq),
        (Get, _, [id, "state"]) => with_device(state, rq, id, |player, now| {
            Reply::json(200, &state_of(player, id, now))
        }),
        (Post, _, [id, command]) => with_device(state, rq, id, |player, now| {
            if player.active_device().is_some_and(|d| d.id == *id) {
                match *command {
                    "toggle" if player.playing => player.pause(now),
                    "toggle" | "resume" => player.play(now),
                    "pause" => player.pause(now),
                    "next" => player.skip(true, now),
                    "previous" => player.skip(false, now),
                    _ => return api_error(404, "Unknown player command"),
                }
            }
            Reply::json(200, &state_of(player, id, now))
        }),
        (Delete, _, [id]) => with_device(state, rq, id, |player, _| {
            player.remove_device(id);
            Reply::no_content()
        }),
        _ => Err(api_error(404, "Service not found")),
    }
}

/// `POST /sdk/v1/devices`.
fn register(state: &mut State, rq: &Incoming) -> Answer {
    let (id, scopes) = user_caller(state, rq, None)?;
    if SDK_SCOPES.iter().any(|s| !scopes.iter().any(|g| g == s)) {
        return Err(player_error(
            403,
            "Invalid token scopes.",
            "INVALID_TOKEN_SCOPES",
        ));
    }
    let name = serde_json::from_slice::<Value>(&rq.body)
        .ok()
        .and_then(|body| body["name"].as_str().map(str::to_string))
        .unwrap_or_default();
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(api_error(400, "name must be 1 to 100 printable characters"));
    }
    let expires_in = token_left(state, rq);
    let message = "This functionality is restricted to premium users only";
    let player = premium_player(state, &id, message)?;
    let device_id = hex_id();
    let active = player.active_device().map(|d| d.id.clone());
    let browsers: Vec<&Device> = player
        .devices
        .iter()
        .filter(|d| !d.id.starts_with(BUILT_IN_PREFIX))
        .collect();
    if browsers.len() >= MAX_BROWSER_DEVICES {
        if let Some(oldest) = browsers.iter().find(|d| Some(&d.id) != active.as_ref()) {
            let oldest = oldest.id.clone();
            player.remove_device(&oldest);
        }
    }
    // Not active until a transfer.
    player
        .devices
        .push(Device::new(&device_id, &name, "Computer", 100));
    Ok(Reply::json(
        200,
        &json!({"device_id": device_id, "expires_in": expires_in}),
    ))
}

/// Seconds left on the request's (valid) token.
fn token_left(state: &State, rq: &Incoming) -> u64 {
    bearer_token(rq)
        .and_then(|t| state.access_tokens.get(t))
        .map_or(0, |t| t.expires_at.saturating_sub(state.now()))
}

/// Runs `act` on the player of the token's user when device `id` is theirs.
fn with_device(
    state: &mut State,
    rq: &Incoming,
    id: &str,
    act: impl FnOnce(&mut Player, u64) -> Reply,
) -> Answer {
    let (user, _) = user_caller(state, rq, None)?;
    let now = state.now();
    let player = &mut state.user_mut(&user).player;
    if !player.devices.iter().any(|d| d.id == id) {
        return Err(api_error(404, "Device not found"));
    }
    Ok(act(player, now))
}

/// The device's state: `null` unless it is the active device with something loaded.
fn state_of(player: &Player, id: &str, now: u64) -> Value {
    let active_here = player.active_device().is_some_and(|d| d.id == id);
    if active_here && player.reports_state() {
        playback_state(player, now)
    } else {
        Value::Null
    }
}

/// 40 hex characters, like Spotify's device ids.
fn hex_id() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `WebPlaybackTrack`.
fn sdk_track(track: &Track) -> Value {
    let artist = &ARTISTS[track.artist];
    json!({
        "uri": format!("spotify:track:{}", track.id),
        "id": track.id,
        "type": "track",
        "media_type": "audio",
        "name": track.name,
        "is_playable": true,
        "duration_ms": track.duration_ms,
        "album": {
            "uri": format!("spotify:album:{}", track.album_id),
            "name": track.album,
            "images": [],
        },
        "artists": [{"uri": format!("spotify:artist:{}", artist.id), "name": artist.name}],
    })
}

/// The `WebPlaybackState` of `player` at `now` (sandbox seconds): what the
/// browser's device plays.
pub(crate) fn playback_state(player: &Player, now: u64) -> Value {
    let item = player.item();
    let next: Vec<Value> = player
        .upcoming()
        .into_iter()
        .take(2)
        .map(sdk_track)
        .collect();
    json!({
        "context": {"uri": null, "metadata": {}},
        "disallows": {"pausing": !player.playing, "resuming": player.playing, "seeking": true},
        "paused": !player.playing,
        "loading": false,
        "position": player.progress_ms(now),
        "duration": item.duration_ms,
        "repeat_mode": 0,
        "shuffle": false,
        "timestamp": now * 1000,
        "track_window": {
            "current_track": sdk_track(item),
            "previous_tracks": [],
            "next_tracks": next,
        },
    })
}
