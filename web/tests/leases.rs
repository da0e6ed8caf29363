//! SQLite refresh leases (the real binary, killed or frozen during a
//! refresh): a lease never outlives its refresh's deadline plus a margin,
//! and a restarted app does not wait on leases taken before it started.

mod common;

use common::replica::*;
use common::*;
use spotify_sandbox::{Fault, FaultKind, Sandbox, SandboxOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The refresh deadline of these tests (`SPOTIFY_HTTP_TIMEOUT_SECS`).
const DEADLINE_SECS: u64 = 3;
const EXTRA: [(&str, &str); 1] = [("SPOTIFY_HTTP_TIMEOUT_SECS", "3")];

struct Database {
    dir: PathBuf,
    url: String,
}

impl Database {
    fn new(name: &str) -> Database {
        let dir = std::env::temp_dir().join(format!("web-app-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("web_app.sqlite").display());
        Database { dir, url }
    }

    fn lease_owner(&self, user: &str) -> Option<String> {
        block_on(async {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&self.url)
                .await
                .unwrap();
            sqlx::query_scalar("SELECT refresh_owner FROM tokens WHERE user_id = $1")
                .bind(user)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions {
        redirect_uris: vec!["http://127.0.0.1/callback".into()],
        ..Default::default()
    })
    .unwrap()
}

/// The access token expires, and the next refresh is answered only after `secs`.
fn hold_the_refresh(sandbox: &Sandbox, secs: u64) {
    sandbox.advance_clock(3601);
    sandbox.add_fault(Fault {
        endpoint: "/api/token".into(),
        kind: FaultKind::Slow { secs },
        count: 1,
    });
}

/// Runs `then` one second into a request of `client` to `replica_url` that refreshes.
fn while_refreshing(client: &reqwest::blocking::Client, replica_url: &str, then: impl FnOnce()) {
    let url = format!("{replica_url}/api/me");
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let _ = client.get(url).send();
        });
        std::thread::sleep(Duration::from_millis(1000));
        then();
    });
}

#[test]
fn a_restarted_app_does_not_wait_on_the_lease_of_a_killed_one() {
    let database = Database::new("lease-kill");
    let sandbox = sandbox();
    let mut a = Replica::start(&database.url, &sandbox, &EXTRA);
    let client = browser();
    sign_in_on(&a, &client, "ada");
    hold_the_refresh(&sandbox, 2);
    while_refreshing(&client, &a.url.clone(), || a.kill());
    assert!(
        database.lease_owner("ada").is_some(),
        "the killed app held a lease"
    );

    let b = Replica::start(&database.url, &sandbox, &EXTRA);
    let started = Instant::now();
    let (status, me) = get_json(&client, &format!("{}/api/me", b.url));
    let took = started.elapsed();
    assert_eq!((status, me["id"].as_str()), (200, Some("ada")), "{me}");
    assert!(
        took < Duration::from_secs(DEADLINE_SECS),
        "answered in {took:?}, the refresh deadline is {DEADLINE_SECS} s"
    );
}

#[test]
fn the_lease_of_a_frozen_holder_ends_after_its_deadline_and_margin() {
    let database = Database::new("lease-frozen");
    let sandbox = sandbox();
    let a = Replica::start(&database.url, &sandbox, &EXTRA);
    let b = Replica::start(&database.url, &sandbox, &EXTRA);
    let client = browser();
    sign_in_on(&a, &client, "ada");
    hold_the_refresh(&sandbox, 2);
    while_refreshing(&client, &a.url.clone(), || {
        // A holds the lease and stops answering anything (alive, not dead).
        a.signal("STOP");
        assert!(database.lease_owner("ada").is_some());
        let started = Instant::now();
        let (status, me) = get_json(&client, &format!("{}/api/me", b.url));
        let took = started.elapsed();
        a.signal("CONT");
        assert_eq!((status, me["id"].as_str()), (200, Some("ada")), "{me}");
        let bound = Duration::from_millis(DEADLINE_SECS * 1000 + web_app::store::LEASE_MARGIN_MS);
        assert!(
            took < bound,
            "B waited {took:?}, more than the lease ({bound:?})"
        );
    });
}
