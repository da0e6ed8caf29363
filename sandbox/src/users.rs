//! The sandbox's users: a handful built in (the default one first), and fresh
//! ones made up when someone signs in with an unknown id. Plain data.

use crate::catalog::{PlaylistRow, ShowRow, DEFAULT_PLAYLISTS, DEFAULT_SHOWS};
use crate::playback::Player;

/// The user signed in unless another is chosen on the consent page.
pub const DEFAULT_USER_ID: &str = "sandbox-user";

/// The ids of the built-in users, the default one first.
pub const USER_IDS: &[&str] = &[DEFAULT_USER_ID, "ada", "grace", "alan", "edsger"];

/// A playlist a user owns.
pub(crate) struct Playlist {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) public: bool,
    pub(crate) collaborative: bool,
    pub(crate) tracks: u64,
}

/// A sandbox user.
#[derive(Default)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) email: String,
    pub(crate) country: &'static str,
    pub(crate) premium: bool,
    pub(crate) followers: u64,
    pub(crate) playlists: Vec<Playlist>,
    pub(crate) shows: Vec<&'static ShowRow>,
    pub(crate) player: Player,
}

fn playlists(rows: &[PlaylistRow]) -> Vec<Playlist> {
    rows.iter()
        .map(
            |(id, name, description, public, collaborative, tracks)| Playlist {
                id: id.to_string(),
                name: name.to_string(),
                description: description.to_string(),
                public: *public,
                collaborative: *collaborative,
                tracks: *tracks,
            },
        )
        .collect()
}

impl User {
    fn new(id: &str, name: &str, country: &'static str, premium: bool, active: bool) -> User {
        User {
            id: id.to_string(),
            display_name: name.to_string(),
            email: format!("{id}@example.com"),
            country,
            premium,
            player: Player::new(active),
            ..User::default()
        }
    }

    /// The built-in users: `active_device` for every player, `default_premium`
    /// for the default user (the others have their own product).
    pub(crate) fn built_in(active_device: bool, default_premium: bool) -> Vec<User> {
        let s = DEFAULT_SHOWS;
        let mut default = User::new(
            DEFAULT_USER_ID,
            "Sandbox Listener",
            "SE",
            default_premium,
            active_device,
        );
        default.email = "sandbox-listener@example.com".to_string();
        default.followers = 12;
        default.playlists = playlists(DEFAULT_PLAYLISTS);
        default.shows = s.iter().collect();

        let mut ada = User::new("ada", "Ada Lovelace", "GB", true, active_device);
        ada.followers = 1815;
        ada.playlists = playlists(&[
            (
                "1AdaSandboxEngineNotes",
                "Engine Notes",
                "Analytical listening.",
                true,
                false,
                31,
            ),
            (
                "1AdaSandboxPoeticalSci",
                "Poetical Science",
                "",
                false,
                false,
                9,
            ),
        ]);
        ada.shows = vec![&s[1]];

        let mut grace = User::new("grace", "Grace Hopper", "US", true, active_device);
        grace.followers = 1906;
        grace.playlists = playlists(&[
            (
                "1GraceSandboxNanosecs1",
                "Nanoseconds",
                "Short songs, 30 cm each.",
                true,
                false,
                64,
            ),
            (
                "1GraceSandboxCompiler1",
                "Compiler Errors",
                "",
                false,
                true,
                17,
            ),
            (
                "1GraceSandboxCOBOLJams",
                "COBOL Jams",
                "Business-oriented beats.",
                true,
                false,
                5,
            ),
        ]);
        grace.shows = vec![&s[0], &s[2]];

        // Not Premium: player commands answer PREMIUM_REQUIRED.
        let mut alan = User::new("alan", "Alan Turing", "GB", false, active_device);
        alan.followers = 1912;
        alan.playlists = playlists(&[(
            "1AlanSandboxImitation1",
            "The Imitation Game",
            "",
            true,
            false,
            28,
        )]);

        let mut edsger = User::new("edsger", "Edsger Dijkstra", "NL", true, active_device);
        edsger.followers = 1930;
        edsger.playlists = playlists(&[
            (
                "1EdsgerSandboxShortest",
                "Shortest Path Home",
                "",
                true,
                false,
                12,
            ),
            (
                "1EdsgerSandboxGoToHarm",
                "Go To Considered Harmful",
                "No jumps.",
                false,
                false,
                53,
            ),
        ]);
        edsger.shows = vec![&s[2]];
        vec![default, ada, grace, alan, edsger]
    }

    /// A user nobody configured: display name = id, Premium, one playlist.
    pub(crate) fn fresh(id: &str, active_device: bool) -> User {
        let mut user = User::new(id, id, "SE", true, active_device);
        let letters: String = id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect();
        user.playlists = vec![Playlist {
            // 22 characters, as Spotify ids.
            id: format!("{:0<22}", format!("1Fresh{letters}")),
            name: "My Playlist #1".to_string(),
            description: String::new(),
            public: false,
            collaborative: false,
            tracks: 7,
        }];
        user
    }
}

/// Whether `id` can name a sandbox user: 1 to 64 characters of
/// `A-Z a-z 0-9 . _ -`.
pub(crate) fn valid_user_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_users_match_the_id_list_and_fresh_ones_get_a_profile() {
        let users = User::built_in(true, true);
        let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, USER_IDS);
        assert!(users
            .iter()
            .all(|u| u.playlists.iter().all(|p| p.tracks > 0)));
        let fresh = User::fresh("new.person", false);
        assert_eq!(fresh.display_name, "new.person");
        assert_eq!(fresh.playlists[0].id.len(), 22);
        assert!(fresh.player.active.is_none());
        assert!(valid_user_id("new.person-2_x"));
        assert!(!valid_user_id(""));
        assert!(!valid_user_id("a b"));
        assert!(!valid_user_id("<script>"));
    }
}
