//! Spotify's authorization scopes: the one table the library and the sandbox
//! share (the sandbox includes this file by path, so the two cannot drift).
//! Plain data, no `crate::` paths, so it compiles inside either crate.

/// Step 1: one scope Spotify documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Its name, as sent in `scope=`.
    pub name: &'static str,
    /// The sentence Spotify's consent page shows the user for it.
    pub consent_text: &'static str,
}

/// Step 1: every scope Spotify documents (24).
pub const SCOPES: &[Scope] = &[
    Scope {
        name: "ugc-image-upload",
        consent_text: "Upload images to personalize your profile or playlist cover.",
    },
    Scope {
        name: "user-read-playback-state",
        consent_text:
            "Read your currently playing content and Spotify Connect devices information.",
    },
    Scope {
        name: "user-modify-playback-state",
        consent_text: "Control playback on your Spotify clients and Spotify Connect devices.",
    },
    Scope {
        name: "user-read-currently-playing",
        consent_text: "Read your currently playing content.",
    },
    Scope {
        name: "app-remote-control",
        consent_text: "Communicate with the Spotify app on your device.",
    },
    Scope {
        name: "streaming",
        consent_text: "Play content and control playback on your other devices.",
    },
    Scope {
        name: "playlist-read-private",
        consent_text: "Access your private playlists.",
    },
    Scope {
        name: "playlist-read-collaborative",
        consent_text: "Access your collaborative playlists.",
    },
    Scope {
        name: "playlist-modify-private",
        consent_text: "Manage your private playlists.",
    },
    Scope {
        name: "playlist-modify-public",
        consent_text: "Manage your public playlists.",
    },
    Scope {
        name: "user-follow-modify",
        consent_text: "Manage who you are following.",
    },
    Scope {
        name: "user-follow-read",
        consent_text: "Access your followers and who you are following.",
    },
    Scope {
        name: "user-read-playback-position",
        consent_text: "Read your position in content you have played.",
    },
    Scope {
        name: "user-top-read",
        consent_text: "Read your top artists and content.",
    },
    Scope {
        name: "user-read-recently-played",
        consent_text: "Access your recently played items.",
    },
    Scope {
        name: "user-library-modify",
        consent_text: "Manage your saved content.",
    },
    Scope {
        name: "user-library-read",
        consent_text: "Access your saved content.",
    },
    Scope {
        name: "user-read-email",
        consent_text: "Get your real email address.",
    },
    Scope {
        name: "user-read-private",
        consent_text: "Access your subscription details and country.",
    },
    Scope {
        name: "user-soa-link",
        consent_text: "Link a partner user account to a Spotify user account.",
    },
    Scope {
        name: "user-soa-unlink",
        consent_text: "Unlink a partner user account from a Spotify account.",
    },
    Scope {
        name: "user-manage-entitlements",
        consent_text: "Modify entitlements for linked users.",
    },
    Scope {
        name: "user-manage-partner",
        consent_text: "Update partner information.",
    },
    Scope {
        name: "user-create-partner",
        consent_text: "Create new partners, platform partners only.",
    },
];

/// Step 1: the scope called `name`, if Spotify has one.
pub fn find_scope(name: &str) -> Option<&'static Scope> {
    SCOPES.iter().find(|scope| scope.name == name)
}
