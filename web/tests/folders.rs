#![cfg(unix)]
//! The web app follows the command line's folder rules, whatever the umask:
//! its folders 0700 (and the folders of a SQLite file), a folder others may
//! write in refused, a key or database others may read refused, each with
//! the command that fixes it. One test: the umask is the process's.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `web_app::prepare` in sandbox mode with these variables; its error, if any.
fn prepare(vars: &[(&str, String)]) -> Result<(), String> {
    let vars = vars.to_vec();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let lookup = |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            };
            web_app::prepare(lookup, "127.0.0.1:8888".parse().unwrap())
                .await
                .map(|prepared| drop(prepared.sandbox))
        })
}

#[test]
fn folders_keys_and_databases_are_private_whatever_the_umask() {
    // SAFETY: umask only sets the process's file creation mask.
    unsafe { libc::umask(0o000) };
    let root = std::env::temp_dir().join(format!("web-app-folders-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let auth = root.join("deep/a/b/auth");
    let vars = vec![("SPOTIFY_AUTH_DIR", auth.display().to_string())];
    prepare(&vars).unwrap();
    for folder in [
        "deep",
        "deep/a",
        "deep/a/b",
        "deep/a/b/auth",
        "deep/a/b/auth/sandbox",
    ] {
        assert_eq!(mode(&root.join(folder)), 0o700, "{folder}");
    }
    let key = auth.join("sandbox/web_app.key");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&auth.join("sandbox/web_app.sqlite")), 0o600);

    // A SQLite file elsewhere: its new folders are private too.
    let database = root.join("db/x/y/web.sqlite");
    let mut with_database = vars.clone();
    with_database.push(("DATABASE_URL", format!("sqlite://{}", database.display())));
    prepare(&with_database).unwrap();
    for folder in ["db", "db/x", "db/x/y"] {
        assert_eq!(mode(&root.join(folder)), 0o700, "{folder}");
    }

    // A database file others may read is refused, with the fix.
    chmod(&database, 0o644);
    let refused = prepare(&with_database).unwrap_err();
    assert!(
        refused.contains(&format!("chmod 600 {}", database.display())),
        "{refused}"
    );
    chmod(&database, 0o600);

    // A key others may read is refused, with the fix (and left as it is).
    chmod(&key, 0o644);
    let refused = prepare(&vars).unwrap_err();
    assert!(
        refused.contains(&format!("chmod 600 {}", key.display())),
        "{refused}"
    );
    assert_eq!(mode(&key), 0o644);
    chmod(&key, 0o600);

    // An auth folder others may write in is refused, with the fix.
    chmod(&auth, 0o777);
    let refused = prepare(&vars).unwrap_err();
    assert!(
        refused.contains(&format!("chmod 700 {}", auth.display())),
        "{refused}"
    );
    chmod(&auth, 0o700);
    prepare(&vars).unwrap();

    std::fs::remove_dir_all(&root).unwrap();
}
