//! The [`Store`](super::Store) in an embedded SQLite file (WAL, one writer at
//! a time): how it is opened; its queries are [`SqlStore`]'s.

use super::sql::{migrator, Dialect, SqlStore};
use super::{db, owner_alive, owner_name, LockMode, StoreResult};
use crate::cipher::TokenCipher;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Sqlite;
use std::str::FromStr;
use std::time::Duration;

impl Dialect for Sqlite {
    const GREATEST: &'static str = "MAX";
    const BYTES: &'static str = "BLOB";
}

/// Sessions and tokens in SQLite (refreshes take leases).
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating when missing) the database of `url` (`sqlite://path`)
    /// and applies the migrations. The file is made readable by its owner only.
    pub async fn open(url: &str, cipher: TokenCipher) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
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
            // A local file needs no round trip to prove a pooled connection alive.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        let _ = spotify_auth::file_store::set_mode(&path, 0o600);
        migrator(Sqlite::BYTES).run(&pool).await?;
        // Leases of processes killed during a refresh end now: a restarted
        // app does not wait for them to run out.
        let owners: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT refresh_owner FROM tokens WHERE refresh_owner IS NOT NULL",
        )
        .fetch_all(&pool)
        .await?;
        for owner in owners.iter().filter(|o| !owner_alive(o)) {
            sqlx::query(
                "UPDATE tokens SET refreshing_until = 0, refresh_owner = NULL \
                 WHERE refresh_owner = $1",
            )
            .bind(owner)
            .execute(&pool)
            .await?;
        }
        Ok(SqlStore {
            pool,
            cipher,
            owner: owner_name(),
            mode: LockMode::Lease,
        })
    }
}
