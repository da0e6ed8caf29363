//! Every query of the [`Store`], written once for SQLite and PostgreSQL
//! (both accept `$N` placeholders). What really differs between the two is
//! the [`Dialect`]: the larger-of function, the byte-string type of the
//! migrations, and the row lock (PostgreSQL only).

use super::{
    db, now_ms, open_or_forget, seal_tokens, to_i64, KeyCheck, LockMode, Login, RefreshLock,
    RefreshTurn, SealedRow, SessionInfo, Store, StoreError, StoreResult, TokenRow, LEASE_MARGIN_MS,
    LEASE_POLL_MS,
};
use crate::cipher::TokenCipher;
use async_trait::async_trait;
use spotify_auth::core::step1::PendingAuthorization;
use spotify_auth::SavedToken;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query::QueryScalar;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

/// What differs between the SQL of SQLite and of PostgreSQL.
#[async_trait]
pub trait Dialect: Database {
    /// The larger of two values: `MAX` in SQLite, `GREATEST` in PostgreSQL.
    const GREATEST: &'static str;
    /// The type of a byte-string column: `BLOB` or `BYTEA`.
    const BYTES: &'static str;

    /// Locks `user_id`'s row for a refresh in a transaction spanning it
    /// ([`LockMode::RowLock`]); `None` where the dialect only has leases.
    async fn lock_row(
        _store: &SqlStore<Self>,
        _user_id: &str,
        _seen_version: i64,
        _lease_ms: u64,
    ) -> StoreResult<Option<RefreshTurn>> {
        Ok(None)
    }
}

/// The schema's versions, applied in order at start (recorded in
/// `_sqlx_migrations`); written once, with `BLOB` as the byte-string type.
pub fn migrator(bytes: &str) -> Migrator {
    let files = [
        (
            "sessions and tokens",
            include_str!("../../migrations/0001_sessions_and_tokens.sql"),
        ),
        (
            "refresh lease and rate limits",
            include_str!("../../migrations/0002_refresh_lease_and_rate_limits.sql"),
        ),
        (
            "session sweep",
            include_str!("../../migrations/0003_session_sweep.sql"),
        ),
        (
            "sealing key",
            include_str!("../../migrations/0004_sealing_key.sql"),
        ),
    ];
    let migrations = (1..)
        .zip(files)
        .map(|(version, (name, sql))| {
            Migration::new(
                version,
                Cow::Borrowed(name),
                MigrationType::Simple,
                Cow::Owned(sql.replace("BLOB", bytes)),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// The columns of a token row, in the order [`sealed_row`] reads them.
pub(crate) const TOKEN_COLUMNS: &str = "display_name, access_token, refresh_token, token_type, \
     scopes, expires_at, consented_at, obtained_at, client_id, pkce, version";

/// The token columns ([`TOKEN_COLUMNS`]) of `r`, from its column `first` on.
pub(crate) fn sealed_row<R: Row>(r: &R, first: usize) -> SealedRow
where
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
{
    SealedRow {
        display_name: r.get(first),
        access_token: r.get(first + 1),
        refresh_token: r.get(first + 2),
        token_type: r.get(first + 3),
        scopes: r.get(first + 4),
        expires_at: r.get(first + 5),
        consented_at: r.get(first + 6),
        obtained_at: r.get(first + 7),
        client_id: r.get(first + 8),
        pkce: r.get(first + 9),
        version: r.get(first + 10),
    }
}

/// A refreshed token saved if the row's version is still the locked one
/// (clearing a lease, if any); returns the new version.
pub(crate) fn save_refreshed<'q, DB: Database>(
    cipher: &TokenCipher,
    row: &'q TokenRow,
    token: &'q SavedToken,
    now: u64,
) -> QueryScalar<'q, DB, i64, DB::Arguments<'q>>
where
    for<'r> i64: Encode<'r, DB> + Decode<'r, DB> + Type<DB>,
    for<'r> Vec<u8>: Encode<'r, DB> + Type<DB>,
    for<'r> &'r str: Encode<'r, DB> + Type<DB>,
    String: for<'r> Encode<'r, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    let user_id = row.user_id.as_str();
    let (access, refresh) = seal_tokens(cipher, user_id, token);
    sqlx::query_scalar(
        "UPDATE tokens SET access_token = $1, refresh_token = $2, token_type = $3, scopes = $4, \
         expires_at = $5, obtained_at = $6, version = version + 1, updated_at = $7, \
         refreshing_until = 0, refresh_owner = NULL \
         WHERE user_id = $8 AND version = $9 RETURNING version",
    )
    .bind(access)
    .bind(refresh)
    .bind(token.token_type.as_str())
    .bind(token.scopes.join(" "))
    .bind(to_i64(token.expires_at))
    .bind(to_i64(token.obtained_at))
    .bind(to_i64(now))
    .bind(user_id)
    .bind(row.version)
}

/// Sessions and tokens in a SQL database (see [`SqliteStore`](super::SqliteStore)
/// and [`PgStore`](super::PgStore) for how each is opened).
pub struct SqlStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
    pub(crate) cipher: TokenCipher,
    pub(crate) owner: String,
    pub(crate) mode: LockMode,
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            cipher: self.cipher.clone(),
            owner: self.owner.clone(),
            mode: self.mode,
        }
    }
}

/// A lease on a row (see [`LockMode::Lease`]), taken through `store`.
struct Lease {
    store: Arc<dyn Store>,
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
        self.store.save_refresh(&self.row, token, now).await
    }

    async fn release(mut self: Box<Self>) -> StoreResult<()> {
        self.done = true;
        self.store.release_lease(&self.row.user_id).await
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (store, user) = (Arc::clone(&self.store), self.row.user_id.clone());
            handle.spawn(async move {
                let _ = store.release_lease(&user).await;
            });
        }
    }
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'r> &'r str: Encode<'r, DB> + Type<DB> + ColumnIndex<DB::Row>,
    for<'r> Option<&'r str>: Encode<'r, DB>,
    for<'r> String: Encode<'r, DB> + Decode<'r, DB> + Type<DB>,
    for<'r> Vec<u8>: Encode<'r, DB> + Decode<'r, DB> + Type<DB>,
    for<'r> i64: Encode<'r, DB> + Decode<'r, DB> + Type<DB>,
    for<'r> bool: Encode<'r, DB> + Decode<'r, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    async fn create_session(&self, id_hash: &str, now: u64, expires_at: u64) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (id_hash, created_at, expires_at) VALUES ($1, $2, $3)")
            .bind(id_hash)
            .bind(to_i64(now))
            .bind(to_i64(expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str, now: u64) -> StoreResult<Option<SessionInfo>> {
        let user: Option<Option<String>> = sqlx::query_scalar(
            "SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(to_i64(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(user.map(|user_id| SessionInfo { user_id }))
    }

    async fn set_pending(
        &self,
        id_hash: &str,
        pending: &PendingAuthorization,
        until: u64,
    ) -> StoreResult<()> {
        let json = serde_json::to_vec(pending).map_err(db)?;
        let sealed = self.cipher.seal(&format!("{id_hash}|pending"), &json);
        sqlx::query(
            "UPDATE sessions SET pending = $1, pending_until = $2, \
             expires_at = CASE WHEN user_id IS NULL THEN $2 ELSE expires_at END \
             WHERE id_hash = $3",
        )
        .bind(sealed)
        .bind(to_i64(until))
        .bind(id_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_pending(&self, id_hash: &str) -> StoreResult<Option<PendingAuthorization>> {
        // Read, then clear only if unchanged (a compare-and-swap): of two
        // callbacks racing for one state, one gets it.
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT pending FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?
                .flatten();
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let cleared: Option<String> = sqlx::query_scalar(
            "UPDATE sessions SET pending = NULL WHERE id_hash = $1 AND pending = $2 RETURNING id_hash",
        )
        .bind(id_hash)
        .bind(&sealed)
        .fetch_optional(&self.pool)
        .await?;
        if cleared.is_none() {
            return Ok(None);
        }
        let json = self.cipher.open(&format!("{id_hash}|pending"), &sealed);
        Ok(json.and_then(|j| serde_json::from_slice(&j).ok()))
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<Option<String>> {
        let deleted = sqlx::query_scalar::<DB, Option<String>>(
            "DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id",
        );
        let user = deleted.bind(id_hash).fetch_optional(&self.pool).await?;
        Ok(user.flatten())
    }

    async fn user_sessions(&self, user_id: &str) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn load_token(&self, user_id: &str) -> StoreResult<Option<TokenRow>> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => open_or_forget(self, &self.cipher, user_id, sealed_row(&r, 0)).await,
            None => Ok(None),
        }
    }

    async fn delete_token(&self, user_id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn sweep(&self, now: u64) -> StoreResult<()> {
        for expired in [
            "DELETE FROM sessions WHERE expires_at <= $1",
            "UPDATE sessions SET pending = NULL WHERE pending IS NOT NULL AND pending_until <= $1",
        ] {
            let query = sqlx::query(expired).bind(to_i64(now));
            query.execute(&self.pool).await?;
        }
        // Tokens no session holds any more (their sessions expired).
        sqlx::query(
            "DELETE FROM tokens WHERE NOT EXISTS \
             (SELECT 1 FROM sessions WHERE sessions.user_id = tokens.user_id)",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn check_key(&self, forget: bool) -> StoreResult<KeyCheck> {
        let mine = self.cipher.fingerprint();
        let recorded = || {
            sqlx::query_scalar::<DB, String>("SELECT fingerprint FROM sealing_key WHERE id = 1")
                .fetch_optional(&self.pool)
        };
        let mut known = recorded().await?;
        if known.is_none() {
            // A database from before fingerprints: its rows tell whether this key sealed them.
            let row = sqlx::query(&format!(
                "SELECT user_id, {TOKEN_COLUMNS} FROM tokens LIMIT 1"
            ))
            .fetch_optional(&self.pool)
            .await?;
            let opens = |r: &DB::Row| {
                let user_id: String = r.get(0);
                sealed_row(r, 1).open(&self.cipher, &user_id).is_some()
            };
            if row.as_ref().is_none_or(opens) {
                // Of replicas starting together, the first one records its key.
                sqlx::query(
                    "INSERT INTO sealing_key (id, fingerprint) VALUES (1, $1) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(mine)
                .execute(&self.pool)
                .await?;
                known = recorded().await?;
            }
        }
        if known.as_deref() == Some(mine) {
            return Ok(KeyCheck::Same);
        }
        if !forget {
            return Ok(KeyCheck::Other);
        }
        let mut tx = self.pool.begin().await?;
        for statement in [
            "DELETE FROM sessions",
            "DELETE FROM tokens",
            "DELETE FROM sealing_key",
        ] {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO sealing_key (id, fingerprint) VALUES (1, $1)")
            .bind(mine)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(KeyCheck::Forgot)
    }

    async fn clear(&self) -> StoreResult<()> {
        for table in ["sessions", "tokens"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn lock_for_refresh(
        &self,
        user_id: &str,
        seen_version: i64,
        deadline: Duration,
    ) -> StoreResult<RefreshTurn> {
        let lease_ms =
            u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX / 4) + LEASE_MARGIN_MS;
        if self.mode == LockMode::RowLock {
            if let Some(turn) = DB::lock_row(self, user_id, seen_version, lease_ms).await? {
                return Ok(turn);
            }
        }
        let waited_until = now_ms() + lease_ms + LEASE_MARGIN_MS;
        loop {
            let now = now_ms();
            let taken = sqlx::query(&format!(
                "UPDATE tokens SET refreshing_until = $1, refresh_owner = $2 \
                 WHERE user_id = $3 AND version = $4 AND refreshing_until < $5 \
                 RETURNING {TOKEN_COLUMNS}"
            ))
            .bind(to_i64(now + lease_ms))
            .bind(self.owner.as_str())
            .bind(user_id)
            .bind(seen_version)
            .bind(to_i64(now))
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = taken {
                let sealed = sealed_row(&r, 0);
                let Some(row) = open_or_forget(self, &self.cipher, user_id, sealed).await? else {
                    return Ok(RefreshTurn::Gone);
                };
                return Ok(RefreshTurn::Mine(Box::new(Lease {
                    store: Arc::new(self.clone()),
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

    async fn save_refresh(
        &self,
        row: &TokenRow,
        token: &SavedToken,
        now: u64,
    ) -> StoreResult<Option<i64>> {
        let saved = save_refreshed(&self.cipher, row, token, now);
        Ok(saved.fetch_optional(&self.pool).await?)
    }

    async fn release_lease(&self, user_id: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE tokens SET refreshing_until = 0, refresh_owner = NULL \
             WHERE user_id = $1 AND refresh_owner = $2",
        )
        .bind(user_id)
        .bind(self.owner.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn sign_in(&self, login: &Login<'_>) -> StoreResult<Option<String>> {
        let (user_id, token) = (login.user_id, login.token);
        let (access, refresh) = seal_tokens(&self.cipher, user_id, token);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tokens (user_id, display_name, access_token, refresh_token, token_type, \
             scopes, expires_at, consented_at, obtained_at, client_id, pkce, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12) \
             ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, \
             access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
             token_type = excluded.token_type, scopes = excluded.scopes, \
             expires_at = excluded.expires_at, consented_at = excluded.consented_at, \
             obtained_at = excluded.obtained_at, client_id = excluded.client_id, \
             pkce = excluded.pkce, version = tokens.version + 1, refreshing_until = 0, \
             refresh_owner = NULL, updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(login.display_name)
        .bind(access)
        .bind(refresh)
        .bind(token.token_type.as_str())
        .bind(token.scopes.join(" "))
        .bind(to_i64(token.expires_at))
        .bind(to_i64(token.consented_at))
        .bind(to_i64(token.obtained_at))
        .bind(token.client_id.as_str())
        .bind(token.pkce)
        .bind(to_i64(login.now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(login.session_hash)
        .bind(user_id)
        .bind(to_i64(login.now))
        .bind(to_i64(login.expires_at))
        .execute(&mut *tx)
        .await?;
        let old: Option<Option<String>> =
            sqlx::query_scalar("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
                .bind(login.old_session_hash)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(old.flatten())
    }

    async fn pause(&self, kind: &str, until_ms: u64) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO rate_limits (kind, until_ms) VALUES ($1, $2) ON CONFLICT (kind) \
             DO UPDATE SET until_ms = {}(rate_limits.until_ms, excluded.until_ms)",
            DB::GREATEST
        ))
        .bind(kind)
        .bind(to_i64(until_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn pauses(&self) -> StoreResult<Vec<(String, u64)>> {
        let rows = sqlx::query("SELECT kind, until_ms FROM rate_limits")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), u64::try_from(r.get::<i64, _>(1)).unwrap_or(0)))
            .collect())
    }
}
