//! The database at rest: migrations at start, no token in clear, nothing
//! usable without the key.

mod common;

use common::*;
use web_app::cipher::TokenCipher;
use web_app::store::{KeyCheck, SqliteStore, Store};

fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["web_app.sqlite", "web_app.sqlite-wal", "web_app.sqlite-shm"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            all.extend(bytes);
        }
    }
    all
}

#[test]
fn the_database_holds_no_token_in_clear() {
    let app = start();
    let client = browser();
    sign_in(&app, &client, "ada");
    let row = block_on(app.state.store.load_token("ada"))
        .unwrap()
        .unwrap();
    let bytes = database_bytes(&app.dir);
    assert!(bytes.len() > 1000);
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("ada"), "the user id is there, in clear");
    assert!(
        !contains(row.token.refresh_token.secret()),
        "refresh token in clear"
    );
    assert!(
        !contains(row.token.access_token.secret()),
        "access token in clear"
    );
    assert!(
        !contains(app.sandbox.client_secret()),
        "client secret stored"
    );
    let mode = std::fs::metadata(app.dir.join("web_app.key")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }

    // The database with another key: the store says so before opening anything.
    block_on(async {
        let store = SqliteStore::open(
            &format!("sqlite://{}", app.dir.join("web_app.sqlite").display()),
            TokenCipher::new(&[0u8; 32]),
        )
        .await
        .unwrap();
        assert_eq!(store.check_key(false).await.unwrap(), KeyCheck::Other);
    });
}

#[test]
fn a_given_key_is_used_and_bad_settings_are_refused() {
    let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let app = start_with(Default::default(), &[("SPOTIFY_TOKEN_KEY", key)]);
    sign_in(&app, &browser(), "ada");
    assert!(!app.dir.join("web_app.key").exists());
    block_on(async {
        let path = format!("sqlite://{}", app.dir.join("web_app.sqlite").display());
        let store = SqliteStore::open(&path, TokenCipher::from_text(key).unwrap())
            .await
            .unwrap();
        assert_eq!(
            store.load_token("ada").await.unwrap().unwrap().user_id,
            "ada"
        );
    });

    let lookup = |bad: (&'static str, &'static str)| {
        move |name: &str| match name {
            "SPOTIFY_CLIENT_ID" => Some("5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3".to_string()),
            "SPOTIFY_CLIENT_SECRET" => Some("s".to_string()),
            "SPOTIFY_AUTH_DIR" => Some(
                std::env::temp_dir()
                    .join("web-app-bad-settings")
                    .display()
                    .to_string(),
            ),
            n if n == bad.0 => Some(bad.1.to_string()),
            _ => None,
        }
    };
    let addr = "127.0.0.1:8888".parse().unwrap();
    for bad in [
        ("SPOTIFY_TOKEN_KEY", "too-short"),
        ("DATABASE_URL", "mysql://u:pw@h/db"),
        ("SPOTIFY_REDIRECT_URI", "http://localhost:8888/callback"),
    ] {
        let err = match block_on(web_app::prepare(lookup(bad), addr)) {
            Ok(_) => panic!("{bad:?} accepted"),
            Err(e) => e,
        };
        assert!(!err.contains("pw@"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}
