//! The [`Store`](super::Store) in PostgreSQL: any number of replicas share
//! sessions, tokens and rate-limit pauses. One refresh at a time per user,
//! across processes, by a row lock (`SELECT ... FOR UPDATE` in a transaction
//! that spans the refresh request: a killed holder's lock ends with its
//! connection) or by the lease of [`LockMode::Lease`]. Its queries are
//! [`SqlStore`]'s; only the row lock is PostgreSQL's own.

use super::sql::{migrator, save_refreshed, sealed_row, Dialect, SqlStore, TOKEN_COLUMNS};
use super::{
    open_or_forget, owner_name, LockMode, RefreshLock, RefreshTurn, StoreResult, TokenRow,
};
use crate::cipher::TokenCipher;
use async_trait::async_trait;
use spotify_auth::SavedToken;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Sessions and tokens in PostgreSQL.
pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`,
    /// or `?host=/socket/dir`), with at most `pool_size` connections, and
    /// applies the migrations (concurrent starts are serialised by sqlx's
    /// advisory lock). `mode` is how a refresh is made exclusive.
    pub async fn open(
        url: &str,
        cipher: TokenCipher,
        pool_size: u32,
        mode: LockMode,
    ) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        migrator(Postgres::BYTES).run(&pool).await?;
        Ok(SqlStore {
            pool,
            cipher,
            owner: owner_name(),
            mode,
        })
    }
}

#[async_trait]
impl Dialect for Postgres {
    const GREATEST: &'static str = "GREATEST";
    const BYTES: &'static str = "BYTEA";

    async fn lock_row(
        store: &PgStore,
        user_id: &str,
        seen_version: i64,
        lease_ms: u64,
    ) -> StoreResult<Option<RefreshTurn>> {
        let mut tx = store.pool.begin().await?;
        // A holder that hangs (not a dead one: its lock ends with its
        // connection) blocks the others no longer than a lease.
        sqlx::query(&format!("SET LOCAL lock_timeout = '{lease_ms}ms'"))
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1 FOR UPDATE"
        ))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            tx.rollback().await?;
            return Ok(Some(RefreshTurn::Gone));
        };
        let Some(row) = sealed_row(&r, 0).open(&store.cipher, user_id) else {
            tx.rollback().await?;
            open_or_forget(store, &store.cipher, user_id, sealed_row(&r, 0)).await?;
            return Ok(Some(RefreshTurn::Gone));
        };
        if row.version != seen_version {
            tx.rollback().await?;
            return Ok(Some(RefreshTurn::Changed(row)));
        }
        Ok(Some(RefreshTurn::Mine(Box::new(RowLock {
            tx,
            cipher: store.cipher.clone(),
            row,
        }))))
    }
}

/// A row locked by `SELECT ... FOR UPDATE` in an open transaction (see
/// [`LockMode::RowLock`]); dropped, the transaction rolls back.
struct RowLock {
    tx: Transaction<'static, Postgres>,
    cipher: TokenCipher,
    row: TokenRow,
}

#[async_trait]
impl RefreshLock for RowLock {
    fn row(&self) -> &TokenRow {
        &self.row
    }

    async fn save(self: Box<Self>, token: &SavedToken, now: u64) -> StoreResult<Option<i64>> {
        let mut lock = *self;
        let saved = save_refreshed(&lock.cipher, &lock.row, token, now);
        let version = saved.fetch_optional(&mut *lock.tx).await?;
        lock.tx.commit().await?;
        Ok(version)
    }

    async fn release(self: Box<Self>) -> StoreResult<()> {
        Ok(self.tx.rollback().await?)
    }
}
