//! The app's settings as the protocol needs them (client id, secret, redirect
//! URI, scopes, service URLs), checked. Read from nowhere here: a `lookup`
//! function supplies the values (`crate::settings` reads the environment and `.env`).

use super::error::{Error, Result};
use super::redirect_uri::{check_redirect_uri, redirect_uri_warnings, DEFAULT_REDIRECT_URI};
use super::scopes::{parse_scopes, validate_scopes};
use super::secret::ClientSecret;
use std::path::PathBuf;
use std::time::Duration;

/// All steps: default `SPOTIFY_ACCOUNTS_URL`.
pub const DEFAULT_ACCOUNTS_URL: &str = "https://accounts.spotify.com";
/// After step 2: default `SPOTIFY_API_URL`.
pub const DEFAULT_API_URL: &str = "https://api.spotify.com";
/// All steps: default `SPOTIFY_AUTH_DIR`, relative to the current directory.
pub const DEFAULT_AUTH_DIR: &str = ".spotify-auth";
/// Steps 2 and 3: default time limit of one HTTP request (`SPOTIFY_HTTP_TIMEOUT_SECS`).
pub const DEFAULT_HTTP_TIMEOUT_SECS: u64 = 15;

/// All steps: every variable the tool reads, for `.env.example` and `doctor`.
pub const VARIABLES: &[&str] = &[
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "SPOTIFY_REDIRECT_URI",
    "SPOTIFY_SCOPES",
    "SPOTIFY_ACCOUNTS_URL",
    "SPOTIFY_API_URL",
    "SPOTIFY_AUTH_DIR",
    "SPOTIFY_HTTP_TIMEOUT_SECS",
];

/// All steps: the settings of one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `SPOTIFY_CLIENT_ID`: the app's client id from the dashboard.
    pub client_id: String,
    /// `SPOTIFY_CLIENT_SECRET`, when set (PKCE needs none).
    pub client_secret: Option<ClientSecret>,
    /// `SPOTIFY_REDIRECT_URI`, checked against Spotify's rules.
    pub redirect_uri: String,
    /// `SPOTIFY_SCOPES`, each a real Spotify scope.
    pub scopes: Vec<String>,
    /// `SPOTIFY_ACCOUNTS_URL` without a trailing slash.
    pub accounts_url: String,
    /// `SPOTIFY_API_URL` without a trailing slash.
    pub api_url: String,
    /// `SPOTIFY_AUTH_DIR`: where every file the tool writes goes.
    pub auth_dir: PathBuf,
    /// `SPOTIFY_HTTP_TIMEOUT_SECS`: the time limit of one request.
    pub http_timeout: Duration,
    /// Things worth telling the user that do not stop the run (a client id
    /// that does not look like one). Binaries print them as `warning: ...`.
    pub warnings: Vec<String>,
}

impl Config {
    /// Reads the variables through `lookup` (a name gives its value when set).
    /// Notebooks use it to point the library at the sandbox.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let get = |name: &str| -> Result<Option<String>> {
            let value = lookup(name).filter(|v| !v.is_empty());
            value.map(|v| check_clean(name, &v).map(|()| v)).transpose()
        };
        let client_id = get("SPOTIFY_CLIENT_ID")?.ok_or(Error::MissingClientId)?;
        check_client_id(&client_id)?;
        let mut warnings = Vec::new();
        if client_id.len() != 32 || !client_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            warnings.push(format!(
                "SPOTIFY_CLIENT_ID `{client_id}` is not 32 hex characters like the dashboard's ids: check it was copied whole"
            ));
        }
        let client_secret = get("SPOTIFY_CLIENT_SECRET")?.map(ClientSecret::new);
        let redirect_uri =
            get("SPOTIFY_REDIRECT_URI")?.unwrap_or_else(|| DEFAULT_REDIRECT_URI.into());
        let parsed = check_redirect_uri(&redirect_uri)?;
        warnings.extend(redirect_uri_warnings(&redirect_uri, &parsed));
        let scopes = parse_scopes(&get("SPOTIFY_SCOPES")?.unwrap_or_default());
        validate_scopes(&scopes)?;
        let accounts_url = base_url(
            "SPOTIFY_ACCOUNTS_URL",
            get("SPOTIFY_ACCOUNTS_URL")?,
            DEFAULT_ACCOUNTS_URL,
        )?;
        let api_url = base_url("SPOTIFY_API_URL", get("SPOTIFY_API_URL")?, DEFAULT_API_URL)?;
        let auth_dir = match get("SPOTIFY_AUTH_DIR")? {
            None => PathBuf::from(DEFAULT_AUTH_DIR),
            Some(dir) => home_expanded(&dir, lookup("HOME").filter(|h| !h.is_empty()))?,
        };
        let timeout_secs = match get("SPOTIFY_HTTP_TIMEOUT_SECS")? {
            None => DEFAULT_HTTP_TIMEOUT_SECS,
            Some(v) => v.parse::<u64>().ok().filter(|s| (1..=600).contains(s)).ok_or_else(|| {
                Error::Config(format!(
                    "SPOTIFY_HTTP_TIMEOUT_SECS `{v}` is not a number of seconds from 1 to 600: fix or remove it"
                ))
            })?,
        };
        Ok(Config {
            client_id,
            client_secret,
            redirect_uri,
            scopes,
            accounts_url,
            api_url,
            auth_dir,
            http_timeout: Duration::from_secs(timeout_secs),
            warnings,
        })
    }

    /// The client secret, or an error that says how to provide it.
    pub fn require_secret(&self) -> Result<&ClientSecret> {
        self.client_secret
            .as_ref()
            .ok_or(Error::MissingClientSecret)
    }
}

/// Quotes or stray whitespace in a value reach Spotify verbatim and cause
/// `invalid_client`: refuse them with the variable's name.
fn check_clean(name: &str, value: &str) -> Result<()> {
    let problem = if value.contains('\u{fffd}') {
        "is not valid UTF-8 text: retype the value"
    } else if value.trim() != value {
        "has leading or trailing whitespace: remove the spaces around the value (they cause invalid_client at Spotify)"
    } else if value.contains(['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}']) {
        "contains typographic quotes (“ ” ‘ ’), probably from copying out of a document: retype the value with plain characters, without quotes"
    } else if value.starts_with(['"', '\'']) || value.ends_with(['"', '\'']) {
        "is wrapped in quotes: remove the quotes around the value (they reach Spotify and cause invalid_client)"
    } else if value.chars().any(char::is_control) {
        "contains a control character: retype the value on one line"
    } else {
        return Ok(());
    };
    Err(Error::Config(format!("{name} {problem}")))
}

/// A client id is 32 hex characters; one holding a space, a quote or a
/// non-ASCII character was surely mangled on the way (copied from a document
/// or a chat). The same rule fails every step and `doctor`; an id that is
/// only of another length or alphabet is a warning (Spotify's format could change).
fn check_client_id(id: &str) -> Result<()> {
    let what = if id.chars().any(char::is_whitespace) {
        "a space"
    } else if id.contains(['"', '\'', '`']) {
        "a quote"
    } else if !id.is_ascii() {
        "a character that is not plain ASCII"
    } else {
        return Ok(());
    };
    Err(Error::Config(format!(
        "SPOTIFY_CLIENT_ID contains {what}, which no client id has (they are 32 hex characters): copy it again from the app's dashboard"
    )))
}

/// `SPOTIFY_AUTH_DIR` with a leading `~/` (or a lone `~`) expanded to `home`
/// as a shell would: `.env` is read by no shell, and a folder named `~` would
/// be made in the current directory instead.
fn home_expanded(dir: &str, home: Option<String>) -> Result<PathBuf> {
    let Some(rest) = dir.strip_prefix('~') else {
        return Ok(PathBuf::from(dir));
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Err(Error::Config(format!(
            "SPOTIFY_AUTH_DIR `{dir}` starts with `~name`, which only a shell expands: write the folder's full path"
        )));
    }
    match home {
        Some(home) => Ok(PathBuf::from(home).join(rest.trim_start_matches('/'))),
        None => Err(Error::Config(format!(
            "SPOTIFY_AUTH_DIR `{dir}` starts with `~`, but HOME is not set to expand it: write the folder's full path"
        ))),
    }
}

fn base_url(name: &str, value: Option<String>, default: &str) -> Result<String> {
    let value = value.unwrap_or_else(|| default.into());
    match url::Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(value.trim_end_matches('/').to_string())
        }
        _ => Err(Error::Config(format!(
            "{name} `{value}` is not an http(s) URL: use e.g. {default}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn config(vars: &[(&str, &str)]) -> Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn a_leading_tilde_is_the_home_folder() {
        let with_home = |dir: &str, home: Option<&str>| {
            let mut vars = vec![("SPOTIFY_CLIENT_ID", ID), ("SPOTIFY_AUTH_DIR", dir)];
            vars.extend(home.map(|h| ("HOME", h)));
            config(&vars).map(|c| c.auth_dir)
        };
        let home = Some("/home/ada");
        assert_eq!(
            with_home("~/spauth", home).unwrap(),
            PathBuf::from("/home/ada/spauth")
        );
        assert_eq!(with_home("~", home).unwrap(), PathBuf::from("/home/ada"));
        assert_eq!(with_home("a/~/b", home).unwrap(), PathBuf::from("a/~/b"));
        let err = with_home("~bob/x", home).unwrap_err().to_string();
        assert!(err.contains("full path"), "{err}");
        let err = with_home("~/x", None).unwrap_err().to_string();
        assert!(err.contains("HOME is not set"), "{err}");
    }

    #[test]
    fn defaults_apply() {
        let c = config(&[("SPOTIFY_CLIENT_ID", ID)]).unwrap();
        assert_eq!(c.redirect_uri, DEFAULT_REDIRECT_URI);
        assert_eq!(c.accounts_url, DEFAULT_ACCOUNTS_URL);
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.auth_dir, PathBuf::from(".spotify-auth"));
        assert!(c.scopes.is_empty() && c.client_secret.is_none() && c.warnings.is_empty());
    }

    #[test]
    fn quotes_and_whitespace_name_the_variable() {
        for bad in ["\"abc\"", "'abc'", " abc", "abc ", "abc\"", "ab\tc\n"] {
            let err = config(&[("SPOTIFY_CLIENT_ID", ID), ("SPOTIFY_CLIENT_SECRET", bad)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("SPOTIFY_CLIENT_SECRET "), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_client_id_with_a_space_or_quotes_is_refused() {
        for bad in [
            "\u{201c}0123456789abcdef0123456789abcdef\u{201d}",
            "01234567 89abcdef0123456789abcdef",
            "0123456789abcdef\"0123456789abcdef",
            "0123456789abcdéf0123456789abcdef",
        ] {
            let err = config(&[("SPOTIFY_CLIENT_ID", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("SPOTIFY_CLIENT_ID contains"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn unusual_redirect_uris_are_warned_about() {
        for uri in [
            "http://127.0.0.1:8888/callback/",
            "https://127.0.0.1:8888/callback",
        ] {
            let c = config(&[("SPOTIFY_CLIENT_ID", ID), ("SPOTIFY_REDIRECT_URI", uri)]).unwrap();
            assert_eq!(c.warnings.len(), 1, "{uri}: {:?}", c.warnings);
            assert!(
                c.warnings[0].contains("registered exactly"),
                "{:?}",
                c.warnings
            );
        }
        let c = config(&[("SPOTIFY_CLIENT_ID", ID)]).unwrap();
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn odd_client_id_is_a_warning() {
        let c = config(&[("SPOTIFY_CLIENT_ID", "abc")]).unwrap();
        assert!(c.warnings[0].contains("32 hex"));
    }

    #[test]
    fn missing_id_and_secret_say_what_to_set() {
        assert!(matches!(config(&[]), Err(Error::MissingClientId)));
        let c = config(&[("SPOTIFY_CLIENT_ID", ID)]).unwrap();
        let err = c.require_secret().unwrap_err();
        assert!(matches!(err, Error::MissingClientSecret), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(config(&[
            ("SPOTIFY_CLIENT_ID", ID),
            ("SPOTIFY_REDIRECT_URI", "http://localhost:8888/callback")
        ])
        .is_err());
        assert!(config(&[
            ("SPOTIFY_CLIENT_ID", ID),
            ("SPOTIFY_SCOPES", "user-read-privat")
        ])
        .is_err());
        assert!(config(&[
            ("SPOTIFY_CLIENT_ID", ID),
            ("SPOTIFY_ACCOUNTS_URL", "ftp://x")
        ])
        .is_err());
        assert!(config(&[
            ("SPOTIFY_CLIENT_ID", ID),
            ("SPOTIFY_HTTP_TIMEOUT_SECS", "0")
        ])
        .is_err());
    }

    #[test]
    fn trailing_slash_is_dropped_from_base_urls() {
        let c = config(&[
            ("SPOTIFY_CLIENT_ID", ID),
            ("SPOTIFY_API_URL", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(c.api_url, "http://127.0.0.1:9");
    }
}
