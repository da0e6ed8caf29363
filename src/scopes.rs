//! Spotify's list of authorization scopes, and the closest one to a typo.

/// Every scope Spotify documents, with what it lets the app do.
pub const SPOTIFY_SCOPES: &[(&str, &str)] = &[
    ("ugc-image-upload", "upload images to your playlists"),
    (
        "user-read-playback-state",
        "read what is playing and on which device",
    ),
    ("user-modify-playback-state", "control playback"),
    ("user-read-currently-playing", "read the track playing now"),
    (
        "app-remote-control",
        "remote control from the iOS and Android SDKs",
    ),
    ("streaming", "play content in the Web Playback SDK"),
    ("playlist-read-private", "read your private playlists"),
    (
        "playlist-read-collaborative",
        "read collaborative playlists",
    ),
    ("playlist-modify-private", "change your private playlists"),
    ("playlist-modify-public", "change your public playlists"),
    (
        "user-follow-modify",
        "follow and unfollow artists and users",
    ),
    ("user-follow-read", "read whom you follow"),
    (
        "user-read-playback-position",
        "read your position in episodes",
    ),
    ("user-top-read", "read your top artists and tracks"),
    ("user-read-recently-played", "read what you played recently"),
    (
        "user-library-modify",
        "change your saved tracks, albums and shows",
    ),
    (
        "user-library-read",
        "read your saved tracks, albums and shows",
    ),
    ("user-read-email", "read your email address"),
    (
        "user-read-private",
        "read your subscription, country and explicit-content setting",
    ),
    ("user-soa-link", "link a partner user"),
    ("user-soa-unlink", "unlink a partner user"),
    ("user-manage-entitlements", "manage partner entitlements"),
    ("user-manage-partner", "manage partner settings"),
    ("user-create-partner", "create partner users"),
];

/// Checks each scope against [`SPOTIFY_SCOPES`]; an unknown one is an
/// [`Error::UnknownScope`](crate::Error::UnknownScope) with the closest real scope.
pub fn validate_scopes(scopes: &[String]) -> crate::Result<()> {
    for scope in scopes {
        if !SPOTIFY_SCOPES.iter().any(|(name, _)| name == scope) {
            return Err(crate::Error::UnknownScope {
                scope: scope.clone(),
                suggestion: closest_scope(scope).map(str::to_string),
            });
        }
    }
    Ok(())
}

/// Splits a space-separated scope list, dropping empty entries and duplicates.
pub fn parse_scopes(list: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    list.split([' ', ',', '\t', '\n'])
        .filter(|s| !s.is_empty() && seen.insert(*s))
        .map(str::to_string)
        .collect()
}

/// The real scope nearest to `typo` by edit distance, when it is close enough
/// to be the likely intent (at most a third of its length away).
pub fn closest_scope(typo: &str) -> Option<&'static str> {
    let typo = typo.to_ascii_lowercase().replace('_', "-");
    SPOTIFY_SCOPES
        .iter()
        .map(|(name, _)| (edit_distance(&typo, name), *name))
        .min()
        .filter(|(distance, name)| *distance <= name.len().max(6) / 3)
        .map(|(_, name)| name)
}

/// Levenshtein distance (also used by `doctor` for misspelt variable names).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
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
