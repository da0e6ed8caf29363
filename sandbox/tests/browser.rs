//! The consent page in a real browser: headless Chromium driven by chromedriver over
//! the W3C WebDriver JSON protocol (plain HTTP calls, no WebDriver crate).
//!
//! Needs Debian's `chromium` and `chromium-driver` packages:
//! `cargo test -p spotify-sandbox --test browser -- --include-ignored`.
//! Set `SPOTIFY_SANDBOX_SCREENSHOT=/path/page.png` to keep a screenshot of the page.

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use spotify_sandbox::{Sandbox, SandboxOptions};
use test_support::chromium::Browser;
use test_support::wait_until;

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

    let browser = Browser::start("sandbox-consent");
    browser.open(authorize.as_str());
    let title = browser.title();
    assert!(title.contains("Browser Test App"), "{title}");
    let source = browser.source();
    assert!(source.contains("Browser Test App"));
    assert!(source.contains("Access your private playlists."));
    assert_eq!(browser.text("#app-name"), "Browser Test App");

    if let Ok(path) = std::env::var("SPOTIFY_SANDBOX_SCREENSHOT") {
        browser.screenshot(Path::new(&path));
    }

    browser.click("#agree");
    let mut current = String::new();
    wait_until(
        Duration::from_secs(15),
        "the redirect to the callback",
        || {
            current = browser.url();
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
    assert!(browser.source().contains("Callback received."));
    assert_eq!(sb.request_count("/authorize"), 1);
}
