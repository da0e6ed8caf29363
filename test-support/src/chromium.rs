//! Headless Chromium, one profile per browser, driven by chromedriver over
//! plain WebDriver JSON (no WebDriver crate). Needs Debian's `chromium` and
//! `chromium-driver`.

use crate::{free_port, http_builder, wait_until};
use base64::Engine;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser with its own profile; killed and removed on drop.
pub struct Browser {
    child: Child,
    base: String,
    profile: PathBuf,
    session: String,
    http: Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .timeout(Duration::from_secs(10))
            .send();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A WebDriver call; its `value`. Panics on a failed or non-JSON answer.
fn request(http: &Client, method: &str, url: String, body: Option<Value>) -> Value {
    let response = match method {
        "GET" => http.get(&url),
        _ => http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body.unwrap_or_else(|| json!({})).to_string()),
    }
    .send()
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status();
    let bytes = response.bytes().unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{method} {url}: not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert!(status.is_success(), "{method} {url}: {status} {value}");
    value["value"].clone()
}

impl Browser {
    /// A new browser; `name` goes into its profile folder's name.
    pub fn start(name: &str) -> Browser {
        let port = free_port();
        let profile =
            std::env::temp_dir().join(format!("chromium-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let base = format!("http://127.0.0.1:{port}");
        let http = http_builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        wait_until(Duration::from_secs(20), "chromedriver", || {
            http.get(format!("{base}/status"))
                .timeout(Duration::from_secs(2))
                .send()
                .ok()
                .and_then(|r| r.bytes().ok())
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|v| v["value"]["ready"] == true)
        });
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "timeouts": {"pageLoad": 20000, "script": 10000, "implicit": 0},
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,900", format!("--user-data-dir={}", profile.display()),
            ]},
        }}});
        let session = request(&http, "POST", format!("{base}/session"), Some(capabilities));
        let session = session["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {session}"))
            .to_string();
        Browser {
            child,
            base,
            profile,
            session,
            http,
        }
    }

    /// A call on this browser's session (`rest` after `/session/{id}`).
    pub fn call(&self, method: &str, rest: &str, body: Option<Value>) -> Value {
        request(
            &self.http,
            method,
            format!("{}/session/{}{rest}", self.base, self.session),
            body,
        )
    }

    fn string(&self, rest: &str) -> String {
        self.call("GET", rest, None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The id of the first element matching `css`.
    fn element(&self, css: &str) -> String {
        let element = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        element[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {element}"))
            .to_string()
    }

    pub fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.string("/url")
    }

    pub fn title(&self) -> String {
        self.string("/title")
    }

    pub fn source(&self) -> String {
        self.string("/source")
    }

    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), None);
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.element(css);
        self.string(&format!("/element/{id}/text"))
    }

    /// Runs `script` (a function body; `arguments[arguments.length - 1]` is
    /// the callback to call with the result) in the page; its result.
    pub fn run_async(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Runs `script` (a function body) in the page; its result.
    pub fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// A PNG of the window, written to `path`.
    pub fn screenshot(&self, path: &Path) {
        let png = self.call("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}
