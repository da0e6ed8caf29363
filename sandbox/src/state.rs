//! The sandbox's memory: the registered app, pending consents, codes, tokens,
//! faults, request counts and the clock. Plain data and its rules; no HTTP.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::options::{Fault, FaultKind, SandboxOptions};

/// An authorization code is valid this long (Spotify: "a few minutes").
pub(crate) const CODE_LIFETIME_SECS: u64 = 10 * 60;
/// A refresh token expires six months after the user's original consent.
pub(crate) const REFRESH_HORIZON_SECS: u64 = 182 * 24 * 60 * 60 + 12 * 60 * 60;

pub(crate) const USER_ID: &str = "sandbox-user";
pub(crate) const USER_NAME: &str = "Sandbox Listener";
pub(crate) const USER_EMAIL: &str = "sandbox-listener@example.com";

/// An authorize request waiting for the user's decision on the consent page.
pub(crate) struct Pending {
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
}

pub(crate) struct Code {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) issued_at: u64,
    pub(crate) used: bool,
}

pub(crate) struct AccessToken {
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: u64,
}

pub(crate) struct RefreshToken {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) consent_at: u64,
    pub(crate) revoked: bool,
    pub(crate) pkce: bool,
}

/// Everything the sandbox remembers.
pub(crate) struct State {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) app_name: String,
    pub(crate) rotate_refresh_tokens: bool,
    pub(crate) withhold_scopes: Vec<String>,
    pub(crate) access_token_lifetime_secs: u64,
    pub(crate) clock_offset: u64,
    pub(crate) faults: Vec<Fault>,
    pub(crate) counts: HashMap<String, u64>,
    pub(crate) pending: HashMap<String, Pending>,
    pub(crate) codes: HashMap<String, Code>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    /// Since when (sandbox clock) something plays, when it does.
    pub(crate) playing_since: Option<u64>,
}

impl State {
    pub(crate) fn new(options: &SandboxOptions) -> State {
        let mut state = State {
            client_id: options.client_id.clone(),
            client_secret: options.client_secret.clone(),
            redirect_uris: options.redirect_uris.clone(),
            app_name: options.app_name.clone(),
            rotate_refresh_tokens: options.rotate_refresh_tokens,
            withhold_scopes: options.withhold_scopes.clone(),
            access_token_lifetime_secs: options.access_token_lifetime_secs,
            clock_offset: 0,
            faults: Vec::new(),
            counts: HashMap::new(),
            pending: HashMap::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            playing_since: None,
        };
        for fault in &options.faults {
            state.add_fault(fault.clone());
        }
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

    pub(crate) fn advance(&mut self, secs: u64) {
        self.clock_offset = self.clock_offset.saturating_add(secs);
    }

    pub(crate) fn request_count(&self, path: &str) -> u64 {
        self.counts.get(path).copied().unwrap_or(0)
    }

    /// Count a request and take the first fault armed for its path, if any.
    pub(crate) fn arrive(&mut self, path: &str) -> Option<FaultKind> {
        *self.counts.entry(path.to_string()).or_insert(0) += 1;
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
}
