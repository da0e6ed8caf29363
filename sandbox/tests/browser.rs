//! The consent page in a real browser: headless Chromium driven by chromedriver over
//! the W3C WebDriver JSON protocol (plain HTTP calls, no WebDriver crate).
//!
//! Needs Debian's `chromium` and `chromium-driver` packages:
//! `cargo test -p spotify-sandbox --test browser -- --include-ignored`.
//! Set `SPOTIFY_SANDBOX_SCREENSHOT=/path/page.png` to keep a screenshot of the page.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use spotify_sandbox::{Sandbox, SandboxOptions};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Kills chromedriver (and so the browser) and removes the profile, even when the
/// test fails.
struct Driver {
    child: Child,
    base: String,
    profile: PathBuf,
    session: Option<String>,
    http: Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = self
                .http
                .delete(format!("{}/session/{session}", self.base))
                .timeout(Duration::from_secs(10))
                .send();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let profile = std::env::temp_dir().join(format!(
            "spotify-sandbox-chromium-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            profile,
            session: None,
            http: {
                // reqwest's rustls has no crypto provider of its own in a workspace build.
                let provider = rustls_openssl::default_provider();
                let _ = rustls::crypto::CryptoProvider::install_default(provider);
                Client::builder()
            }
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        };
        wait_until(Duration::from_secs(20), "chromedriver to be ready", || {
            driver
                .http
                .get(format!("{}/status", driver.base))
                .timeout(Duration::from_secs(2))
                .send()
                .ok()
                .and_then(|r| r.bytes().ok())
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|v| v["value"]["ready"] == true)
        });
        driver
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "POST" => self
                .http
                .post(url)
                .header("Content-Type", "application/json")
                .body(body.unwrap_or_else(|| json!({})).to_string()),
            other => panic!("unexpected method {other}"),
        };
        let response = request
            .send()
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let bytes = response.bytes().unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value["value"].clone()
    }

    fn new_session(&mut self) {
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": {"pageLoad": 20000, "script": 10000, "implicit": 0},
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": [
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--window-size=1000,900",
                            format!("--user-data-dir={}", self.profile.display()),
                        ],
                    },
                },
            },
        });
        let value = self.call("POST", "/session", Some(capabilities));
        self.session = Some(
            value["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no sessionId in {value}"))
                .to_string(),
        );
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session.as_ref().unwrap())
    }
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A tiny page where the redirect lands, so the browser shows a real page there
/// instead of a connection error.
struct Landing {
    server: std::sync::Arc<tiny_http::Server>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl Landing {
    fn start() -> Landing {
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let inner = std::sync::Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            while let Ok(request) = inner.recv() {
                let page = tiny_http::Response::from_string(
                    "<!DOCTYPE html><title>callback</title><p>Callback received.</p>",
                )
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
                        .unwrap(),
                );
                let _ = request.respond(page);
            }
        });
        Landing {
            server,
            port,
            thread: Some(thread),
        }
    }
}

impl Drop for Landing {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn chromium_approves_the_consent_page() {
    let landing = Landing::start();
    let redirect_uri = format!("http://127.0.0.1:{}/callback", landing.port);
    let sb = Sandbox::start(SandboxOptions {
        redirect_uris: vec![redirect_uri.clone()],
        app_name: "Browser Test App".to_string(),
        ..SandboxOptions::default()
    })
    .unwrap();
    let state = "browser-state-42";
    let mut authorize = url::Url::parse(&format!("{}/authorize", sb.url())).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("client_id", sb.client_id())
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "user-read-private playlist-read-private")
        .append_pair("state", state);

    let mut driver = Driver::start();
    driver.new_session();
    driver.call(
        "POST",
        &driver.session_path("/url"),
        Some(json!({"url": authorize.as_str()})),
    );
    let title = driver.call("GET", &driver.session_path("/title"), None);
    assert!(
        title.as_str().unwrap().contains("Browser Test App"),
        "{title}"
    );
    let source = driver.call("GET", &driver.session_path("/source"), None);
    let source = source.as_str().unwrap();
    assert!(source.contains("Browser Test App"));
    assert!(source.contains("Access your private playlists."));
    let app_name = driver.call(
        "POST",
        &driver.session_path("/element"),
        Some(json!({"using": "css selector", "value": "#app-name"})),
    );
    let text = driver.call(
        "GET",
        &driver.session_path(&format!(
            "/element/{}/text",
            app_name[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("{app_name}"))
        )),
        None,
    );
    assert_eq!(text, "Browser Test App");

    if let Ok(path) = std::env::var("SPOTIFY_SANDBOX_SCREENSHOT") {
        let png = driver.call("GET", &driver.session_path("/screenshot"), None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(&path, bytes).unwrap();
    }

    let agree = driver.call(
        "POST",
        &driver.session_path("/element"),
        Some(json!({"using": "css selector", "value": "#agree"})),
    );
    let agree = agree[ELEMENT_KEY].as_str().unwrap().to_string();
    driver.call(
        "POST",
        &driver.session_path(&format!("/element/{agree}/click")),
        None,
    );

    let mut current = String::new();
    wait_until(
        Duration::from_secs(15),
        "the redirect to the callback",
        || {
            current = driver
                .call("GET", &driver.session_path("/url"), None)
                .as_str()
                .unwrap_or_default()
                .to_string();
            current.starts_with(&redirect_uri)
        },
    );
    let url = url::Url::parse(&current).unwrap();
    let get = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert!(
        get("code").is_some_and(|c| c.starts_with("AQ")),
        "{current}"
    );
    assert_eq!(get("state").as_deref(), Some(state));
    let body = driver.call("GET", &driver.session_path("/source"), None);
    assert!(body.as_str().unwrap().contains("Callback received."));
    assert_eq!(sb.request_count("/authorize"), 1);
}
