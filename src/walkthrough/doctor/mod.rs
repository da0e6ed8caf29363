//! Checks of the setup, one line each (used by the `doctor` binary, callable
//! from tests and notebooks): the environment and `.env`, the client id and
//! secret, the redirect URI and its port, the auth folder's permissions, and
//! the saved token (scopes, expiry, refresh-token horizon).
//!
//! Each variable is checked on its own, so every problem shows at once (the
//! steps stop at the first). Nothing is sent over the network. The client
//! secret is never shown, only its length. One thing is changed, and said so:
//! files under `SPOTIFY_AUTH_DIR` readable by others are made private again.

mod files;
mod saved;
mod settings;

use crate::clock::now_secs;
use crate::core::config;
use crate::core::scopes::parse_scopes;
use crate::file_store::AuthDir;
use crate::walkthrough::setup::DEFAULT_SCOPES;
use files::{check_listener_port, check_permissions};
use saved::{check_pending, check_token};
use settings::{
    alone, check_client_id, check_client_secret, check_dotenv, check_redirect, check_simple,
};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Fine.
    Ok,
    /// Worth knowing; nothing to do (an expired access token, no token yet).
    Note,
    /// Works now, but look at it (a file that was readable by others, a
    /// refresh token about to die).
    Warn,
    /// Must be fixed before the steps can work.
    Fail,
}

impl Status {
    /// `ok`, `note`, `warn` or `FAIL`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Note => "note",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// How it came out.
    pub status: Status,
    /// What was checked: a variable's name, `.env`, `listener port`, ...
    pub topic: String,
    /// What was found and, unless `ok`, what to do.
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<4}  {}: {}",
            self.status.label(),
            self.topic,
            self.detail
        )
    }
}

/// What the checks look at.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The process environment's `SPOTIFY_*` variables (they win over `.env`).
    pub env: HashMap<String, String>,
    /// `SPOTIFY_*` variables of the environment whose value is not UTF-8
    /// (the tool cannot read them).
    pub env_not_unicode: Vec<String>,
    /// The `.env` file to read (`.env` in the current directory).
    pub dotenv_path: PathBuf,
    /// "Now", in seconds since the Unix epoch.
    pub now: u64,
}

impl Inputs {
    /// The real environment, `./.env` and the clock.
    pub fn from_process() -> Inputs {
        let mut env = HashMap::new();
        let mut env_not_unicode = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|n| n.starts_with("SPOTIFY_")) else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    env.insert(name.into(), value);
                }
                Err(_) => env_not_unicode.push(name.into()),
            }
        }
        Inputs {
            env,
            env_not_unicode,
            dotenv_path: PathBuf::from(".env"),
            now: now_secs(),
        }
    }
}

/// True when a check failed (the `doctor` binary then exits non-zero).
pub fn must_fix(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

/// Runs every check, in the order a user would fix things.
pub fn run(inputs: &Inputs) -> Vec<Check> {
    let mut out = Checks::default();
    let dotenv = check_dotenv(inputs, &mut out);
    for name in &inputs.env_not_unicode {
        out.push(
            Status::Fail,
            name,
            "is set in the environment but is not valid UTF-8, so every step refuses it: set it again with plain characters",
        );
    }

    // Each variable's value as the tool sees it (the environment wins), if set.
    let set = |name: &str| {
        let from_env = inputs.env.get(name).map(|v| (v, "from the environment"));
        let value = from_env.or_else(|| dotenv.get(name).map(|v| (v, "from .env")));
        value
            .filter(|(v, _)| !v.is_empty())
            .map(|(v, source)| (v.clone(), source))
    };

    check_client_id(set("SPOTIFY_CLIENT_ID"), &mut out);
    check_client_secret(set("SPOTIFY_CLIENT_SECRET"), &mut out);
    let redirect = check_redirect(set("SPOTIFY_REDIRECT_URI"), &mut out);
    let scopes = check_simple(
        "SPOTIFY_SCOPES",
        set("SPOTIFY_SCOPES"),
        &mut out,
        |value, source| {
            let scopes = parse_scopes(value);
            if scopes.is_empty() {
                format!("none asked for ({source}): only public data (the profile) can be read")
            } else {
                format!("{} ({} scopes, {source})", scopes.join(" "), scopes.len())
            }
        },
        &format!(
            "{DEFAULT_SCOPES} (default: what every step asks for when SPOTIFY_SCOPES is unset)"
        ),
    );
    // Unset means the default scopes, as in the steps; a bad value was
    // reported above (FAIL), and the token's scopes are then not compared.
    let scopes = match set("SPOTIFY_SCOPES") {
        None => Some(DEFAULT_SCOPES.to_string()),
        Some(_) => scopes,
    };
    for (name, default) in [
        ("SPOTIFY_ACCOUNTS_URL", config::DEFAULT_ACCOUNTS_URL),
        ("SPOTIFY_API_URL", config::DEFAULT_API_URL),
    ] {
        check_simple(
            name,
            set(name),
            &mut out,
            |value, source| {
                if value.trim_end_matches('/') == default {
                    format!("{value} ({source})")
                } else {
                    format!("{value} ({source}; not Spotify's {default}: a sandbox or a proxy)")
                }
            },
            &format!("{default} (default)"),
        );
    }
    // The folder the steps use: a leading `~/` expanded, as they do.
    let auth_dir_of = |value: &str| {
        alone("SPOTIFY_AUTH_DIR", value).map_or_else(|_| PathBuf::from(value), |c| c.auth_dir)
    };
    let auth_dir = check_simple(
        "SPOTIFY_AUTH_DIR",
        set("SPOTIFY_AUTH_DIR"),
        &mut out,
        |value, source| match auth_dir_of(value) {
            dir if dir.as_os_str() != value => {
                format!("{value} ({source}), that is {}", dir.display())
            }
            _ => format!("{value} ({source})"),
        },
        &format!("{} (default)", config::DEFAULT_AUTH_DIR),
    );
    check_simple(
        "SPOTIFY_HTTP_TIMEOUT_SECS",
        set("SPOTIFY_HTTP_TIMEOUT_SECS"),
        &mut out,
        |value, source| format!("{value} s per call, retries included ({source})"),
        &format!(
            "{} s per call, retries included (default)",
            config::DEFAULT_HTTP_TIMEOUT_SECS
        ),
    );

    check_listener_port(redirect.as_deref(), &mut out);

    let dir = AuthDir::new(match &auth_dir {
        Some(value) => auth_dir_of(value),
        None if set("SPOTIFY_AUTH_DIR").is_none() => PathBuf::from(config::DEFAULT_AUTH_DIR),
        // A bad value was reported; look at nothing rather than a guess.
        None => return out.0,
    });
    check_permissions(&dir, &mut out);
    let wanted = scopes.map(|s| parse_scopes(&s));
    let client_id = set("SPOTIFY_CLIENT_ID").map(|(v, _)| v);
    let has_secret = set("SPOTIFY_CLIENT_SECRET").is_some();
    check_token(
        &dir,
        wanted.as_deref(),
        client_id.as_deref(),
        has_secret,
        inputs.now,
        &mut out,
    );
    check_pending(&dir, inputs.now, &mut out);
    out.0
}

#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn push(&mut self, status: Status, topic: &str, detail: impl Into<String>) {
        let detail = detail.into();
        // Config's messages start with the variable's name, already the topic.
        let detail = match detail.strip_prefix(topic) {
            Some(rest) if rest.starts_with(' ') => rest.trim_start().to_string(),
            _ => detail,
        };
        self.0.push(Check {
            status,
            topic: topic.into(),
            detail,
        });
    }
}
