//! One call that sets up a session for `cargo run`, every binary and every
//! notebook: the settings read (environment over `.env`), the offline sandbox
//! started when no `SPOTIFY_CLIENT_ID` is configured and the caller allows it,
//! the default scopes applied, and a [`SpotifyAuth`] whose retry notes go to
//! stderr.

use super::wire::{Show, WireView};
use crate::core::config::{Config, DEFAULT_AUTH_DIR, VARIABLES};
use crate::core::error::{Error, Result};
use crate::http::NoteSink;
use crate::session::SpotifyAuth;
use crate::settings::Settings;
use std::collections::HashMap;
use std::path::PathBuf;

/// The scopes the walkthrough, the binaries and the notebooks ask for when
/// `SPOTIFY_SCOPES` is unset: profile, playlists, saved shows, playback state
/// and playback control. (No `user-read-email`: since February 2026 a
/// development-mode app gets no e-mail in `/v1/me` anyway.)
pub const DEFAULT_SCOPES: &str = "user-read-private playlist-read-private user-library-read user-read-playback-state user-modify-playback-state";

/// Where a session's Spotify is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxChoice {
    /// The real service; no `SPOTIFY_CLIENT_ID` is an error (the step binaries:
    /// a sandbox would die with the process, before the next step).
    Never,
    /// The sandbox when no `SPOTIFY_CLIENT_ID` is configured (`cargo run`, notebooks).
    WhenUnconfigured,
}

/// How to set a session up.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The `.env` file read under the environment (`.env`; `../.env` from `notebooks/`).
    pub dotenv: PathBuf,
    /// Sandbox or not.
    pub sandbox: SandboxChoice,
    /// A subfolder of the auth folder for this session's files (a notebook's
    /// name), so sessions never overwrite each other's token.
    pub subfolder: Option<String>,
    /// Where notes about retries and waits go (stderr; a notebook shows stdout).
    pub notes: NoteSink,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            dotenv: PathBuf::from(".env"),
            sandbox: SandboxChoice::Never,
            subfolder: None,
            notes: |note| eprintln!("{note}"),
        }
    }
}

/// A session: the settings, the sandbox if one was started, and the steps.
#[derive(Debug)]
pub struct Session {
    /// The settings as read.
    pub settings: Settings,
    /// The sandbox, running while this lives, when no client id is configured.
    #[cfg(feature = "sandbox")]
    pub sandbox: Option<spotify_sandbox::Sandbox>,
    /// The three steps.
    pub auth: SpotifyAuth,
}

impl Session {
    /// True when this session talks to the offline sandbox.
    pub fn is_sandbox(&self) -> bool {
        self.sandbox_url().is_some()
    }

    /// The sandbox's URL, when there is one.
    pub fn sandbox_url(&self) -> Option<String> {
        #[cfg(feature = "sandbox")]
        return self.sandbox.as_ref().map(|s| s.url());
        #[cfg(not(feature = "sandbox"))]
        return None;
    }
}

/// Sets a session up as `options` say; configuration warnings go to stderr.
pub fn start(options: &SessionOptions) -> Result<Session> {
    start_with(Settings::read(&options.dotenv)?, options)
}

/// Like [`start`], with the settings already read (`options.dotenv` unused).
pub fn start_with(settings: Settings, options: &SessionOptions) -> Result<Session> {
    let configured = settings.get("SPOTIFY_CLIENT_ID").is_some();
    // HOME for a leading `~/` in SPOTIFY_AUTH_DIR (see `Config::from_lookup`).
    let mut values: HashMap<String, String> = VARIABLES
        .iter()
        .chain(&["HOME"])
        .filter_map(|name| settings.get(name).map(|v| (name.to_string(), v)))
        .collect();
    values
        .entry("SPOTIFY_SCOPES".into())
        .or_insert_with(|| DEFAULT_SCOPES.into());
    let base = values
        .get("SPOTIFY_AUTH_DIR")
        .map_or(DEFAULT_AUTH_DIR, String::as_str);
    let base = PathBuf::from(base);
    let use_sandbox = !configured && options.sandbox == SandboxChoice::WhenUnconfigured;
    #[cfg_attr(not(feature = "sandbox"), allow(unused_mut))]
    let mut sandbox_notes = Vec::new();
    #[cfg(feature = "sandbox")]
    let sandbox = if use_sandbox {
        let sandbox = spotify_sandbox::Sandbox::start(spotify_sandbox::SandboxOptions::default())
            .map_err(|e| {
            Error::Config(format!("cannot start the sandbox on 127.0.0.1 ({e})"))
        })?;
        // Run from a subfolder, the project's app is one folder up, unread.
        let above = crate::settings::dotenv_above(&options.dotenv);
        let sets_id = |path: &PathBuf| {
            crate::settings::read_dotenv(path)
                .is_ok_and(|vars| vars.get("SPOTIFY_CLIENT_ID").is_some_and(|v| !v.is_empty()))
        };
        if let Some(above) = above.filter(sets_id) {
            sandbox_notes.push(format!(
                "{} sets SPOTIFY_CLIENT_ID but is not read from here (.env is read from the current folder only): run from {} to use your app",
                above.display(),
                above.parent().unwrap_or(&above).display()
            ));
        }
        // The learner's own redirect URI meets the rules the steps apply,
        // then is set aside for the sandbox's (the one its app registers).
        if let Some(own) = values.get("SPOTIFY_REDIRECT_URI") {
            crate::core::redirect_uri::check_redirect_uri(own)?;
            if own != sandbox.redirect_uri() {
                sandbox_notes.push(format!(
                    "the sandbox tour uses its own app's redirect URI {}, not SPOTIFY_REDIRECT_URI {own}: an app accepts only the redirect URIs registered for it, and the sandbox's app registers that one (yours is registered in your app's dashboard, for the real service)",
                    sandbox.redirect_uri()
                ));
            }
        }
        // The sandbox's registered app and URLs replace any half configuration.
        for (name, value) in sandbox.env_vars() {
            values.insert(name.to_string(), value);
        }
        Some(sandbox)
    } else {
        None
    };
    #[cfg(not(feature = "sandbox"))]
    if use_sandbox {
        return Err(Error::Config(
            "SPOTIFY_CLIENT_ID is not set and this build has no sandbox (feature `sandbox`): configure a real app in .env".into(),
        ));
    }
    let folder = match (use_sandbox, &options.subfolder) {
        // Sandbox files apart, so a real saved token is never overwritten.
        (true, Some(name)) => base.join("sandbox").join(name),
        (true, None) => base.join("sandbox"),
        (false, Some(name)) => base.join("spotify").join(name),
        (false, None) => base,
    };
    values.insert("SPOTIFY_AUTH_DIR".into(), folder.display().to_string());
    let mut config = Config::from_lookup(|name| values.get(name).cloned())?;
    config.warnings.append(&mut sandbox_notes);
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(Session {
        settings,
        #[cfg(feature = "sandbox")]
        sandbox,
        auth: SpotifyAuth::new(config).with_notes(options.notes),
    })
}

/// The session of a step binary: the real service (or whatever
/// `SPOTIFY_ACCOUNTS_URL` points at), settings from `.env` in the current
/// folder; with `http` (`--http`), every exchange printed as it happens, as
/// HTTP/1.1 text and the `curl` that repeats it.
pub fn binary_session(http: bool) -> Result<SpotifyAuth> {
    let mut auth = start(&SessionOptions::default())?.auth;
    if http {
        auth.set_trace(WireView::new(Show::Text).sink());
    }
    Ok(auth)
}
