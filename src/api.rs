//! The Web API calls around the core's [`web_api`](crate::core::web_api)
//! types: profile, playlists, saved shows, playback.
//!
//! Each call
//! - takes its token from a [`TokenSource`] (the blocking
//!   [`SpotifyAuth`](crate::SpotifyAuth) refreshes it first when less than
//!   60 s remain and refuses a token lacking a scope the configuration asks for);
//! - refuses before sending when the token was not granted the scope the
//!   endpoint needs ([`Endpoint::needed_scope`]), naming the scope;
//! - goes through [`Http`]: a time limit, `Retry-After` waits (capped, told to
//!   the note sink), retries with back-off after 5xx answers;
//! - on a 401 (the service no longer accepts the token: clocks disagree, the
//!   token was revoked) asks the source for a fresh token once and tries again.

use crate::core::error::{Error, Result};
use crate::core::token::SavedToken;
use crate::core::web_api::{
    api_error, decode, message_of, Endpoint, Page, Playback, Playlist, Profile, SavedShow,
};
use crate::http::{Http, HttpAnswer};
use serde::de::DeserializeOwned;

/// Where the Web API calls get their access token.
pub trait TokenSource {
    /// A usable token, refreshed first when it is about to expire.
    fn access_token(&self) -> Result<SavedToken>;
    /// A new token after the service refused the current one (401), or
    /// `None` when this source cannot refresh (no client secret).
    fn refresh_after_rejection(&self) -> Result<Option<SavedToken>>;
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
        let token = self.tokens.access_token()?;
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
            self.http.note(&format!(
                "note: {url} answered 401 ({}): refreshing the token and trying once more",
                message_of(&answer.body)
            ));
            match self.tokens.refresh_after_rejection()? {
                Some(token) => answer = self.send_get(&url, &token)?,
                // No secret to refresh with: the 401 is the problem to report.
                None => return Err(api_error(&url, endpoint, answer.status, &answer.body)),
            }
        }
        match answer.status {
            200 => Ok(Some(answer.body)),
            204 => Ok(None),
            _ => Err(api_error(&url, endpoint, answer.status, &answer.body)),
        }
    }

    fn send_get(&self, url: &str, token: &SavedToken) -> Result<HttpAnswer> {
        self.http
            .bearer(reqwest::Method::GET, url, token.access_token.secret())
    }
}
