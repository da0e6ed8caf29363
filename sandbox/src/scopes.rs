//! Spotify's authorization scopes, each with the plain words the consent page uses.

/// Every scope Spotify's accounts service knows, with a one-line description.
pub const ALL_SCOPES: &[(&str, &str)] = &[
    (
        "ugc-image-upload",
        "Upload images to personalize your profile or playlist cover.",
    ),
    (
        "user-read-playback-state",
        "Read your currently playing content and Spotify Connect devices information.",
    ),
    (
        "user-modify-playback-state",
        "Control playback on your Spotify clients and Spotify Connect devices.",
    ),
    (
        "user-read-currently-playing",
        "Read your currently playing content.",
    ),
    (
        "app-remote-control",
        "Communicate with the Spotify app on your device.",
    ),
    (
        "streaming",
        "Play content and control playback on your other devices.",
    ),
    ("playlist-read-private", "Access your private playlists."),
    (
        "playlist-read-collaborative",
        "Access your collaborative playlists.",
    ),
    ("playlist-modify-private", "Manage your private playlists."),
    ("playlist-modify-public", "Manage your public playlists."),
    ("user-follow-modify", "Manage who you are following."),
    (
        "user-follow-read",
        "Access your followers and who you are following.",
    ),
    (
        "user-read-playback-position",
        "Read your position in content you have played.",
    ),
    ("user-top-read", "Read your top artists and content."),
    (
        "user-read-recently-played",
        "Access your recently played items.",
    ),
    ("user-library-modify", "Manage your saved content."),
    ("user-library-read", "Access your saved content."),
    ("user-read-email", "Get your real email address."),
    (
        "user-read-private",
        "Access your subscription details and country.",
    ),
    (
        "user-soa-link",
        "Link a partner user account to a Spotify user account.",
    ),
    (
        "user-soa-unlink",
        "Unlink a partner user account from a Spotify account.",
    ),
    (
        "user-manage-entitlements",
        "Modify entitlements for linked users.",
    ),
    ("user-manage-partner", "Update partner information."),
    (
        "user-create-partner",
        "Create new partners, platform partners only.",
    ),
];

/// The consent page's description of `scope`, or `None` when Spotify has no such
/// scope.
pub fn scope_description(scope: &str) -> Option<&'static str> {
    ALL_SCOPES
        .iter()
        .find(|(name, _)| *name == scope)
        .map(|(_, description)| *description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_all_twenty_four_scopes_once() {
        assert_eq!(ALL_SCOPES.len(), 24);
        let mut names: Vec<_> = ALL_SCOPES.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 24);
        assert!(scope_description("user-read-email").is_some());
        assert!(scope_description("user-read-everything").is_none());
    }
}
