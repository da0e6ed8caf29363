//! Run-time switches on a user (playing, active device, Premium, allow-listed),
//! shared by the control endpoint and the in-process `Sandbox` methods.

use serde_json::{json, Value};

use crate::state::State;

/// What a switch turns on or off for one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Switch {
    /// Something plays (`GET /v1/me/player` 200) or no playback session (204).
    Playing,
    /// The player has an active device, or none (`NO_ACTIVE_DEVICE`).
    ActiveDevice,
    /// The user has Premium, or not (`PREMIUM_REQUIRED`).
    Premium,
    /// The user is on the app's development-mode allow-list, or not.
    Allowed,
}

impl Switch {
    /// The switch named in a control path, e.g. `active-device`.
    pub(crate) fn from_name(name: &str) -> Option<Switch> {
        match name {
            "playing" => Some(Switch::Playing),
            "active-device" => Some(Switch::ActiveDevice),
            "premium" => Some(Switch::Premium),
            "allowed" => Some(Switch::Allowed),
            _ => None,
        }
    }
}

/// Turn `switch` on or off for `user` (a fresh user when the id is unknown).
pub(crate) fn apply(state: &mut State, user: &str, switch: Switch, on: bool) {
    let now = state.now();
    match switch {
        Switch::Allowed => state.set_allowed(user, on),
        Switch::Premium => state.user_mut(user).premium = on,
        Switch::ActiveDevice => state.user_mut(user).player.set_active_device(on),
        Switch::Playing => {
            let player = &mut state.user_mut(user).player;
            if on {
                player.start(now);
            } else {
                player.stop();
            }
        }
    }
}

/// `{"users":[{"id", "display_name", "product", "allowed", "active_device",
/// "is_playing", "refreshes"}], "extended_quota": bool}`.
pub(crate) fn users_json(state: &State) -> Value {
    let users: Vec<Value> = state
        .users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "display_name": u.display_name,
                "product": if u.premium { "premium" } else { "free" },
                "allowed": state.is_allowed(&u.id),
                "active_device": u.player.active_device().map(|d| d.id.clone()),
                "is_playing": u.player.playing,
                "refreshes": state.refreshes.get(&u.id).copied().unwrap_or(0),
            })
        })
        .collect();
    json!({"users": users, "extended_quota": state.options.extended_quota})
}
