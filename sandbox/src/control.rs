//! The control endpoint, `/__sandbox/...`: faults, revocation, the clock, the
//! per-user switches (playing, active device, Premium, allow-list), the answer
//! shapes, request counts and expiring one user's access tokens.

use serde_json::{json, Value};

use crate::fault_parse::parse_fault;
use crate::request::Incoming;
use crate::respond::{api_error, Answer, Reply};
use crate::shared::Shared;
use crate::switches::{apply, users_json, Switch};
use crate::users::{valid_user_id, DEFAULT_USER_ID};

pub(crate) fn control(shared: &Shared, rq: &Incoming) -> Answer {
    use tiny_http::Method::{Get, Post};
    let mut state = shared.state();
    match (&rq.method, rq.path.as_str()) {
        (Post, "/__sandbox/faults") => {
            let fault = parse_fault(&rq.body).map_err(|message| api_error(400, &message))?;
            state.add_fault(fault);
        }
        (Post, "/__sandbox/revoke") => state.revoke_refresh_tokens(),
        (Post, "/__sandbox/advance") => match rq.query("secs").map(str::parse::<u64>) {
            Some(Ok(secs)) => state.advance(secs),
            _ => return Err(api_error(400, "advance needs ?secs=N")),
        },
        (Post, "/__sandbox/extended-quota") => state.options.extended_quota = on(rq)?,
        (Post, "/__sandbox/expire-tokens") => match rq.query("user") {
            Some(user) if valid_user_id(user) => state.expire_access_tokens(user),
            _ => {
                let message = "expire-tokens needs ?user=ID (A-Z a-z 0-9 . _ -)";
                return Err(api_error(400, message));
            }
        },
        (Get, "/__sandbox/users") => return Ok(Reply::json(200, &users_json(&state))),
        (Post, path) if switch(path).is_some() => {
            let on = on(rq)?;
            let user = rq.query("user").unwrap_or(DEFAULT_USER_ID);
            if !valid_user_id(user) {
                return Err(api_error(
                    400,
                    "?user= must be a user id (A-Z a-z 0-9 . _ -)",
                ));
            }
            if let Some(switch) = switch(path) {
                apply(&mut state, user, switch, on);
            }
        }
        (Get, "/__sandbox/stats") => {
            let requests: serde_json::Map<String, Value> = state
                .counts
                .iter()
                .map(|(path, n)| (path.clone(), json!(n)))
                .collect();
            return Ok(Reply::json(
                200,
                &json!({
                    "requests": requests,
                    "clock_offset_secs": state.clock_offset,
                    "faults_armed": state.faults.len(),
                }),
            ));
        }
        _ => return Err(api_error(404, "No such sandbox control")),
    }
    Ok(Reply::json(200, &json!({"ok": true})))
}

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
