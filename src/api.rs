//! A few Web API reads with typed results: profile, playlists, saved shows,
//! playback. Each refreshes the token first when it is about to expire.

use crate::http::{send, RetryPolicy};
use crate::{Error, Result, SpotifyAuth};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The Web API calls of one [`SpotifyAuth`].
#[derive(Debug)]
pub struct WebApi<'a> {
    auth: &'a SpotifyAuth,
}

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
    #[serde(default = "Vec::new")]
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
}

/// The track or episode playing.
#[derive(Debug, Clone, Deserialize)]
pub struct PlayingItem {
    /// Its name.
    #[serde(default)]
    pub name: String,
}

impl<'a> WebApi<'a> {
    pub(crate) fn new(auth: &'a SpotifyAuth) -> Self {
        WebApi { auth }
    }

    /// The user's profile (`GET /v1/me`).
    pub fn me(&self) -> Result<Profile> {
        self.get_json("/v1/me", None)
    }

    /// The user's first `limit` playlists (needs `playlist-read-private`).
    pub fn playlists(&self, limit: u32) -> Result<Page<Playlist>> {
        self.get_json(
            &format!("/v1/me/playlists?limit={}", limit.clamp(1, 50)),
            Some("playlist-read-private"),
        )
    }

    /// The user's first `limit` saved podcasts (needs `user-library-read`).
    pub fn saved_shows(&self, limit: u32) -> Result<Page<SavedShow>> {
        self.get_json(
            &format!("/v1/me/shows?limit={}", limit.clamp(1, 50)),
            Some("user-library-read"),
        )
    }

    /// What is playing, or `None` when nothing is (204). Needs `user-read-playback-state`.
    pub fn playback(&self) -> Result<Option<Playback>> {
        let body = self.get("/v1/me/player", Some("user-read-playback-state"))?;
        body.map(|b| decode("/v1/me/player", &b)).transpose()
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str, scope: Option<&str>) -> Result<T> {
        let body = self.get(path, scope)?.ok_or_else(|| {
            Error::UnexpectedResponse(format!("{path} answered with no body; try again"))
        })?;
        decode(path, &body)
    }

    /// GET with the Bearer token; `None` for 204 No Content.
    fn get(&self, path: &str, scope: Option<&str>) -> Result<Option<String>> {
        let token = self.auth.access_token()?;
        let config = self.auth.config();
        if let Some(scope) = scope {
            if !token.scopes.iter().any(|s| s == scope) {
                return Err(Error::ApiUnauthorized {
                    status: 403,
                    message: "not granted to this token".into(),
                    needed_scope: Some(scope.into()),
                });
            }
        }
        let url = format!("{}{path}", config.api_url);
        let http = self.auth.http()?;
        let answer = send(
            || http.get(&url).bearer_auth(token.access_token.secret()),
            &url,
            config.http_timeout,
            RetryPolicy::Idempotent,
        )?;
        match answer.status {
            200 => Ok(Some(answer.body)),
            204 => Ok(None),
            status => {
                let message = serde_json::from_str::<serde_json::Value>(&answer.body)
                    .ok()
                    .and_then(|j| j["error"]["message"].as_str().map(str::to_string))
                    .unwrap_or_else(|| answer.body.chars().take(80).collect());
                Err(match status {
                    401 | 403 => Error::ApiUnauthorized {
                        status,
                        message,
                        needed_scope: scope.map(str::to_string),
                    },
                    _ => Error::Api { status, message },
                })
            }
        }
    }
}

fn decode<T: DeserializeOwned>(path: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| {
        Error::UnexpectedResponse(format!(
            "{path} answered JSON of an unexpected shape ({e}): check SPOTIFY_API_URL"
        ))
    })
}
