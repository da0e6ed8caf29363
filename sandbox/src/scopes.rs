//! Spotify's authorization scopes: the library's own table, included by path so
//! the sandbox and the client can never disagree on which scopes exist.

#[path = "../../src/core/scope_table.rs"]
mod table;

pub use table::{find_scope, Scope, SCOPES};

/// The consent page's description of `scope`, or `None` when Spotify has no such
/// scope.
pub fn scope_description(scope: &str) -> Option<&'static str> {
    find_scope(scope).map(|s| s.consent_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_all_twenty_four_scopes_once() {
        assert_eq!(SCOPES.len(), 24);
        let mut names: Vec<_> = SCOPES.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 24);
        assert!(scope_description("user-read-email").is_some());
        assert!(scope_description("user-read-everything").is_none());
    }
}
