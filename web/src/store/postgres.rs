//! The [`Store`] in PostgreSQL: any number of replicas share sessions,
//! tokens and rate-limit pauses. One refresh at a time per user, across
//! processes, by a row lock (`SELECT ... FOR UPDATE` in a transaction that
//! spans the refresh request: a killed holder's lock ends with its
//! connection) or by the lease of [`LockMode::Lease`].

use super::LockMode;
use super::{
    db, now_ms, owner_name, seal, to_i64, Login, RefreshLock, RefreshTurn, SealedRow, SessionInfo,
    Store, StoreError, StoreResult, TokenRow, LEASE_MS, LEASE_POLL_MS,
};
use crate::cipher::TokenCipher;
use async_trait::async_trait;
use spotify_auth::core::step1::PendingAuthorization;
use spotify_auth::SavedToken;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

/// The schema's versions, applied in order at start (recorded in `_sqlx_migrations`).
pub fn migrator() -> Migrator {
    let step = |version, name: &str, sql: &'static str| {
        Migration::new(
            version,
            name.to_string().into(),
            MigrationType::Simple,
            sql.into(),
            false,
        )
    };
    Migrator {
        migrations: Cow::Owned(vec![
            step(
                1,
                "sessions and tokens",
                include_str!("../../migrations/postgres/0001_sessions_and_tokens.sql"),
            ),
            step(
                2,
                "refresh lease and rate limits",
                include_str!("../../migrations/postgres/0002_refresh_lease_and_rate_limits.sql"),
            ),
        ]),
        ..Migrator::DEFAULT
    }
}

/// The columns of a token row, in [`sealed_row`]'s order.
const TOKEN_COLUMNS: &str = "display_name, access_token, refresh_token, token_type, scopes, \
     expires_at, consented_at, obtained_at, client_id, pkce, version";

fn sealed_row(r: &PgRow) -> SealedRow {
    SealedRow {
        display_name: r.get(0),
        access_token: r.get(1),
        refresh_token: r.get(2),
        token_type: r.get(3),
        scopes: r.get(4),
        expires_at: r.get(5),
        consented_at: r.get(6),
        obtained_at: r.get(7),
        client_id: r.get(8),
        pkce: r.get(9),
        version: r.get(10),
    }
}

const UPSERT_TOKEN: &str = "INSERT INTO tokens (user_id, display_name, access_token, refresh_token, token_type, scopes, \
     expires_at, consented_at, obtained_at, client_id, pkce, version, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12) \
     ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, \
     access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
     token_type = excluded.token_type, scopes = excluded.scopes, expires_at = excluded.expires_at, \
     consented_at = excluded.consented_at, obtained_at = excluded.obtained_at, \
     client_id = excluded.client_id, pkce = excluded.pkce, version = tokens.version + 1, \
     refreshing_until = 0, refresh_owner = NULL, updated_at = excluded.updated_at RETURNING version";

/// Sessions and tokens in PostgreSQL.
pub struct PgStore {
    pool: PgPool,
    cipher: TokenCipher,
    owner: String,
    mode: LockMode,
}

impl PgStore {
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
        let options = PgConnectOptions::from_str(url).map_err(db)?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db)?;
        migrator().run(&pool).await.map_err(db)?;
        Ok(PgStore {
            pool,
            cipher,
            owner: owner_name(),
            mode,
        })
    }

    /// The lock mode in use.
    pub fn mode(&self) -> LockMode {
        self.mode
    }

    fn seal(&self, user_id: &str, column: &str, secret: &str) -> Vec<u8> {
        seal(&self.cipher, user_id, column, secret)
    }

    fn upsert<'q>(
        &self,
        user_id: &'q str,
        display_name: Option<&'q str>,
        token: &'q SavedToken,
        now: u64,
    ) -> sqlx::query::QueryScalar<'q, Postgres, i64, PgArguments> {
        sqlx::query_scalar(UPSERT_TOKEN)
            .bind(user_id)
            .bind(display_name)
            .bind(self.seal(user_id, "access", token.access_token.secret()))
            .bind(self.seal(user_id, "refresh", token.refresh_token.secret()))
            .bind(token.token_type.clone())
            .bind(token.scopes.join(" "))
            .bind(to_i64(token.expires_at))
            .bind(to_i64(token.consented_at))
            .bind(to_i64(token.obtained_at))
            .bind(token.client_id.clone())
            .bind(token.pkce)
            .bind(to_i64(now))
    }
}

/// A lease on a PostgreSQL row (see [`LockMode::Lease`](super::LockMode)).
struct Lease {
    pool: PgPool,
    cipher: TokenCipher,
    owner: String,
    row: TokenRow,
    done: bool,
}

#[async_trait]
impl RefreshLock for Lease {
    fn row(&self) -> &TokenRow {
        &self.row
    }

    async fn save(mut self: Box<Self>, token: &SavedToken, now: u64) -> StoreResult<Option<i64>> {
        self.done = true;
        let user_id = self.row.user_id.as_str();
        sqlx::query_scalar(
            "UPDATE tokens SET access_token = $1, refresh_token = $2, token_type = $3, scopes = $4, \
             expires_at = $5, obtained_at = $6, version = version + 1, updated_at = $7, \
             refreshing_until = 0, refresh_owner = NULL \
             WHERE user_id = $8 AND version = $9 RETURNING version",
        )
        .bind(seal(&self.cipher, user_id, "access", token.access_token.secret()))
        .bind(seal(&self.cipher, user_id, "refresh", token.refresh_token.secret()))
        .bind(&token.token_type)
        .bind(token.scopes.join(" "))
        .bind(to_i64(token.expires_at))
        .bind(to_i64(token.obtained_at))
        .bind(to_i64(now))
        .bind(user_id)
        .bind(self.row.version)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    async fn release(mut self: Box<Self>) -> StoreResult<()> {
        self.done = true;
        release_lease(&self.pool, &self.row.user_id, &self.owner).await
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (pool, user, owner) = (
                self.pool.clone(),
                self.row.user_id.clone(),
                self.owner.clone(),
            );
            handle.spawn(async move {
                let _ = release_lease(&pool, &user, &owner).await;
            });
        }
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

    async fn save(mut self: Box<Self>, token: &SavedToken, now: u64) -> StoreResult<Option<i64>> {
        let user_id = self.row.user_id.clone();
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE tokens SET access_token = $1, refresh_token = $2, token_type = $3, scopes = $4, \
             expires_at = $5, obtained_at = $6, version = version + 1, updated_at = $7 \
             WHERE user_id = $8 AND version = $9 RETURNING version",
        )
        .bind(seal(&self.cipher, &user_id, "access", token.access_token.secret()))
        .bind(seal(&self.cipher, &user_id, "refresh", token.refresh_token.secret()))
        .bind(&token.token_type)
        .bind(token.scopes.join(" "))
        .bind(to_i64(token.expires_at))
        .bind(to_i64(token.obtained_at))
        .bind(to_i64(now))
        .bind(&user_id)
        .bind(self.row.version)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(db)?;
        self.tx.commit().await.map_err(db)?;
        Ok(version)
    }

    async fn release(self: Box<Self>) -> StoreResult<()> {
        self.tx.rollback().await.map_err(db)
    }
}

async fn release_lease(pool: &PgPool, user_id: &str, owner: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE tokens SET refreshing_until = 0, refresh_owner = NULL \
         WHERE user_id = $1 AND refresh_owner = $2",
    )
    .bind(user_id)
    .bind(owner)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    async fn create_session(
        &self,
        id_hash: &str,
        user_id: Option<&str>,
        now: u64,
        expires_at: u64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(to_i64(now))
        .bind(to_i64(expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session(&self, id_hash: &str, now: u64) -> StoreResult<Option<SessionInfo>> {
        let row =
            sqlx::query("SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(id_hash)
                .bind(to_i64(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(row.map(|r| SessionInfo {
            user_id: r.get("user_id"),
        }))
    }

    async fn set_pending(&self, id_hash: &str, pending: &PendingAuthorization) -> StoreResult<()> {
        let json = serde_json::to_vec(pending).map_err(db)?;
        let sealed = self.cipher.seal(&format!("{id_hash}|pending"), &json);
        sqlx::query("UPDATE sessions SET pending = $1 WHERE id_hash = $2")
            .bind(sealed)
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn take_pending(&self, id_hash: &str) -> StoreResult<Option<PendingAuthorization>> {
        // Read, then clear only if unchanged (a compare-and-swap): of two
        // callbacks racing for one state, one gets it.
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT pending FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?
                .flatten();
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let cleared =
            sqlx::query("UPDATE sessions SET pending = NULL WHERE id_hash = $1 AND pending = $2")
                .bind(id_hash)
                .bind(&sealed)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        if cleared.rows_affected() != 1 {
            return Ok(None);
        }
        let json = self.cipher.open(&format!("{id_hash}|pending"), &sealed);
        Ok(json.and_then(|j| serde_json::from_slice(&j).ok()))
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.and_then(|r| r.get("user_id")))
    }

    async fn user_sessions(&self, user_id: &str) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn upsert_token(
        &self,
        user_id: &str,
        display_name: Option<&str>,
        token: &SavedToken,
        now: u64,
    ) -> StoreResult<i64> {
        self.upsert(user_id, display_name, token, now)
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn load_token(&self, user_id: &str) -> StoreResult<Option<TokenRow>> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| sealed_row(&r).open(&self.cipher, user_id))
            .transpose()
    }

    async fn replace_token(
        &self,
        user_id: &str,
        version: i64,
        token: &SavedToken,
        now: u64,
    ) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "UPDATE tokens SET access_token = $1, refresh_token = $2, token_type = $3, scopes = $4, \
             expires_at = $5, obtained_at = $6, version = version + 1, updated_at = $7 \
             WHERE user_id = $8 AND version = $9 RETURNING version",
        )
        .bind(self.seal(user_id, "access", token.access_token.secret()))
        .bind(self.seal(user_id, "refresh", token.refresh_token.secret()))
        .bind(&token.token_type)
        .bind(token.scopes.join(" "))
        .bind(to_i64(token.expires_at))
        .bind(to_i64(token.obtained_at))
        .bind(to_i64(now))
        .bind(user_id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    async fn delete_token(&self, user_id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn clear(&self) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM tokens")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn lock_for_refresh(&self, user_id: &str, seen_version: i64) -> StoreResult<RefreshTurn> {
        if self.mode == LockMode::RowLock {
            let mut tx = self.pool.begin().await.map_err(db)?;
            // A holder that hangs (not a dead one: its lock ends with its
            // connection) does not block the others for ever.
            sqlx::query("SET LOCAL lock_timeout = '50s'")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let row = sqlx::query(&format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1 FOR UPDATE"
            ))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let Some(r) = row else {
                tx.rollback().await.map_err(db)?;
                return Ok(RefreshTurn::Gone);
            };
            let row = sealed_row(&r).open(&self.cipher, user_id)?;
            if row.version != seen_version {
                tx.rollback().await.map_err(db)?;
                return Ok(RefreshTurn::Changed(row));
            }
            return Ok(RefreshTurn::Mine(Box::new(RowLock {
                tx,
                cipher: self.cipher.clone(),
                row,
            })));
        }
        let waited_until = now_ms() + LEASE_MS + 5_000;
        loop {
            let now = now_ms();
            let taken = sqlx::query(&format!(
                "UPDATE tokens SET refreshing_until = $1, refresh_owner = $2 \
                 WHERE user_id = $3 AND version = $4 AND refreshing_until < $5 \
                 RETURNING {TOKEN_COLUMNS}"
            ))
            .bind(to_i64(now + LEASE_MS))
            .bind(&self.owner)
            .bind(user_id)
            .bind(seen_version)
            .bind(to_i64(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
            if let Some(r) = taken {
                let row = sealed_row(&r).open(&self.cipher, user_id)?;
                return Ok(RefreshTurn::Mine(Box::new(Lease {
                    pool: self.pool.clone(),
                    cipher: self.cipher.clone(),
                    owner: self.owner.clone(),
                    row,
                    done: false,
                })));
            }
            match self.load_token(user_id).await? {
                None => return Ok(RefreshTurn::Gone),
                Some(row) if row.version != seen_version => return Ok(RefreshTurn::Changed(row)),
                Some(_) if now > waited_until => {
                    return Err(StoreError(format!(
                        "the refresh lease of user {user_id} was not released in time"
                    )))
                }
                Some(_) => tokio::time::sleep(Duration::from_millis(LEASE_POLL_MS)).await,
            }
        }
    }

    async fn sign_in(&self, login: &Login<'_>) -> StoreResult<Option<String>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        self.upsert(login.user_id, login.display_name, login.token, login.now)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(login.session_hash)
        .bind(login.user_id)
        .bind(to_i64(login.now))
        .bind(to_i64(login.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let old: Option<Option<String>> =
            sqlx::query_scalar("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
                .bind(login.old_session_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(old.flatten())
    }

    async fn pause(&self, kind: &str, until_ms: u64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO rate_limits (kind, until_ms) VALUES ($1, $2) ON CONFLICT (kind) \
             DO UPDATE SET until_ms = GREATEST(rate_limits.until_ms, excluded.until_ms)",
        )
        .bind(kind)
        .bind(to_i64(until_ms))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn pauses(&self) -> StoreResult<Vec<(String, u64)>> {
        let rows = sqlx::query("SELECT kind, until_ms FROM rate_limits")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), u64::try_from(r.get::<i64, _>(1)).unwrap_or(0)))
            .collect())
    }
}
