//! The control endpoint, `/__sandbox/...`: faults, revocation, the clock, the
//! per-user switches (playing, active device, Premium, allow-list), the answer
//! shapes, request counts and expiring one user's access tokens.

use serde_json::{json, Value};

use crate::options::{Fault, FaultKind};
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
            return Ok(Reply::json(
                200,
                &json!({
                    "requests": state.counts,
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

/// Parse `{"endpoint":"/api/token","kind":"status","status":503,"count":1}`.
pub(crate) fn parse_fault(body: &[u8]) -> Result<Fault, String> {
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
        Some("oversized") => FaultKind::Oversized,
        Some("owner_premium_lapsed") => FaultKind::OwnerPremiumLapsed,
        Some("quota_exceeded") => FaultKind::QuotaExceeded,
        _ => {
            return Err(
                "\"kind\" must be one of status, too_many_requests, slow, reset, \
                        not_json, missing_fields, oversized, owner_premium_lapsed, \
                        quota_exceeded"
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

#[cfg(test)]
mod tests {
    use super::*;

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
