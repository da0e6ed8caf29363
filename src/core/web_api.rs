//! The Web API's side of the protocol, no I/O: the endpoints the walkthrough
//! reads with the scope each needs, the typed answers, and Spotify's error
//! bodies parsed into [`Error`]s. Used after step 2 (and 3) with the access token.

use super::accounts::RetryPolicy;
use super::error::{printable, Error, Result};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// `GET /v1/me`: the user's profile.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    /// The Spotify user id.
    pub id: String,
    /// The name shown on the profile.
    pub display_name: Option<String>,
    /// The email address (with `user-read-email`; never returned to apps in
    /// development mode since February 2026).
    pub email: Option<String>,
    /// The country (with `user-read-private`; never returned to apps in
    /// development mode since February 2026).
    pub country: Option<String>,
    /// `premium`, `free`, ... (with `user-read-private`; never returned to
    /// apps in development mode since February 2026).
    pub product: Option<String>,
    /// The `spotify:user:...` URI.
    #[serde(default)]
    pub uri: String,
    /// Followers (never returned to apps in development mode since February 2026).
    pub followers: Option<Total>,
}

impl Profile {
    /// True when the answer has the development-mode shape of February 2026:
    /// none of `email`, `country`, `product`, `followers`. An extended-quota
    /// answer always carries `followers`, whatever the scopes.
    pub fn is_development_mode_shape(&self) -> bool {
        self.followers.is_none()
            && self.email.is_none()
            && self.country.is_none()
            && self.product.is_none()
    }
}

/// A count as the Web API nests it, `{"total": n}`: followers, or a
/// playlist's `items.total` (or `tracks.total`).
#[derive(Debug, Clone, Deserialize)]
pub struct Total {
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
    pub public: Option<bool>,
    /// Its owner.
    pub owner: Option<Owner>,
    /// The track count in the extended-quota shape (`tracks.total`); `null`
    /// for apps in development mode since February 2026.
    pub tracks: Option<Total>,
    /// The track count in the development-mode shape of February 2026
    /// (`items.total`, the former `tracks`).
    pub items: Option<Total>,
}

impl Playlist {
    /// How many tracks: `items.total` (development mode since February 2026),
    /// else `tracks.total` (extended quota), else `None`.
    pub fn track_count(&self) -> Option<u64> {
        self.items
            .as_ref()
            .or(self.tracks.as_ref())
            .map(|count| count.total)
    }
}

/// A playlist owner.
#[derive(Debug, Clone, Deserialize)]
pub struct Owner {
    /// The owner's name.
    pub display_name: Option<String>,
}

/// An entry of `GET /v1/me/shows`.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedShow {
    /// When it was saved.
    pub added_at: Option<String>,
    /// The podcast.
    pub show: Show,
}

/// A podcast.
#[derive(Debug, Clone, Deserialize)]
pub struct Show {
    /// Its name.
    pub name: String,
    /// Who publishes it (not returned to development-mode apps since February 2026).
    pub publisher: Option<String>,
    /// How many episodes.
    pub total_episodes: Option<u64>,
}

/// `GET /v1/me/player` when something plays.
#[derive(Debug, Clone, Deserialize)]
pub struct Playback {
    /// Playing or paused.
    #[serde(default)]
    pub is_playing: bool,
    /// Position in the item, in ms.
    pub progress_ms: Option<u64>,
    /// The device.
    pub device: Option<Device>,
    /// The track or episode.
    pub item: Option<PlayingItem>,
}

/// A playback device.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Device {
    /// Its id (`device_id` of the player commands), when it has one.
    pub id: Option<String>,
    /// Whether it is the active device (the one the player commands act on).
    pub is_active: bool,
    /// Its name.
    pub name: String,
    /// `Computer`, `Smartphone`, `Speaker`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The volume, 0-100, when the device reports it.
    pub volume_percent: Option<u64>,
}

/// The track or episode playing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlayingItem {
    /// Its name.
    pub name: String,
    /// `track` or `episode`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Its length in ms.
    pub duration_ms: Option<u64>,
    /// The artists of a track (empty for an episode).
    pub artists: Vec<Artist>,
    /// The podcast of an episode.
    pub show: Option<Show>,
}

/// `GET /v1/me/player/devices`.
#[derive(Debug, Clone, Deserialize)]
pub struct Devices {
    /// The user's devices.
    #[serde(default)]
    pub devices: Vec<Device>,
}

/// An artist: the name in a track's `artists`; `GET /v1/artists/{id}` adds
/// the id and genres (and, outside development mode, followers and popularity).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Artist {
    /// The artist's name.
    pub name: String,
    /// Its Spotify id.
    pub id: Option<String>,
    /// Its genres.
    pub genres: Vec<String>,
    /// Followers (not returned to development-mode apps since February 2026).
    pub followers: Option<Total>,
    /// 0-100 (not returned to development-mode apps since February 2026).
    pub popularity: Option<u64>,
}

/// A Spotify id (of an artist, a track, ...): 22 base-62 characters, checked
/// before it goes into a URL. `Copy`, so an [`Endpoint`] can hold it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpotifyId([u8; 22]);

impl SpotifyId {
    /// Checks `id` (surrounding whitespace trimmed); `kind` names it in the error.
    pub fn parse(id: &str, kind: &'static str) -> Result<SpotifyId> {
        id.trim()
            .as_bytes()
            .try_into()
            .ok()
            .filter(|b: &[u8; 22]| b.iter().all(u8::is_ascii_alphanumeric))
            .map(SpotifyId)
            .ok_or_else(|| Error::InvalidSpotifyId {
                kind,
                id: printable(id, 40),
            })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics get in.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Display for SpotifyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for SpotifyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpotifyId({})", self.as_str())
    }
}

/// The artist of the examples: Band of Horses.
pub const EXAMPLE_ARTIST_ID: &str = "0OdUWJ0sBjDrqHygGUXeCF";

/// The HTTP method of an [`Endpoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A read.
    Get,
    /// `PUT`: pause, play (idempotent: sending twice does no harm).
    Put,
    /// `POST`: next, previous (not idempotent: sending twice skips twice).
    Post,
}

impl Method {
    /// `GET`, `PUT`, `POST`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
        }
    }

    /// When a request may be sent again: a `POST` only when it surely did not
    /// arrive (a skip sent twice skips two tracks), others after any failure.
    pub fn retry(&self) -> RetryPolicy {
        match self {
            Method::Post => RetryPolicy::UnsentOnly,
            Method::Get | Method::Put => RetryPolicy::Idempotent,
        }
    }
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

/// Web API: the endpoints the walkthrough calls, with the method and the
/// scope each needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// `GET /v1/me/player/devices`, the user's devices (`user-read-playback-state`).
    Devices,
    /// `PUT /v1/me/player/pause` (`user-modify-playback-state`, Premium).
    Pause,
    /// `PUT /v1/me/player/play`, resume (`user-modify-playback-state`, Premium).
    Play,
    /// `POST /v1/me/player/next` (`user-modify-playback-state`, Premium).
    Next,
    /// `POST /v1/me/player/previous` (`user-modify-playback-state`, Premium).
    Previous,
    /// `GET /v1/artists/{id}`: public catalogue data, no scope, app-only
    /// tokens welcome.
    Artist(SpotifyId),
    /// `PUT /v1/me/player` with [`transfer_body`]: playback moves to one of
    /// the user's devices, e.g. a browser's Web Playback SDK player
    /// (`user-modify-playback-state`, Premium).
    Transfer,
}

impl Endpoint {
    /// The full URL under `api_url` (`SPOTIFY_API_URL`).
    pub fn url(&self, api_url: &str) -> String {
        format!("{api_url}{}", self.path())
    }

    /// The path and query, e.g. `/v1/me/playlists?limit=5`.
    pub fn path(&self) -> String {
        let path = self.route().1;
        match self {
            Endpoint::Playlists { limit } | Endpoint::SavedShows { limit } => {
                format!("{path}?limit={}", (*limit).clamp(1, 50))
            }
            Endpoint::Artist(id) => format!("{path}/{id}"),
            _ => path.into(),
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.route().0
    }

    /// The method, the path without its query or id, and the scope needed.
    fn route(&self) -> (Method, &'static str, Option<&'static str>) {
        use Method::{Get, Post, Put};
        const PLAYBACK: Option<&str> = Some("user-read-playback-state");
        const CONTROL: Option<&str> = Some("user-modify-playback-state");
        match self {
            Endpoint::Me => (Get, "/v1/me", None),
            Endpoint::Playlists { .. } => (Get, "/v1/me/playlists", Some("playlist-read-private")),
            Endpoint::SavedShows { .. } => (Get, "/v1/me/shows", Some("user-library-read")),
            Endpoint::Playback => (Get, "/v1/me/player", PLAYBACK),
            Endpoint::Devices => (Get, "/v1/me/player/devices", PLAYBACK),
            Endpoint::Pause => (Put, "/v1/me/player/pause", CONTROL),
            Endpoint::Play => (Put, "/v1/me/player/play", CONTROL),
            Endpoint::Next => (Post, "/v1/me/player/next", CONTROL),
            Endpoint::Previous => (Post, "/v1/me/player/previous", CONTROL),
            Endpoint::Artist(_) => (Get, "/v1/artists", None),
            Endpoint::Transfer => (Put, "/v1/me/player", CONTROL),
        }
    }

    /// Web API: the playback command named `pause`, `play`, `next` or
    /// `previous` (a web app's route or a binary's subcommand).
    pub fn player_command(name: &str) -> Option<Endpoint> {
        match name {
            "pause" => Some(Endpoint::Pause),
            "play" => Some(Endpoint::Play),
            "next" => Some(Endpoint::Next),
            "previous" => Some(Endpoint::Previous),
            _ => None,
        }
    }

    /// True for a user's data (`/v1/me...`), which an app-only token cannot read.
    pub fn needs_user(&self) -> bool {
        !matches!(self, Endpoint::Artist(_))
    }

    /// The scope the endpoint needs, if any.
    pub fn needed_scope(&self) -> Option<&'static str> {
        self.route().2
    }
}

/// Web API: whether `id` can be a device id (Spotify's are 40 hex
/// characters; 1 to 64 of `A-Z a-z 0-9 - _` are taken, nothing else reaches a request).
pub fn is_device_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Web API: the body of [`Endpoint::Transfer`], `{"device_ids":[id],"play":play}`
/// (`play`: start playing there rather than keep the current state).
pub fn transfer_body(device_id: &str, play: bool) -> String {
    serde_json::json!({"device_ids": [device_id], "play": play}).to_string()
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

/// Web API: Spotify's `error.reason` (player errors: `NO_ACTIVE_DEVICE`,
/// `PREMIUM_REQUIRED`, ...), when the body has one.
pub fn reason_of(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|j| j["error"]["reason"].as_str().map(|r| printable(r, 60)))
}

/// Web API: the [`Error`] for a non-2xx answer (5xx and 429 are handled by the sender).
pub fn api_error(url: &str, endpoint: Endpoint, status: u16, body: &str) -> Error {
    let message = message_of(body);
    let lower = message.to_ascii_lowercase();
    match (status, reason_of(body).as_deref(), endpoint) {
        (_, Some("NO_ACTIVE_DEVICE"), _) => Error::NoActiveDevice,
        (_, Some("PREMIUM_REQUIRED"), _) => Error::PremiumRequired,
        (404, _, Endpoint::Artist(id)) => Error::NotFound {
            kind: "artist",
            id: id.to_string(),
        },
        (403, ..) if lower.contains("premium subscription required for the owner") => {
            Error::OwnerPremiumRequired
        }
        (403, ..) if lower.contains("not registered") => Error::UserNotRegistered,
        (401 | 403, ..) if lower.contains("user authentication") => Error::UserTokenRequired {
            status: Some(status),
            url: url.into(),
        },
        // A 403 is for lack of a scope; a 401 refuses the token itself.
        (401 | 403, ..) => Error::ApiUnauthorized {
            status,
            message,
            needed_scope: endpoint
                .needed_scope()
                .filter(|_| status == 403)
                .map(str::to_string),
        },
        _ => Error::Api {
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

#[cfg(test)]
mod tests {
    use super::*;

    const DEV_ME: &str = r#"{"display_name":"Sandbox Listener","external_urls":{"spotify":"https://open.spotify.com/user/sandbox-user"},"href":"http://x/v1/users/sandbox-user","id":"sandbox-user","images":[],"type":"user","uri":"spotify:user:sandbox-user"}"#;
    const FULL_ME: &str = r#"{"display_name":"Sandbox Listener","id":"sandbox-user","uri":"spotify:user:sandbox-user","email":"s@example.com","country":"SE","product":"premium","explicit_content":{"filter_enabled":false,"filter_locked":false},"followers":{"href":null,"total":12}}"#;

    #[test]
    fn transfer_to_a_device() {
        assert_eq!(Endpoint::Transfer.path(), "/v1/me/player");
        assert_eq!(Endpoint::Transfer.method(), Method::Put);
        assert_eq!(
            transfer_body("0d1841b0976bae2a3a310dd74c0f3df354899bc8", true),
            r#"{"device_ids":["0d1841b0976bae2a3a310dd74c0f3df354899bc8"],"play":true}"#
        );
        assert!(is_device_id("0d1841b0976bae2a3a310dd74c0f3df354899bc8"));
        for bad in ["", "a b", "\"x\"", &"a".repeat(65)] {
            assert!(!is_device_id(bad), "{bad}");
        }
    }

    #[test]
    fn profiles_of_both_shapes() {
        let dev: Profile = decode("u", DEV_ME).unwrap();
        assert_eq!(dev.id, "sandbox-user");
        assert!(dev.email.is_none() && dev.country.is_none() && dev.product.is_none());
        assert!(dev.followers.is_none());
        assert!(dev.is_development_mode_shape());
        let full: Profile = decode("u", FULL_ME).unwrap();
        assert_eq!(full.email.as_deref(), Some("s@example.com"));
        assert_eq!(full.product.as_deref(), Some("premium"));
        assert_eq!(full.followers.unwrap().total, 12);
        // Extended quota without user-read-email: followers still there.
        let no_email: Profile = decode(
            "u",
            r#"{"id":"a","uri":"spotify:user:a","followers":{"href":null,"total":0}}"#,
        )
        .unwrap();
        assert!(!no_email.is_development_mode_shape());
    }

    #[test]
    fn playlist_counts_of_both_shapes() {
        let dev: Page<Playlist> = decode(
            "u",
            r#"{"items":[{"id":"p","name":"Road Trip","public":true,"owner":{"display_name":"L"},"tracks":null,"items":{"href":"h","total":23}}],"total":1}"#,
        )
        .unwrap();
        assert_eq!(dev.items[0].track_count(), Some(23));
        let old: Page<Playlist> = decode(
            "u",
            r#"{"items":[{"id":"p","name":"Road Trip","tracks":{"href":"h","total":42}}],"total":1}"#,
        )
        .unwrap();
        assert_eq!(old.items[0].track_count(), Some(42));
        let neither: Page<Playlist> =
            decode("u", r#"{"items":[{"id":"p","name":"x"}],"total":1}"#).unwrap();
        assert_eq!(neither.items[0].track_count(), None);
    }

    #[test]
    fn shows_and_artists_without_the_removed_fields() {
        let show: Show = decode("u", r#"{"name":"Talking Rust","total_episodes":3}"#).unwrap();
        assert!(show.publisher.is_none());
        let artist: Artist = decode(
            "u",
            r#"{"id":"0OdUWJ0sBjDrqHygGUXeCF","name":"Band of Horses","genres":["indie folk"],"images":[]}"#,
        )
        .unwrap();
        assert_eq!(artist.genres, ["indie folk"]);
        assert!(artist.followers.is_none() && artist.popularity.is_none());
        let old: Artist = decode(
            "u",
            r#"{"name":"B","genres":[],"followers":{"href":null,"total":5},"popularity":62}"#,
        )
        .unwrap();
        assert_eq!(old.popularity, Some(62));
    }

    #[test]
    fn player_errors_by_reason() {
        let no_device = r#"{"error":{"status":404,"message":"Player command failed: No active device found","reason":"NO_ACTIVE_DEVICE"}}"#;
        assert!(matches!(
            api_error("u", Endpoint::Pause, 404, no_device),
            Error::NoActiveDevice
        ));
        let premium = r#"{"error":{"status":403,"message":"Player command failed: Premium required","reason":"PREMIUM_REQUIRED"}}"#;
        assert!(matches!(
            api_error("u", Endpoint::Next, 403, premium),
            Error::PremiumRequired
        ));
        let scope = r#"{"error":{"status":403,"message":"Insufficient client scope"}}"#;
        match api_error("u", Endpoint::Play, 403, scope) {
            Error::ApiUnauthorized { needed_scope, .. } => {
                assert_eq!(needed_scope.as_deref(), Some("user-modify-playback-state"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_owner_without_premium_stops_every_call() {
        let body = r#"{"error":{"status":403,"message":"Active premium subscription required for the owner of the app. It can take a few hours after renewing before requests are allowed again."}}"#;
        for endpoint in [Endpoint::Me, Endpoint::Next, Endpoint::Playback] {
            assert!(matches!(
                api_error("u", endpoint, 403, body),
                Error::OwnerPremiumRequired
            ));
        }
    }

    #[test]
    fn allow_list_app_tokens_and_unknown_artists() {
        let body = r#"{"error":{"status":403,"message":"User not registered in the Developer Dashboard"}}"#;
        let e = api_error("u", Endpoint::Me, 403, body);
        assert!(matches!(e, Error::UserNotRegistered));
        let text = e.to_string();
        assert!(
            text.contains("User Management") && text.contains("e-mail"),
            "{text}"
        );
        assert!(
            text.contains("at most 5 users") && text.contains("Premium"),
            "{text}"
        );
        let body =
            r#"{"error":{"status":401,"message":"This request requires user authentication."}}"#;
        assert!(matches!(
            api_error("u", Endpoint::Me, 401, body),
            Error::UserTokenRequired {
                status: Some(401),
                ..
            }
        ));
        let id = SpotifyId::parse(EXAMPLE_ARTIST_ID, "artist").unwrap();
        let body = r#"{"error":{"status":404,"message":"Resource not found"}}"#;
        assert!(matches!(
            api_error("u", Endpoint::Artist(id), 404, body),
            Error::NotFound { kind: "artist", .. }
        ));
    }

    #[test]
    fn spotify_ids_are_checked() {
        let id = SpotifyId::parse(" 0OdUWJ0sBjDrqHygGUXeCF ", "artist").unwrap();
        assert_eq!(
            Endpoint::Artist(id).path(),
            "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF"
        );
        for bad in [
            "",
            "0OdUWJ0sBjDrqHygGUXeC",
            "0OdUWJ0sBjDrqHygGUXeCFx",
            "0OdUWJ0sBjDrqHygGUXe/F",
            "0OdUWJ0sBjDrqHygGUXeCé",
        ] {
            let e = SpotifyId::parse(bad, "artist").unwrap_err();
            assert!(matches!(e, Error::InvalidSpotifyId { .. }), "{bad}");
        }
    }

    #[test]
    fn player_endpoints_and_their_scopes() {
        assert_eq!(Endpoint::Pause.method(), Method::Put);
        assert_eq!(Endpoint::Next.method(), Method::Post);
        assert_eq!(Endpoint::Next.method().retry(), RetryPolicy::UnsentOnly);
        assert_eq!(Endpoint::Devices.path(), "/v1/me/player/devices");
        assert_eq!(
            Endpoint::Previous.needed_scope(),
            Some("user-modify-playback-state")
        );
        assert_eq!(
            Endpoint::Devices.needed_scope(),
            Some("user-read-playback-state")
        );
        let devices: Devices = decode(
            "u",
            r#"{"devices":[{"id":"d1","is_active":true,"name":"Sandbox Speaker","type":"Computer","volume_percent":64}]}"#,
        )
        .unwrap();
        assert!(devices.devices[0].is_active);
    }
}
