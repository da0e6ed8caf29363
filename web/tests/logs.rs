//! The web app's log: one line per request, and nothing a reader of the log
//! could use to act as a user (no token, code, cookie or secret) or to
//! forge a line (text from outside goes through `printable`).

mod common;

use common::process::launch;
use common::{block_on, browser, location, set_cookie, sign_in, start};
use spotify_sandbox::{Sandbox, SandboxOptions};
use std::io::Write;
use std::sync::{Arc, Mutex};
use web_app::store::Login;

#[test]
fn no_log_line_at_any_level_holds_a_token_a_code_a_cookie_or_the_secret() {
    let sandbox = Sandbox::start(SandboxOptions {
        redirect_uris: vec!["http://127.0.0.1/callback".into()],
        ..SandboxOptions::default()
    })
    .unwrap();
    let vars: Vec<(&str, String)> = sandbox
        .env_vars()
        .into_iter()
        .filter(|(name, _)| *name != "SPOTIFY_REDIRECT_URI")
        .collect();
    let mut env: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
    env.push(("RUST_LOG", "trace"));
    env.push(("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:{port}/callback"));
    let app = launch(&env, None);

    let client = browser();
    let login = client.get(format!("{}/login", app.url)).send().unwrap();
    let first_cookie = set_cookie(&login).unwrap();
    let callback = spotify_sandbox::approve_consent_as(&location(&login), "ada", true).unwrap();
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let signed_in = client.get(&callback).send().unwrap();
    assert_eq!(signed_in.status(), 303);
    let session_cookie = set_cookie(&signed_in).unwrap();
    let token = |client: &reqwest::blocking::Client| {
        let (status, body) = common::get_json(client, &format!("{}/api/token", app.url));
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    };
    let first_token = token(&client);
    // The sandbox's clock moves past the hour: the next call is refused, refreshed, retried.
    sandbox.advance_clock(3700);
    assert_eq!(
        common::get_json(&client, &format!("{}/api/me", app.url)).0,
        200
    );
    let second_token = token(&client);
    assert_ne!(first_token, second_token);
    // A replayed callback and a logout log their failures and ends too.
    let _ = client.get(&callback).send().unwrap();
    let _ = client.post(format!("{}/logout", app.url)).send().unwrap();

    // Request lines are written in batches, every 100 ms.
    let started = std::time::Instant::now();
    while !app.log_text().contains("POST /logout") && started.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let log = app.log_text();
    assert!(log.contains("GET /api/me 200"), "no request line: {log}");
    assert!(log.contains("GET /callback 303"), "no request line: {log}");
    let value = |cookie: &str| {
        cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string()
    };
    let secrets = [
        ("the code", code),
        ("the first session cookie", value(&first_cookie)),
        ("the signed-in session cookie", value(&session_cookie)),
        ("the first access token", first_token),
        ("the refreshed access token", second_token),
        ("the client secret", sandbox.client_secret().to_string()),
    ];
    for line in log.lines() {
        for (what, secret) in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "{what} is in the log: {line}"
            );
        }
    }
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_user_id_with_a_newline_cannot_write_a_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let app = start();
    sign_in(&app, &browser(), "ada");
    // The id Spotify's /v1/me answered, as an attacker would choose it.
    let forged = "eve\n2026-01-01T00:00:00Z  INFO web_app: admin signed in";
    let token = block_on(app.state.store.load_token("ada"))
        .unwrap()
        .unwrap()
        .token;
    block_on(app.state.store.sign_in(&Login {
        user_id: forged,
        display_name: None,
        token: &token,
        session_hash: "forged-session",
        old_session_hash: "none",
        now: spotify_auth::now_secs(),
        expires_at: spotify_auth::now_secs() + 3600,
    }))
    .unwrap();
    app.sandbox.revoke_refresh_tokens();
    let refused = block_on(
        app.state
            .tokens
            .after_unauthorized(forged, &token.access_token),
    );
    assert!(refused.is_err());

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("the refresh token of user eve\\n2026"),
        "{log}"
    );
    assert!(
        !log.lines()
            .any(|line| line.starts_with("2026-01-01T00:00:00Z")),
        "a forged line: {log}"
    );
}
