//! Anonymous `GET /login`s do not grow the database without bound: a
//! session nobody signed in to lives as long as its pending login (10
//! minutes), and the periodic sweep deletes what expired.

mod common;

use common::*;
use spotify_auth::now_secs;
use std::time::{Duration, Instant};

fn session_rows(app: &App) -> i64 {
    count(app, "SELECT COUNT(*) FROM sessions")
}

fn count(app: &App, sql: &str) -> i64 {
    block_on(async {
        let url = format!("sqlite://{}", app.dir.join("web_app.sqlite").display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    })
}

#[test]
fn a_login_flood_is_swept_away_and_signed_in_users_stay() {
    let app = start();
    let ada = browser();
    sign_in(&app, &ada, "ada");
    let before = session_rows(&app);
    // Ada starts another login and leaves it: her session stays, its pending login goes.
    assert_eq!(
        ada.get(format!("{}/login", app.url))
            .send()
            .unwrap()
            .status(),
        303
    );

    // 300 anonymous logins, each without a cookie: 300 sessions.
    let anonymous = common::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..300 {
        let login = anonymous.get(format!("{}/login", app.url)).send().unwrap();
        assert_eq!(login.status(), 303);
    }
    assert_eq!(session_rows(&app), before + 300);
    let pending = "SELECT COUNT(*) FROM sessions WHERE pending IS NOT NULL";
    assert_eq!(count(&app, pending), 301);

    // A sweep now deletes nothing: the logins are still in progress.
    block_on(app.state.store.sweep(now_secs())).unwrap();
    assert_eq!(session_rows(&app), before + 300);

    // The periodic sweep with a clock eleven minutes ahead: back to the signed-in ones.
    let store = std::sync::Arc::clone(&app.state.store);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _sweeper = runtime.spawn(async move {
        web_app::sweep::spawn(store, Duration::from_millis(50), || now_secs() + 11 * 60)
            .await
            .ok();
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while session_rows(&app) > before {
        assert!(Instant::now() < deadline, "{} rows", session_rows(&app));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(session_rows(&app), before);
    assert_eq!(count(&app, pending), 0);
    let (status, me) = get_json(&ada, &format!("{}/api/me", app.url));
    assert_eq!((status, me["id"].as_str()), (200, Some("ada")), "{me}");
}
