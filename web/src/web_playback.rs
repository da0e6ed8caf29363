//! The "Play in this browser" setting: whether it is on, which SDK script
//! the page loads (Spotify's, or the sandbox's stand-in), the scopes it adds.
//! Plain data, so the app's state can hold it without depending on the card.

use spotify_auth::core::config::DEFAULT_API_URL;

/// Spotify's Web Playback SDK.
pub const SPOTIFY_SDK_URL: &str = "https://sdk.scdn.co/spotify-player.js";
/// Where the sandbox serves its stand-in, under its base URL.
pub const SANDBOX_SDK_PATH: &str = "/sdk/spotify-player.js";
/// What the SDK needs of a token besides the page's own scopes.
pub const SDK_SCOPES: [&str; 3] = ["streaming", "user-read-email", "user-read-private"];
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
}
