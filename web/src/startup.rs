//! From the environment (and `.env`) to a running app: the configuration
//! through the core's `Config::from_lookup`, the sandbox when no client id is
//! set, the database and the key that seals its tokens.

use crate::app::router;
use crate::cipher::TokenCipher;
use crate::folders;
use crate::playback::WebPlayback;
use crate::ratelimit::RateLimits;
use crate::session_cache::SessionCache;
use crate::spotify::Spotify;
use crate::state::{AppState, Shared};
use crate::store::{KeyCheck, LockMode, PgStore, SqliteStore, Store, StoreError};
use crate::tokens::Tokens;
use spotify_auth::walkthrough::setup::DEFAULT_SCOPES;
use spotify_auth::Config;
use spotify_sandbox::{Sandbox, SandboxOptions};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A configured app, ready to serve.
pub struct Prepared {
    /// The axum router.
    pub app: axum::Router,
    /// The state behind it (tests read its counters).
    pub state: AppState,
    /// The in-process sandbox, when `SPOTIFY_CLIENT_ID` is not set.
    pub sandbox: Option<Sandbox>,
    /// Lines to print at start (where the database is, sandbox mode).
    pub notes: Vec<String>,
}

/// A setting refused at start, for whoever runs the app: the core's text with
/// the variable to fix.
fn setting_error(e: spotify_auth::Error) -> String {
    match e {
        spotify_auth::Error::UnknownScope { .. } => format!("{e}: fix SPOTIFY_SCOPES"),
        spotify_auth::Error::MissingClientSecret => "SPOTIFY_CLIENT_SECRET is not set: the web app signs users in with the app's client secret; put it in .env or the environment (the app's dashboard, View client secret)".into(),
        e => e.to_string(),
    }
}

/// Choices of the command line, beyond the settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct StartOptions {
    /// `--forget-sealed-tokens`: when the database was sealed with another
    /// key, sign everyone out and delete its sealed rows instead of stopping.
    pub forget_sealed_tokens: bool,
}

/// Sets the app up for listening on `addr`, reading variables through `lookup`
/// (the environment over `.env` in the binary). The message of an error is one line.
pub async fn prepare(
    lookup: impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
) -> Result<Prepared, String> {
    prepare_with(lookup, addr, StartOptions::default()).await
}

/// [`prepare`] with the command line's choices.
pub async fn prepare_with(
    lookup: impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
    options: StartOptions,
) -> Result<Prepared, String> {
    let mut notes = Vec::new();
    let sandbox = match lookup("SPOTIFY_CLIENT_ID") {
        Some(_) => None,
        None => {
            // A loopback redirect URI registered without a port matches any port.
            let options = SandboxOptions {
                redirect_uris: vec!["http://127.0.0.1/callback".into()],
                app_name: "spotify-auth web app".into(),
                ..SandboxOptions::default()
            };
            let sandbox = tokio::task::spawn_blocking(move || Sandbox::start(options))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot start the sandbox: {e}"))?;
            notes.push(format!(
                "SANDBOX MODE: SPOTIFY_CLIENT_ID is not set, so the web app talks to the offline sandbox at {}, NOT to Spotify. Nothing leaves this machine.",
                sandbox.url()
            ));
            Some(sandbox)
        }
    };
    let sandbox_vars = sandbox.as_ref().map(Sandbox::env_vars).unwrap_or_default();
    let default_redirect = if addr.ip().is_loopback() {
        format!("http://{addr}/callback")
    } else {
        format!("http://127.0.0.1:{}/callback", addr.port())
    };
    let get = |name: &str| {
        let sandbox_value = sandbox_vars
            .iter()
            .find(|(n, _)| *n == name && name != "SPOTIFY_REDIRECT_URI")
            .map(|(_, value)| value.clone());
        sandbox_value
            .or_else(|| lookup(name))
            .or_else(|| match name {
                "SPOTIFY_REDIRECT_URI" => Some(default_redirect.clone()),
                "SPOTIFY_SCOPES" => Some(DEFAULT_SCOPES.into()),
                _ => None,
            })
    };
    let mut config = Config::from_lookup(get).map_err(setting_error)?;
    let web_playback = crate::playback::enabled(lookup("WEB_PLAYBACK").as_deref())?
        .then(|| WebPlayback::for_api(&config.api_url));
    if let Some(playback) = &web_playback {
        // The SDK's scopes, asked at /login.
        crate::playback::add_sdk_scopes(&mut config.scopes);
        notes.push(format!(
            "WEB_PLAYBACK: \"Play in this browser\" is on (Premium needed; the SDK from {})",
            playback.sdk_url
        ));
    }
    notes.extend(config.warnings.iter().map(|w| format!("warning: {w}")));
    config.require_secret().map_err(setting_error)?;
    let redirect = url::Url::parse(&config.redirect_uri).map_err(|e| e.to_string())?;
    let public_origin = redirect.origin().ascii_serialization();
    let secure_cookies = redirect.scheme() == "https";

    let dir = if sandbox.is_some() {
        config.auth_dir.join("sandbox")
    } else {
        config.auth_dir.clone()
    };
    // The command line's folder rules: 0700, never another user's, no file open to others.
    folders::private_dirs(&config.auth_dir, &dir)?;
    let key_file = dir.join("web_app.key");
    let (cipher, key_name, key_made) = sealing_key(&lookup, &key_file)?;
    let database_url = lookup("DATABASE_URL")
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("web_app.sqlite").display()));
    folders::sqlite_before_open(&database_url)?;
    let store: Arc<dyn Store> = open_store(&database_url, cipher, &lookup).await?;
    if let Some(file) = folders::sqlite_file(&database_url) {
        folders::sqlite_files(&file)?;
    }
    if sandbox.is_some() {
        // A new sandbox knows none of the tokens of an earlier run.
        store.clear().await.map_err(|e| e.to_string())?;
    }
    let forget = options.forget_sealed_tokens || sandbox.is_some();
    let check = store.check_key(forget).await.map_err(|e| e.to_string())?;
    if check == KeyCheck::Other {
        if key_made {
            // Not a second key file to be confused with the lost one.
            let _ = std::fs::remove_file(&key_file);
        }
        return Err(format!(
            "the database {} was sealed with another key than {key_name}: restore the key it was sealed with, or start once with `web_app --forget-sealed-tokens` to sign everyone out and delete its sealed tokens",
            redacted_url(&database_url),
        ));
    }
    if check == KeyCheck::Forgot && sandbox.is_none() {
        notes.push("--forget-sealed-tokens: the rows sealed with another key were deleted; everyone must log in again".into());
    }
    notes.push(format!(
        "sessions and tokens: {}",
        redacted_url(&database_url)
    ));

    let unit = "milliseconds (0 turns the cache off)";
    let cache_ms =
        number(&lookup, "WEB_APP_SESSION_CACHE_MS", 0, unit)?.unwrap_or(DEFAULT_SESSION_CACHE_MS);
    let pkce_only = match lookup("WEB_APP_PKCE_ONLY").as_deref().map(str::trim) {
        None | Some("" | "0") => false,
        Some("1") => true,
        Some(other) => {
            return Err(format!(
                "WEB_APP_PKCE_ONLY `{other}` is neither 1 (log in with PKCE alone, no secret) nor 0"
            ))
        }
    };
    let sweep_secs = number(&lookup, "WEB_APP_SWEEP_SECS", 1, "seconds (1 or more)")?
        .unwrap_or(crate::sweep::DEFAULT_SWEEP_SECS);
    crate::sweep::spawn(
        Arc::clone(&store),
        Duration::from_secs(sweep_secs),
        spotify_auth::now_secs,
    );
    let sessions = Arc::new(SessionCache::new(Duration::from_millis(cache_ms)));
    // 429 pauses shared by every replica through the database.
    let limits = Arc::new(RateLimits::new(Some(Arc::clone(&store))));
    let spotify = Spotify::new(config)
        .map_err(|e| e.to_string())?
        .with_limits(limits);
    let state = Arc::new(Shared {
        tokens: Tokens::new(Arc::clone(&store), spotify.clone(), Arc::clone(&sessions)),
        sessions,
        store,
        spotify,
        public_origin,
        secure_cookies,
        sandbox: sandbox.is_some(),
        web_playback,
        pkce_only,
    });
    Ok(Prepared {
        app: router(state.clone()),
        state,
        sandbox,
        notes,
    })
}

/// How long a signed-in session read from the database is trusted without asking again.
pub const DEFAULT_SESSION_CACHE_MS: u64 = 1_000;
/// Connections per replica to PostgreSQL.
pub const DEFAULT_PG_POOL: u32 = 16;

async fn open_store(
    url: &str,
    cipher: TokenCipher,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn Store>, String> {
    let cannot = |e: StoreError| format!("cannot open DATABASE_URL {}: {e}", redacted_url(url));
    if url.starts_with("sqlite:") {
        let store = SqliteStore::open(url, cipher).await.map_err(cannot)?;
        return Ok(Arc::new(store));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mode = match lookup("WEB_APP_REFRESH_LOCK") {
            None => LockMode::RowLock,
            Some(text) => match text.trim() {
                "row" => LockMode::RowLock,
                "lease" => LockMode::Lease,
                _ => return Err(format!(
                    "WEB_APP_REFRESH_LOCK `{text}` is neither `row` (SELECT ... FOR UPDATE) nor `lease`"
                )),
            },
        };
        let pool = number(lookup, "WEB_APP_DB_POOL", 2, "connections (2 or more)")?
            .unwrap_or(DEFAULT_PG_POOL);
        let store = PgStore::open(url, cipher, pool, mode)
            .await
            .map_err(cannot)?;
        return Ok(Arc::new(store));
    }
    Err(format!(
        "DATABASE_URL {} is not supported: use sqlite://path/file.sqlite or postgres://user@host:port/database",
        redacted_url(url)
    ))
}

/// The key that seals the database's rows: `SPOTIFY_TOKEN_KEY`, else the key
/// in `file` (refused when others may read it, made when missing); with how a
/// message names it, and whether its file was just made.
fn sealing_key(
    lookup: &impl Fn(&str) -> Option<String>,
    file: &Path,
) -> Result<(TokenCipher, String, bool), String> {
    if let Some(text) = lookup("SPOTIFY_TOKEN_KEY") {
        return Ok((
            TokenCipher::from_text(&text)?,
            "SPOTIFY_TOKEN_KEY".into(),
            false,
        ));
    }
    folders::secret_file(file)?;
    let made = !file.exists();
    let how = if made { ", missing and just made" } else { "" };
    let name = format!("the key file {}{how}", file.display());
    Ok((TokenCipher::from_key_file(file)?, name, made))
}

/// The number in the variable `name` (`None` when it is not set); refused,
/// saying it should be a number of `unit`, when it is not one or is below `min`.
fn number<T: std::str::FromStr + PartialOrd>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    min: T,
    unit: &str,
) -> Result<Option<T>, String> {
    let Some(text) = lookup(name) else {
        return Ok(None);
    };
    let number = text.trim().parse().ok().filter(|n| *n >= min);
    number
        .map(Some)
        .ok_or_else(|| format!("{name} `{text}` is not a number of {unit}"))
}

/// A database URL without its password.
fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("[redacted]"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_not_shown() {
        let shown = redacted_url("postgres://app:s3cret@db:5432/app");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(redacted_url("sqlite://x.db"), "sqlite://x.db");
    }
}
