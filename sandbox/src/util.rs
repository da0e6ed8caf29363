//! Small helpers with no knowledge of HTTP or of the sandbox's state.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// `prefix` followed by `bytes` random bytes in base64url (no padding).
pub(crate) fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

/// `s` safe to put in HTML text or a quoted attribute.
pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The value of the first pair named `name`.
pub(crate) fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
