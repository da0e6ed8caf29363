//! Reading the settings: the environment first, then `.env` (the real
//! environment wins). The only place the library reads variables.

use crate::core::config::Config;
use crate::core::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

impl Config {
    /// Reads the environment, then `.env` in the current directory for what
    /// the environment does not set.
    pub fn from_env() -> Result<Config> {
        Config::from_env_with_dotenv(Path::new(".env"))
    }

    /// Like [`Config::from_env`] with another `.env` file (a notebook in
    /// `notebooks/` reads the project's `../.env`).
    pub fn from_env_with_dotenv(dotenv_path: &Path) -> Result<Config> {
        let settings = Settings::read(dotenv_path)?;
        Config::from_lookup(|name| settings.get(name))
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

/// The nearest `.env` in a folder above the one of `dotenv_path`, when there is
/// one: the project's settings, which a binary run from a subfolder (such as
/// `notebooks/`) does not read.
pub fn dotenv_above(dotenv_path: &Path) -> Option<PathBuf> {
    let searched = std::path::absolute(dotenv_path).ok()?;
    searched
        .parent()?
        .ancestors()
        .skip(1)
        .map(|folder| folder.join(".env"))
        .find(|path| path.is_file())
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
    // dotenvy's message quotes the whole line, which may hold the secret:
    // name only the variable.
    iter.map(|item| {
        item.map_err(|e| {
            let near = match &e {
                dotenvy::Error::LineParse(line, _) => where_in_file(path, line),
                _ => String::new(),
            };
            Error::Config(format!(
                "{} is malformed{near} (an unclosed quote, or a space in an unquoted value): write NAME=value, quoting values with spaces; see .env.example",
                path.display()
            ))
        })
    })
    .collect()
}

/// ` at line N (NAME)` for the bad `line` dotenvy names, found in the file
/// (as `doctor` says it); never the line's content, which may hold the secret.
fn where_in_file(path: &Path, line: &str) -> String {
    let first = line.lines().next().unwrap_or("");
    let name = first
        .trim_start()
        .trim_start_matches("export ")
        .split('=')
        .next()
        .unwrap_or("")
        .trim();
    let name = (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| name.to_string());
    let number = std::fs::read(path).ok().and_then(|bytes| {
        String::from_utf8_lossy(&bytes)
            .lines()
            .position(|l| l == first)
            .map(|index| index + 1)
    });
    match (number, name) {
        (Some(number), Some(name)) => format!(" at line {number} ({name})"),
        (Some(number), None) => format!(" at line {number}"),
        (None, Some(name)) => format!(" at the line of {name}"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        std::fs::write(
            &path,
            "# comment\nSPOTIFY_CLIENT_ID=abc\nSPOTIFY_CLIENT_SECRET='s3cr3t-unterminated\n",
        )
        .unwrap();
        let err = read_dotenv(&path).unwrap_err().to_string();
        assert!(
            err.contains("malformed at line 3 (SPOTIFY_CLIENT_SECRET)"),
            "{err}"
        );
        assert!(!err.contains("s3cr3t"), "never echo the line: {err}");
        assert!(read_dotenv(&dir.join("missing")).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
