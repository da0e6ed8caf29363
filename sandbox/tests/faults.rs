//! Faults, the control endpoint, request counting and stopping.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use spotify_sandbox::{Fault, FaultKind, Sandbox, SandboxOptions};

fn fault(endpoint: &str, kind: FaultKind, count: u32) -> Fault {
    Fault {
        endpoint: endpoint.to_string(),
        kind,
        count,
    }
}

#[test]
fn status_fault_on_token_endpoint_then_normal() {
    let sb = start();
    let code = code(&sb, "");
    sb.add_fault(fault("/api/token", FaultKind::Status(503), 2));
    for _ in 0..2 {
        let response = exchange(&sb, &code);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        let (status, error, description) = oauth_error(response);
        assert_eq!((status, error.as_str()), (503, "server_error"));
        assert!(!description.is_empty());
    }
    // The code was not consumed by the failed attempts.
    assert_eq!(exchange(&sb, &code).status(), 200);
}

#[test]
fn status_fault_on_api_has_api_shape() {
    let sb = start();
    let (access, _) = tokens(&sb, "");
    sb.add_fault(fault("/v1/me", FaultKind::Status(500), 1));
    let (status, body) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert_eq!(status, 500);
    assert_eq!(body["error"]["status"], 500);
    assert!(body["error"]["message"].is_string());
    assert_eq!(api_get(&sb, "/v1/me", Some(&access)).status(), 200);
}

#[test]
fn too_many_requests_with_and_without_retry_after() {
    let sb = start();
    let (access, _) = tokens(&sb, "");
    sb.add_fault(fault(
        "/v1/me",
        FaultKind::TooManyRequests {
            retry_after_secs: Some(7),
        },
        1,
    ));
    sb.add_fault(fault(
        "/v1/me",
        FaultKind::TooManyRequests {
            retry_after_secs: None,
        },
        1,
    ));
    let first = api_get(&sb, "/v1/me", Some(&access));
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"].to_str().unwrap(), "7");
    let second = api_get(&sb, "/v1/me", Some(&access));
    assert_eq!(second.status(), 429);
    assert!(second.headers().get("retry-after").is_none());
    assert_eq!(json(second).1["error"]["status"], 429);
    assert_eq!(api_get(&sb, "/v1/me", Some(&access)).status(), 200);
}

#[test]
fn slow_fault_times_out_a_short_client_and_does_not_block_others() {
    let sb = start();
    sb.add_fault(fault("/v1/me", FaultKind::Slow { secs: 2 }, 1));
    let url = format!("{}/v1/me", sb.url());
    let slow = std::thread::spawn(move || {
        let started = Instant::now();
        let result = client_with_timeout(Duration::from_millis(500))
            .get(&url)
            .send();
        (result, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    // Meanwhile another request is answered at once.
    let started = Instant::now();
    assert_eq!(api_get(&sb, "/v1/me/playlists", None).status(), 401);
    assert!(started.elapsed() < Duration::from_millis(400));
    let (result, elapsed) = slow.join().unwrap();
    let err = result.expect_err("the short timeout fires");
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed < Duration::from_millis(1500));
}

#[test]
fn slow_fault_answers_normally_after_the_wait() {
    let sb = start();
    sb.add_fault(fault("/v1/me", FaultKind::Slow { secs: 1 }, 1));
    let started = Instant::now();
    let response = api_get(&sb, "/v1/me", None);
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(response.status(), 401, "the normal answer, after the delay");
}

#[test]
fn connection_reset_closes_without_an_answer() {
    let sb = start();
    sb.add_fault(fault("/api/token", FaultKind::ConnectionReset, 1));
    let err = client()
        .post(format!("{}/api/token", sb.url()))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .expect_err("no HTTP answer at all");
    assert!(!err.is_timeout(), "closed, not timed out: {err:?}");
    assert!(err.status().is_none());
    // Only one attempt reached the server (no silent retry), and the next works.
    assert_eq!(sb.request_count("/api/token"), 1);
    let response = token_request(
        &sb,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    );
    assert_eq!(oauth_error(response).1, "invalid_grant");
}

#[test]
fn connection_reset_on_a_raw_socket_reads_nothing() {
    use std::io::{Read, Write};
    let sb = start();
    sb.add_fault(fault("/v1/me", FaultKind::ConnectionReset, 1));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", sb.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let read = stream.read_to_end(&mut buf);
    assert!(
        matches!(read, Ok(0)) || read.is_err() && buf.is_empty(),
        "{read:?} {:?}",
        String::from_utf8_lossy(&buf)
    );
    assert!(buf.is_empty());
}

#[test]
fn not_json_fault() {
    let sb = start();
    sb.add_fault(fault("/api/token", FaultKind::NotJson, 1));
    let response = token_request(&sb, &[("grant_type", "refresh_token")]);
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(response.text().unwrap(), "<html>upstream error</html>");
}

#[test]
fn missing_fields_fault() {
    let sb = start();
    let code = code(&sb, "");
    sb.add_fault(fault("/api/token", FaultKind::MissingFields, 1));
    let (status, body) = json(exchange(&sb, &code));
    assert_eq!(status, 200);
    assert!(body.get("access_token").is_none());
    assert_eq!(exchange(&sb, &code).status(), 200);
}

#[test]
fn faults_armed_at_start() {
    let sb = Sandbox::start(SandboxOptions {
        faults: vec![fault("/v1/me", FaultKind::Status(502), 1)],
        ..SandboxOptions::default()
    })
    .unwrap();
    assert_eq!(api_get(&sb, "/v1/me", None).status(), 502);
    assert_eq!(api_get(&sb, "/v1/me", None).status(), 401);
}

#[test]
fn faults_apply_only_to_their_endpoint() {
    let sb = start();
    sb.add_fault(fault("/v1/me/playlists", FaultKind::Status(500), 1));
    assert_eq!(api_get(&sb, "/v1/me", None).status(), 401);
    assert_eq!(api_get(&sb, "/v1/me/playlists", None).status(), 500);
    assert_eq!(api_get(&sb, "/v1/me/playlists", None).status(), 401);
}

#[test]
fn request_count_counts_before_faults() {
    let sb = start();
    assert_eq!(sb.request_count("/v1/me"), 0);
    sb.add_fault(fault("/v1/me", FaultKind::Status(500), 1));
    api_get(&sb, "/v1/me", None);
    api_get(&sb, "/v1/me?x=1", None);
    assert_eq!(sb.request_count("/v1/me"), 2);
    assert_eq!(sb.request_count("/v1/me/player"), 0);
}

fn control_post(sb: &Sandbox, path: &str, body: Option<Value>) -> u16 {
    let mut request = client().post(format!("{}{path}", sb.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().unwrap().status().as_u16()
}

#[test]
fn control_endpoint_faults() {
    let sb = start();
    let arm = |body: Value| control_post(&sb, "/__sandbox/faults", Some(body));
    assert_eq!(
        arm(serde_json::json!({"endpoint":"/api/token","kind":"status","status":503,"count":1})),
        200
    );
    assert_eq!(
        arm(
            serde_json::json!({"endpoint":"/api/token","kind":"too_many_requests","retry_after":3})
        ),
        200
    );
    assert_eq!(
        arm(serde_json::json!({"endpoint":"/api/token","kind":"not_json"})),
        200
    );
    assert_eq!(
        arm(serde_json::json!({"endpoint":"/api/token","kind":"missing_fields"})),
        200
    );
    assert_eq!(
        arm(serde_json::json!({"endpoint":"/api/token","kind":"reset"})),
        200
    );
    assert_eq!(
        arm(serde_json::json!({"endpoint":"/api/token","kind":"slow","secs":0})),
        200
    );
    assert_eq!(
        arm(serde_json::json!({"endpoint":"/api/token","kind":"boom"})),
        400
    );

    let form = [("grant_type", "refresh_token"), ("refresh_token", "x")];
    assert_eq!(token_request(&sb, &form).status(), 503);
    let limited = token_request(&sb, &form);
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "3");
    assert_eq!(
        token_request(&sb, &form).text().unwrap(),
        "<html>upstream error</html>"
    );
    assert!(json(token_request(&sb, &form))
        .1
        .get("access_token")
        .is_none());
    assert!(client()
        .post(format!("{}/api/token", sb.url()))
        .form(&form)
        .send()
        .is_err());
    assert_eq!(oauth_error(token_request(&sb, &form)).1, "invalid_grant");
    assert_eq!(oauth_error(token_request(&sb, &form)).1, "invalid_grant");
}

#[test]
fn control_endpoint_revoke_advance_and_stats() {
    let sb = start();
    let (access, refresh_token) = tokens(&sb, "");
    assert_eq!(control_post(&sb, "/__sandbox/revoke", None), 200);
    assert_eq!(
        oauth_error(refresh(&sb, &refresh_token)).2,
        "Refresh token revoked"
    );

    assert_eq!(control_post(&sb, "/__sandbox/advance?secs=3600", None), 200);
    assert_eq!(
        json(api_get(&sb, "/v1/me", Some(&access))).1["error"]["message"],
        "The access token expired"
    );
    assert_eq!(control_post(&sb, "/__sandbox/advance", None), 400);

    let (status, stats) = json(
        client()
            .get(format!("{}/__sandbox/stats", sb.url()))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(stats["requests"]["/api/token"], 2);
    assert_eq!(stats["requests"]["/v1/me"], 1);
    assert_eq!(stats["requests"]["/authorize"], 1);
    assert!(stats["requests"].get("/__sandbox/stats").is_none());
}

#[test]
fn env_vars_and_accessors() {
    let sb = start();
    assert_eq!(sb.url(), format!("http://127.0.0.1:{}", sb.port()));
    assert_eq!(sb.client_id().len(), 32);
    assert_eq!(sb.client_secret().len(), 32);
    assert_eq!(sb.redirect_uri(), "http://127.0.0.1:8888/callback");
    let vars = sb.env_vars();
    let get = |name: &str| vars.iter().find(|(k, _)| *k == name).unwrap().1.clone();
    assert_eq!(get("SPOTIFY_CLIENT_ID"), sb.client_id());
    assert_eq!(get("SPOTIFY_CLIENT_SECRET"), sb.client_secret());
    assert_eq!(get("SPOTIFY_REDIRECT_URI"), sb.redirect_uri());
    assert_eq!(get("SPOTIFY_ACCOUNTS_URL"), sb.url());
    assert_eq!(get("SPOTIFY_API_URL"), sb.url());
}

#[test]
fn stop_releases_the_port_even_with_open_connections() {
    let sb = start();
    let port = sb.port();
    let client = client();
    // Leave a kept-alive connection open in the client's pool.
    assert_eq!(
        client
            .get(format!("{}/v1/me", sb.url()))
            .send()
            .unwrap()
            .status(),
        401
    );
    let started = Instant::now();
    sb.stop();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
    let again = Sandbox::start(SandboxOptions {
        port,
        ..SandboxOptions::default()
    })
    .unwrap();
    assert_eq!(again.port(), port);
    drop(again);
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
}

#[test]
fn stop_does_not_wait_for_a_slow_fault() {
    let sb = start();
    sb.add_fault(fault("/v1/me", FaultKind::Slow { secs: 30 }, 1));
    let url = format!("{}/v1/me", sb.url());
    let waiting = std::thread::spawn(move || client().get(url).send().map(|r| r.status()));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    sb.stop();
    assert!(started.elapsed() < Duration::from_secs(3));
    let _ = waiting.join().unwrap();
}
