//! Access tokens for signed-in users, refreshed once.
//!
//! A refresh happens when less than 60 s remain (the core's
//! [`SavedToken::needs_refresh`]) or after the Web API answered 401 to a
//! token. Per user, one async mutex lets one task refresh while the others
//! wait; each waiter then re-reads the database and finds the new token, so
//! 50 requests after one 401 cause one refresh request. Across replicas the
//! database's `version` column is the arbiter ([`Store::replace_token`] is a
//! compare-and-swap); PostgreSQL can take a row lock in the same place.

use crate::error::AppError;
use crate::spotify::Spotify;
use crate::store::{Store, TokenRow};
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
}

impl Tokens {
    /// Tokens from `store`, refreshed through `spotify`.
    pub fn new(store: Arc<dyn Store>, spotify: Spotify) -> Tokens {
        Tokens {
            store,
            spotify,
            cache: RwLock::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
            refreshes: AtomicU64::new(0),
        }
    }

    /// How many refresh requests this process sent.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::SeqCst)
    }

    /// A usable access token for `user_id`, refreshed first when due.
    pub async fn access_token(&self, user_id: &str) -> Result<Fresh, AppError> {
        let now = now_secs();
        if let Some(token) = self.cached(user_id) {
            if !token.needs_refresh(now) {
                return Ok(fresh(&token));
            }
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

    /// Forgets the cached token (after logout or deletion).
    pub fn forget(&self, user_id: &str) {
        self.cache_write().remove(user_id);
    }

    /// Remembers a token just saved (at login).
    pub fn remember(&self, user_id: &str, token: SavedToken) {
        self.cache_write().insert(user_id.to_string(), token);
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
        let now = now_secs();
        if !rejected(&row.token) && !row.token.needs_refresh(now) {
            self.remember(user_id, row.token.clone());
            return Ok(fresh(&row.token));
        }
        self.refresh(row, now).await
    }

    async fn refresh(&self, row: TokenRow, now: u64) -> Result<Fresh, AppError> {
        let user_id = row.user_id.as_str();
        let request = refresh_request(&self.spotify.config, &row.token)?;
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        match self.spotify.send_token(&request).await {
            Ok(response) => {
                let token = row.token.merge_refresh(&response, now);
                // Saved (with a rotated refresh token) before anyone uses it.
                let saved = self
                    .store
                    .replace_token(user_id, row.version, &token, now)
                    .await?;
                let token = match saved {
                    Some(_) => token,
                    // Another replica refreshed first: its token is the one kept.
                    None => match self.store.load_token(user_id).await? {
                        Some(row) => row.token,
                        None => return Err(AppError::SignedOut),
                    },
                };
                self.remember(user_id, token.clone());
                Ok(fresh(&token))
            }
            Err(Error::RefreshTokenRevoked) => {
                self.store.delete_token(user_id).await?;
                self.forget(user_id);
                eprintln!("web_app: the refresh token of user {user_id} was revoked; the user must log in again");
                Err(AppError::SignedOut)
            }
            Err(e) => Err(AppError::Spotify(e)),
        }
    }

    fn cached(&self, user_id: &str) -> Option<SavedToken> {
        self.cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(user_id)
            .cloned()
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
