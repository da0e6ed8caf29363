//! What a browser is told when Spotify (the sandbox) refuses or fails, at
//! `/callback`, on `/api/*` and on the pages: what happened and what to do in
//! a browser, never a binary, a flag or an environment variable of the
//! command line.

mod common;

use common::*;
use spotify_sandbox::{Fault, FaultKind, SandboxOptions};

const COMMAND_LINE: [&str; 4] = ["step1_auth_url", "step2_get_tokens", "SPOTIFY_", "--"];

/// The words a person reads: the page without its style and script.
fn readable(body: &str) -> String {
    let mut text = body.to_string();
    for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
        while let (Some(start), Some(end)) = (text.find(open), text.find(close)) {
            text.replace_range(start..end + close.len(), "");
        }
    }
    text
}

fn assert_no_command_line(what: &str, response: reqwest::blocking::Response) -> String {
    let status = response.status().as_u16();
    let text = readable(&response.text().unwrap());
    for advice in COMMAND_LINE {
        assert!(
            !text.contains(advice),
            "{what} ({status}): {advice} in {text}"
        );
    }
    text
}

fn fault(endpoint: &str, kind: FaultKind, count: u32) -> Fault {
    Fault {
        endpoint: endpoint.into(),
        kind,
        count,
    }
}

#[test]
fn callback_failures_say_what_to_do_in_a_browser() {
    let faults = [
        ("/api/token", FaultKind::Status(500)),
        ("/api/token", FaultKind::NotJson),
        ("/api/token", FaultKind::MissingFields),
        ("/api/token", FaultKind::ConnectionReset),
        (
            "/api/token",
            FaultKind::TooManyRequests {
                retry_after_secs: Some(1),
            },
        ),
        ("/v1/me", FaultKind::Status(503)),
        ("/v1/me", FaultKind::NotJson),
    ];
    for (endpoint, kind) in faults {
        let app = start_with(
            SandboxOptions {
                faults: vec![fault(endpoint, kind.clone(), 20)],
                ..SandboxOptions::default()
            },
            &[],
        );
        let client = browser();
        let callback = consent(&app, &client, "ada", true);
        let what = format!("{endpoint} {kind:?}");
        let page = assert_no_command_line(&what, client.get(&callback).send().unwrap());
        assert!(page.contains("Nobody was signed in"), "{what}: {page}");
    }

    // A wrong client secret: invalid_client, a fault of the app's settings.
    let app = start_with(
        SandboxOptions::default(),
        &[("SPOTIFY_CLIENT_SECRET", "00000000000000000000000000000000")],
    );
    let client = browser();
    let callback = consent(&app, &client, "ada", true);
    let page = assert_no_command_line("invalid_client", client.get(&callback).send().unwrap());
    assert!(page.contains("whoever runs this app"), "{page}");

    // A user missing from the development-mode allow-list, cancel, a forged
    // state, and a code already traded.
    let app = start_with(
        SandboxOptions {
            allowed_users: Some(vec!["grace".into()]),
            ..SandboxOptions::default()
        },
        &[],
    );
    let client = browser();
    let callback = consent(&app, &client, "ada", true);
    assert_no_command_line(
        "not on the allow-list",
        client.get(&callback).send().unwrap(),
    );
    let cancelled = consent(&app, &client, "grace", false);
    assert_no_command_line("cancelled", client.get(&cancelled).send().unwrap());
    let _ = consent(&app, &client, "grace", true);
    let forged = format!("{}/callback?code=AQabc&state=forged", app.url);
    assert_no_command_line("forged state", client.get(&forged).send().unwrap());
    let callback = consent(&app, &client, "grace", true);
    assert_eq!(client.get(&callback).send().unwrap().status(), 303);
    let _ = consent(&app, &client, "grace", true);
    assert_no_command_line("replayed code", client.get(&callback).send().unwrap());
}

#[test]
fn api_failures_say_what_to_do_in_a_browser() {
    let app = start_with(
        SandboxOptions {
            withhold_scopes: vec!["user-read-playback-state".into()],
            ..SandboxOptions::default()
        },
        &[],
    );
    let client = browser();
    sign_in(&app, &client, "ada");
    let api = |path: &str| client.get(format!("{}{path}", app.url)).send().unwrap();
    let command = |name: &str, html: bool| {
        let mut request = client.post(format!("{}/api/player/{name}", app.url));
        if html {
            request = request.header("accept", "text/html");
        }
        request.send().unwrap()
    };

    // A scope that was not granted.
    assert_no_command_line("no playback scope", api("/api/player"));
    assert_no_command_line("home page without the scope", api("/"));
    // No active device, then no Premium.
    app.sandbox.set_active_device("ada", false);
    for html in [false, true] {
        assert_no_command_line("no active device", command("play", html));
    }
    app.sandbox.set_active_device("ada", true);
    app.sandbox.set_premium("ada", false);
    assert_no_command_line("no premium", command("pause", false));
    // Faults of the Web API.
    let faults = [
        FaultKind::Status(500),
        FaultKind::NotJson,
        FaultKind::ConnectionReset,
        FaultKind::TooManyRequests {
            retry_after_secs: Some(1),
        },
    ];
    for kind in faults {
        // Enough for every try of one call to /api/me and of the page's.
        app.sandbox.add_fault(fault("/v1/me", kind.clone(), 8));
        let what = format!("/v1/me {kind:?}");
        assert_no_command_line(&what, api("/api/me"));
        assert_no_command_line(&what, api("/"));
        // Used up, so the next fault starts clean.
        for _ in 0..50 {
            if api("/api/me").status() == 200 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
    // The refresh token revoked while the access token expired: signed out.
    app.sandbox.revoke_refresh_tokens();
    app.sandbox.advance_clock(7200);
    assert_no_command_line("revoked", api("/api/me"));
    assert_no_command_line("revoked, the page", api("/"));
}
