//! The [`Store`] in an embedded SQLite file (WAL, one writer at a time).

use super::{SessionInfo, Store, StoreError, StoreResult, TokenRow};
use crate::cipher::TokenCipher;
use async_trait::async_trait;
use spotify_auth::core::step1::PendingAuthorization;
use spotify_auth::{AccessToken, RefreshToken, SavedToken};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

/// The schema's versions, applied in order at start (recorded in `_sqlx_migrations`).
pub fn migrator() -> Migrator {
    Migrator {
        migrations: Cow::Owned(vec![Migration::new(
            1,
            "sessions and tokens".into(),
            MigrationType::Simple,
            include_str!("../../migrations/0001_sessions_and_tokens.sql").into(),
            false,
        )]),
        ..Migrator::DEFAULT
    }
}

fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// Sessions and tokens in SQLite.
pub struct SqliteStore {
    pool: SqlitePool,
    cipher: TokenCipher,
}

impl SqliteStore {
    /// Opens (creating when missing) the database of `url` (`sqlite://path`)
    /// and applies the migrations. The file is made readable by its owner only.
    pub async fn open(url: &str, cipher: TokenCipher) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
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
        Ok(SqliteStore { pool, cipher })
    }

    fn open_secret(&self, user_id: &str, column: &str, sealed: &[u8]) -> StoreResult<String> {
        let plain = self
            .cipher
            .open(&format!("{user_id}|{column}"), sealed)
            .ok_or_else(|| {
                StoreError(format!(
                    "the {column} of user {user_id} does not open with this key (SPOTIFY_TOKEN_KEY or the key file changed?)"
                ))
            })?;
        String::from_utf8(plain).map_err(db)
    }

    fn seal(&self, user_id: &str, column: &str, secret: &str) -> Vec<u8> {
        self.cipher
            .seal(&format!("{user_id}|{column}"), secret.as_bytes())
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO tokens (user_id, display_name, access_token, refresh_token, token_type, scopes, \
             expires_at, consented_at, obtained_at, client_id, pkce, version, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) \
             ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, \
             access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
             token_type = excluded.token_type, scopes = excluded.scopes, expires_at = excluded.expires_at, \
             consented_at = excluded.consented_at, obtained_at = excluded.obtained_at, \
             client_id = excluded.client_id, pkce = excluded.pkce, version = tokens.version + 1, \
             updated_at = excluded.updated_at RETURNING version",
        )
        .bind(user_id)
        .bind(display_name)
        .bind(self.seal(user_id, "access", token.access_token.secret()))
        .bind(self.seal(user_id, "refresh", token.refresh_token.secret()))
        .bind(&token.token_type)
        .bind(token.scopes.join(" "))
        .bind(to_i64(token.expires_at))
        .bind(to_i64(token.consented_at))
        .bind(to_i64(token.obtained_at))
        .bind(&token.client_id)
        .bind(token.pkce)
        .bind(to_i64(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(version)
    }

    async fn load_token(&self, user_id: &str) -> StoreResult<Option<TokenRow>> {
        let Some(r) = sqlx::query("SELECT * FROM tokens WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let secs = |name: &str| u64::try_from(r.get::<i64, _>(name)).unwrap_or(0);
        let scopes: String = r.get("scopes");
        let token = SavedToken {
            access_token: AccessToken::new(self.open_secret(
                user_id,
                "access",
                r.get("access_token"),
            )?),
            token_type: r.get("token_type"),
            scopes: scopes.split_whitespace().map(str::to_string).collect(),
            expires_at: secs("expires_at"),
            refresh_token: RefreshToken::new(self.open_secret(
                user_id,
                "refresh",
                r.get("refresh_token"),
            )?),
            consented_at: secs("consented_at"),
            obtained_at: secs("obtained_at"),
            client_id: r.get("client_id"),
            pkce: r.get("pkce"),
        };
        Ok(Some(TokenRow {
            user_id: user_id.to_string(),
            display_name: r.get("display_name"),
            token,
            version: r.get("version"),
        }))
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
}
