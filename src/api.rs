//! A few Web API reads with typed results: profile, playlists, saved shows,
//! playback.
//!
//! Each call
//! - takes the token from [`SpotifyAuth::access_token`], which refreshes it
//!   first when less than 60 s remain and refuses a token lacking a scope
//!   `SPOTIFY_SCOPES` asks for;
//! - refuses before sending when the saved token was not granted the scope the
//!   endpoint needs ([`Endpoint::needed_scope`]), naming the scope;
//! - goes through [`crate::http::send`]: a time limit, `Retry-After` waits
//!   (capped, shown on stderr), retries with back-off after 5xx answers;
//! - on a 401 (the service no longer accepts the token: clocks disagree, the
//!   token was revoked) refreshes the token once and tries again.

use crate::http::{send, HttpAnswer, RetryPolicy};
use crate::{Error, Result, SavedToken, SpotifyAuth};
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

/// The endpoints [`WebApi`] reads, with the scope each needs.
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

impl<'a> WebApi<'a> {
    pub(crate) fn new(auth: &'a SpotifyAuth) -> Self {
        WebApi { auth }
    }

    /// The full URL of `endpoint` under `SPOTIFY_API_URL`.
    pub fn url(&self, endpoint: Endpoint) -> String {
        format!("{}{}", self.auth.config().api_url, endpoint.path())
    }

    /// The user's profile (`GET /v1/me`).
    pub fn me(&self) -> Result<Profile> {
        self.get_json(Endpoint::Me)
    }

    /// The user's first `limit` playlists (needs `playlist-read-private`).
    pub fn playlists(&self, limit: u32) -> Result<Page<Playlist>> {
        self.get_json(Endpoint::Playlists { limit })
    }

    /// The user's first `limit` saved podcasts (needs `user-library-read`).
    pub fn saved_shows(&self, limit: u32) -> Result<Page<SavedShow>> {
        self.get_json(Endpoint::SavedShows { limit })
    }

    /// What is playing, or `None` when nothing is (204). Needs `user-read-playback-state`.
    pub fn playback(&self) -> Result<Option<Playback>> {
        let endpoint = Endpoint::Playback;
        let body = self.get(endpoint)?;
        body.map(|b| decode(&self.url(endpoint), &b)).transpose()
    }

    fn get_json<T: DeserializeOwned>(&self, endpoint: Endpoint) -> Result<T> {
        let url = self.url(endpoint);
        let body = self.get(endpoint)?.ok_or_else(|| {
            Error::UnexpectedResponse(format!(
                "{url} answered 204 with no body where JSON was expected; try again"
            ))
        })?;
        decode(&url, &body)
    }

    /// GET with the Bearer token; `None` for 204 No Content.
    fn get(&self, endpoint: Endpoint) -> Result<Option<String>> {
        let token = self.auth.access_token()?;
        let url = self.url(endpoint);
        if let Some(scope) = endpoint.needed_scope() {
            if !token.scopes.iter().any(|s| s == scope) {
                // Checked here, so no request is sent that is sure to fail.
                return Err(Error::ScopeNotGranted {
                    scope: scope.into(),
                    url,
                });
            }
        }
        let mut answer = self.send_get(&url, &token)?;
        if answer.status == 401 {
            // The service no longer takes this token (clocks disagree, it was
            // revoked): a fresh one may work. Refresh once and try again.
            let first = api_error(&url, endpoint, &answer);
            eprintln!(
                "note: {url} answered 401 ({}): refreshing the token and trying once more",
                message_of(&answer.body)
            );
            let token = match self.auth.refresh() {
                Ok(refresh) => refresh.token,
                // No secret to refresh with: the 401 is the problem to report.
                Err(Error::Config(_)) => return Err(first),
                Err(other) => return Err(other),
            };
            answer = self.send_get(&url, &token)?;
        }
        match answer.status {
            200 => Ok(Some(answer.body)),
            204 => Ok(None),
            _ => Err(api_error(&url, endpoint, &answer)),
        }
    }

    fn send_get(&self, url: &str, token: &SavedToken) -> Result<HttpAnswer> {
        let config = self.auth.config();
        let http = self.auth.http()?;
        send(
            || http.get(url).bearer_auth(token.access_token.secret()),
            url,
            config.http_timeout,
            RetryPolicy::Idempotent,
        )
    }
}

/// Spotify's `error.message`, else the start of the body.
fn message_of(body: &str) -> String {
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
    crate::error::printable(&message, 200)
}

/// The [`Error`] for a non-2xx answer (5xx and 429 are handled by `send`).
fn api_error(url: &str, endpoint: Endpoint, answer: &HttpAnswer) -> Error {
    let message = message_of(&answer.body);
    match answer.status {
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

fn decode<T: DeserializeOwned>(url: &str, body: &str) -> Result<T> {
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
