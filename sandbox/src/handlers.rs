//! Request handling: the accounts service, the Web API slice, faults and the
//! control endpoint. Every answer is built as a [`Reply`] and written by `tiny_http`.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::scopes::scope_description;
use crate::{relay, Fault, FaultKind, SandboxOptions, Shared};

/// An authorization code is valid this long (Spotify: "a few minutes").
pub(crate) const CODE_LIFETIME_SECS: u64 = 10 * 60;
/// A refresh token expires six months after the user's original consent.
pub(crate) const REFRESH_HORIZON_SECS: u64 = 182 * 24 * 60 * 60 + 12 * 60 * 60;

const USER_ID: &str = "sandbox-user";
const USER_NAME: &str = "Sandbox Listener";
const USER_EMAIL: &str = "sandbox-listener@example.com";
const MAX_BODY: u64 = 1 << 20;

/// An authorize request waiting for the user's decision on the consent page.
struct Pending {
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    code_challenge: Option<String>,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    issued_at: u64,
    used: bool,
}

struct AccessToken {
    scopes: Vec<String>,
    expires_at: u64,
}

struct RefreshToken {
    client_id: String,
    scopes: Vec<String>,
    consent_at: u64,
    revoked: bool,
    pkce: bool,
}

/// Everything the sandbox remembers.
pub(crate) struct State {
    client_id: String,
    client_secret: String,
    redirect_uris: Vec<String>,
    app_name: String,
    rotate_refresh_tokens: bool,
    withhold_scopes: Vec<String>,
    access_token_lifetime_secs: u64,
    clock_offset: u64,
    faults: Vec<Fault>,
    counts: HashMap<String, u64>,
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    access_tokens: HashMap<String, AccessToken>,
    refresh_tokens: HashMap<String, RefreshToken>,
    /// Since when (sandbox clock) something plays, when it does.
    playing_since: Option<u64>,
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
    fn now(&self) -> u64 {
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

/// An answer, written by `tiny_http`.
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    fn json(status: u16, value: &Value) -> Reply {
        Reply::new(status, "application/json", value.to_string())
    }

    fn text(status: u16, text: &str) -> Reply {
        Reply::new(status, "text/plain; charset=utf-8", text)
    }

    fn html(status: u16, html: String) -> Reply {
        Reply::new(status, "text/html; charset=utf-8", html)
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn see_other(location: String) -> Reply {
        Reply {
            status: 303,
            headers: vec![("Location", location)],
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let mut response = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        for (name, value) in self.headers {
            if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
        response
    }
}

/// Accounts-service error: `{"error":..., "error_description":...}`.
fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
    .header("Cache-Control", "no-store")
}

/// Web API error: `{"error":{"status":N,"message":...}}`.
fn api_error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"status": status, "message": message}}),
    )
}

/// A request, read out of `tiny_http`.
struct Incoming {
    method: tiny_http::Method,
    path: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
    body: Vec<u8>,
}

impl Incoming {
    fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }

    fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
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

// ---------------------------------------------------------------- control

fn control(shared: &Shared, rq: &Incoming) -> Reply {
    use tiny_http::Method::{Get, Post};
    let ok = || Reply::json(200, &json!({"ok": true}));
    match (&rq.method, rq.path.as_str()) {
        (Post, "/__sandbox/faults") => match parse_fault(&rq.body) {
            Ok(fault) => {
                shared.state().add_fault(fault);
                ok()
            }
            Err(message) => api_error(400, &message),
        },
        (Post, "/__sandbox/revoke") => {
            shared.state().revoke_refresh_tokens();
            ok()
        }
        (Post, "/__sandbox/advance") => match rq.query("secs").map(str::parse::<u64>) {
            Some(Ok(secs)) => {
                shared.state().advance(secs);
                ok()
            }
            _ => api_error(400, "advance needs ?secs=N"),
        },
        (Post, "/__sandbox/playing") => {
            let on = match rq.query("on") {
                None | Some("true") | Some("1") => true,
                Some("false") | Some("0") => false,
                Some(_) => return api_error(400, "playing needs ?on=true or ?on=false"),
            };
            let mut state = shared.state();
            state.playing_since = if on { Some(state.now()) } else { None };
            ok()
        }
        (Get, "/__sandbox/stats") => {
            let state = shared.state();
            let requests: serde_json::Map<String, Value> = state
                .counts
                .iter()
                .map(|(path, n)| (path.clone(), json!(n)))
                .collect();
            Reply::json(
                200,
                &json!({
                    "requests": requests,
                    "clock_offset_secs": state.clock_offset,
                    "faults_armed": state.faults.len(),
                }),
            )
        }
        _ => api_error(404, "No such sandbox control"),
    }
}

/// Parse `{"endpoint":"/api/token","kind":"status","status":503,"count":1}`.
fn parse_fault(body: &[u8]) -> Result<Fault, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("fault body is not JSON: {e}"))?;
    let endpoint = value["endpoint"]
        .as_str()
        .ok_or("fault needs \"endpoint\", e.g. \"/api/token\"")?
        .to_string();
    let count = match &value["count"] {
        Value::Null => 1,
        v => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("\"count\" must be a small non-negative integer")?,
    };
    let kind = match value["kind"].as_str() {
        Some("status") => {
            let status = value["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..=599).contains(s))
                .ok_or("kind \"status\" needs \"status\", e.g. 503")?;
            FaultKind::Status(status)
        }
        Some("too_many_requests") => FaultKind::TooManyRequests {
            retry_after_secs: match &value["retry_after"] {
                Value::Null => None,
                v => Some(v.as_u64().ok_or("\"retry_after\" must be seconds")?),
            },
        },
        Some("slow") => FaultKind::Slow {
            secs: value["secs"]
                .as_u64()
                .ok_or("kind \"slow\" needs \"secs\"")?,
        },
        Some("reset") => FaultKind::ConnectionReset,
        Some("not_json") => FaultKind::NotJson,
        Some("missing_fields") => FaultKind::MissingFields,
        _ => {
            return Err(
                "\"kind\" must be one of status, too_many_requests, slow, reset, \
                        not_json, missing_fields"
                    .to_string(),
            )
        }
    };
    Ok(Fault {
        endpoint,
        kind,
        count,
    })
}

// ---------------------------------------------------------------- helpers

fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

/// base64url(SHA-256(verifier)) without padding, as RFC 7636 `S256`.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn split_scopes(scope: Option<&str>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for s in scope.unwrap_or("").split_whitespace() {
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_string());
        }
    }
    scopes
}

fn html_escape(s: &str) -> String {
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

/// `redirect_uri` with the given query parameters appended (properly encoded).
fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in params {
                    pairs.append_pair(k, v);
                }
            }
            url.to_string()
        }
        Err(_) => redirect_uri.to_string(),
    }
}

// ---------------------------------------------------------------- redirect URIs

/// Whether `requested` may be used as a redirect URI given the registered ones:
/// exact match, except that a loopback URI registered without a port matches any
/// port; `localhost` and non-loopback `http` are refused even when registered.
pub(crate) fn redirect_uri_allowed(registered: &[String], requested: &str) -> bool {
    let Ok(url) = Url::parse(requested) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => return false,
        _ => false,
    };
    if url.scheme() == "http" && !loopback {
        return false;
    }
    if registered.iter().any(|r| r == requested) {
        return true;
    }
    if loopback {
        if let Some(without_port) = strip_port(requested) {
            return registered.contains(&without_port);
        }
    }
    false
}

/// `http://127.0.0.1:8888/cb` → `http://127.0.0.1/cb`; `None` when there is no
/// explicit port.
fn strip_port(uri: &str) -> Option<String> {
    let scheme_end = uri.find("://")? + 3;
    let rest = &uri[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_end = match authority.rfind(']') {
        Some(i) => i + 1,
        None => authority.find(':')?,
    };
    let port = authority[host_end..].strip_prefix(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "{}{}{}",
        &uri[..scheme_end],
        &authority[..host_end],
        &rest[authority_end..]
    ))
}

// ---------------------------------------------------------------- /authorize

fn authorize(state: &mut State, rq: &Incoming) -> Reply {
    if rq.query("client_id") != Some(state.client_id.as_str()) {
        return Reply::text(400, "INVALID_CLIENT: Invalid client");
    }
    let redirect_uri = match rq.query("redirect_uri") {
        Some(uri) if redirect_uri_allowed(&state.redirect_uris, uri) => uri.to_string(),
        _ => return Reply::text(400, "INVALID_CLIENT: Invalid redirect URI"),
    };
    let client_state = rq.query("state").map(str::to_string);
    // From here on the redirect URI is trusted, so errors go back to it the way
    // RFC 6749 section 4.1.2.1 says (with `state` echoed).
    let refuse = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &client_state {
            params.push(("state", s));
        }
        Reply::see_other(redirect_with(&redirect_uri, &params))
    };
    if rq.query("response_type") != Some("code") {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    let scopes = split_scopes(rq.query("scope"));
    if scopes.iter().any(|s| scope_description(s).is_none()) {
        return Reply::text(400, "INVALID_SCOPE: Invalid scope");
    }
    let code_challenge = match (
        rq.query("code_challenge"),
        rq.query("code_challenge_method"),
    ) {
        (None, None) => None,
        (None, Some(_)) => {
            return refuse(
                "invalid_request",
                "code_challenge_method given without code_challenge",
            )
        }
        (Some(_), method) if method != Some("S256") => {
            return refuse("invalid_request", "code_challenge_method must be S256")
        }
        (Some(challenge), _) => {
            let well_formed = challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !well_formed {
                return refuse(
                    "invalid_request",
                    "code_challenge must be 43 characters of base64url (SHA-256, no padding)",
                );
            }
            Some(challenge.to_string())
        }
    };
    let request_id = random_token("", 24);
    let page = consent_page(state, &request_id, &scopes, &redirect_uri);
    state.pending.insert(
        request_id,
        Pending {
            redirect_uri,
            state: client_state,
            scopes,
            code_challenge,
        },
    );
    Reply::html(200, page)
        .header("Cache-Control", "no-store")
        .header("X-Frame-Options", "DENY")
}

fn consent_page(state: &State, request_id: &str, scopes: &[String], redirect_uri: &str) -> String {
    let app = html_escape(&state.app_name);
    let mut rows = String::new();
    for scope in scopes {
        let description = scope_description(scope).unwrap_or("");
        rows.push_str(&format!(
            "        <tr><td><code>{}</code></td><td>{}</td></tr>\n",
            html_escape(scope),
            html_escape(description)
        ));
    }
    let asked = if scopes.is_empty() {
        format!(
            "    <p id=\"no-scopes\">{app} asks for no scopes: it will see only public data \
             and your public profile.</p>\n"
        )
    } else {
        format!(
            "    <table id=\"scopes\">\n      <caption>{app} would like to:</caption>\n      \
             <thead><tr><th scope=\"col\">Scope</th><th scope=\"col\">What it allows</th></tr></thead>\n      \
             <tbody>\n{rows}      </tbody>\n    </table>\n"
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Authorize {app} - Spotify (offline sandbox)</title>
  <style>
    body {{ font-family: system-ui, sans-serif; background: #121212; color: #fff; margin: 0; }}
    main {{ max-width: 34rem; margin: 2rem auto; padding: 2rem; background: #181818; border-radius: 8px; }}
    .sandbox {{ color: #b3b3b3; font-size: .85rem; }}
    table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
    caption {{ text-align: left; font-weight: bold; padding-bottom: .5rem; }}
    th, td {{ text-align: left; padding: .4rem; border-bottom: 1px solid #333; vertical-align: top; }}
    code {{ color: #1ed760; }}
    td code {{ white-space: nowrap; }}
    button {{ font-size: 1rem; padding: .7rem 2rem; border-radius: 2rem; border: 0; margin: .5rem .5rem 0 0; cursor: pointer; }}
    #agree {{ background: #1ed760; color: #000; font-weight: bold; }}
    #cancel {{ background: transparent; color: #fff; border: 1px solid #777; }}
  </style>
</head>
<body>
  <main>
    <p class="sandbox">Offline sandbox standing in for accounts.spotify.com. No real account is involved.</p>
    <p id="user">Logged in as <strong>{user}</strong> ({user_id}).</p>
    <h1 id="consent-heading">Connect <span id="app-name">{app}</span> to your Spotify account</h1>
{asked}    <p>After your choice you are sent back to <code id="redirect-uri">{redirect}</code>.
    You can remove this access at any time in your account settings.</p>
    <form method="post" action="/authorize/decision" aria-labelledby="consent-heading">
      <input type="hidden" name="request_id" value="{request_id}">
      <button type="submit" name="decision" value="agree" id="agree">Agree</button>
      <button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
    </form>
  </main>
</body>
</html>
"#,
        user = USER_NAME,
        user_id = USER_ID,
        redirect = html_escape(redirect_uri),
        request_id = html_escape(request_id),
    )
}

fn decision(state: &mut State, rq: &Incoming) -> Reply {
    let form = rq.form();
    let pending = lookup(&form, "request_id").and_then(|id| state.pending.remove(id));
    let Some(pending) = pending else {
        return Reply::text(
            400,
            "INVALID_REQUEST: This authorization request is unknown or was already answered. \
             Open the authorize URL again.",
        );
    };
    let mut params: Vec<(&str, String)> = Vec::new();
    match lookup(&form, "decision") {
        Some("agree") => {
            let code = random_token("AQ", 150);
            let granted: Vec<String> = pending
                .scopes
                .iter()
                .filter(|s| !state.withhold_scopes.contains(s))
                .cloned()
                .collect();
            state.codes.insert(
                code.clone(),
                Code {
                    client_id: state.client_id.clone(),
                    redirect_uri: pending.redirect_uri.clone(),
                    scopes: granted,
                    code_challenge: pending.code_challenge.clone(),
                    issued_at: state.now(),
                    used: false,
                },
            );
            params.push(("code", code));
        }
        Some("cancel") => params.push(("error", "access_denied".to_string())),
        _ => {
            // Put it back: the user may still decide.
            let id = lookup(&form, "request_id").unwrap_or_default().to_string();
            state.pending.insert(id, pending);
            return Reply::text(400, "INVALID_REQUEST: decision must be agree or cancel");
        }
    }
    if let Some(s) = &pending.state {
        params.push(("state", s.clone()));
    }
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Reply::see_other(redirect_with(&pending.redirect_uri, &params))
}

// ---------------------------------------------------------------- /api/token

/// How the client proved who it is.
enum ClientAuth {
    /// With the secret (Basic header, or `client_secret` in the body).
    Confidential,
    /// With `client_id` only (PKCE).
    Public,
}

fn client_auth(
    state: &State,
    rq: &Incoming,
    form: &[(String, String)],
) -> Result<ClientAuth, Reply> {
    let invalid_client = || oauth_error(400, "invalid_client", "Invalid client");
    let invalid_secret = || oauth_error(400, "invalid_client", "Invalid client secret");
    if let Some(header) = &rq.authorization {
        let encoded = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, rest)| rest.trim())
            .ok_or_else(invalid_client)?;
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(invalid_client)?;
        let (id, secret) = decoded.split_once(':').ok_or_else(invalid_client)?;
        if id != state.client_id {
            return Err(invalid_client());
        }
        if secret != state.client_secret {
            return Err(invalid_secret());
        }
        return Ok(ClientAuth::Confidential);
    }
    match lookup(form, "client_id") {
        None => Err(invalid_client()),
        Some(id) if id != state.client_id => Err(invalid_client()),
        Some(_) => match lookup(form, "client_secret") {
            Some(secret) if secret != state.client_secret => Err(invalid_secret()),
            Some(_) => Ok(ClientAuth::Confidential),
            None => Ok(ClientAuth::Public),
        },
    }
}

fn token(state: &mut State, rq: &Incoming) -> Reply {
    let form = rq.form();
    let grant_type = lookup(&form, "grant_type");
    match grant_type {
        None => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type parameter is missing",
            )
        }
        Some("authorization_code") | Some("refresh_token") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token",
            )
        }
    }
    let auth = match client_auth(state, rq, &form) {
        Ok(auth) => auth,
        Err(reply) => return reply,
    };
    if grant_type == Some("authorization_code") {
        exchange_code(state, &form, auth)
    } else {
        refresh(state, &form, auth)
    }
}

fn missing(field: &str) -> Reply {
    oauth_error(
        400,
        "invalid_request",
        &format!("Missing required parameter: {field}"),
    )
}

fn exchange_code(state: &mut State, form: &[(String, String)], auth: ClientAuth) -> Reply {
    let Some(code_value) = lookup(form, "code") else {
        return missing("code");
    };
    let Some(redirect_uri) = lookup(form, "redirect_uri") else {
        return missing("redirect_uri");
    };
    let invalid_code = || oauth_error(400, "invalid_grant", "Invalid authorization code");
    let wrong_verifier = || oauth_error(400, "invalid_grant", "code_verifier was incorrect");
    let now = state.now();
    let Some(code) = state.codes.get(code_value) else {
        return invalid_code();
    };
    if code.used
        || now.saturating_sub(code.issued_at) > CODE_LIFETIME_SECS
        || code.client_id != state.client_id
    {
        return invalid_code();
    }
    if code.redirect_uri != redirect_uri {
        return oauth_error(400, "invalid_grant", "Invalid redirect URI");
    }
    let verifier = lookup(form, "code_verifier");
    match (&code.code_challenge, verifier, &auth) {
        (Some(challenge), Some(verifier), _) => {
            if s256(verifier) != *challenge {
                return wrong_verifier();
            }
        }
        (Some(_), None, _) => return wrong_verifier(),
        // A public client must prove itself with PKCE; this code has no challenge.
        (None, Some(_), ClientAuth::Public) => return wrong_verifier(),
        (None, None, ClientAuth::Public) => {
            return oauth_error(400, "invalid_client", "Invalid client secret")
        }
        (None, _, ClientAuth::Confidential) => {}
    }
    let pkce = code.code_challenge.is_some();
    let scopes = code.scopes.clone();
    let client_id = code.client_id.clone();
    if let Some(code) = state.codes.get_mut(code_value) {
        code.used = true;
    }
    let access_token = issue_access_token(state, &scopes);
    let refresh_token = random_token("AQ", 96);
    state.refresh_tokens.insert(
        refresh_token.clone(),
        RefreshToken {
            client_id,
            scopes: scopes.clone(),
            consent_at: now,
            revoked: false,
            pkce,
        },
    );
    Reply::json(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "scope": scopes.join(" "),
            "expires_in": state.access_token_lifetime_secs,
            "refresh_token": refresh_token,
        }),
    )
    .header("Cache-Control", "no-store")
    .header("Pragma", "no-cache")
}

fn issue_access_token(state: &mut State, scopes: &[String]) -> String {
    let token = random_token("BQ", 120);
    let expires_at = state.now() + state.access_token_lifetime_secs;
    state.access_tokens.insert(
        token.clone(),
        AccessToken {
            scopes: scopes.to_vec(),
            expires_at,
        },
    );
    token
}

fn refresh(state: &mut State, form: &[(String, String)], auth: ClientAuth) -> Reply {
    let Some(old) = lookup(form, "refresh_token") else {
        return missing("refresh_token");
    };
    let revoked = || oauth_error(400, "invalid_grant", "Refresh token revoked");
    let now = state.now();
    let Some(token) = state.refresh_tokens.get(old) else {
        return revoked();
    };
    if token.revoked
        || now.saturating_sub(token.consent_at) > REFRESH_HORIZON_SECS
        || token.client_id != state.client_id
    {
        return revoked();
    }
    if matches!(auth, ClientAuth::Public) && !token.pkce {
        return oauth_error(400, "invalid_client", "Invalid client secret");
    }
    let scopes = token.scopes.clone();
    let (client_id, consent_at, pkce) = (token.client_id.clone(), token.consent_at, token.pkce);
    let access_token = issue_access_token(state, &scopes);
    let mut answer = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "scope": scopes.join(" "),
        "expires_in": state.access_token_lifetime_secs,
    });
    if state.rotate_refresh_tokens {
        if let Some(token) = state.refresh_tokens.get_mut(old) {
            token.revoked = true;
        }
        let new = random_token("AQ", 96);
        state.refresh_tokens.insert(
            new.clone(),
            RefreshToken {
                client_id,
                scopes,
                consent_at,
                revoked: false,
                pkce,
            },
        );
        answer["refresh_token"] = json!(new);
    }
    Reply::json(200, &answer)
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

// ---------------------------------------------------------------- Web API

fn api(state: &mut State, rq: &Incoming, base_url: &str) -> Reply {
    let needed = match rq.path.as_str() {
        "/v1/me" => None,
        "/v1/me/playlists" => Some("playlist-read-private"),
        "/v1/me/shows" => Some("user-library-read"),
        "/v1/me/player" => Some("user-read-playback-state"),
        _ => return api_error(404, "Service not found"),
    };
    if rq.method != tiny_http::Method::Get {
        return api_error(405, "Method not allowed");
    }
    let scopes = match bearer(state, rq) {
        Ok(scopes) => scopes,
        Err(reply) => return reply,
    };
    if let Some(scope) = needed {
        if !scopes.iter().any(|s| s == scope) {
            return api_error(403, "Insufficient client scope");
        }
    }
    match rq.path.as_str() {
        "/v1/me" => Reply::json(200, &me(&scopes, base_url)),
        "/v1/me/playlists" => paged(rq, base_url, playlists(base_url)),
        "/v1/me/shows" => paged(rq, base_url, shows(base_url)),
        _ => match state.playing_since {
            None => Reply::no_content(),
            Some(since) => Reply::json(200, &playback(state.now(), since, base_url)),
        },
    }
}

/// The scopes of the request's access token, or the 401 to answer.
fn bearer(state: &State, rq: &Incoming) -> Result<Vec<String>, Reply> {
    let unauthorized = |message: &str| {
        api_error(401, message).header(
            "WWW-Authenticate",
            format!(
                "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{message}\""
            ),
        )
    };
    let token = rq
        .authorization
        .as_deref()
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token.and_then(|t| state.access_tokens.get(t)) else {
        return Err(unauthorized("Invalid access token"));
    };
    if state.now() >= token.expires_at {
        return Err(unauthorized("The access token expired"));
    }
    Ok(token.scopes.clone())
}

fn paged(rq: &Incoming, base_url: &str, items: Vec<Value>) -> Reply {
    let limit = match rq.query("limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=50).contains(&n) => n,
        Some(_) => return api_error(400, "Invalid limit"),
    };
    let offset = match rq.query("offset").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= 100_000 => n,
        Some(_) => return api_error(400, "Invalid offset"),
    };
    let total = items.len();
    let page_url = |offset: usize| format!("{base_url}{}?offset={offset}&limit={limit}", rq.path);
    let next = (offset + limit < total).then(|| page_url(offset + limit));
    let previous = (offset > 0).then(|| page_url(offset.saturating_sub(limit)));
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Reply::json(
        200,
        &json!({
            "href": page_url(offset),
            "items": page,
            "limit": limit,
            "next": next,
            "offset": offset,
            "previous": previous,
            "total": total,
        }),
    )
}

fn owner(base_url: &str) -> Value {
    json!({
        "display_name": USER_NAME,
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{USER_ID}")},
        "href": format!("{base_url}/v1/users/{USER_ID}"),
        "id": USER_ID,
        "type": "user",
        "uri": format!("spotify:user:{USER_ID}"),
    })
}

fn me(scopes: &[String], base_url: &str) -> Value {
    let mut user = owner(base_url);
    user["followers"] = json!({"href": null, "total": 12});
    user["images"] = json!([]);
    if scopes.iter().any(|s| s == "user-read-email") {
        user["email"] = json!(USER_EMAIL);
    }
    if scopes.iter().any(|s| s == "user-read-private") {
        user["country"] = json!("SE");
        user["product"] = json!("premium");
        user["explicit_content"] = json!({"filter_enabled": false, "filter_locked": false});
    }
    user
}

fn playlists(base_url: &str) -> Vec<Value> {
    let list: [(&str, &str, &str, bool, bool, u64); 4] = [
        (
            "3cEYpjA9oz9GiPac4AsH4n",
            "Morning Commute",
            "Something to wake up to.",
            true,
            false,
            42,
        ),
        (
            "1sandboxFocusList0002",
            "Deep Focus (sandbox)",
            "Instrumental music to concentrate.",
            false,
            false,
            87,
        ),
        (
            "4sandboxRoadTrip00003",
            "Road Trip",
            "Shared with friends.",
            false,
            true,
            23,
        ),
        ("5sandboxRainyDays0004", "Rainy Days", "", true, false, 15),
    ];
    list.iter()
        .map(|(id, name, description, public, collaborative, tracks)| {
            json!({
                "collaborative": collaborative,
                "description": description,
                "external_urls": {"spotify": format!("https://open.spotify.com/playlist/{id}")},
                "href": format!("{base_url}/v1/playlists/{id}"),
                "id": id,
                "images": [],
                "name": name,
                "owner": owner(base_url),
                "primary_color": null,
                "public": public,
                "snapshot_id": format!("MTAsZjRkYmI2{id}"),
                "tracks": {"href": format!("{base_url}/v1/playlists/{id}/tracks"), "total": tracks},
                "type": "playlist",
                "uri": format!("spotify:playlist:{id}"),
            })
        })
        .collect()
}

fn shows(base_url: &str) -> Vec<Value> {
    let list: [(&str, &str, &str, &str, &str, u64); 3] = [
        (
            "2sandboxShowTalkRust01",
            "Talking Rust",
            "Ferris Media",
            "Conversations about systems programming.",
            "2025-11-03T08:12:45Z",
            120,
        ),
        (
            "6sandboxShowOAuthPod02",
            "The Token Exchange",
            "Auth Radio",
            "Everything about authorization, one grant at a time.",
            "2026-01-17T19:40:02Z",
            48,
        ),
        (
            "7sandboxShowSlowNews03",
            "Slow News",
            "Sandbox Broadcasting",
            "The week's news, read slowly.",
            "2026-03-22T06:05:30Z",
            310,
        ),
    ];
    list.iter()
        .map(|(id, name, publisher, description, added_at, episodes)| {
            json!({
                "added_at": added_at,
                "show": {
                    "available_markets": ["SE", "DE", "US"],
                    "copyrights": [],
                    "description": description,
                    "html_description": format!("<p>{}</p>", html_escape(description)),
                    "explicit": false,
                    "external_urls": {"spotify": format!("https://open.spotify.com/show/{id}")},
                    "href": format!("{base_url}/v1/shows/{id}"),
                    "id": id,
                    "images": [],
                    "is_externally_hosted": false,
                    "languages": ["en"],
                    "media_type": "audio",
                    "name": name,
                    "publisher": publisher,
                    "total_episodes": episodes,
                    "type": "show",
                    "uri": format!("spotify:show:{id}"),
                }
            })
        })
        .collect()
}

fn playback(now: u64, since: u64, base_url: &str) -> Value {
    let duration_ms: u64 = 254_000;
    let progress_ms = (now.saturating_sub(since) * 1000) % duration_ms;
    let artist = json!({
        "external_urls": {"spotify": "https://open.spotify.com/artist/0sandboxArtist000001"},
        "href": format!("{base_url}/v1/artists/0sandboxArtist000001"),
        "id": "0sandboxArtist000001",
        "name": "The Loopback Addresses",
        "type": "artist",
        "uri": "spotify:artist:0sandboxArtist000001",
    });
    json!({
        "device": {
            "id": "sandbox-device-0001",
            "is_active": true,
            "is_private_session": false,
            "is_restricted": false,
            "name": "Sandbox Speaker",
            "type": "Computer",
            "volume_percent": 64,
            "supports_volume": true,
        },
        "repeat_state": "off",
        "shuffle_state": false,
        "context": null,
        "timestamp": now * 1000,
        "progress_ms": progress_ms,
        "is_playing": true,
        "currently_playing_type": "track",
        "actions": {"disallows": {"resuming": true}},
        "item": {
            "album": {
                "album_type": "album",
                "artists": [artist.clone()],
                "external_urls": {"spotify": "https://open.spotify.com/album/0sandboxAlbum0000001"},
                "href": format!("{base_url}/v1/albums/0sandboxAlbum0000001"),
                "id": "0sandboxAlbum0000001",
                "images": [],
                "name": "127.0.0.1",
                "release_date": "2024-05-17",
                "release_date_precision": "day",
                "total_tracks": 11,
                "type": "album",
                "uri": "spotify:album:0sandboxAlbum0000001",
            },
            "artists": [artist],
            "disc_number": 1,
            "duration_ms": duration_ms,
            "explicit": false,
            "external_ids": {"isrc": "SE0000000001"},
            "external_urls": {"spotify": "https://open.spotify.com/track/0sandboxTrack0000001"},
            "href": format!("{base_url}/v1/tracks/0sandboxTrack0000001"),
            "id": "0sandboxTrack0000001",
            "is_local": false,
            "name": "Authorization Code",
            "popularity": 51,
            "preview_url": null,
            "track_number": 3,
            "type": "track",
            "uri": "spotify:track:0sandboxTrack0000001",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn redirect_uri_rules() {
        let reg = |uris: &[&str]| uris.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let r = reg(&["http://127.0.0.1:8888/callback"]);
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1:8888/callback"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8888/callback/"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8889/callback"));
        assert!(!redirect_uri_allowed(&r, "http://127.0.0.1:8888/Callback"));
        assert!(!redirect_uri_allowed(&r, "https://127.0.0.1:8888/callback"));
        let r = reg(&["http://127.0.0.1/callback", "http://[::1]/cb"]);
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1:43123/callback"));
        assert!(redirect_uri_allowed(&r, "http://127.0.0.1/callback"));
        assert!(redirect_uri_allowed(&r, "http://[::1]:5000/cb"));
        assert!(!redirect_uri_allowed(
            &r,
            "http://127.0.0.1:43123/callback/"
        ));
        let r = reg(&[
            "http://localhost:8888/callback",
            "http://example.com/callback",
            "https://example.com/callback",
            "myapp://callback",
        ]);
        assert!(!redirect_uri_allowed(&r, "http://localhost:8888/callback"));
        assert!(!redirect_uri_allowed(&r, "http://example.com/callback"));
        assert!(redirect_uri_allowed(&r, "https://example.com/callback"));
        assert!(redirect_uri_allowed(&r, "myapp://callback"));
    }

    #[test]
    fn strip_port_handles_ipv6_and_paths() {
        assert_eq!(
            strip_port("http://127.0.0.1:8888/cb?x=1").as_deref(),
            Some("http://127.0.0.1/cb?x=1")
        );
        assert_eq!(
            strip_port("http://[::1]:80/").as_deref(),
            Some("http://[::1]/")
        );
        assert_eq!(strip_port("http://127.0.0.1/cb"), None);
    }

    #[test]
    fn parses_control_faults() {
        let f = parse_fault(br#"{"endpoint":"/api/token","kind":"status","status":503,"count":2}"#)
            .unwrap();
        assert_eq!(f.kind, FaultKind::Status(503));
        assert_eq!(f.count, 2);
        let f = parse_fault(br#"{"endpoint":"/v1/me","kind":"too_many_requests"}"#).unwrap();
        assert_eq!(
            f.kind,
            FaultKind::TooManyRequests {
                retry_after_secs: None
            }
        );
        assert_eq!(f.count, 1);
        assert!(parse_fault(br#"{"endpoint":"/v1/me","kind":"slow"}"#).is_err());
        assert!(parse_fault(br#"{"kind":"reset"}"#).is_err());
        assert!(parse_fault(br#"{"endpoint":"/v1/me","kind":"explode"}"#).is_err());
    }
}
