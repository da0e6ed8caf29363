//! The Web API's side of the protocol, no I/O: the endpoints the walkthrough
//! reads with the scope each needs, the typed answers, and Spotify's error
//! bodies parsed into [`Error`]s. Used after step 2 (and 3) with the access token.

use super::error::{printable, Error, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// `GET /v1/me`: the user's profile.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    /// The Spotify user id.
    pub id: String,
    /// The name shown on the profile.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The email address (with `user-read-email`).
    #[serde(default)]
    pub email: Option<String>,
    /// The country (with `user-read-private`).
    #[serde(default)]
    pub country: Option<String>,
    /// `premium`, `free`, ... (with `user-read-private`).
    #[serde(default)]
    pub product: Option<String>,
    /// The `spotify:user:...` URI.
    #[serde(default)]
    pub uri: String,
    /// Followers.
    #[serde(default)]
    pub followers: Option<Followers>,
}

/// A follower count.
#[derive(Debug, Clone, Deserialize)]
pub struct Followers {
    /// How many.
    #[serde(default)]
    pub total: u64,
}

/// One page of a list.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many there are in all.
    #[serde(default)]
    pub total: u64,
}

/// A playlist as listed by `GET /v1/me/playlists`.
#[derive(Debug, Clone, Deserialize)]
pub struct Playlist {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is public (`null` when unknown).
    #[serde(default)]
    pub public: Option<bool>,
    /// Its owner.
    #[serde(default)]
    pub owner: Option<Owner>,
    /// The track count.
    #[serde(default)]
    pub tracks: Option<TrackCount>,
}

/// A playlist owner.
#[derive(Debug, Clone, Deserialize)]
pub struct Owner {
    /// The owner's name.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `tracks.total` of a playlist.
#[derive(Debug, Clone, Deserialize)]
pub struct TrackCount {
    /// How many tracks.
    #[serde(default)]
    pub total: u64,
}

/// An entry of `GET /v1/me/shows`.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedShow {
    /// When it was saved.
    #[serde(default)]
    pub added_at: Option<String>,
    /// The podcast.
    pub show: Show,
}

/// A podcast.
#[derive(Debug, Clone, Deserialize)]
pub struct Show {
    /// Its name.
    pub name: String,
    /// Who publishes it.
    #[serde(default)]
    pub publisher: Option<String>,
    /// How many episodes.
    #[serde(default)]
    pub total_episodes: Option<u64>,
}

/// `GET /v1/me/player` when something plays.
#[derive(Debug, Clone, Deserialize)]
pub struct Playback {
    /// Playing or paused.
    #[serde(default)]
    pub is_playing: bool,
    /// Position in the item, in ms.
    #[serde(default)]
    pub progress_ms: Option<u64>,
    /// The device.
    #[serde(default)]
    pub device: Option<Device>,
    /// The track or episode.
    #[serde(default)]
    pub item: Option<PlayingItem>,
}

/// A playback device.
#[derive(Debug, Clone, Deserialize)]
pub struct Device {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `Computer`, `Smartphone`, `Speaker`, ...
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The volume, 0-100, when the device reports it.
    #[serde(default)]
    pub volume_percent: Option<u64>,
}

/// The track or episode playing.
#[derive(Debug, Clone, Deserialize)]
pub struct PlayingItem {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `track` or `episode`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Its length in ms.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// The artists of a track (empty for an episode).
    #[serde(default)]
    pub artists: Vec<Artist>,
    /// The podcast of an episode.
    #[serde(default)]
    pub show: Option<Show>,
}

/// An artist of a track.
#[derive(Debug, Clone, Deserialize)]
pub struct Artist {
    /// The artist's name.
    #[serde(default)]
    pub name: String,
}

impl PlayingItem {
    /// Who made it: the artists of a track, joined by `, `, or the podcast of an episode.
    pub fn by(&self) -> Option<String> {
        if !self.artists.is_empty() {
            let names: Vec<&str> = self.artists.iter().map(|a| a.name.as_str()).collect();
            return Some(names.join(", "));
        }
        self.show.as_ref().map(|s| s.name.clone())
    }
}

/// Web API: the endpoints the walkthrough reads, with the scope each needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /v1/me`: the profile (no scope; `user-read-private` and
    /// `user-read-email` add fields).
    Me,
    /// `GET /v1/me/playlists?limit=N` (`playlist-read-private`).
    Playlists {
        /// Items per page, 1 to 50.
        limit: u32,
    },
    /// `GET /v1/me/shows?limit=N`, saved podcasts (`user-library-read`).
    SavedShows {
        /// Items per page, 1 to 50.
        limit: u32,
    },
    /// `GET /v1/me/player`, the playback state (`user-read-playback-state`;
    /// 204 No Content when nothing plays).
    Playback,
}

impl Endpoint {
    /// The full URL under `api_url` (`SPOTIFY_API_URL`).
    pub fn url(&self, api_url: &str) -> String {
        format!("{api_url}{}", self.path())
    }

    /// The path and query, e.g. `/v1/me/playlists?limit=5`.
    pub fn path(&self) -> String {
        match self {
            Endpoint::Me => "/v1/me".into(),
            Endpoint::Playlists { limit } => {
                format!("/v1/me/playlists?limit={}", (*limit).clamp(1, 50))
            }
            Endpoint::SavedShows { limit } => {
                format!("/v1/me/shows?limit={}", (*limit).clamp(1, 50))
            }
            Endpoint::Playback => "/v1/me/player".into(),
        }
    }

    /// The scope the endpoint needs, if any.
    pub fn needed_scope(&self) -> Option<&'static str> {
        match self {
            Endpoint::Me => None,
            Endpoint::Playlists { .. } => Some("playlist-read-private"),
            Endpoint::SavedShows { .. } => Some("user-library-read"),
            Endpoint::Playback => Some("user-read-playback-state"),
        }
    }
}

/// Web API: Spotify's `error.message`, else the start of the body (printable).
pub fn message_of(body: &str) -> String {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|j| j["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| {
            let start: String = body.chars().take(80).collect();
            if start.trim().is_empty() {
                "no message".into()
            } else {
                start
            }
        });
    printable(&message, 200)
}

/// Web API: the [`Error`] for a non-2xx answer (5xx and 429 are handled by the sender).
pub fn api_error(url: &str, endpoint: Endpoint, status: u16, body: &str) -> Error {
    let message = message_of(body);
    match status {
        403 if message.to_ascii_lowercase().contains("not registered") => Error::Api {
            status: 403,
            message: format!(
                "{message}: the app is in development mode and serves only the users listed under User Management in its dashboard; add this user there (or ask the app's owner to)"
            ),
        },
        401 => Error::ApiUnauthorized {
            status: 401,
            message,
            needed_scope: None,
        },
        403 => Error::ApiUnauthorized {
            status: 403,
            message,
            needed_scope: endpoint.needed_scope().map(str::to_string),
        },
        status => Error::Api {
            status,
            message: format!("{message} ({url})"),
        },
    }
}

/// Web API: a JSON answer decoded into `T`, or an error naming the URL.
pub fn decode<T: DeserializeOwned>(url: &str, body: &str) -> Result<T> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|_| {
        Error::UnexpectedResponse(format!(
            "{url} answered something that is not JSON (it starts with {:?}): check SPOTIFY_API_URL points at the Web API, and try again",
            body.chars().take(40).collect::<String>()
        ))
    })?;
    serde_json::from_value(value).map_err(|e| {
        Error::UnexpectedResponse(format!(
            "{url} answered JSON of an unexpected shape ({e}): check SPOTIFY_API_URL"
        ))
    })
}

/// Web API: the playback commands of a web player (`user-modify-playback-state`,
/// Premium; 404 `NO_ACTIVE_DEVICE` when no device is active).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerCommand {
    /// `PUT /v1/me/player/pause`.
    Pause,
    /// `PUT /v1/me/player/play` (resume).
    Play,
    /// `POST /v1/me/player/next`.
    Next,
    /// `POST /v1/me/player/previous`.
    Previous,
}

impl PlayerCommand {
    /// The command named `pause`, `play`, `next` or `previous`.
    pub fn from_name(name: &str) -> Option<PlayerCommand> {
        match name {
            "pause" => Some(PlayerCommand::Pause),
            "play" => Some(PlayerCommand::Play),
            "next" => Some(PlayerCommand::Next),
            "previous" => Some(PlayerCommand::Previous),
            _ => None,
        }
    }

    /// `PUT` for pause and play, `POST` for next and previous.
    pub fn method(&self) -> &'static str {
        match self {
            PlayerCommand::Pause | PlayerCommand::Play => "PUT",
            PlayerCommand::Next | PlayerCommand::Previous => "POST",
        }
    }

    /// The path, e.g. `/v1/me/player/pause`.
    pub fn path(&self) -> &'static str {
        match self {
            PlayerCommand::Pause => "/v1/me/player/pause",
            PlayerCommand::Play => "/v1/me/player/play",
            PlayerCommand::Next => "/v1/me/player/next",
            PlayerCommand::Previous => "/v1/me/player/previous",
        }
    }

    /// The scope every playback command needs.
    pub fn needed_scope(&self) -> &'static str {
        "user-modify-playback-state"
    }
}

#[cfg(test)]
mod player_command_tests {
    use super::*;

    #[test]
    fn commands_have_spotify_methods_and_paths() {
        let pause = PlayerCommand::from_name("pause").unwrap();
        assert_eq!(
            (pause.method(), pause.path()),
            ("PUT", "/v1/me/player/pause")
        );
        let next = PlayerCommand::from_name("next").unwrap();
        assert_eq!((next.method(), next.path()), ("POST", "/v1/me/player/next"));
        assert_eq!(PlayerCommand::from_name("stop"), None);
    }
}
