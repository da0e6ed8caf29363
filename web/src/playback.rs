//! "Play in this browser": Spotify's Web Playback SDK on the signed-in page,
//! when `WEB_PLAYBACK=1` (or `web_app --web-playback`).
//!
//! The card loads the SDK script (Spotify's, or the sandbox's stand-in: one
//! setting, [`WebPlayback::sdk_url`]) and `static/playback.js`, whose
//! `getOAuthToken` asks `GET /api/token` each time the SDK wants a token: the
//! token is never written into the page, and the server refreshes it once per
//! user however many tabs ask. On `ready` the page moves playback to the
//! browser with `POST /api/player/transfer` ([`crate::routes::player`]).

use crate::error::AppError;
use crate::home::{icon, ICON_NEXT, ICON_PAUSE, ICON_PLAY, ICON_PREVIOUS};
use crate::html::escape;
use crate::state::AppState;
use crate::tokens::Fresh;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use spotify_auth::core::config::DEFAULT_API_URL;
use spotify_auth::AccessToken;

/// Spotify's Web Playback SDK.
pub const SPOTIFY_SDK_URL: &str = "https://sdk.scdn.co/spotify-player.js";
/// Where the sandbox serves its stand-in, under its base URL.
pub const SANDBOX_SDK_PATH: &str = "/sdk/spotify-player.js";
/// What the SDK needs of a token besides the page's own scopes.
pub const SDK_SCOPES: [&str; 3] = ["streaming", "user-read-email", "user-read-private"];
/// The page's script, served from the app itself (`script-src 'self'`).
pub const SCRIPT_PATH: &str = "/static/playback.js";
/// The header in which the page names the token Spotify refused.
pub const REFUSED_TOKEN_HEADER: &str = "x-refused-token";
/// The device name's start; the page adds which browser it is.
const DEVICE_NAME: &str = "spotify-auth web app";

const SCRIPT: &str = include_str!("../static/playback.js");

/// Web Playback, when enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPlayback {
    /// The SDK script: Spotify's when the Web API is Spotify's, else the
    /// stand-in of the sandbox behind `SPOTIFY_API_URL`.
    pub sdk_url: String,
}

impl WebPlayback {
    /// The SDK of the Web API at `api_url`.
    pub fn for_api(api_url: &str) -> WebPlayback {
        let sdk_url = if api_url.trim_end_matches('/') == DEFAULT_API_URL {
            SPOTIFY_SDK_URL.to_string()
        } else {
            format!("{}{SANDBOX_SDK_PATH}", api_url.trim_end_matches('/'))
        };
        WebPlayback { sdk_url }
    }

    /// `scheme://host[:port]` of the SDK script: one more origin for the
    /// Content-Security-Policy's `script-src` (and, for the sandbox's
    /// stand-in, `connect-src`; Spotify's SDK also opens a frame from it).
    pub fn sdk_origin(&self) -> String {
        url::Url::parse(&self.sdk_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }
}

/// `WEB_PLAYBACK`: `1`/`true`/`yes`/`on` enable, `0`/`false`/`no`/`off` or
/// unset disable; anything else is an error naming the variable.
pub fn enabled(value: Option<&str>) -> Result<bool, String> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("0") | Some("false") | Some("no") | Some("off") => Ok(false),
        Some("1") | Some("true") | Some("yes") | Some("on") => Ok(true),
        Some(_) => Err(format!(
            "WEB_PLAYBACK `{}` is neither 1 (play in the browser) nor 0",
            spotify_auth::core::error::printable(value.unwrap_or_default(), 20)
        )),
    }
}

/// `scopes` with the SDK's added (each once).
pub fn add_sdk_scopes(scopes: &mut Vec<String>) {
    for scope in SDK_SCOPES {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
}

/// The card of the signed-in page: the player, or (a sign-in from before
/// Web Playback was on) why it cannot start and the way to fix it.
pub async fn card(state: &AppState, user_id: &str) -> String {
    let Some(playback) = &state.web_playback else {
        return String::new();
    };
    let wanted: Vec<String> = SDK_SCOPES.iter().map(|s| s.to_string()).collect();
    let missing = match state.store.load_token(user_id).await {
        Ok(Some(row)) => row.token.missing_scopes(&wanted),
        // No token (signed out meanwhile) or no database: the page says so elsewhere.
        _ => Vec::new(),
    };
    card_html(playback, &missing)
}

fn card_html(playback: &WebPlayback, missing: &[String]) -> String {
    if !missing.is_empty() {
        return format!(
            "<section class=\"card\" id=\"web-playback\">\n<h2>Play in this browser</h2>\n\
             <p class=\"error\" id=\"wp-message\">This sign-in is missing the scopes {} that playing in the browser needs \
             (it was made before Web Playback was turned on): log in again to grant them.</p>\n\
             <p><a class=\"button primary\" id=\"wp-login\" href=\"/login\">Log in again</a></p>\n</section>",
            escape(&missing.join(", "))
        );
    }
    let button = |id: &str, label: &str, path: &str| {
        format!(
            "<button class=\"round\" id=\"{id}\" type=\"button\" title=\"{label}\" aria-label=\"{label}\">{}</button>",
            icon(path)
        )
    };
    format!(
        "<section class=\"card\" id=\"web-playback\" data-sdk-url=\"{sdk}\" data-device-name=\"{name}\">\n\
         <h2>Play in this browser</h2>\n\
         <p class=\"state\" id=\"wp-state\">Starting the player</p>\n\
         <p class=\"title big\" id=\"wp-track\"></p>\n<p class=\"muted\" id=\"wp-artists\"></p>\n\
         <div class=\"controls\">{}{}{}{}</div>\n\
         <p class=\"small\" id=\"wp-message\" aria-live=\"polite\">Loading Spotify's Web Playback SDK.</p>\n\
         <p hidden id=\"wp-login\"><a class=\"button primary\" href=\"/login\">Log in again</a></p>\n\
         <p class=\"muted small\" id=\"wp-device\"></p>\n\
         <script src=\"{SCRIPT_PATH}\" defer></script>\n</section>",
        button("wp-previous", "Previous", ICON_PREVIOUS),
        button("wp-pause", "Pause", ICON_PAUSE),
        button("wp-play", "Play", ICON_PLAY),
        button("wp-next", "Next", ICON_NEXT),
        sdk = escape(&playback.sdk_url),
        name = escape(DEVICE_NAME),
    )
}

/// The token `GET /api/token` hands the SDK. When the page names the token
/// Spotify refused (the SDK asked again long before its expiry), a new one,
/// refreshed unless another request already replaced that token; otherwise
/// the current one, refreshed when due.
pub async fn token_for_sdk(
    state: &AppState,
    user_id: &str,
    headers: &HeaderMap,
) -> Result<Fresh, AppError> {
    let refused = headers
        .get(REFUSED_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match refused {
        Some(token) => {
            state
                .tokens
                .after_unauthorized(user_id, &AccessToken::new(token))
                .await
        }
        None => state.tokens.access_token(user_id).await,
    }
}

/// `GET /static/playback.js`.
pub async fn script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_follows_the_web_api() {
        let spotify = WebPlayback::for_api("https://api.spotify.com");
        assert_eq!(spotify.sdk_url, SPOTIFY_SDK_URL);
        assert_eq!(spotify.sdk_origin(), "https://sdk.scdn.co");
        let sandbox = WebPlayback::for_api("http://127.0.0.1:8899/");
        assert_eq!(
            sandbox.sdk_url,
            "http://127.0.0.1:8899/sdk/spotify-player.js"
        );
        assert_eq!(sandbox.sdk_origin(), "http://127.0.0.1:8899");
    }

    #[test]
    fn web_playback_is_off_unless_asked() {
        assert_eq!(enabled(None), Ok(false));
        assert_eq!(enabled(Some("0")), Ok(false));
        assert_eq!(enabled(Some(" 1 ")), Ok(true));
        assert_eq!(enabled(Some("TRUE")), Ok(true));
        let error = enabled(Some("maybe")).unwrap_err();
        assert!(error.contains("WEB_PLAYBACK `maybe`"), "{error}");
    }

    #[test]
    fn sdk_scopes_are_added_once() {
        let mut scopes = vec!["user-read-private".to_string()];
        add_sdk_scopes(&mut scopes);
        assert_eq!(
            scopes,
            ["user-read-private", "streaming", "user-read-email"]
        );
    }

    #[test]
    fn the_card_holds_no_token_and_names_missing_scopes() {
        let playback = WebPlayback::for_api("http://127.0.0.1:1");
        let html = card_html(&playback, &[]);
        assert!(html.contains("data-sdk-url=\"http://127.0.0.1:1/sdk/spotify-player.js\""));
        assert!(html.contains(SCRIPT_PATH) && !html.contains("access_token"));
        let html = card_html(&playback, &["streaming".into()]);
        assert!(html.contains("streaming") && html.contains("log in again"));
        assert!(!html.contains("<script"));
    }
}
