//! The [`Store`] in an embedded SQLite file (WAL, one writer at a time).

use super::{
    db, now_ms, owner_name, seal, to_i64, Login, RefreshLock, RefreshTurn, SealedRow, SessionInfo,
    Store, StoreError, StoreResult, TokenRow, LEASE_MS, LEASE_POLL_MS,
};
use crate::cipher::TokenCipher;
use async_trait::async_trait;
use spotify_auth::core::step1::PendingAuthorization;
use spotify_auth::SavedToken;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool};
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
                include_str!("../../migrations/0001_sessions_and_tokens.sql"),
            ),
            step(
                2,
                "refresh lease and rate limits",
                include_str!("../../migrations/0002_refresh_lease_and_rate_limits.sql"),
            ),
        ]),
        ..Migrator::DEFAULT
    }
}

/// The columns of a token row, in [`sealed_row`]'s order.
const TOKEN_COLUMNS: &str = "display_name, access_token, refresh_token, token_type, scopes, \
     expires_at, consented_at, obtained_at, client_id, pkce, version";

fn sealed_row(r: &SqliteRow) -> SealedRow {
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
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) \
     ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, \
     access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
     token_type = excluded.token_type, scopes = excluded.scopes, expires_at = excluded.expires_at, \
     consented_at = excluded.consented_at, obtained_at = excluded.obtained_at, \
     client_id = excluded.client_id, pkce = excluded.pkce, version = tokens.version + 1, \
     refreshing_until = 0, refresh_owner = NULL, updated_at = excluded.updated_at RETURNING version";

/// Sessions and tokens in SQLite.
pub struct SqliteStore {
    pool: SqlitePool,
    cipher: TokenCipher,
    owner: String,
}

impl SqliteStore {
    /// Opens (creating when missing) the database of `url` (`sqlite://path`)
    /// and applies the migrations. The file is made readable by its owner only.
    pub async fn open(url: &str, cipher: TokenCipher) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let path = options.get_filename().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(db)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(db)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        migrator().run(&pool).await.map_err(db)?;
        Ok(SqliteStore {
            pool,
            cipher,
            owner: owner_name(),
        })
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
    ) -> sqlx::query::QueryScalar<'q, Sqlite, i64, SqliteArguments<'q>> {
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

/// A lease on a SQLite row (see [`LockMode::Lease`](super::LockMode)).
struct Lease {
    pool: SqlitePool,
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
            "UPDATE tokens SET access_token = ?, refresh_token = ?, token_type = ?, scopes = ?, \
             expires_at = ?, obtained_at = ?, version = version + 1, updated_at = ?, \
             refreshing_until = 0, refresh_owner = NULL \
             WHERE user_id = ? AND version = ? RETURNING version",
        )
        .bind(seal(
            &self.cipher,
            user_id,
            "access",
            token.access_token.secret(),
        ))
        .bind(seal(
            &self.cipher,
            user_id,
            "refresh",
            token.refresh_token.secret(),
        ))
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

async fn release_lease(pool: &SqlitePool, user_id: &str, owner: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE tokens SET refreshing_until = 0, refresh_owner = NULL \
         WHERE user_id = ? AND refresh_owner = ?",
    )
    .bind(user_id)
    .bind(owner)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_session(
        &self,
        id_hash: &str,
        user_id: Option<&str>,
        now: u64,
        expires_at: u64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
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
        let row = sqlx::query("SELECT user_id FROM sessions WHERE id_hash = ? AND expires_at > ?")
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
        sqlx::query("UPDATE sessions SET pending = ? WHERE id_hash = ?")
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
            sqlx::query_scalar("SELECT pending FROM sessions WHERE id_hash = ?")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?
                .flatten();
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let cleared =
            sqlx::query("UPDATE sessions SET pending = NULL WHERE id_hash = ? AND pending = ?")
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
        let row = sqlx::query("DELETE FROM sessions WHERE id_hash = ? RETURNING user_id")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.and_then(|r| r.get("user_id")))
    }

    async fn user_sessions(&self, user_id: &str) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = ?")
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
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = ?"
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
            "UPDATE tokens SET access_token = ?, refresh_token = ?, token_type = ?, scopes = ?, \
             expires_at = ?, obtained_at = ?, version = version + 1, updated_at = ? \
             WHERE user_id = ? AND version = ? RETURNING version",
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
        sqlx::query("DELETE FROM tokens WHERE user_id = ?")
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
        let waited_until = now_ms() + LEASE_MS + 5_000;
        loop {
            let now = now_ms();
            let taken = sqlx::query(&format!(
                "UPDATE tokens SET refreshing_until = ?, refresh_owner = ? \
                 WHERE user_id = ? AND version = ? AND refreshing_until < ? \
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
            "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(login.session_hash)
        .bind(login.user_id)
        .bind(to_i64(login.now))
        .bind(to_i64(login.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let old: Option<Option<String>> =
            sqlx::query_scalar("DELETE FROM sessions WHERE id_hash = ? RETURNING user_id")
                .bind(login.old_session_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(old.flatten())
    }

    async fn pause(&self, kind: &str, until_ms: u64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO rate_limits (kind, until_ms) VALUES (?, ?) ON CONFLICT (kind) \
             DO UPDATE SET until_ms = MAX(rate_limits.until_ms, excluded.until_ms)",
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
