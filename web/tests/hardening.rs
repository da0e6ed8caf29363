//! What an attacker on the same machine tried, in-process against the
//! sandbox: framing and sniffing (the headers of every route), cookie
//! tossing, a visit on `localhost`; and a redirect URI with its own path.

mod common;

use common::{browser, consent, location, set_cookie, sign_in, start, start_with};
use reqwest::blocking::Response;
use reqwest::Method;
use spotify_sandbox::SandboxOptions;

fn assert_security_headers(response: &Response, what: &str) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_string()
    };
    let policy = header("content-security-policy");
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
    assert!(policy.contains("script-src 'self'"), "{what}: {policy}");
    assert!(policy.contains("style-src 'self'"), "{what}: {policy}");
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
}

const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/callback?code=x&state=y"),
    ("GET", "/api/me"),
    ("GET", "/api/playlists"),
    ("GET", "/api/shows"),
    ("GET", "/api/player"),
    ("POST", "/api/player/pause"),
    ("POST", "/api/player/nonsense"),
    ("GET", "/api/token"),
    ("GET", "/assets/page.css"),
    ("GET", "/assets/page.js"),
    ("GET", "/no/such/page"),
    ("POST", "/logout"),
    ("GET", "/login"),
];

#[test]
fn every_route_sends_the_security_headers_signed_in_or_not() {
    let app = start();
    let signed_in = browser();
    sign_in(&app, &signed_in, "ada");
    for (name, client) in [("signed out", browser()), ("signed in", signed_in)] {
        for (method, path) in ROUTES {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let response = client
                .request(method.clone(), format!("{}{path}", app.url))
                .send()
                .unwrap();
            assert_security_headers(&response, &format!("{name} {method} {path}"));
        }
    }
}

#[test]
fn pages_load_their_style_and_script_from_the_app_not_inline() {
    let app = start();
    let page = browser().get(&app.url).send().unwrap().text().unwrap();
    assert!(
        page.contains("<link rel=\"stylesheet\" href=\"/assets/page.css\">"),
        "{page}"
    );
    assert!(
        page.contains("<script src=\"/assets/page.js\"></script>"),
        "{page}"
    );
    assert!(
        !page.contains("<style>") && !page.contains("<script>"),
        "{page}"
    );
    let script = browser()
        .get(format!("{}/assets/page.js", app.url))
        .send()
        .unwrap();
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(script.text().unwrap().contains("fetch("));
}

/// The value of the session cookie a sign-in gave.
fn session_value(callback: &Response) -> String {
    let cookie = set_cookie(callback).unwrap();
    let pair = cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_string()
}

#[test]
fn a_request_with_two_session_cookies_is_signed_out_and_they_are_cleared() {
    let app = start();
    let ada = session_value(&sign_in(&app, &browser(), "ada"));
    let alan = session_value(&sign_in(&app, &browser(), "alan"));
    let plain = common::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let tossed = format!("webapp_session={alan}; webapp_session={ada}");
    for path in ["/api/me", "/api/token"] {
        let answer = plain
            .get(format!("{}{path}", app.url))
            .header("Cookie", &tossed)
            .send()
            .unwrap();
        assert_eq!(answer.status(), 401, "{path}: answered as someone");
        let cleared: Vec<String> = answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for folder in ["Path=/;", "Path=/api;", &format!("Path={path};")] {
            assert!(
                cleared.iter().any(|c| c.starts_with("webapp_session=;")
                    && c.contains(folder)
                    && c.contains("Max-Age=0")),
                "{path}: {folder} not cleared in {cleared:?}"
            );
        }
    }
    let page = plain
        .get(&app.url)
        .header("Cookie", &tossed)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("id=\"login\""),
        "the page showed someone: {page}"
    );
    // Each alone still works.
    let answer = plain
        .get(format!("{}/api/me", app.url))
        .header("Cookie", format!("webapp_session={ada}"))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[test]
fn the_secure_cookie_has_the_host_prefix() {
    let app = start_with(
        Default::default(),
        &[("SPOTIFY_REDIRECT_URI", "https://app.example.test/callback")],
    );
    let login = browser().get(format!("{}/login", app.url)).send().unwrap();
    let cookie = set_cookie(&login).unwrap();
    assert!(cookie.starts_with("__Host-webapp_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/;") && !cookie.contains("Domain"),
        "{cookie}"
    );
}

#[test]
fn a_localhost_visit_goes_to_the_redirect_uris_host_before_any_session() {
    let app = start();
    let port = app.url.rsplit(':').next().unwrap().to_string();
    for path in ["/", "/login"] {
        let answer = browser()
            .get(format!("{}{path}", app.url))
            .header("Host", format!("localhost:{port}"))
            .send()
            .unwrap();
        assert_eq!(answer.status(), 307, "{path}");
        assert_eq!(location(&answer), format!("{}{path}", app.url));
        assert!(
            set_cookie(&answer).is_none(),
            "{path}: a session was made on localhost"
        );
    }
}

#[test]
fn the_redirect_uris_own_path_is_served() {
    let app = start_with(
        SandboxOptions {
            redirect_uris: vec!["http://127.0.0.1/auth/cb".into()],
            ..SandboxOptions::default()
        },
        &[("SPOTIFY_REDIRECT_URI", "http://{addr}/auth/cb")],
    );
    let client = browser();
    let callback = consent(&app, &client, "ada", true);
    assert!(
        callback.starts_with(&format!("{}/auth/cb?", app.url)),
        "{callback}"
    );
    let answer = client.get(callback).send().unwrap();
    assert_eq!(answer.status(), 303, "{:?}", answer.text());
    let (status, me) = common::get_json(&client, &format!("{}/api/me", app.url));
    assert_eq!(status, 200);
    assert_eq!(me["id"], "ada");
}
