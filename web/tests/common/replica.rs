//! The real `web_app` binary as separate processes (replicas) on one
//! PostgreSQL database, against an in-process sandbox. The server comes from
//! `WEB_APP_TEST_POSTGRES_URL`, which `bash scripts/postgres.sh run ...`
//! (and so `scripts/test.sh`) sets; each test gets a database of its own.

use reqwest::blocking::Client;
use spotify_sandbox::Sandbox;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The key every replica seals tokens with (they must share it).
pub const TOKEN_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server of the tests; fails loudly, saying how to get one.
pub fn postgres_url() -> String {
    match std::env::var("WEB_APP_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "WEB_APP_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server. Run them with \
             `bash scripts/postgres.sh run cargo test -p web_app --test replicas -- --include-ignored` \
             (a throwaway cluster under target/pg, stopped at the end) or `bash scripts/test.sh`."
        ),
    }
}

/// A new, empty database on the test server; its URL.
pub fn fresh_database() -> String {
    use sqlx::Connection;
    let admin = postgres_url();
    let name = format!(
        "webapp_test_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    );
    super::block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// One `web_app` process.
pub struct Replica {
    pub url: String,
    child: Child,
    dir: PathBuf,
}

impl Replica {
    /// Starts the binary on a free port with `DATABASE_URL`, against `sandbox`.
    pub fn start(database_url: &str, sandbox: &Sandbox, extra: &[(&str, &str)]) -> Replica {
        let port = super::process::free_port();
        let vars = sandbox.env_vars();
        let mut env: Vec<(&str, &str)> = vec![
            ("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:{port}/callback"),
            ("DATABASE_URL", database_url),
            ("SPOTIFY_TOKEN_KEY", TOKEN_KEY),
        ];
        env.extend(
            vars.iter()
                .filter(|(name, _)| *name != "SPOTIFY_REDIRECT_URI")
                .map(|(name, value)| (*name, value.as_str())),
        );
        env.extend_from_slice(extra);
        let (mut command, dir) = super::process::command(&env, None, port);
        command.stdout(Stdio::null()).stderr(Stdio::inherit());
        let child = command.spawn().unwrap();
        let replica = Replica {
            url: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        let client = super::http_builder().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while client
            .get(format!("{}/health", replica.url))
            .send()
            .map(|r| r.status() != 200)
            .unwrap_or(true)
        {
            assert!(
                Instant::now() < deadline,
                "replica {} did not start",
                replica.url
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        replica
    }

    /// Sends `signal` (`STOP`, `CONT`) to the process: a frozen holder of a lease.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// `kill -9`: no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Signs `client` in as sandbox user `user` through `replica`'s /login and /callback.
pub fn sign_in_on(replica: &Replica, client: &Client, user: &str) {
    let login = client.get(format!("{}/login", replica.url)).send().unwrap();
    assert_eq!(login.status(), 303);
    let authorize = super::location(&login);
    let callback = spotify_sandbox::approve_consent_as(&authorize, user, true).unwrap();
    let answer = client.get(callback).send().unwrap();
    assert_eq!(answer.status(), 303, "{:?}", answer.text());
}
