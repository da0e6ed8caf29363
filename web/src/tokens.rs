//! Access tokens for signed-in users, refreshed once.
//!
//! A refresh happens when less than 60 s remain (the core's
//! [`SavedToken::needs_refresh`]) or after the Web API answered 401 to a
//! token. Per user, one async mutex lets one task of this process go to the
//! database while the others wait; across processes
//! [`Store::lock_for_refresh`] lets one process refresh (a row lock on
//! PostgreSQL, a lease elsewhere) and hands the others the new row once it is
//! committed. So 50 requests after one 401, on any number of replicas, cause
//! one refresh request, and a rotated refresh token is committed before the
//! new access token is used anywhere.

use crate::error::AppError;
use crate::session_cache::SessionCache;
use crate::spotify::Spotify;
use crate::store::{RefreshLock, RefreshTurn, Store};
use spotify_auth::core::error::printable;
use spotify_auth::core::step3::refresh_request;
use spotify_auth::{now_secs, AccessToken, Error, SavedToken};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The token of a user, as handed to a request.
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires (Unix seconds).
    pub expires_at: u64,
}

/// The tokens of every signed-in user.
pub struct Tokens {
    store: Arc<dyn Store>,
    spotify: Spotify,
    /// The opened token of each user recently seen: `GET /api/token` needs no
    /// decryption and no token query while it is fresh.
    cache: RwLock<HashMap<String, SavedToken>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    refreshes: AtomicU64,
    sessions: Arc<SessionCache>,
}

impl Tokens {
    /// Tokens from `store`, refreshed through `spotify`.
    /// `sessions` is the session cache, emptied of a user whose tokens go.
    pub fn new(store: Arc<dyn Store>, spotify: Spotify, sessions: Arc<SessionCache>) -> Tokens {
        Tokens {
            store,
            spotify,
            cache: RwLock::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
            refreshes: AtomicU64::new(0),
            sessions,
        }
    }

    /// How many refresh requests this process sent.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::SeqCst)
    }

    /// A usable access token for `user_id`, refreshed first when due.
    pub async fn access_token(&self, user_id: &str) -> Result<Fresh, AppError> {
        if let Some(fresh) = self.cached(user_id) {
            return Ok(fresh);
        }
        self.refresh_if(user_id, |_| false).await
    }

    /// After the Web API answered 401 to `rejected`: a new token, refreshed
    /// unless another request already replaced `rejected`.
    pub async fn after_unauthorized(
        &self,
        user_id: &str,
        rejected: &AccessToken,
    ) -> Result<Fresh, AppError> {
        self.refresh_if(user_id, |token| token.access_token == *rejected)
            .await
    }

    /// Forgets the cached token and sessions of `user_id` (after logout or deletion).
    pub fn forget(&self, user_id: &str) {
        self.cache_write().remove(user_id);
        self.sessions.remove_user(user_id);
    }

    /// Remembers a token just saved (at login) or read; what a request gets of it.
    pub fn remember(&self, user_id: &str, token: SavedToken) -> Fresh {
        let fresh = fresh(&token);
        self.cache_write().insert(user_id.to_string(), token);
        fresh
    }

    async fn refresh_if(
        &self,
        user_id: &str,
        rejected: impl Fn(&SavedToken) -> bool,
    ) -> Result<Fresh, AppError> {
        let lock = self.lock_for(user_id);
        let _turn = lock.lock().await;
        // The database is the truth: another request (or replica) may have refreshed.
        let Some(row) = self.store.load_token(user_id).await? else {
            self.forget(user_id);
            return Err(AppError::SignedOut);
        };
        let usable = |token: &SavedToken| !rejected(token) && !token.needs_refresh(now_secs());
        if usable(&row.token) {
            return Ok(self.remember(user_id, row.token));
        }
        // One process refreshes; the others wait here for its committed row.
        let mut seen = row.version;
        loop {
            let deadline = self.spotify.config.http_timeout;
            match self.store.lock_for_refresh(user_id, seen, deadline).await? {
                RefreshTurn::Gone => {
                    self.forget(user_id);
                    return Err(AppError::SignedOut);
                }
                RefreshTurn::Changed(row) if usable(&row.token) => {
                    return Ok(self.remember(user_id, row.token));
                }
                // Changed, and still not usable (a login replaced it, say): try again.
                RefreshTurn::Changed(row) => seen = row.version,
                RefreshTurn::Mine(locked) if usable(&locked.row().token) => {
                    let token = locked.row().token.clone();
                    locked.release().await?;
                    return Ok(self.remember(user_id, token));
                }
                RefreshTurn::Mine(locked) => return self.refresh(locked, now_secs()).await,
            }
        }
    }

    async fn refresh(&self, locked: Box<dyn RefreshLock>, now: u64) -> Result<Fresh, AppError> {
        let row = locked.row().clone();
        let user_id = row.user_id.as_str();
        let request = refresh_request(&self.spotify.config, &row.token)?;
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        // Given up within the deadline the lock was taken for: a lease never
        // outlives a live holder's refresh.
        let deadline = self.spotify.config.http_timeout;
        let sent = tokio::time::timeout(deadline, self.spotify.send_token(&request)).await;
        let answer = sent.unwrap_or_else(|_| {
            Err(Error::Timeout {
                url: request.url.clone(),
                secs: deadline.as_secs(),
                tries: 1,
            })
        });
        match answer {
            Ok(response) => {
                let token = row.token.merge_refresh(&response, now);
                // Committed (with a rotated refresh token) before anyone uses it.
                let saved = locked.save(&token, now).await?;
                let token = match saved {
                    Some(_) => token,
                    // Another process replaced it meanwhile (a new login): that one is kept.
                    None => match self.store.load_token(user_id).await? {
                        Some(row) => row.token,
                        None => return Err(AppError::SignedOut),
                    },
                };
                Ok(self.remember(user_id, token))
            }
            Err(Error::RefreshTokenRevoked) => {
                locked.release().await?;
                self.store.delete_token(user_id).await?;
                self.forget(user_id);
                // The id came from Spotify's /v1/me: printed through `printable`.
                tracing::warn!(
                    "the refresh token of user {} was revoked; the user must log in again",
                    printable(user_id, 100)
                );
                Err(AppError::SignedOut)
            }
            Err(e) => {
                locked.release().await?;
                Err(AppError::from(e))
            }
        }
    }

    /// The cached token of `user_id` unless it is due for a refresh (only
    /// what a request needs is copied out: this runs on every request).
    fn cached(&self, user_id: &str) -> Option<Fresh> {
        let now = now_secs();
        self.cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(user_id)
            .filter(|token| !token.needs_refresh(now))
            .map(fresh)
    }

    fn cache_write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, SavedToken>> {
        self.cache.write().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_for(&self, user_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        // Drop the locks nobody holds or waits for, so the map stays small.
        if locks.len() > 1024 {
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        Arc::clone(locks.entry(user_id.to_string()).or_default())
    }
}

fn fresh(token: &SavedToken) -> Fresh {
    Fresh {
        access_token: token.access_token.clone(),
        expires_at: token.expires_at,
    }
}
