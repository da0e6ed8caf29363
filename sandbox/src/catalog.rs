//! The sandbox's fixed catalogue: playlists, saved shows, tracks and artists.
//! Plain data; the endpoints shape it as JSON.

/// The catalogue's text.
type Str = &'static str;
/// A playlist: id, name, description, public, collaborative, number of tracks.
pub(crate) type PlaylistRow = (Str, Str, Str, bool, bool, u64);
/// A saved show: id, name, publisher, description, added_at, number of episodes.
pub(crate) type ShowRow = (Str, Str, Str, Str, Str, u64);

/// A track: id, name, artist index in [`ARTISTS`], duration, album name, ISRC.
pub(crate) struct Track {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) artist: usize,
    pub(crate) duration_ms: u64,
    pub(crate) album_id: &'static str,
    pub(crate) album: &'static str,
    pub(crate) isrc: &'static str,
}

/// An artist.
pub(crate) struct Artist {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) genres: &'static [&'static str],
    pub(crate) followers: u64,
    pub(crate) popularity: u64,
}

pub(crate) const ARTISTS: &[Artist] = &[
    Artist {
        id: "0OdUWJ0sBjDrqHygGUXeCF",
        name: "Band of Horses",
        genres: &["indie folk", "indie rock", "modern rock"],
        followers: 1_412_331,
        popularity: 62,
    },
    Artist {
        id: "0SandboxLoopbackAddr01",
        name: "The Loopback Addresses",
        genres: &["sandbox pop"],
        followers: 127,
        popularity: 12,
    },
    Artist {
        id: "0SandboxBearerTokens02",
        name: "Bearer Tokens",
        genres: &["post-rock", "ambient"],
        followers: 3_600,
        popularity: 25,
    },
];

/// Every user's player queue is drawn from these, in this order.
pub(crate) const TRACKS: &[Track] = &[
    Track {
        id: "0SandboxTrackAuthCode1",
        name: "Authorization Code",
        artist: 1,
        duration_ms: 254_000,
        album_id: "0SandboxAlbum127000001",
        album: "127.0.0.1",
        isrc: "SE0000000001",
    },
    Track {
        id: "0SandboxTrackRefresh02",
        name: "Refresh Token",
        artist: 1,
        duration_ms: 211_000,
        album_id: "0SandboxAlbum127000001",
        album: "127.0.0.1",
        isrc: "SE0000000002",
    },
    Track {
        id: "0SandboxTrackNoContent",
        name: "Two Hundred and Four",
        artist: 2,
        duration_ms: 187_000,
        album_id: "0SandboxAlbumExpires01",
        album: "Expires In 3600",
        isrc: "SE0000000003",
    },
    Track {
        id: "0SandboxTrackFunerall4",
        name: "The Funeral (sandbox cover)",
        artist: 0,
        duration_ms: 322_000,
        album_id: "0SandboxAlbumEveryday1",
        album: "Everything All the Time",
        isrc: "SE0000000004",
    },
];

/// The default user's playlists (unchanged since the first sandbox).
pub(crate) const DEFAULT_PLAYLISTS: &[PlaylistRow] = &[
    (
        "3cEYpjA9oz9GiPac4AsH4n",
        "Morning Commute",
        "Something to wake up to.",
        true,
        false,
        42,
    ),
    (
        "1sandboxFocusList0002",
        "Deep Focus (sandbox)",
        "Instrumental music to concentrate.",
        false,
        false,
        87,
    ),
    (
        "4sandboxRoadTrip00003",
        "Road Trip",
        "Shared with friends.",
        false,
        true,
        23,
    ),
    ("5sandboxRainyDays0004", "Rainy Days", "", true, false, 15),
];

/// The default user's saved shows.
pub(crate) const DEFAULT_SHOWS: &[ShowRow] = &[
    (
        "2sandboxShowTalkRust01",
        "Talking Rust",
        "Ferris Media",
        "Conversations about systems programming.",
        "2025-11-03T08:12:45Z",
        120,
    ),
    (
        "6sandboxShowOAuthPod02",
        "The Token Exchange",
        "Auth Radio",
        "Everything about authorization, one grant at a time.",
        "2026-01-17T19:40:02Z",
        48,
    ),
    (
        "7sandboxShowSlowNews03",
        "Slow News",
        "Sandbox Broadcasting",
        "The week's news, read slowly.",
        "2026-03-22T06:05:30Z",
        310,
    ),
];

/// The artist with this id.
pub(crate) fn artist(id: &str) -> Option<&'static Artist> {
    ARTISTS.iter().find(|a| a.id == id)
}

/// Whether `id` looks like a Spotify id: 22 characters of base62.
pub(crate) fn is_spotify_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_are_well_formed() {
        for a in ARTISTS {
            assert!(is_spotify_id(a.id), "{}", a.id);
        }
        for t in TRACKS {
            assert!(is_spotify_id(t.id), "{}", t.id);
            assert!(is_spotify_id(t.album_id), "{}", t.album_id);
            assert!(t.artist < ARTISTS.len());
        }
        assert!(artist("0OdUWJ0sBjDrqHygGUXeCF").is_some());
        assert!(!is_spotify_id("0OdUWJ0sBjDrqHygGUXeC"));
        assert!(!is_spotify_id("0OdUWJ0sBjDrqHygGUXeC!"));
    }
}
