//! Where the blocking [`SpotifyAuth`](crate::SpotifyAuth) keeps step 1's
//! pending authorization and the token between runs. The binaries and
//! notebooks use [`FileStore`](crate::file_store::FileStore); a program may
//! implement [`TokenStore`] over anything else (a keyring, a database row).

use crate::core::error::Result;
use crate::core::step1::PendingAuthorization;
use crate::core::token::SavedToken;

/// Held while a token is read, refreshed and saved again, so that two
/// refreshes cannot interleave. Released on drop.
pub type StoreLock = Box<dyn std::any::Any>;

/// A place for the pending authorization and the saved token.
pub trait TokenStore: std::fmt::Debug + Send + Sync {
    /// Step 1's pending authorization, if any.
    fn load_pending(&self) -> Result<Option<PendingAuthorization>>;
    /// Keeps step 1's pending authorization (cheap to make again: need not be durable).
    fn save_pending(&self, pending: &PendingAuthorization) -> Result<()>;
    /// Forgets the pending authorization (its code is spent).
    fn remove_pending(&self) -> Result<()>;
    /// The saved token, if any.
    fn load_token(&self) -> Result<Option<SavedToken>>;
    /// Saves the token durably and atomically: after a crash, the old token or
    /// the new one, never half of each.
    fn save_token(&self, token: &SavedToken) -> Result<()>;
    /// Forgets the token (its refresh token is dead).
    fn remove_token(&self) -> Result<()>;
    /// Takes the store's lock, waiting for another holder to release it.
    fn lock(&self) -> Result<StoreLock>;
    /// Where the token is kept, for messages (an absolute file path).
    fn token_location(&self) -> String;
    /// Where the pending authorization is kept, for messages.
    fn pending_location(&self) -> String;
}
