//! The state every handler shares (axum's `State`), in its own module so
//! that the routes, the session extractor and the router all depend on it and
//! it depends on none of them.

use crate::session_cache::SessionCache;
use crate::spotify::Spotify;
use crate::store::Store;
use crate::tokens::Tokens;
use crate::web_playback::WebPlayback;
use std::sync::Arc;

/// What every handler shares.
pub struct Shared {
    /// Sessions and tokens.
    pub store: Arc<dyn Store>,
    /// Access tokens, refreshed once.
    pub tokens: Tokens,
    /// Signed-in sessions read recently (a short time to live).
    pub sessions: Arc<SessionCache>,
    /// The calls to Spotify, with the app's settings.
    pub spotify: Spotify,
    /// `scheme://host:port` of `SPOTIFY_REDIRECT_URI`: the app's public origin.
    pub public_origin: String,
    /// True when the public URL is https: the cookie is then `Secure`.
    pub secure_cookies: bool,
    /// True when playing against the in-process sandbox.
    pub sandbox: bool,
    /// "Play in this browser" (`WEB_PLAYBACK=1`), with the SDK to load.
    pub web_playback: Option<WebPlayback>,
    /// True (`WEB_APP_PKCE_ONLY=1`): the login exchanges its code with the
    /// PKCE verifier alone, without the secret; else with both.
    pub pkce_only: bool,
}

impl Shared {
    /// Origins the pages may load scripts and frames from and fetch from,
    /// besides their own (the Content-Security-Policy): the Web Playback SDK's
    /// when it is on.
    pub fn feature_origins(&self) -> Vec<String> {
        self.web_playback
            .iter()
            .map(WebPlayback::sdk_origin)
            .collect()
    }
}

/// The state of the axum app (cheap to clone).
pub type AppState = Arc<Shared>;
