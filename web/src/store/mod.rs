//! Where sessions and tokens live, behind one trait: an embedded SQLite file
//! ([`SqliteStore`], one machine) or PostgreSQL ([`PgStore`], any number of
//! replicas sharing sessions, tokens and Spotify's rate limit).
//!
//! Tokens are keyed by Spotify user id, one row per user shared by that
//! user's sessions, with a `version` that every refresh increments (saving a
//! refresh is a compare-and-swap on it). Sessions are keyed
//! by the SHA-256 of the cookie. Tokens and step-1 state are sealed by a
//! [`TokenCipher`] before they reach the database.
//!
//! One refresh across processes: [`Store::lock_for_refresh`] gives one
//! process at a time the right to refresh a user's token (a row lock held by
//! a transaction on PostgreSQL, or a lease written with a compare-and-swap);
//! the others get the row once it changed.

mod postgres;
mod sql;
mod sqlite;

pub use postgres::PgStore;
pub use sql::{Dialect, SqlStore};

pub use sqlite::SqliteStore;

use crate::cipher::TokenCipher;
use spotify_auth::{AccessToken, RefreshToken};

use async_trait::async_trait;
use spotify_auth::core::step1::PendingAuthorization;
use spotify_auth::SavedToken;
use std::fmt;

/// A database failure, described without any secret.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        db(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        db(e)
    }
}

/// `Result` of the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// A user's token as stored.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// The Spotify user id.
    pub user_id: String,
    /// The name shown (from `/v1/me` at login).
    pub display_name: Option<String>,
    /// The token, opened.
    pub token: SavedToken,
    /// Incremented by every change of the token.
    pub version: i64,
}

/// What a session cookie leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The signed-in Spotify user, if any.
    pub user_id: Option<String>,
}

/// How a process gets the right to refresh a user's token
/// (`WEB_APP_REFRESH_LOCK`: `row` or `lease`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// `SELECT ... FOR UPDATE` in a transaction spanning the refresh request
    /// (PostgreSQL): released at once when the holder's connection dies.
    RowLock,
    /// A lease (`refreshing_until`, `refresh_owner`) taken with a
    /// compare-and-swap, no connection held; a killed holder's lease ends by itself.
    Lease,
}

/// How much longer than its refresh's deadline a lease (or a wait for a row
/// lock) lasts: a live holder has given up before its lease ends, so a lease
/// only ends by itself when its holder died or hangs.
pub const LEASE_MARGIN_MS: u64 = 5_000;
/// How often a process waiting for another's refresh looks at the row.
pub const LEASE_POLL_MS: u64 = 15;

/// What [`Store::lock_for_refresh`] found.
// Made once per refresh and matched at once: boxing the row would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum RefreshTurn {
    /// This process refreshes: the row, locked until saved or released.
    Mine(Box<dyn RefreshLock>),
    /// The token's version is no longer the one seen: another process refreshed it.
    Changed(TokenRow),
    /// The user has no token any more.
    Gone,
}

/// The right to refresh one user's token; dropped without `save` or
/// `release`, it is released (a transaction rolled back, a lease cleared).
#[async_trait]
pub trait RefreshLock: Send {
    /// The row as locked.
    fn row(&self) -> &TokenRow;
    /// Saves the refreshed token (committed before this returns); its new
    /// version, or `None` when another process replaced the token meanwhile.
    async fn save(self: Box<Self>, token: &SavedToken, now: u64) -> StoreResult<Option<i64>>;
    /// Gives the turn back without a change.
    async fn release(self: Box<Self>) -> StoreResult<()>;
}

/// A finished login, written in one transaction: the token, the new session, the old one gone.
#[derive(Debug)]
pub struct Login<'a> {
    /// The Spotify user id.
    pub user_id: &'a str,
    /// The name shown.
    pub display_name: Option<&'a str>,
    /// The tokens of the exchange.
    pub token: &'a SavedToken,
    /// The new session's key.
    pub session_hash: &'a str,
    /// The session that started the login (deleted).
    pub old_session_hash: &'a str,
    /// Now (Unix seconds).
    pub now: u64,
    /// When the new session ends.
    pub expires_at: u64,
}

/// Sessions and tokens.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A new session nobody is signed in to (yet), valid until `expires_at`
    /// ([`Store::sign_in`] makes the signed-in ones).
    async fn create_session(&self, id_hash: &str, now: u64, expires_at: u64) -> StoreResult<()>;
    /// The session, when it exists and has not expired at `now`.
    async fn session(&self, id_hash: &str, now: u64) -> StoreResult<Option<SessionInfo>>;
    /// Keeps step 1's pending authorization in the session (replacing any
    /// earlier one) until `until`; a session nobody signed in to ends then too.
    async fn set_pending(
        &self,
        id_hash: &str,
        pending: &PendingAuthorization,
        until: u64,
    ) -> StoreResult<()>;
    /// Removes and returns the pending authorization: a `state` works once.
    async fn take_pending(&self, id_hash: &str) -> StoreResult<Option<PendingAuthorization>>;
    /// Deletes a session; returns the user it was signed in as.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<Option<String>>;
    /// How many live sessions `user_id` has.
    async fn user_sessions(&self, user_id: &str) -> StoreResult<u64>;
    /// The user's token, when there is one.
    async fn load_token(&self, user_id: &str) -> StoreResult<Option<TokenRow>>;
    /// Deletes the user's token and, with it, every session signed in as that user.
    async fn delete_token(&self, user_id: &str) -> StoreResult<()>;
    /// Deletes the sessions expired at `now`, the pending logins expired at
    /// `now`, and the tokens no session holds any more.
    async fn sweep(&self, now: u64) -> StoreResult<()>;
    /// Compares the key of this store's cipher with the one that sealed the
    /// rows (recorded as a fingerprint; recorded now when there is none).
    /// With `forget`, rows sealed by another key are deleted and this key
    /// recorded. Run it before serving: a row read later that does not open
    /// is deleted, its user signed out.
    async fn check_key(&self, forget: bool) -> StoreResult<KeyCheck>;
    /// Deletes every session and token (the in-process sandbox forgot them all).
    async fn clear(&self) -> StoreResult<()>;
    /// The right to refresh `user_id`'s token, whose version this process saw
    /// as `seen_version`, for a refresh that ends within `deadline`: waits
    /// while another process holds it, at most `deadline` plus [`LEASE_MARGIN_MS`].
    async fn lock_for_refresh(
        &self,
        user_id: &str,
        seen_version: i64,
        deadline: std::time::Duration,
    ) -> StoreResult<RefreshTurn>;
    /// Saves a refreshed token if `row`'s version is still the stored one
    /// (ending this process's lease on it); the new version, or `None`.
    async fn save_refresh(
        &self,
        row: &TokenRow,
        token: &SavedToken,
        now: u64,
    ) -> StoreResult<Option<i64>>;
    /// Ends this process's lease on `user_id`'s row, if it holds one.
    async fn release_lease(&self, user_id: &str) -> StoreResult<()>;
    /// Saves a login atomically; returns the user the old session was signed in as.
    async fn sign_in(&self, login: &Login<'_>) -> StoreResult<Option<String>>;
    /// No request of `kind` to Spotify before `until_ms` (ms since the epoch);
    /// an earlier pause never shortens a later one.
    async fn pause(&self, kind: &str, until_ms: u64) -> StoreResult<()>;
    /// Every pause recorded (kind, until_ms).
    async fn pauses(&self) -> StoreResult<Vec<(String, u64)>>;
}

/// A token row as read, still sealed.
pub(crate) struct SealedRow {
    pub display_name: Option<String>,
    pub access_token: Vec<u8>,
    pub refresh_token: Vec<u8>,
    pub token_type: String,
    pub scopes: String,
    pub expires_at: i64,
    pub consented_at: i64,
    pub obtained_at: i64,
    pub client_id: String,
    pub pkce: bool,
    pub version: i64,
}

impl SealedRow {
    /// The row with its tokens opened by `cipher`; `None` when they do not open.
    pub(crate) fn open(self, cipher: &TokenCipher, user_id: &str) -> Option<TokenRow> {
        let secs = |n: i64| u64::try_from(n).unwrap_or(0);
        let open_secret = |column: &str, sealed: &[u8]| {
            let plain = cipher.open(&format!("{user_id}|{column}"), sealed)?;
            String::from_utf8(plain).ok()
        };
        let token = SavedToken {
            access_token: AccessToken::new(open_secret("access", &self.access_token)?),
            token_type: self.token_type,
            scopes: self.scopes.split_whitespace().map(str::to_string).collect(),
            expires_at: secs(self.expires_at),
            refresh_token: RefreshToken::new(open_secret("refresh", &self.refresh_token)?),
            consented_at: secs(self.consented_at),
            obtained_at: secs(self.obtained_at),
            client_id: self.client_id,
            pkce: self.pkce,
            code_sha256: None,
        };
        Some(TokenRow {
            user_id: user_id.to_string(),
            display_name: self.display_name,
            token,
            version: self.version,
        })
    }
}

/// `sealed` opened; a row that does not open (damaged, or sealed by another
/// key) signs only its user out: the token and that user's sessions are deleted.
pub(crate) async fn open_or_forget<S: Store + ?Sized>(
    store: &S,
    cipher: &TokenCipher,
    user_id: &str,
    sealed: SealedRow,
) -> StoreResult<Option<TokenRow>> {
    if let Some(row) = sealed.open(cipher, user_id) {
        return Ok(Some(row));
    }
    eprintln!(
        "web_app: the token of user {} does not open with this key; that user is signed out",
        spotify_auth::core::error::printable(user_id, 80)
    );
    store.delete_token(user_id).await?;
    Ok(None)
}

/// What [`Store::check_key`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// The rows were sealed by this key (or there were none: it is recorded now).
    Same,
    /// Another key sealed them: nothing was changed.
    Other,
    /// Another key sealed them, and they were deleted (everyone signed out).
    Forgot,
}

/// The access and refresh tokens of `token`, sealed for `user_id`'s columns.
pub(crate) fn seal_tokens(
    cipher: &TokenCipher,
    user_id: &str,
    token: &SavedToken,
) -> (Vec<u8>, Vec<u8>) {
    let seal =
        |column: &str, secret: &str| cipher.seal(&format!("{user_id}|{column}"), secret.as_bytes());
    (
        seal("access", token.access_token.secret()),
        seal("refresh", token.refresh_token.secret()),
    )
}

pub(crate) fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// False when the process that took a lease as `owner` surely no longer
/// runs on this machine (Linux's `/proc` tells; elsewhere the lease ends by
/// itself). This process, just started, holds none yet: its own pid in an
/// owner is a previous process's.
pub(crate) fn owner_alive(owner: &str) -> bool {
    let Some(pid) = owner.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
        return true;
    };
    if pid == std::process::id() {
        return false;
    }
    let proc = std::path::Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// A name for this process's leases: its pid and random bytes.
pub(crate) fn owner_name() -> String {
    let random = getrandom::u64().unwrap_or(0) & 0xffff_ffff_ffff;
    format!("{}-{random:012x}", std::process::id())
}
