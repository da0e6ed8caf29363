//! The notebooks' listener (`Notebook::catch_redirect`) with a real app's
//! settings (a sandbox standing in for Spotify): a loopback redirect URI
//! registered without a port, and one the authorize page refuses.
//!
//! One test sets the notebook up: it reads its `.env` from
//! `SPOTIFY_NOTEBOOK_DOTENV`, a variable of this whole process.

use spotify_auth::file_store::FileStore;
use spotify_auth::store::TokenStore;
use spotify_auth::walkthrough::notebook::{self, Lesson};
use spotify_auth::AuthorizeOptions;
use spotify_sandbox::{Sandbox, SandboxOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PORTLESS: &str = "http://127.0.0.1/callback";

/// A folder with a `.env` for `sandbox` as a real app, whose redirect URI is
/// [`PORTLESS`]; the notebook is pointed at it.
fn notebook_folder(sandbox: &Sandbox, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "spotify-auth-notebook-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut dotenv = String::new();
    for (variable, value) in sandbox.env_vars() {
        let value = match variable {
            "SPOTIFY_REDIRECT_URI" => PORTLESS.to_string(),
            _ => value,
        };
        dotenv.push_str(&format!("{variable}={value}\n"));
    }
    dotenv.push_str(&format!(
        "SPOTIFY_AUTH_DIR={}\n",
        dir.join("auth").display()
    ));
    dotenv.push_str("SPOTIFY_HTTP_TIMEOUT_SECS=5\n");
    std::fs::write(dir.join(".env"), dotenv).unwrap();
    std::env::set_var("SPOTIFY_NOTEBOOK_DOTENV", dir.join(".env"));
    dir
}

/// A person's browser: waits until the pending authorization carries a port
/// (the notebook made it again), presses Agree and follows the redirect.
fn browser(auth_dir: PathBuf) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let store = FileStore::new(auth_dir);
        let deadline = Instant::now() + Duration::from_secs(20);
        let pending = loop {
            assert!(Instant::now() < deadline, "no authorization with a port");
            if let Ok(Some(pending)) = store.load_pending() {
                if pending.redirect_uri != PORTLESS {
                    break pending;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let location = spotify_sandbox::approve_consent(&pending.authorize_url, true).unwrap();
        get(&location);
        location
    })
}

fn get(url: &str) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    let _ = stream.read_to_end(&mut Vec::new());
}

fn lesson_dir(dir: &Path) -> PathBuf {
    dir.join("auth")
        .join("spotify")
        .join("01-authorization-code")
}

#[test]
fn notebook_catches_a_portless_redirect_and_stops_at_a_refused_one() {
    // Registered without a port: any port is accepted at run time.
    let sandbox = Sandbox::start(SandboxOptions {
        redirect_uris: vec![PORTLESS.into()],
        ..Default::default()
    })
    .unwrap();
    let dir = notebook_folder(&sandbox, "portless");
    let nb = notebook::start(Lesson::AuthorizationCode, |_| String::new()).unwrap();
    assert!(!nb.is_sandbox());
    let request = nb
        .auth()
        .start_authorization(&AuthorizeOptions::default())
        .unwrap();
    assert_eq!(request.pending.redirect_uri, PORTLESS);
    let browser = browser(lesson_dir(&dir));
    let caught = nb
        .catch_redirect(&request, true)
        .unwrap()
        .expect("a redirect");
    let followed = browser.join().unwrap();
    assert_eq!(caught, followed);
    let port = url::Url::parse(&caught).unwrap().port().unwrap();
    assert!(port != 80, "{caught}");
    let exchange = nb.auth().exchange_redirect(&caught).unwrap();
    assert!(exchange.token.access_token.secret().starts_with("BQ"));
    drop(nb);
    let _ = std::fs::remove_dir_all(&dir);

    // Not registered: the authorize page refuses it, so no browser will come
    // back; the notebook says so at once instead of waiting 5 minutes.
    let sandbox = Sandbox::start(SandboxOptions::default()).unwrap();
    let dir = notebook_folder(&sandbox, "refused");
    let nb = notebook::start(Lesson::AuthorizationCode, |_| String::new()).unwrap();
    let request = nb
        .auth()
        .start_authorization(&AuthorizeOptions::default())
        .unwrap();
    let started = Instant::now();
    let err = nb.catch_redirect(&request, true).unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        err.contains("INVALID_CLIENT: Invalid redirect URI")
            && err.contains("never reach the listener")
            && err.contains(PORTLESS),
        "{err}"
    );
    drop(nb);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Notebook 3 prints the Web API's answers with step 4's formatting (a
/// missing publisher left out, not shown as `by ?`).
#[test]
fn notebook_3_prints_answers_as_step_4_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks/03_web_api.ipynb");
    let notebook: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let code: String = notebook["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|cell| cell["cell_type"] == "code")
        .flat_map(|cell| cell["source"].as_array().unwrap().iter())
        .map(|line| line.as_str().unwrap())
        .collect();
    for shared in [
        "report::playlists(",
        "report::saved_shows(",
        "report::playback(",
    ] {
        assert!(code.contains(shared), "notebook 3 does not use {shared}");
    }
    assert!(!code.contains(r#"unwrap_or("?")"#), "a field shown as `?`");
}
