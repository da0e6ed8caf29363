//! Two people signed in at once, in headless Chromium with separate profiles:
//! each sees only their own name and data. Chromium is driven by chromedriver
//! over plain WebDriver JSON (as in `sandbox/tests/browser.rs`).
//!
//! Needs Debian's `chromium` and `chromium-driver`:
//! `cargo test -p web_app --test browser -- --include-ignored`.
//! Set `WEB_APP_SCREENSHOT=/path/page.png` to keep a screenshot of the signed-in page.

mod common;

use common::chromium::{wait_until, Browser};
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
