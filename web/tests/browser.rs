//! Two people signed in at once, in headless Chromium with separate profiles:
//! each sees only their own name and data. Chromium is driven by chromedriver
//! over plain WebDriver JSON (as in `sandbox/tests/browser.rs`).
//!
//! Needs Debian's `chromium` and `chromium-driver`:
//! `cargo test -p web_app --test browser -- --include-ignored`.
//! Set `WEB_APP_SCREENSHOT=/path/page.png` to keep a screenshot of the signed-in page.

mod common;

use common::process::free_port;

use base64::Engine;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One browser with its own profile; killed and removed on drop.
struct Browser {
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

fn wait_until(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

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
    let value: Value = serde_json::from_slice(&response.bytes().unwrap()).unwrap();
    assert!(status.is_success(), "{method} {url}: {status} {value}");
    value["value"].clone()
}

impl Browser {
    fn start(name: &str) -> Browser {
        let port = free_port();
        let profile = std::env::temp_dir().join(format!(
            "web-app-chromium-{name}-{}-{port}",
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
        let base = format!("http://127.0.0.1:{port}");
        let http = common::http_builder()
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
        let session = session["sessionId"].as_str().unwrap().to_string();
        Browser {
            child,
            base,
            profile,
            session,
            http,
        }
    }

    fn call(&self, method: &str, rest: &str, body: Option<Value>) -> Value {
        request(
            &self.http,
            method,
            format!("{}/session/{}{rest}", self.base, self.session),
            body,
        )
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn click(&self, css: &str) {
        let element = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = element[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {element}"))
            .to_string();
        self.call("POST", &format!("/element/{id}/click"), None);
    }

    fn text(&self, css: &str) -> String {
        let element = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = element[ELEMENT_KEY].as_str().unwrap().to_string();
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Log in with Spotify, pick `user` on the sandbox's consent page, Agree.
    fn sign_in(&self, app: &str, user: &str) {
        self.open(app);
        self.click("#login");
        wait_until(Duration::from_secs(15), "the consent page", || {
            self.source().contains("id=\"agree\"")
        });
        self.click(&format!("input[name=user][value=\"{user}\"]"));
        self.click("#agree");
        wait_until(Duration::from_secs(15), "the app's page", || {
            self.url() == format!("{app}/") && self.source().contains("id=\"display-name\"")
        });
    }
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn two_people_in_two_browsers_each_see_their_own_data() {
    let app = common::start();
    let ada = Browser::start("ada");
    let grace = Browser::start("grace");
    ada.open(&app.url);
    assert!(ada.source().contains("Log in with Spotify"));

    ada.sign_in(&app.url, "ada");
    grace.sign_in(&app.url, "grace");
    // Both pages again, now that both are signed in.
    ada.open(&app.url);
    grace.open(&app.url);
    assert_eq!(ada.text("#user-id"), "ada");
    assert_eq!(grace.text("#user-id"), "grace");
    let (ada_name, grace_name) = (ada.text("#display-name"), grace.text("#display-name"));
    assert_ne!(ada_name, grace_name);
    let (ada_page, grace_page) = (ada.source(), grace.source());
    assert!(!ada_page.contains(&grace_name) && !grace_page.contains(&ada_name));
    let playlists = |page: &str| {
        page.split("id=\"playlists\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(playlists(&ada_page), playlists(&grace_page));

    if let Ok(path) = std::env::var("WEB_APP_SCREENSHOT") {
        app.sandbox.set_playing("ada", true);
        ada.open(&app.url);
        let png = ada.call("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(&path, bytes).unwrap();
    }

    // The player buttons with JavaScript on: the page stays, the player answers.
    ada.click("#pause");
    ada.click("#play");
    assert_eq!(ada.url(), format!("{}/", app.url));

    // Logging out in one browser leaves the other signed in.
    ada.click("#logout");
    wait_until(Duration::from_secs(10), "the signed-out page", || {
        ada.source().contains("Log in with Spotify")
    });
    grace.open(&app.url);
    assert_eq!(grace.text("#user-id"), "grace");
}

/// A page on another port of 127.0.0.1 (the same site, another origin)
/// that frames `target`; served until the test process ends.
fn framing_page(target: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let body = format!(
        "<!DOCTYPE html><html><body><h1 id=\"attacker\">Win a prize</h1>\
         <iframe id=\"victim\" src=\"{target}\" width=\"800\" height=\"600\"></iframe></body></html>"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = std::io::Write::write_all(&mut stream, answer.as_bytes());
        }
    });
    url
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn another_origin_cannot_frame_the_app_and_its_own_style_and_script_load() {
    let app = common::start();
    let browser = Browser::start("framing");
    browser.sign_in(&app.url, "ada");

    // The app's own page under its Content-Security-Policy: the style and
    // the script, files of the app, both load.
    let loaded = browser.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "return [document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0, typeof window.fetch];", "args": []})),
    );
    assert_eq!(loaded, json!([true, "function"]));

    browser.open(&framing_page(&format!("{}/", app.url)));
    wait_until(Duration::from_secs(10), "the framing page", || {
        browser.source().contains("id=\"attacker\"")
    });
    // Give the frame time to load (or be refused).
    std::thread::sleep(Duration::from_secs(2));
    let frame = browser.call(
        "POST",
        "/element",
        Some(json!({"using": "css selector", "value": "#victim"})),
    );
    browser.call("POST", "/frame", Some(json!({"id": frame})));
    let inside = browser.source();
    assert!(
        !inside.contains("id=\"logout\"") && !inside.contains("id=\"display-name\""),
        "the signed-in page loaded inside another origin's frame: {inside}"
    );
}
