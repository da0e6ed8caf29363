//! "Play in this browser" (`WEB_PLAYBACK=1`): the SDK's scopes at /login, a
//! log-in-again card for a token without them, no token in any page, the
//! transfer route; then, in headless Chromium against the sandbox's SDK
//! stand-in, two people playing in their own browsers, a token refreshed
//! under the SDK without a reload, the Premium message, "log in again", and
//! the `web_app` binary playing in a browser with `WEB_PLAYBACK=1`.
//!
//! The Chromium tests need Debian's `chromium` and `chromium-driver`:
//! `cargo test -p web_app --test playback -- --include-ignored`. Set
//! `WEB_PLAYBACK_SCREENSHOT=docs/web_playback.png` to keep a screenshot.

mod common;

use common::chromium::{wait_until, Browser, SignIn};
use common::*;
use serde_json::{json, Value};
use spotify_sandbox::{Fault, FaultKind, SandboxOptions};
use std::path::Path;
use std::time::Duration;

const ON: &[(&str, &str)] = &[("WEB_PLAYBACK", "1")];
const WAIT: Duration = Duration::from_secs(30);

fn access_token(app: &App, user: &str) -> String {
    let row = block_on(app.state.store.load_token(user)).unwrap().unwrap();
    row.token.access_token.secret().to_string()
}

#[test]
fn login_asks_the_sdk_scopes_only_when_web_playback_is_on() {
    for (extra, asked) in [(ON, true), (&[][..], false)] {
        let app = start_with(SandboxOptions::default(), extra);
        let login = browser().get(format!("{}/login", app.url)).send().unwrap();
        let authorize = url::Url::parse(&location(&login)).unwrap();
        let scope = authorize
            .query_pairs()
            .find(|(k, _)| k == "scope")
            .unwrap()
            .1
            .into_owned();
        for sdk_scope in ["streaming", "user-read-email", "user-read-private"] {
            assert_eq!(
                scope.split(' ').any(|s| s == sdk_scope),
                asked || sdk_scope == "user-read-private",
                "{scope}"
            );
        }
    }
}

#[test]
fn the_card_loads_the_sandbox_sdk_and_no_page_holds_a_token() {
    let app = start_with(SandboxOptions::default(), ON);
    let client = browser();
    sign_in(&app, &client, "ada");
    let page = client.get(&app.url).send().unwrap().text().unwrap();
    assert!(page.contains("Play in this browser"));
    let sdk = format!(
        "data-sdk-url=\"{}/sdk/spotify-player.js\"",
        app.sandbox.url()
    );
    assert!(page.contains(&sdk), "{page}");
    assert!(page.contains("<script src=\"/static/playback.js\""));
    let token = access_token(&app, "ada");
    assert!(!page.contains(&token));
    // Only /api/token's answer shows it.
    let (status, body) = get_json(&client, &format!("{}/api/token", app.url));
    assert_eq!(
        (status, body["access_token"].as_str()),
        (200, Some(token.as_str()))
    );
    let script = client
        .get(format!("{}/static/playback.js", app.url))
        .send()
        .unwrap();
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert!(script.text().unwrap().contains("getOAuthToken"));
    // Off: no card.
    let off = start();
    let client = browser();
    sign_in(&off, &client, "ada");
    let page = client.get(&off.url).send().unwrap().text().unwrap();
    assert!(!page.contains("web-playback"));
}

#[test]
fn a_token_without_the_sdk_scopes_is_told_to_log_in_again() {
    let app = start_with(
        SandboxOptions {
            withhold_scopes: vec!["streaming".into()],
            ..SandboxOptions::default()
        },
        ON,
    );
    let client = browser();
    sign_in(&app, &client, "ada");
    let page = client.get(&app.url).send().unwrap().text().unwrap();
    let card = page.split("id=\"web-playback\"").nth(1).unwrap();
    let card = card.split("</section>").next().unwrap();
    assert!(card.contains("missing the scopes streaming"), "{card}");
    assert!(card.contains("log in again") && card.contains("href=\"/login\""));
    assert!(!card.contains("<script"), "no player is started");
}

#[test]
fn a_refused_token_named_by_the_page_is_refreshed_once() {
    let app = start_with(SandboxOptions::default(), ON);
    let client = browser();
    sign_in(&app, &client, "ada");
    let old = access_token(&app, "ada");
    let ask = |refused: &str| {
        let response = client
            .get(format!("{}/api/token", app.url))
            .header("X-Refused-Token", refused)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = serde_json::from_str(&response.text().unwrap()).unwrap();
        body["access_token"].as_str().unwrap().to_string()
    };
    let fresh = ask(&old);
    assert_ne!(fresh, old);
    // A second tab naming the same old token gets the new one, no second refresh.
    assert_eq!(ask(&old), fresh);
    assert_eq!(app.sandbox.refresh_count("ada"), 1);
}

#[test]
fn transfer_moves_playback_to_the_named_device_of_that_user() {
    let app = start_with(SandboxOptions::default(), ON);
    let client = browser();
    sign_in(&app, &client, "ada");
    let transfer = |body: &str, origin: &str| {
        client
            .post(format!("{}/api/player/transfer", app.url))
            .header("Origin", origin)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap()
    };
    let cross = transfer(
        r#"{"device_id":"sandbox-device-0002"}"#,
        "https://evil.example",
    );
    assert_eq!(cross.status(), 403);
    assert_eq!(transfer(r#"{"device_id":"a b"}"#, &app.url).status(), 400);
    let unknown = transfer(r#"{"device_id":"no-such-device"}"#, &app.url);
    assert_eq!(unknown.status(), 404);
    let moved = transfer(r#"{"device_id":"sandbox-device-0002"}"#, &app.url);
    assert_eq!(moved.status(), 200);
    let (_, player) = get_json(&client, &format!("{}/api/player", app.url));
    assert_eq!(player["device"]["id"], "sandbox-device-0002");
    assert_eq!(player["is_playing"], true);
}

/// The browser's device id, once the SDK is ready and playback moved there.
fn playing_device(browser: &Browser) -> String {
    wait_until(WAIT, "playback in the browser", || {
        state(browser) == "playing in this browser"
    });
    browser
        .run("return document.getElementById('web-playback').dataset.deviceId;")
        .as_str()
        .unwrap()
        .to_string()
}

fn api_player(browser: &Browser) -> Value {
    browser.run_async(
        "var done = arguments[arguments.length - 1];\
         fetch('/api/player').then(function (r) { return r.json(); }).then(done, function (e) { done(String(e)); });",
    )
}

fn page_html(browser: &Browser) -> String {
    browser
        .run_async(
            "var done = arguments[arguments.length - 1];\
             fetch('/', {cache: 'no-store'}).then(function (r) { return r.text(); }).then(done, function (e) { done(String(e)); });",
        )
        .as_str()
        .unwrap()
        .to_string()
}

/// The card's state line (upper case on screen).
fn state(browser: &Browser) -> String {
    browser.text("#wp-state").to_lowercase()
}

fn message(browser: &Browser) -> String {
    browser.text("#wp-message")
}

/// The card's message, once it contains `part`.
fn message_with(browser: &Browser, part: &str) -> String {
    wait_until(WAIT, part, || message(browser).contains(part));
    message(browser)
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn two_people_play_in_their_own_browsers_and_a_token_is_refreshed_without_a_reload() {
    let app = start_with(SandboxOptions::default(), ON);
    let ada = Browser::start("sdk-ada");
    let grace = Browser::start("sdk-grace");
    ada.sign_in(&app.url, "ada");
    grace.sign_in(&app.url, "grace");
    let ada_device = playing_device(&ada);
    let grace_device = playing_device(&grace);
    assert_ne!(ada_device, grace_device);

    // Each transfer made that user's browser the active device, and only theirs.
    assert_eq!(api_player(&ada)["device"]["id"], json!(ada_device));
    assert_eq!(api_player(&grace)["device"]["id"], json!(grace_device));
    let ada_devices = app.sandbox.devices("ada");
    let (_, name) = ada_devices
        .iter()
        .find(|(id, _)| *id == ada_device)
        .unwrap();
    assert_eq!(name, "spotify-auth web app (headless Chrome)");
    assert!(!ada_devices.iter().any(|(id, _)| *id == grace_device));
    assert!(!app
        .sandbox
        .devices("grace")
        .iter()
        .any(|(id, _)| *id == ada_device));

    // The page never holds the token in its HTML, before or after the SDK ran.
    let token = access_token(&app, "ada");
    assert!(!page_html(&ada).contains(&token));
    assert!(!ada.source().contains(&token));

    // The buttons act on the browser's player.
    let first = ada.text("#wp-track");
    assert!(!first.is_empty());
    ada.click("#wp-pause");
    wait_until(WAIT, "paused", || state(&ada) == "paused in this browser");
    assert_eq!(api_player(&ada)["is_playing"], json!(false));
    ada.click("#wp-play");
    wait_until(WAIT, "playing again", || {
        state(&ada) == "playing in this browser"
    });

    if let Ok(path) = std::env::var("WEB_PLAYBACK_SCREENSHOT") {
        ada.run("document.getElementById('web-playback').scrollIntoView();");
        ada.screenshot(Path::new(&path));
    }

    // Spotify ends ada's token: the SDK's next getOAuthToken gets a fresh one,
    // one refresh request, and playback goes on in the same page.
    ada.run("window.samePage = 'yes';");
    let before = (
        app.sandbox.refresh_count("ada"),
        app.sandbox.refresh_count("grace"),
    );
    app.sandbox.expire_access_tokens("ada");
    wait_until(WAIT, "the refresh under the SDK", || {
        app.sandbox.refresh_count("ada") > before.0
    });
    ada.click("#wp-next");
    wait_until(WAIT, "the next track", || ada.text("#wp-track") != first);
    assert_eq!(
        ada.run("return window.samePage;"),
        json!("yes"),
        "no reload"
    );
    assert_eq!(
        (
            app.sandbox.refresh_count("ada"),
            app.sandbox.refresh_count("grace")
        ),
        (before.0 + 1, before.1),
        "exactly one refresh, for ada only"
    );
    assert_ne!(access_token(&app, "ada"), token);
    assert_eq!(
        api_player(&ada)["item"]["name"],
        json!(ada.text("#wp-track"))
    );
    assert_eq!(api_player(&grace)["device"]["id"], json!(grace_device));
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn without_premium_the_card_says_so() {
    let app = start_with(SandboxOptions::default(), ON);
    let alan = Browser::start("sdk-alan");
    alan.sign_in(&app.url, "alan");
    message_with(&alan, "needs Spotify Premium");
    assert_eq!(app.sandbox.devices("alan").len(), 2, "no browser device");
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn a_refused_token_ends_with_log_in_again() {
    // Spotify refuses every token the SDK shows it: one refresh, then "log in again".
    let app = start_with(
        SandboxOptions {
            faults: vec![Fault {
                endpoint: "/sdk/v1/devices".into(),
                kind: FaultKind::Status(401),
                count: 100,
            }],
            ..SandboxOptions::default()
        },
        ON,
    );
    let ada = Browser::start("sdk-refused");
    ada.sign_in(&app.url, "ada");
    let said = message_with(&ada, "log in again");
    assert!(said.contains("refused the token again"), "{said}");
    assert_eq!(app.sandbox.refresh_count("ada"), 1, "one refresh first");
    assert!(ada.run("return !document.getElementById('wp-login').hidden;") == json!(true));

    // A sign-in that has ended (refresh token revoked) also ends there.
    let grace_app = start_with(SandboxOptions::default(), ON);
    let grace = Browser::start("sdk-revoked");
    grace.sign_in(&grace_app.url, "grace");
    playing_device(&grace);
    grace_app.sandbox.revoke_refresh_tokens();
    grace_app.sandbox.expire_access_tokens("grace");
    let said = message_with(&grace, "Log in again");
    assert!(said.contains("sign-in has ended"), "{said}");
}

#[test]
#[ignore = "needs chromium and chromedriver; run by the README's test command"]
fn the_web_app_binary_plays_in_a_browser_with_web_playback_on() {
    let sandbox = spotify_sandbox::Sandbox::start(SandboxOptions {
        redirect_uris: vec!["http://127.0.0.1/callback".into()],
        ..SandboxOptions::default()
    })
    .unwrap();
    // A folder of its own: the app refuses a database in a folder others can write (/tmp).
    let db = common::fresh_dir("web-app-playback").join("web_app.sqlite");
    let database_url = format!("sqlite://{}", db.display());
    let app = common::replica::Replica::start(&database_url, &sandbox, ON);
    let edsger = Browser::start("sdk-binary");
    edsger.sign_in(&app.url, "edsger");
    let device = playing_device(&edsger);
    assert_eq!(api_player(&edsger)["device"]["id"], json!(device));
    assert!(sandbox
        .devices("edsger")
        .iter()
        .any(|(id, _)| *id == device));
    drop(app);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
