//! The Web API calls around the core's [`web_api`](crate::core::web_api)
//! types: profile, playlists, saved shows, playback, devices, the player
//! commands, and the public catalogue (artists).
//!
//! Each call
//! - takes its token from a [`TokenSource`] (the blocking
//!   [`SpotifyAuth`](crate::SpotifyAuth) refreshes it first when less than
//!   60 s remain and refuses a token lacking a scope the configuration asks
//!   for; an [`AppTokenSource`] holds an app-only token);
//! - refuses before sending when the token was not granted the scope the
//!   endpoint needs ([`Endpoint::needed_scope`]), naming the scope, or when an
//!   app-only token would read a user's data;
//! - goes through [`Http`]: a time limit, `Retry-After` waits (capped, told to
//!   the note sink), retries with back-off after 5xx answers (a `POST` player
//!   command only when it surely was not sent);
//! - on a 401 (the service no longer accepts the token: clocks disagree, the
//!   token was revoked) asks the source for a fresh token once and tries again.

use crate::core::app_token::AppToken;
use crate::core::error::{Error, Result};
use crate::core::secret::AccessToken;
use crate::core::token::SavedToken;
use crate::core::web_api::{
    api_error, decode, message_of, Artist, Devices, Endpoint, Method, Page, Playback, Playlist,
    Profile, SavedShow, SpotifyId,
};
use crate::http::{Http, HttpAnswer};
use serde::de::DeserializeOwned;

/// The token a Web API request carries.
#[derive(Debug, Clone)]
pub struct Bearer {
    /// The access token.
    pub access_token: AccessToken,
    /// The scopes a user granted; `None` for an app-only token (no user).
    pub scopes: Option<Vec<String>>,
}

impl From<&SavedToken> for Bearer {
    fn from(token: &SavedToken) -> Bearer {
        Bearer {
            access_token: token.access_token.clone(),
            scopes: Some(token.scopes.clone()),
        }
    }
}

impl From<&AppToken> for Bearer {
    fn from(token: &AppToken) -> Bearer {
        Bearer {
            access_token: token.access_token.clone(),
            scopes: None,
        }
    }
}

/// Where the Web API calls get their access token.
pub trait TokenSource {
    /// A usable token, refreshed first when it is about to expire.
    fn access_token(&self) -> Result<Bearer>;
    /// A new token after the service refused the current one (401), or
    /// `None` when this source cannot get one (no client secret).
    fn refresh_after_rejection(&self) -> Result<Option<Bearer>>;
}

/// An app-only token (Client Credentials) as a [`TokenSource`]: it is used
/// as it is; a refusal is reported, not retried (asking again for an app
/// token is the caller's choice).
#[derive(Debug, Clone)]
pub struct AppTokenSource(pub AppToken);

impl TokenSource for AppTokenSource {
    fn access_token(&self) -> Result<Bearer> {
        Ok(Bearer::from(&self.0))
    }

    fn refresh_after_rejection(&self) -> Result<Option<Bearer>> {
        Ok(None)
    }
}

/// What a player command got: 204 No Content (or 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandAnswer {
    /// The HTTP status.
    pub status: u16,
}

/// The Web API calls with one token source.
pub struct WebApi<'a> {
    tokens: &'a dyn TokenSource,
    http: &'a Http,
    api_url: &'a str,
}

impl std::fmt::Debug for WebApi<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebApi")
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl<'a> WebApi<'a> {
    /// The calls under `api_url` (`SPOTIFY_API_URL`) with tokens from `tokens`.
    pub fn new(tokens: &'a dyn TokenSource, http: &'a Http, api_url: &'a str) -> Self {
        WebApi {
            tokens,
            http,
            api_url,
        }
    }

    /// The full URL of `endpoint` under `SPOTIFY_API_URL`.
    pub fn url(&self, endpoint: Endpoint) -> String {
        endpoint.url(self.api_url)
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
        let body = self.call(endpoint)?;
        body.map(|b| decode(&self.url(endpoint), &b)).transpose()
    }

    /// The user's devices (`GET /v1/me/player/devices`, needs `user-read-playback-state`).
    pub fn devices(&self) -> Result<Devices> {
        self.get_json(Endpoint::Devices)
    }

    /// An artist of the public catalogue (`GET /v1/artists/{id}`): any token,
    /// app-only ones included.
    pub fn artist(&self, id: SpotifyId) -> Result<Artist> {
        self.get_json(Endpoint::Artist(id))
    }

    /// A player command ([`Endpoint::Pause`], `Play`, `Next`, `Previous`,
    /// `PUT`/`POST /v1/me/player/...`; needs `user-modify-playback-state`,
    /// Premium and an active device): its status.
    pub fn command(&self, endpoint: Endpoint) -> Result<CommandAnswer> {
        self.send(endpoint).map(|answer| CommandAnswer {
            status: answer.status,
        })
    }

    fn get_json<T: DeserializeOwned>(&self, endpoint: Endpoint) -> Result<T> {
        let url = self.url(endpoint);
        let body = self.call(endpoint)?.ok_or_else(|| {
            Error::UnexpectedResponse(format!(
                "{url} answered 204 with no body where JSON was expected; try again"
            ))
        })?;
        decode(&url, &body)
    }

    /// The body of a 200, `None` for 204 No Content.
    fn call(&self, endpoint: Endpoint) -> Result<Option<String>> {
        let answer = self.send(endpoint)?;
        Ok((answer.status != 204).then_some(answer.body))
    }

    /// Sends `endpoint` with the bearer token; a 2xx answer, else its error.
    fn send(&self, endpoint: Endpoint) -> Result<HttpAnswer> {
        let token = self.tokens.access_token()?;
        let url = self.url(endpoint);
        // Checked here, so no request is sent that is sure to fail.
        match (&token.scopes, endpoint.needed_scope()) {
            (None, _) if endpoint.needs_user() && endpoint != Endpoint::Me => {
                return Err(Error::UserTokenRequired { status: None, url });
            }
            (Some(scopes), Some(scope)) if !scopes.iter().any(|s| s == scope) => {
                return Err(Error::ScopeNotGranted {
                    scope: scope.into(),
                    method: endpoint.method().as_str(),
                    url,
                });
            }
            _ => {}
        }
        let mut answer = self.send_with(endpoint, &url, &token)?;
        if answer.status == 401 {
            let error = api_error(&url, endpoint, answer.status, &answer.body);
            if matches!(error, Error::UserTokenRequired { .. }) {
                // No refresh gives an app-only token a user.
                return Err(error);
            }
            // The service no longer takes this token (clocks disagree, it was
            // revoked): a fresh one may work. Refresh once and try again (a
            // refused request did nothing, so a POST may be sent again too).
            self.http.note(&format!(
                "note: {url} answered 401 ({}): refreshing the token and trying once more",
                message_of(&answer.body)
            ));
            match self.tokens.refresh_after_rejection()? {
                Some(token) => answer = self.send_with(endpoint, &url, &token)?,
                // No secret to refresh with: the 401 is the problem to report.
                None => return Err(error),
            }
        }
        match answer.status {
            200..=299 => Ok(answer),
            status => Err(api_error(&url, endpoint, status, &answer.body)),
        }
    }

    fn send_with(&self, endpoint: Endpoint, url: &str, token: &Bearer) -> Result<HttpAnswer> {
        let method = endpoint.method();
        let http_method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Put => reqwest::Method::PUT,
            Method::Post => reqwest::Method::POST,
        };
        self.http.bearer(
            http_method,
            url,
            token.access_token.secret(),
            method.retry(),
        )
    }
}
