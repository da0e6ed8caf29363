//! Where sessions and tokens live, behind one trait: SQLite today
//! ([`SqliteStore`]); PostgreSQL (several replicas) implements the same trait.
//!
//! Tokens are keyed by Spotify user id, one row per user shared by that
//! user's sessions, with a `version` that every refresh increments
//! ([`Store::replace_token`] is a compare-and-swap on it). Sessions are keyed
//! by the SHA-256 of the cookie. Tokens and step-1 state are sealed by a
//! [`TokenCipher`](crate::cipher::TokenCipher) before they reach the database.

mod sqlite;

pub use sqlite::SqliteStore;

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

/// Sessions and tokens.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A new session (signed in as `user_id`, or anonymous), valid until `expires_at`.
    async fn create_session(
        &self,
        id_hash: &str,
        user_id: Option<&str>,
        now: u64,
        expires_at: u64,
    ) -> StoreResult<()>;
    /// The session, when it exists and has not expired at `now`.
    async fn session(&self, id_hash: &str, now: u64) -> StoreResult<Option<SessionInfo>>;
    /// Keeps step 1's pending authorization in the session (replacing any earlier one).
    async fn set_pending(&self, id_hash: &str, pending: &PendingAuthorization) -> StoreResult<()>;
    /// Removes and returns the pending authorization: a `state` works once.
    async fn take_pending(&self, id_hash: &str) -> StoreResult<Option<PendingAuthorization>>;
    /// Deletes a session; returns the user it was signed in as.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<Option<String>>;
    /// How many live sessions `user_id` has.
    async fn user_sessions(&self, user_id: &str) -> StoreResult<u64>;
    /// Saves the token of a fresh login (a new row or a replaced one); returns its version.
    async fn upsert_token(
        &self,
        user_id: &str,
        display_name: Option<&str>,
        token: &SavedToken,
        now: u64,
    ) -> StoreResult<i64>;
    /// The user's token, when there is one.
    async fn load_token(&self, user_id: &str) -> StoreResult<Option<TokenRow>>;
    /// Replaces the token only if its version is still `version`; returns the
    /// new version, or `None` when someone else changed it first.
    async fn replace_token(
        &self,
        user_id: &str,
        version: i64,
        token: &SavedToken,
        now: u64,
    ) -> StoreResult<Option<i64>>;
    /// Deletes the user's token and, with it, every session signed in as that user.
    async fn delete_token(&self, user_id: &str) -> StoreResult<()>;
    /// Deletes every session and token (the in-process sandbox forgot them all).
    async fn clear(&self) -> StoreResult<()>;
}
