//! A fault described in JSON, as posted to `/__sandbox/faults`.

use serde_json::Value;

use crate::options::{Fault, FaultKind};

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
