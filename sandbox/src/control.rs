//! The control endpoint, `/__sandbox/...`: faults, revocation, the clock, the
//! per-user switches (playing, active device, Premium, allow-list), the answer
//! shapes, request counts and expiring one user's access tokens.

use serde_json::{json, Value};

use crate::fault_parse::parse_fault;
use crate::request::Incoming;
use crate::respond::{api_error, Reply};
use crate::shared::Shared;
use crate::switches::{apply, users_json, Switch};
use crate::users::{valid_user_id, DEFAULT_USER_ID};

pub(crate) fn control(shared: &Shared, rq: &Incoming) -> Reply {
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
        (Post, "/__sandbox/extended-quota") => match on(rq) {
            Ok(on) => {
                shared.state().options.extended_quota = on;
                ok()
            }
            Err(reply) => reply,
        },
        (Post, "/__sandbox/expire-tokens") => match rq.query("user") {
            Some(user) if valid_user_id(user) => {
                shared.state().expire_access_tokens(user);
                ok()
            }
            _ => api_error(400, "expire-tokens needs ?user=ID (A-Z a-z 0-9 . _ -)"),
        },
        (Get, "/__sandbox/users") => Reply::json(200, &users_json(&shared.state())),
        (Post, path) if switch(path).is_some() => {
            let on = match on(rq) {
                Ok(on) => on,
                Err(reply) => return reply,
            };
            let user = rq.query("user").unwrap_or(DEFAULT_USER_ID);
            if !valid_user_id(user) {
                return api_error(400, "?user= must be a user id (A-Z a-z 0-9 . _ -)");
            }
            if let Some(switch) = switch(path) {
                apply(&mut shared.state(), user, switch, on);
            }
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

/// The switch of `/__sandbox/{name}`.
fn switch(path: &str) -> Option<Switch> {
    Switch::from_name(path.strip_prefix("/__sandbox/")?)
}

/// The `on` query parameter: absent, `true` or `1` is on; `false` or `0` off.
fn on(rq: &Incoming) -> Result<bool, Reply> {
    match rq.query("on") {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(_) => Err(api_error(400, "?on= must be true or false")),
    }
}
