//! # spotify-auth
//!
//! Spotify's OAuth 2.0 Authorization Code flow, one step at a time, as the
//! binaries `step1_auth_url`, `step2_get_tokens` and `step3_refresh` and the
//! notebooks under `notebooks/` walk it:
//!
//! 1. [`Config::from_env`] reads the settings, [`SpotifyAuth::start_authorization`]
//!    builds the authorize URL (random `state`, optional PKCE) and saves the
//!    pending authorization.
//! 2. [`SpotifyAuth::exchange_redirect`] checks the pasted redirect (state,
//!    error, code, age) and trades the code for tokens, saved privately.
//! 3. [`SpotifyAuth::refresh`] gets a new access token; [`SpotifyAuth::access_token`]
//!    refreshes by itself when less than 60 s remain.
//! 4. [`SpotifyAuth::api`] reads the profile, playlists, shows and playback.
//!
//! Every failure is an [`Error`] whose message names the cause and the fix.
#![deny(missing_docs)]

pub mod accounts;
pub mod api;
pub mod authorize;
pub mod browser;
pub mod cli;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod error;
pub mod flow;
pub mod http;
pub mod listener;
pub mod paste;
pub mod redirect_uri;
pub mod report;
pub mod scopes;
pub mod secret;
pub mod storage;
mod tls;
pub mod token;

pub use api::{Endpoint, Page, Playback, Playlist, Profile, SavedShow, Show, WebApi};
pub use authorize::{
    pkce_challenge, AuthorizeOptions, AuthorizeRequest, PendingAuthorization, QueryParameter,
};
pub use clock::{format_utc, now_secs};
pub use config::Config;
pub use error::{Error, Result};
pub use flow::{Exchange, Refresh, SpotifyAuth};
pub use listener::RedirectListener;
pub use paste::{parse_redirect, RedirectParams};
pub use redirect_uri::check_redirect_uri;
pub use scopes::SPOTIFY_SCOPES;
pub use secret::{AccessToken, AuthorizationCode, ClientSecret, PkceVerifier, RefreshToken};
pub use storage::AuthDir;
pub use token::{SavedToken, TokenResponse};
