//! The sandbox's memory: the registered app, pending consents, codes, tokens,
//! faults, request counts and the clock. Plain data and its rules; no HTTP.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::options::{Fault, FaultKind, SandboxOptions};
use crate::request::ReceivedRequest;
use crate::users::User;

/// An authorization code is valid this long (Spotify: "a few minutes").
pub(crate) const CODE_LIFETIME_SECS: u64 = 10 * 60;
/// A refresh token expires six months after the user's original consent.
pub(crate) const REFRESH_HORIZON_SECS: u64 = 182 * 24 * 60 * 60 + 12 * 60 * 60;

/// An authorize request waiting for the user's decision on the consent page.
pub(crate) struct Pending {
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
}

pub(crate) struct Code {
    pub(crate) client_id: String,
    /// The user who consented.
    pub(crate) user: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) issued_at: u64,
    pub(crate) used: bool,
}

pub(crate) struct AccessToken {
    /// The user it acts for; `None` for an app-only (client credentials) token.
    pub(crate) user: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: u64,
}

#[derive(Clone)]
pub(crate) struct RefreshToken {
    pub(crate) client_id: String,
    pub(crate) user: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) consent_at: u64,
    pub(crate) revoked: bool,
    pub(crate) pkce: bool,
}

/// Everything the sandbox remembers.
#[derive(Default)]
pub(crate) struct State {
    /// The registered app and switches as started; `allowed_users` (`None`:
    /// everyone) and `extended_quota` change at run time, the armed faults are
    /// in `faults`.
    pub(crate) options: SandboxOptions,
    pub(crate) clock_offset: u64,
    pub(crate) faults: Vec<Fault>,
    pub(crate) counts: HashMap<String, u64>,
    /// Refresh requests per user (those naming one of the user's refresh tokens).
    pub(crate) refreshes: HashMap<String, u64>,
    /// The last request received on each path.
    pub(crate) last_received: HashMap<String, ReceivedRequest>,
    pub(crate) pending: HashMap<String, Pending>,
    pub(crate) codes: HashMap<String, Code>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    /// The users, the built-in ones first (the default one first of all).
    pub(crate) users: Vec<User>,
}

impl State {
    pub(crate) fn new(options: &SandboxOptions) -> State {
        // The faults live in `faults` only: they are used up as they fire.
        let mut options = options.clone();
        let faults = std::mem::take(&mut options.faults);
        let mut state = State {
            users: User::built_in(options.active_device, options.premium),
            options,
            ..State::default()
        };
        faults.into_iter().for_each(|fault| state.add_fault(fault));
        state
    }

    /// The sandbox's "now", in seconds since the Unix epoch.
    pub(crate) fn now(&self) -> u64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        real + self.clock_offset
    }

    pub(crate) fn add_fault(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.faults.push(fault);
        }
    }

    pub(crate) fn revoke_refresh_tokens(&mut self) {
        for token in self.refresh_tokens.values_mut() {
            token.revoked = true;
        }
    }

    /// Expire every access token of `user` now (their refresh tokens stay good).
    pub(crate) fn expire_access_tokens(&mut self, user: &str) {
        let now = self.now();
        let tokens = self.access_tokens.values_mut();
        for token in tokens.filter(|t| t.user.as_deref() == Some(user)) {
            token.expires_at = token.expires_at.min(now);
        }
    }

    pub(crate) fn advance(&mut self, secs: u64) {
        self.clock_offset = self.clock_offset.saturating_add(secs);
    }

    /// Count a request, remember it as the last on its path, and take the
    /// first fault armed for the path, if any.
    pub(crate) fn arrive(&mut self, path: &str, request: ReceivedRequest) -> Option<FaultKind> {
        *self.counts.entry(path.to_string()).or_insert(0) += 1;
        self.last_received.insert(path.to_string(), request);
        let index = self
            .faults
            .iter()
            .position(|f| f.endpoint == path && f.count > 0)?;
        let fault = &mut self.faults[index];
        fault.count -= 1;
        let kind = fault.kind.clone();
        if fault.count == 0 {
            self.faults.remove(index);
        }
        Some(kind)
    }

    /// The user with this id.
    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The user with this id, made up (fresh profile) when unknown.
    pub(crate) fn user_mut(&mut self, id: &str) -> &mut User {
        let index = self.users.iter().position(|u| u.id == id);
        let index = index.unwrap_or_else(|| {
            self.users.push(User::fresh(id, self.options.active_device));
            self.users.len() - 1
        });
        &mut self.users[index]
    }

    /// Whether the app may serve `user` (development-mode allow-list).
    pub(crate) fn is_allowed(&self, user: &str) -> bool {
        self.options
            .allowed_users
            .as_ref()
            .is_none_or(|list| list.iter().any(|u| u == user))
    }

    /// Put `user` on the allow-list or take it off. Editing an "everyone"
    /// list first makes it explicit (every user known now).
    pub(crate) fn set_allowed(&mut self, user: &str, on: bool) {
        let known: Vec<String> = self.users.iter().map(|u| u.id.clone()).collect();
        let list = self.options.allowed_users.get_or_insert(known);
        list.retain(|u| u != user);
        if on {
            list.push(user.to_string());
        }
    }
}
