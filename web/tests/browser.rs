//! Two people signed in at once, in headless Chromium with separate profiles:
//! each sees only their own name and data. Chromium is driven by chromedriver
//! over plain WebDriver JSON (as in `sandbox/tests/browser.rs`).
//!
//! Needs Debian's `chromium` and `chromium-driver`:
//! `cargo test -p web_app --test browser -- --include-ignored`.
//! Set `WEB_APP_SCREENSHOT=/path/page.png` to keep a screenshot of the signed-in page.

mod common;

use common::chromium::{wait_until, Browser, SignIn};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

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
        ada.screenshot(Path::new(&path));
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
