//! The web app reads the settings as the steps do.

mod common;

use common::*;
use spotify_sandbox::SandboxOptions;

#[test]
fn a_tilde_in_the_auth_dir_is_the_home_folder() {
    let home = std::env::temp_dir().join(format!("web-app-home-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let app = start_with(
        SandboxOptions::default(),
        &[
            ("SPOTIFY_AUTH_DIR", "~/spauth"),
            ("HOME", home.to_str().unwrap()),
        ],
    );
    assert!(
        home.join("spauth").join("web_app.sqlite").is_file(),
        "the database is not in HOME/spauth"
    );
    drop(app);
    std::fs::remove_dir_all(&home).unwrap();
}
