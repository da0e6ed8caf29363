//! Step 1: Spotify's authorization scopes (the table is shared with the
//! sandbox), parsing a scope list, and the closest real scope to a typo.

use super::error::{Error, Result};
pub use super::scope_table::{find_scope, Scope, SCOPES};

/// Step 1: checks each scope against [`SCOPES`]; an unknown one is an
/// [`Error::UnknownScope`] with the closest real scope.
pub fn validate_scopes(scopes: &[String]) -> Result<()> {
    match scopes.iter().find(|scope| find_scope(scope).is_none()) {
        Some(scope) => Err(Error::UnknownScope {
            scope: scope.clone(),
            suggestion: closest_scope(scope).map(str::to_string),
        }),
        None => Ok(()),
    }
}

/// Step 1: splits a space-separated scope list, dropping empty entries and duplicates.
pub fn parse_scopes(list: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    list.split([' ', ',', '\t', '\n'])
        .filter(|s| !s.is_empty() && seen.insert(*s))
        .map(str::to_string)
        .collect()
}

/// Step 1: the real scope nearest to `typo` by edit distance, when it is close enough
/// to be the likely intent (at most a third of its length away).
pub fn closest_scope(typo: &str) -> Option<&'static str> {
    let typo = typo.to_ascii_lowercase().replace('_', "-");
    SCOPES
        .iter()
        .map(|scope| (edit_distance(&typo, scope.name), scope.name))
        .min()
        .filter(|(distance, name)| *distance <= name.len().max(6) / 3)
        .map(|(_, name)| name)
}

/// Step 1: Levenshtein distance (also used by `doctor` for misspelt variable names).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_scopes_pass() {
        let scopes = parse_scopes("user-read-private  playlist-read-private");
        assert_eq!(scopes, ["user-read-private", "playlist-read-private"]);
        validate_scopes(&scopes).unwrap();
    }

    #[test]
    fn typo_suggests_the_closest_scope() {
        assert_eq!(closest_scope("user-read-privat"), Some("user-read-private"));
        assert_eq!(
            closest_scope("playlist_read_private"),
            Some("playlist-read-private")
        );
        assert_eq!(closest_scope("user-libary-read"), Some("user-library-read"));
        let err = validate_scopes(&["user-read-emial".into()]).unwrap_err();
        assert!(
            err.to_string().contains("did you mean `user-read-email`"),
            "{err}"
        );
    }

    #[test]
    fn nonsense_gets_no_suggestion() {
        assert_eq!(closest_scope("xyzzy"), None);
        let err = validate_scopes(&["xyzzy".into()]).unwrap_err();
        assert!(err.to_string().contains("unknown scope `xyzzy`"), "{err}");
    }

    #[test]
    fn duplicates_and_commas_are_folded() {
        assert_eq!(parse_scopes("a,b a"), ["a", "b"]);
    }
}
