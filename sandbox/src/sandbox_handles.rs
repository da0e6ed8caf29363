//! The in-process controls of a running [`Sandbox`]: faults, revocation, the
//! clock, request counts and the per-user switches (the same as `/__sandbox/...`).

use crate::options::Fault;
use crate::request::ReceivedRequest;
use crate::sandbox::Sandbox;
use crate::switches::{self, Switch};

impl Sandbox {
    /// Arm a fault: it applies to the next `fault.count` requests of its endpoint.
    pub fn add_fault(&self, fault: Fault) {
        self.shared.state().add_fault(fault);
    }

    /// Revoke every refresh token issued so far (as when the user removes the app's
    /// access); using one afterwards gives `invalid_grant` / `Refresh token revoked`.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.state().revoke_refresh_tokens();
    }

    /// Move the sandbox's clock forward: authorization codes (10 minutes), access
    /// tokens (`access_token_lifetime_secs`) and refresh tokens (six months after
    /// the consent) expire by this clock.
    pub fn advance_clock(&self, secs: u64) {
        self.shared.state().advance(secs);
    }

    /// How many requests reached `path` (without query), counted before any fault
    /// applies. Control requests under `/__sandbox/` are not counted.
    pub fn request_count(&self, path: &str) -> u64 {
        self.shared.state().counts.get(path).copied().unwrap_or(0)
    }

    /// How many refresh requests named one of `user_id`'s refresh tokens.
    pub fn refresh_count(&self, user_id: &str) -> u64 {
        let state = self.shared.state();
        state.refreshes.get(user_id).copied().unwrap_or(0)
    }

    /// Expire every access token of `user_id` now, as when its hour is over
    /// (other users' tokens and the refresh tokens stay good).
    pub fn expire_access_tokens(&self, user_id: &str) {
        self.shared.state().expire_access_tokens(user_id);
    }

    /// The names and ids of `user_id`'s devices, browsers included
    /// (`GET /v1/me/player/devices` without a token).
    pub fn devices(&self, user_id: &str) -> Vec<(String, String)> {
        let state = self.shared.state();
        let devices = state.user(user_id).map_or(&[][..], |u| &u.player.devices);
        devices
            .iter()
            .map(|d| (d.id.clone(), d.name.clone()))
            .collect()
    }

    /// The last request that reached `path` (without query): method, header
    /// names and form fields, as received.
    pub fn last_received(&self, path: &str) -> Option<ReceivedRequest> {
        self.shared.state().last_received.get(path).cloned()
    }

    /// Make something play for `user_id` (`GET /v1/me/player` answers 200 with
    /// `is_playing: true`, activating the first device if none is active), or
    /// end the playback session (204). An unknown id becomes a fresh user.
    pub fn set_playing(&self, user_id: &str, on: bool) {
        switches::apply(&mut self.shared.state(), user_id, Switch::Playing, on);
    }

    /// Give `user_id`'s player an active device (the first one), or none (player
    /// commands then answer `404 NO_ACTIVE_DEVICE`, `GET /v1/me/player` 204).
    pub fn set_active_device(&self, user_id: &str, on: bool) {
        switches::apply(&mut self.shared.state(), user_id, Switch::ActiveDevice, on);
    }

    /// Give `user_id` Premium or take it away (player commands then answer
    /// `403 PREMIUM_REQUIRED`; `/v1/me` says `product: free` in extended quota).
    pub fn set_premium(&self, user_id: &str, on: bool) {
        switches::apply(&mut self.shared.state(), user_id, Switch::Premium, on);
    }

    /// Put `user_id` on the app's development-mode allow-list or take it off
    /// (every Web API call then answers `403 User not registered in the
    /// Developer Dashboard`). The first edit of an "everyone" list makes it the
    /// explicit list of the users known at that moment.
    pub fn set_allowed(&self, user_id: &str, on: bool) {
        switches::apply(&mut self.shared.state(), user_id, Switch::Allowed, on);
    }

    /// Switch between development-mode (2026) answer shapes (`false`) and the
    /// extended-quota ones (`true`), as [`SandboxOptions::extended_quota`](crate::SandboxOptions::extended_quota).
    pub fn set_extended_quota(&self, on: bool) {
        self.shared.state().options.extended_quota = on;
    }

    /// The ids of every user the sandbox knows: the built-in ones
    /// ([`USER_IDS`](crate::USER_IDS)), then those made up at sign-in.
    pub fn user_ids(&self) -> Vec<String> {
        let state = self.shared.state();
        state.users.iter().map(|u| u.id.clone()).collect()
    }
}
