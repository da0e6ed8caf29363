//! The security headers of every response, in one layer: a
//! Content-Security-Policy (no framing, scripts and styles from this origin
//! only, plus the origins a feature asks for, such as the Web Playback SDK's),
//! `X-Frame-Options: DENY` for older browsers, `nosniff` and `no-referrer`.

use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::Response;

/// The headers added to every response.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    policy: HeaderValue,
}

impl SecurityHeaders {
    /// The headers, scripts allowed from this origin and `feature_origins`
    /// (e.g. `https://sdk.scdn.co` when the Web Playback SDK is on, which also
    /// fetches from its origin and plays in a frame of it). An origin that is
    /// not `scheme://host[:port]` is left out.
    pub fn new(feature_origins: &[String]) -> SecurityHeaders {
        let allowed = feature_origins.iter().filter(|o| is_origin(o));
        let extra: String = allowed.map(|origin| format!(" {origin}")).collect();
        let frames = (!extra.is_empty()).then(|| format!(" frame-src{extra};"));
        let frames = frames.unwrap_or_default();
        let policy = format!(
            "default-src 'none'; script-src 'self'{extra}; style-src 'self'; img-src 'self' https: data:; \
             connect-src 'self'{extra};{frames} form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        );
        SecurityHeaders {
            policy: HeaderValue::from_str(&policy).unwrap_or_else(|_| {
                HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")
            }),
        }
    }

    /// Sets the headers on `response`.
    pub fn apply(&self, response: &mut Response) {
        let map = response.headers_mut();
        map.insert(CONTENT_SECURITY_POLICY, self.policy.clone());
        map.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        map.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        map.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }

    /// The Content-Security-Policy sent.
    pub fn policy(&self) -> &str {
        self.policy.to_str().unwrap_or_default()
    }
}

/// `https://host[:port]` or `http://host[:port]`, nothing else (a space or
/// a `;` would change the policy).
fn is_origin(text: &str) -> bool {
    let host_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':');
    let rest = text
        .strip_prefix("https://")
        .or(text.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty() && rest.bytes().all(host_char))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let plain = SecurityHeaders::new(&[]);
        assert!(plain.policy().contains("frame-ancestors 'none'"));
        assert!(plain.policy().contains("script-src 'self';"));
        let sdk = SecurityHeaders::new(&[
            "https://sdk.scdn.co".into(),
            "http://127.0.0.1:8899".into(),
            "https://evil; script-src *".into(),
        ]);
        assert!(sdk
            .policy()
            .contains("script-src 'self' https://sdk.scdn.co http://127.0.0.1:8899;"));
        assert!(sdk
            .policy()
            .contains("connect-src 'self' https://sdk.scdn.co http://127.0.0.1:8899;"));
        assert!(sdk
            .policy()
            .contains("frame-src https://sdk.scdn.co http://127.0.0.1:8899;"));
        assert!(!plain.policy().contains("frame-src"));
        assert!(!sdk.policy().contains("evil"));
    }
}
