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
use crate::home::player_buttons;
use crate::html::escape;
use crate::state::AppState;
use crate::tokens::Fresh;
pub use crate::web_playback::{
    add_sdk_scopes, enabled, WebPlayback, SANDBOX_SDK_PATH, SDK_SCOPES, SPOTIFY_SDK_URL,
};
use axum::http::HeaderMap;
use axum::response::Response;
use spotify_auth::AccessToken;

/// The page's script, served from the app itself (`script-src 'self'`).
pub const SCRIPT_PATH: &str = "/static/playback.js";
/// The header in which the page names the token Spotify refused.
pub const REFUSED_TOKEN_HEADER: &str = "x-refused-token";
/// The device name's start; the page adds which browser it is.
const DEVICE_NAME: &str = "spotify-auth web app";

const SCRIPT: &str = include_str!("../static/playback.js");

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
    let buttons = player_buttons(|command, label, icon| {
        format!(
            "<button class=\"round\" id=\"wp-{command}\" type=\"button\" title=\"{label}\" aria-label=\"{label}\">{icon}</button>"
        )
    });
    format!(
        "<section class=\"card\" id=\"web-playback\" data-sdk-url=\"{sdk}\" data-device-name=\"{name}\">\n\
         <h2>Play in this browser</h2>\n\
         <p class=\"state\" id=\"wp-state\">Starting the player</p>\n\
         <p class=\"title big\" id=\"wp-track\"></p>\n<p class=\"muted\" id=\"wp-artists\"></p>\n\
         <div class=\"controls\">{buttons}</div>\n\
         <p class=\"small\" id=\"wp-message\" aria-live=\"polite\">Loading Spotify's Web Playback SDK.</p>\n\
         <p hidden id=\"wp-login\"><a class=\"button primary\" href=\"/login\">Log in again</a></p>\n\
         <p class=\"muted small\" id=\"wp-device\"></p>\n\
         <script src=\"{SCRIPT_PATH}\" defer></script>\n</section>",
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
        .filter(|t| !t.is_empty())
        .map(AccessToken::new);
    match refused {
        Some(token) => state.tokens.after_unauthorized(user_id, &token).await,
        None => state.tokens.access_token(user_id).await,
    }
}

/// `GET /static/playback.js`.
pub async fn script() -> Response {
    crate::html::asset("text/javascript; charset=utf-8", SCRIPT)
}

#[cfg(test)]
mod tests {
    use super::*;

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
