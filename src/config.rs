//! Configuration from the environment and `.env` (the real environment wins).

use crate::redirect_uri::{check_redirect_uri, DEFAULT_REDIRECT_URI};
use crate::scopes::{parse_scopes, validate_scopes};
use crate::{ClientSecret, Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default `SPOTIFY_ACCOUNTS_URL`.
pub const DEFAULT_ACCOUNTS_URL: &str = "https://accounts.spotify.com";
/// Default `SPOTIFY_API_URL`.
pub const DEFAULT_API_URL: &str = "https://api.spotify.com";
/// Default `SPOTIFY_AUTH_DIR`, relative to the current directory.
pub const DEFAULT_AUTH_DIR: &str = ".spotify-auth";
/// Default time limit of one HTTP request (`SPOTIFY_HTTP_TIMEOUT_SECS`).
pub const DEFAULT_HTTP_TIMEOUT_SECS: u64 = 15;

/// Every variable the tool reads, for `.env.example` and `doctor`.
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

/// The settings of one run.
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
    /// Reads the environment, then `.env` in the current directory for what
    /// the environment does not set.
    pub fn from_env() -> Result<Config> {
        Config::from_env_with_dotenv(Path::new(".env"))
    }

    /// Like [`Config::from_env`] with another `.env` file (a notebook in
    /// `notebooks/` reads the project's `../.env`).
    pub fn from_env_with_dotenv(dotenv_path: &Path) -> Result<Config> {
        Config::from_settings(&Settings::read(dotenv_path)?)
    }

    /// The configuration from already read [`Settings`].
    pub fn from_settings(settings: &Settings) -> Result<Config> {
        Config::from_lookup(|name| settings.get(name))
    }

    /// Reads the variables through `lookup` (a name gives its value when set).
    /// Notebooks use it to point the library at the sandbox.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let get = |name: &str| -> Result<Option<String>> {
            match lookup(name) {
                None => Ok(None),
                Some(value) if value.is_empty() => Ok(None),
                Some(value) => check_clean(name, &value).map(|()| Some(value)),
            }
        };
        let client_id = get("SPOTIFY_CLIENT_ID")?.ok_or_else(|| {
            Error::Config(
                "SPOTIFY_CLIENT_ID is not set: copy the client id from your app at https://developer.spotify.com/dashboard into .env, or run `cargo run` to try the offline sandbox".into(),
            )
        })?;
        let mut warnings = Vec::new();
        if client_id.len() != 32 || !client_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            warnings.push(format!(
                "SPOTIFY_CLIENT_ID `{client_id}` is not 32 hex characters like the dashboard's ids: check it was copied whole"
            ));
        }
        let client_secret = get("SPOTIFY_CLIENT_SECRET")?.map(ClientSecret::new);
        let redirect_uri =
            get("SPOTIFY_REDIRECT_URI")?.unwrap_or_else(|| DEFAULT_REDIRECT_URI.into());
        check_redirect_uri(&redirect_uri)?;
        let scopes = parse_scopes(&get("SPOTIFY_SCOPES")?.unwrap_or_default());
        validate_scopes(&scopes)?;
        let accounts_url = base_url(
            "SPOTIFY_ACCOUNTS_URL",
            get("SPOTIFY_ACCOUNTS_URL")?,
            DEFAULT_ACCOUNTS_URL,
        )?;
        let api_url = base_url("SPOTIFY_API_URL", get("SPOTIFY_API_URL")?, DEFAULT_API_URL)?;
        let auth_dir =
            PathBuf::from(get("SPOTIFY_AUTH_DIR")?.unwrap_or_else(|| DEFAULT_AUTH_DIR.into()));
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
        self.client_secret.as_ref().ok_or_else(|| {
            Error::Config(
                "SPOTIFY_CLIENT_SECRET is not set: put it in .env or the environment (from the app's dashboard), or use --pkce, which needs no secret".into(),
            )
        })
    }
}

/// Where a variable's value comes from: the environment first, then a `.env`
/// file (read once, without touching the process environment).
#[derive(Clone, Default)]
pub struct Settings {
    dotenv: HashMap<String, String>,
}

impl Settings {
    /// The environment over the `.env` file at `dotenv_path` (a missing file is fine).
    pub fn read(dotenv_path: &Path) -> Result<Settings> {
        Ok(Settings {
            dotenv: read_dotenv(dotenv_path)?,
        })
    }

    /// A variable's value; empty counts as unset. A set but non-UTF-8 variable
    /// still wins over `.env`: it is refused later (U+FFFD) instead of being
    /// silently replaced.
    pub fn get(&self, name: &str) -> Option<String> {
        std::env::var_os(name)
            .map(|v| v.to_string_lossy().into_owned())
            .or_else(|| self.dotenv.get(name).cloned())
            .filter(|v| !v.is_empty())
    }
}

impl std::fmt::Debug for Settings {
    // The values may hold the client secret: show only which names .env sets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.dotenv.keys().collect();
        names.sort();
        f.debug_struct("Settings")
            .field("dotenv_names", &names)
            .finish()
    }
}

/// Reads `.env` into a map without touching the process environment.
/// A missing file is an empty map; a malformed one is an error naming the line.
pub fn read_dotenv(path: &Path) -> Result<HashMap<String, String>> {
    let iter = match dotenvy::from_path_iter(path) {
        Ok(iter) => iter,
        Err(e) if e.not_found() => return Ok(HashMap::new()),
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    let mut map = HashMap::new();
    for item in iter {
        // dotenvy's message quotes the whole line, which may hold the
        // secret: name only the variable.
        let (key, value) = item.map_err(|e| {
            let near = match &e {
                dotenvy::Error::LineParse(line, _) => {
                    let name = line.split('=').next().unwrap_or("").trim();
                    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        format!(" at the line of {name}")
                    } else {
                        String::new()
                    }
                }
                _ => String::new(),
            };
            Error::Config(format!(
                "{} is malformed{near} (an unclosed quote, or a space in an unquoted value): write NAME=value, quoting values with spaces; see .env.example",
                path.display()
            ))
        })?;
        map.insert(key, value);
    }
    Ok(map)
}

/// Quotes or stray whitespace in a value reach Spotify verbatim and cause
/// `invalid_client`: refuse them with the variable's name.
fn check_clean(name: &str, value: &str) -> Result<()> {
    if value.contains('\u{fffd}') {
        return Err(Error::Config(format!(
            "{name} is not valid UTF-8 text: retype the value"
        )));
    }
    if value.trim() != value {
        return Err(Error::Config(format!(
            "{name} has leading or trailing whitespace: remove the spaces around the value (they cause invalid_client at Spotify)"
        )));
    }
    let quoted = |q: char| value.len() >= 2 && value.starts_with(q) && value.ends_with(q);
    if quoted('"') || quoted('\'') || value.starts_with(['"', '\'']) || value.ends_with(['"', '\''])
    {
        return Err(Error::Config(format!(
            "{name} is wrapped in quotes: remove the quotes around the value (they reach Spotify and cause invalid_client)"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::Config(format!(
            "{name} contains a control character: retype the value on one line"
        )));
    }
    Ok(())
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

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn config(vars: &[(&str, &str)]) -> Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
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
    fn odd_client_id_is_a_warning() {
        let c = config(&[("SPOTIFY_CLIENT_ID", "abc")]).unwrap();
        assert!(c.warnings[0].contains("32 hex"));
    }

    #[test]
    fn missing_id_and_secret_say_what_to_set() {
        assert!(config(&[])
            .unwrap_err()
            .to_string()
            .contains("SPOTIFY_CLIENT_ID is not set"));
        let c = config(&[("SPOTIFY_CLIENT_ID", ID)]).unwrap();
        let err = c.require_secret().unwrap_err().to_string();
        assert!(
            err.contains("SPOTIFY_CLIENT_SECRET") && err.contains("--pkce"),
            "{err}"
        );
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

    #[test]
    fn settings_debug_names_only() {
        let dir =
            std::env::temp_dir().join(format!("spotify-auth-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "SPOTIFY_TEST_ONLY_SECRET=s3cr3t-value\nSPOTIFY_TEST_ONLY_EMPTY=\n",
        )
        .unwrap();
        let settings = Settings::read(&path).unwrap();
        assert_eq!(
            settings.get("SPOTIFY_TEST_ONLY_SECRET").as_deref(),
            Some("s3cr3t-value")
        );
        assert_eq!(
            settings.get("SPOTIFY_TEST_ONLY_EMPTY"),
            None,
            "empty counts as unset"
        );
        let shown = format!("{settings:?}");
        assert!(
            shown.contains("SPOTIFY_TEST_ONLY_SECRET") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dotenv_is_read_without_touching_the_environment() {
        let dir = std::env::temp_dir().join(format!("spotify-auth-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, "# comment\nSPOTIFY_CLIENT_ID=abc\nSPOTIFY_SCOPES=\"user-read-private user-read-email\"\n").unwrap();
        let map = read_dotenv(&path).unwrap();
        assert_eq!(map["SPOTIFY_CLIENT_ID"], "abc");
        assert_eq!(map["SPOTIFY_SCOPES"], "user-read-private user-read-email");
        std::fs::write(&path, "SPOTIFY_CLIENT_SECRET='s3cr3t-unterminated\n").unwrap();
        let err = read_dotenv(&path).unwrap_err().to_string();
        assert!(
            err.contains("malformed at the line of SPOTIFY_CLIENT_SECRET"),
            "{err}"
        );
        assert!(!err.contains("s3cr3t"), "never echo the line: {err}");
        assert!(read_dotenv(&dir.join("missing")).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
