//! The short-lived cache of signed-in sessions, shared by the session
//! extractor and the token refresher (which empties it of a user whose tokens go).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Signed-in sessions recently read from the database, kept for a short
/// time (`WEB_APP_SESSION_CACHE_MS`, 1 s by default; 0 turns it off) so that
/// a busy session costs one query per second instead of one per request.
/// This process forgets a session at once when it ends it (logout) or when
/// its user's tokens go; a session ended by *another* replica may still be
/// honoured here for up to the time to live.
pub struct SessionCache {
    ttl: Duration,
    map: RwLock<HashMap<String, (String, Instant)>>,
}

/// Beyond this many entries, the expired ones are swept at the next insertion.
const SESSION_CACHE_SWEEP: usize = 50_000;

impl SessionCache {
    /// A cache keeping entries for `ttl` (zero: nothing is kept).
    pub fn new(ttl: Duration) -> SessionCache {
        SessionCache {
            ttl,
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The user of a cached session still within its time to live.
    pub fn get(&self, id_hash: &str) -> Option<String> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.get(id_hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(user, _)| user.clone())
    }

    /// Remembers that `id_hash` is signed in as `user_id`.
    pub fn put(&self, id_hash: &str, user_id: &str) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SESSION_CACHE_SWEEP {
            let ttl = self.ttl;
            map.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        map.insert(id_hash.to_string(), (user_id.to_string(), Instant::now()));
    }

    /// Forgets one session (ended by this process).
    pub fn remove(&self, id_hash: &str) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.remove(id_hash);
    }

    /// Forgets every session of `user_id` (their tokens are gone).
    pub fn remove_user(&self, user_id: &str) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (user, _)| user != user_id);
    }
}
