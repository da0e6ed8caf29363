//! Request handling: the accounts service, the Web API slice, faults and the
//! control endpoint. Every answer is built as a [`Reply`] and written by `tiny_http`.
//!
//! This module holds what the endpoints share (the [`State`], the [`Incoming`]
//! request, the dispatch with faults); the endpoints themselves live in
//! `authorize`, `token`, `web_api` and `control`, their answers in `respond`.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use url::Url;

use crate::authorize::{authorize, decision};
use crate::control::control;
use crate::respond::{api_error, oauth_error, Reply};
use crate::token::token;
use crate::web_api::api;
use crate::{relay, Fault, FaultKind, SandboxOptions, Shared};

/// An authorization code is valid this long (Spotify: "a few minutes").
pub(crate) const CODE_LIFETIME_SECS: u64 = 10 * 60;
/// A refresh token expires six months after the user's original consent.
pub(crate) const REFRESH_HORIZON_SECS: u64 = 182 * 24 * 60 * 60 + 12 * 60 * 60;

pub(crate) const USER_ID: &str = "sandbox-user";
pub(crate) const USER_NAME: &str = "Sandbox Listener";
pub(crate) const USER_EMAIL: &str = "sandbox-listener@example.com";
const MAX_BODY: u64 = 1 << 20;

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
    fn arrive(&mut self, path: &str) -> Option<FaultKind> {
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

/// A request, read out of `tiny_http`.
pub(crate) struct Incoming {
    pub(crate) method: tiny_http::Method,
    pub(crate) path: String,
    query: Vec<(String, String)>,
    pub(crate) authorization: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Incoming {
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }

    pub(crate) fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

pub(crate) fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Answer one request (on a worker thread).
pub(crate) fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let parsed = Url::parse(&format!("http://sandbox{}", request.url()));
    let Ok(parsed) = parsed else {
        let _ = request.respond(api_error(400, "Malformed request URL").into_response());
        return;
    };
    let mut body = Vec::new();
    let _ = request.as_reader().take(MAX_BODY).read_to_end(&mut body);
    let incoming = Incoming {
        method: request.method().clone(),
        path: parsed.path().to_string(),
        query: parsed
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        authorization: request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .map(|h| h.value.as_str().to_string()),
        body,
    };

    if incoming.path.starts_with("/__sandbox/") {
        let reply = control(shared, &incoming);
        let _ = request.respond(reply.into_response());
        return;
    }

    let fault = shared.state().arrive(&incoming.path);
    let reply = match fault {
        None => route(shared, &incoming),
        Some(FaultKind::Slow { secs }) => {
            let until = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < until && !shared.stopping.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            route(shared, &incoming)
        }
        Some(FaultKind::ConnectionReset) => {
            if relay::reset(shared, request.remote_addr()) {
                // The client's socket is closed; whatever tiny_http writes when the
                // request drops cannot reach it.
                drop(request);
                return;
            }
            api_error(500, "Connection reset could not be simulated")
        }
        Some(kind) => fault_reply(&incoming.path, &kind),
    };
    let _ = request.respond(reply.into_response());
}

fn fault_reply(path: &str, kind: &FaultKind) -> Reply {
    let api = path.starts_with("/v1/") || path == "/v1";
    let accounts_json = path.starts_with("/api/");
    match kind {
        FaultKind::Status(status) => {
            let message = match status {
                502 => "Bad gateway",
                503 => "Service unavailable",
                504 => "Gateway timeout",
                _ => "Server error",
            };
            if api {
                api_error(*status, message)
            } else if accounts_json {
                oauth_error(*status, "server_error", message)
            } else {
                Reply::text(*status, &format!("{status} {message}"))
            }
        }
        FaultKind::TooManyRequests { retry_after_secs } => {
            let reply = if api {
                api_error(429, "API rate limit exceeded")
            } else if accounts_json {
                oauth_error(429, "too_many_requests", "Too many requests")
            } else {
                Reply::text(429, "Too many requests")
            };
            match retry_after_secs {
                Some(secs) => reply.header("Retry-After", secs.to_string()),
                None => reply,
            }
        }
        FaultKind::NotJson => Reply::html(200, "<html>upstream error</html>".to_string()),
        FaultKind::MissingFields => {
            if accounts_json {
                Reply::json(200, &json!({"token_type": "Bearer", "expires_in": 3600}))
            } else {
                Reply::json(200, &json!({}))
            }
        }
        // Handled before: they do not replace the answer.
        FaultKind::Slow { .. } | FaultKind::ConnectionReset => api_error(500, "unreachable"),
    }
}

fn route(shared: &Shared, rq: &Incoming) -> Reply {
    use tiny_http::Method::{Get, Post};
    let base_url = &shared.base_url;
    let mut state = shared.state();
    match (&rq.method, rq.path.as_str()) {
        (Get, "/authorize") => authorize(&mut state, rq),
        (Post, "/authorize/decision") => decision(&mut state, rq),
        (Post, "/api/token") => token(&mut state, rq),
        (_, "/api/token") => oauth_error(405, "invalid_request", "Method not allowed"),
        (_, path) if path == "/v1" || path.starts_with("/v1/") => api(&mut state, rq, base_url),
        _ => api_error(404, "Service not found"),
    }
}

// ---------------------------------------------------------------- helpers

pub(crate) fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
