//! # spotify-auth
//!
//! Spotify's OAuth 2.0 Authorization Code flow, one step at a time.
//!
//! The protocol lives in [`core`], with no I/O, one place per step:
//!
//! 1. [`core::step1`]: the authorize URL (random `state`, optional PKCE).
//! 2. [`core::step2`]: the redirect checked, the code traded for tokens.
//! 3. [`core::step3`]: the refresh; [`core::token`] keeps the token policy.
//!
//! Around it, thin I/O: [`SpotifyAuth`] drives the steps with a blocking
//! [`http::Http`] transport and a [`store::TokenStore`] (the
//! [`file_store::FileStore`] by default); [`api::WebApi`] calls the Web API
//! with any [`api::TokenSource`]; [`settings`] reads the environment and
//! `.env`. The learner's front end (arguments, prompts, the browser, the
//! loopback listener, printing, `doctor`, session set-up) is [`walkthrough`].
//!
//! The three steps against the offline sandbox:
//!
//! ```
//! use spotify_auth::{AuthorizeOptions, Config, SpotifyAuth};
//!
//! let sandbox = spotify_sandbox::Sandbox::start(Default::default())?;
//! let folder = std::env::temp_dir().join(format!("spotify-auth-doc-{}", std::process::id()));
//! let vars = sandbox.env_vars();
//! let config = Config::from_lookup(|name| match name {
//!     "SPOTIFY_AUTH_DIR" => Some(folder.display().to_string()),
//!     _ => vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()),
//! })?;
//! let auth = SpotifyAuth::new(config);
//!
//! // Step 1: the URL the user opens; the sandbox plays the user pressing Agree.
//! let request = auth.start_authorization(&AuthorizeOptions::default())?;
//! let redirected = spotify_sandbox::approve_consent(&request.url, true)?;
//!
//! // Step 2: the redirect's code traded for tokens.
//! let exchange = auth.exchange_redirect(&redirected)?;
//! assert_eq!(exchange.response.token_type, "Bearer");
//!
//! // Step 3: a new access token from the refresh token.
//! let refresh = auth.refresh()?;
//! assert_ne!(refresh.token.access_token, exchange.token.access_token);
//! # std::fs::remove_dir_all(&folder)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod core;

pub mod api;
pub mod clock;
pub mod file_store;
pub mod html;
pub mod http;
pub mod listener;
pub mod session;
pub mod settings;
pub mod store;
mod tls;
pub mod walkthrough;

pub use crate::api::{AppTokenSource, Bearer, CommandAnswer, TokenSource, WebApi};
pub use crate::clock::{format_utc, now_secs};
pub use crate::core::app_token::AppToken;
pub use crate::core::config::Config;
pub use crate::core::error::{Error, Result};
pub use crate::core::scopes::SCOPES;
pub use crate::core::secret::{
    AccessToken, AuthorizationCode, ClientSecret, PkceVerifier, RefreshToken, State,
};
pub use crate::core::step1::{
    pkce_challenge, AuthorizeOptions, AuthorizeRequest, PendingAuthorization, QueryParameter,
};
pub use crate::core::step2::{parse_redirect, RedirectParams};
pub use crate::core::token::{SavedToken, TokenResponse};
pub use crate::core::web_api::{
    Artist, Device, Devices, Endpoint, Page, Playback, Playlist, Profile, SavedShow, Show,
    SpotifyId,
};
pub use crate::file_store::{AuthDir, FileStore};
pub use crate::listener::RedirectListener;
pub use crate::session::{CheckedRedirect, Exchange, Refresh, SpotifyAuth};
pub use crate::settings::Settings;
