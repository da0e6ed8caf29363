//! The key that seals the database's rows: a start with another key (or
//! without the key file) stops with the two ways out; a single row that does
//! not open signs only its user out.

mod common;

use common::*;
use std::collections::HashMap;
use std::net::SocketAddr;
use web_app::StartOptions;

const OTHER_KEY: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

/// `prepare` again on `app`'s folder and database, with `extra` variables.
fn restart(app: &App, extra: &[(&str, &str)], forget: bool) -> Result<Vec<String>, String> {
    let mut vars: HashMap<String, String> = app
        .sandbox
        .env_vars()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    vars.insert("SPOTIFY_AUTH_DIR".into(), app.dir.display().to_string());
    vars.insert(
        "SPOTIFY_REDIRECT_URI".into(),
        format!("{}/callback", app.url),
    );
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let addr: SocketAddr = "127.0.0.1:8888".parse().unwrap();
    let options = StartOptions {
        forget_sealed_tokens: forget,
    };
    block_on(web_app::prepare_with(
        |n| vars.get(n).cloned(),
        addr,
        options,
    ))
    .map(|p| p.notes)
}

#[test]
fn another_key_stops_the_start_with_the_two_ways_out() {
    let app = start();
    let ada = browser();
    sign_in(&app, &ada, "ada");

    let err = restart(&app, &[("SPOTIFY_TOKEN_KEY", OTHER_KEY)], false).unwrap_err();
    assert!(!err.contains('\n'), "{err}");
    assert!(err.contains("SPOTIFY_TOKEN_KEY"), "{err}");
    assert!(
        err.contains("restore") && err.contains("web_app --forget-sealed-tokens"),
        "{err}"
    );

    // The key file lost: the message names it, and no new key file is left behind.
    let key_file = app.dir.join("web_app.key");
    let kept = app.dir.join("web_app.key.kept");
    std::fs::rename(&key_file, &kept).unwrap();
    let err = restart(&app, &[], false).unwrap_err();
    assert!(err.contains(&key_file.display().to_string()), "{err}");
    assert!(err.contains("--forget-sealed-tokens"), "{err}");
    assert!(!key_file.exists());

    // Restored, it starts; ada's token is still there.
    std::fs::rename(&kept, &key_file).unwrap();
    restart(&app, &[], false).unwrap();
    assert!(block_on(app.state.store.load_token("ada"))
        .unwrap()
        .is_some());

    // The other way out: everyone signed out, the sealed rows deleted.
    let notes = restart(&app, &[("SPOTIFY_TOKEN_KEY", OTHER_KEY)], true).unwrap();
    assert!(
        notes.iter().any(|n| n.contains("log in again")),
        "{notes:?}"
    );
    assert_eq!(block_on(app.state.store.user_sessions("ada")).unwrap(), 0);
    restart(&app, &[("SPOTIFY_TOKEN_KEY", OTHER_KEY)], false).unwrap();
}

#[test]
fn a_row_that_does_not_open_signs_only_its_user_out() {
    let app = start();
    let (ada, grace) = (browser(), browser());
    sign_in(&app, &ada, "ada");
    sign_in(&app, &grace, "grace");
    block_on(async {
        let url = format!("sqlite://{}", app.dir.join("web_app.sqlite").display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query("UPDATE tokens SET access_token = x'00' WHERE user_id = 'ada'")
            .execute(&mut conn)
            .await
            .unwrap();
    });
    // This process read ada's token before it was damaged: forget that copy.
    app.state.tokens.forget("ada");

    let (status, body) = get_json(&ada, &format!("{}/api/me", app.url));
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["login"], "/login", "{body}");
    assert_eq!(get_json(&ada, &format!("{}/api/me", app.url)).0, 401);
    let (status, me) = get_json(&grace, &format!("{}/api/me", app.url));
    assert_eq!((status, me["id"].as_str()), (200, Some("grace")), "{me}");
    // Ada logs in again and is served.
    sign_in(&app, &ada, "ada");
    assert_eq!(get_json(&ada, &format!("{}/api/me", app.url)).0, 200);
}
