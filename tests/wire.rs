//! `--http`: each binary that talks to Spotify shows the request it sent and
//! the answer, then a `curl` line that repeats it. The printed request is the
//! one the sandbox received, the `curl` lines work when pasted into a shell
//! with `SPOTIFY_CLIENT_SECRET` set, and a canary secret appears nowhere:
//! not in any output (the diagram of `cargo run` included) nor in any file.

mod common;

use common::{Run, World};
use spotify_sandbox::SandboxOptions;
use std::process::Command;

const CANARY: &str = "CANARY0secret0CANARY0secret00001";

fn canary_world() -> World {
    let world = World::with(SandboxOptions {
        client_secret: CANARY.into(),
        ..SandboxOptions::default()
    });
    let mut world = world;
    world.set("SPOTIFY_CLIENT_SECRET", CANARY);
    world
}

/// The `curl` command printed after the request line `request_line`.
fn curl_after(run: &Run, request_line: &str) -> String {
    let from = run
        .stdout
        .find(request_line)
        .unwrap_or_else(|| panic!("no {request_line:?} in:\n{}", run.stdout));
    let rest = &run.stdout[from..];
    let start = rest.find("curl -sS").expect("a curl line follows");
    let mut lines = Vec::new();
    for line in rest[start..].lines() {
        lines.push(line);
        if !line.ends_with('\\') {
            break;
        }
    }
    lines.join("\n")
}

/// `curl` run by `sh`, the secret in its environment only.
fn run_curl(curl: &str, secret: &str) -> serde_json::Value {
    let output = Command::new("sh")
        .arg("-c")
        .arg(curl)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SPOTIFY_CLIENT_SECRET", secret)
        .output()
        .expect("sh runs");
    assert!(output.status.success(), "{curl}: {output:?}");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("not JSON from {curl}: {output:?}"))
}

#[test]
fn step2_and_step3_show_the_wire_and_their_curl_lines_work() {
    let world = canary_world();
    let (step1, redirected) = world.authorize(&["--http"], true);
    assert!(
        step1
            .stdout
            .contains("The browser will send:\nGET /authorize?client_id="),
        "{}",
        step1.stdout
    );

    let step2 = world.run("step2_get_tokens", &["--http", &redirected]);
    assert!(step2.ok(), "{}\n{}", step2.stdout, step2.stderr);
    let client_id = world.sandbox.client_id().to_string();
    for expected in [
        "POST /api/token HTTP/1.1",
        "Content-Type: application/x-www-form-urlencoded",
        &format!("Authorization: Basic base64({client_id}:<client secret>)"),
        "grant_type=authorization_code&code=",
        "HTTP/1.1 200 OK",
        "  \"access_token\": \"",
    ] {
        assert!(
            step2.stdout.contains(expected),
            "{expected} in:\n{}",
            step2.stdout
        );
    }
    // What the sandbox received is what was printed: method, path, header
    // names, every form field.
    let received = world.sandbox.last_received("/api/token").unwrap();
    assert_eq!(received.method, "POST");
    let printed = &step2.stdout[step2.stdout.find("POST /api/token HTTP/1.1").unwrap()..];
    let head: Vec<&str> = printed
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    let mut printed_names: Vec<String> = head
        .iter()
        .map(|l| l.split_once(':').unwrap().0.to_ascii_lowercase())
        .collect();
    let mut received_names = received.header_names.clone();
    printed_names.sort();
    received_names.sort();
    assert_eq!(printed_names, received_names);
    let body = printed.lines().nth(head.len() + 2).unwrap();
    let printed_form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(printed_form, received.form);

    // The code-exchange curl, run with a fresh code, gets tokens.
    let exchange_curl = curl_after(&step2, "POST /api/token HTTP/1.1");
    assert!(
        exchange_curl.contains("\"$SPOTIFY_CLIENT_SECRET\"")
            || exchange_curl.contains(":$SPOTIFY_CLIENT_SECRET\"")
    );
    let (_, fresh) = world.authorize(&[], true);
    let old_code = url::Url::parse(&redirected)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == "code")
        .unwrap()
        .1
        .into_owned();
    let new_code = url::Url::parse(&fresh)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == "code")
        .unwrap()
        .1
        .into_owned();
    let answer = run_curl(&exchange_curl.replace(&old_code, &new_code), CANARY);
    assert!(answer["access_token"].is_string(), "{answer}");

    // The refresh's curl works as printed.
    let step3 = world.run("step3_refresh", &["--http"]);
    assert!(step3.ok(), "{}\n{}", step3.stdout, step3.stderr);
    assert!(step3
        .stdout
        .contains("grant_type=refresh_token&refresh_token="));
    let answer = run_curl(&curl_after(&step3, "POST /api/token HTTP/1.1"), CANARY);
    assert!(answer["access_token"].is_string(), "{answer}");

    // Step 4: the bearer calls, in full (the token is the learner's own).
    let step4 = world.run("step4_call_api", &["--http"]);
    assert!(step4.ok(), "{}\n{}", step4.stdout, step4.stderr);
    assert!(step4.stdout.contains("GET /v1/me HTTP/1.1\n"));
    assert!(step4.stdout.contains("Authorization: Bearer BQ"));

    world.assert_secret_nowhere(&[&step1, &step2, &step3, &step4]);
}

#[test]
fn client_credentials_curl_works_and_without_http_nothing_changes() {
    let world = canary_world();
    let plain = world.run("client_credentials", &[]);
    assert!(plain.ok(), "{}", plain.stderr);
    assert!(!plain.stdout.contains("HTTP/1.1"), "{}", plain.stdout);
    let shown = world.run("client_credentials", &["--http"]);
    assert!(shown.ok(), "{}", shown.stderr);
    let curl = curl_after(&shown, "POST /api/token HTTP/1.1");
    assert!(
        curl.contains("--data-raw 'grant_type=client_credentials'"),
        "{curl}"
    );
    let answer = run_curl(&curl, CANARY);
    assert!(answer["access_token"].is_string(), "{answer}");
    // With the wrong secret in the shell, the same line is refused.
    let output = Command::new("sh")
        .arg("-c")
        .arg(&curl)
        .env("SPOTIFY_CLIENT_SECRET", "wrong")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("invalid_client"));
    world.assert_secret_nowhere(&[&plain, &shown]);
}

#[test]
fn cargo_run_ends_with_the_diagram_and_http_shows_every_request() {
    let mut world = World::new();
    world.without_app();
    let run = world.run("walkthrough", &["--http"]);
    assert!(run.ok(), "{}\n{}", run.stdout, run.stderr);
    let diagram = &run.stdout[run
        .stdout
        .find("== The run as a sequence diagram ==")
        .expect("a diagram at the end")..];
    let order = [
        "GET /authorize?client_id=…&state=",
        "302 Location: …/callback?code=",
        "POST /api/token grant_type=authorization_code",
        "200 {access_token, expires_in: 3600, refresh_token}",
        "POST /api/token grant_type=refresh_token",
        "GET /v1/me",
    ];
    let mut from = 0;
    for label in order {
        let at = diagram[from..]
            .find(label)
            .unwrap_or_else(|| panic!("{label} after position {from} in:\n{diagram}"));
        from += at + label.len();
    }
    assert_eq!(
        run.stdout.matches("---- on the wire (--http) ----").count(),
        3
    );
    assert!(!run.stderr.contains("panicked"));
    // The tour's own sandbox has the default secret, as `world`'s does: it
    // appears in no output, diagram or file.
    world.assert_secret_nowhere(&[&run]);
}

#[test]
fn a_wrong_secret_ends_the_diagram_with_the_red_answer() {
    let mut world = World::new();
    world.set("SPOTIFY_CLIENT_SECRET", "0123456789abcdef0123456789abdead");
    let (_, redirected) = world.authorize(&[], true);
    let step2 = world.run("step2_get_tokens", &["--http", &redirected]);
    assert!(!step2.ok());
    assert!(
        step2.stdout.contains("HTTP/1.1 400 Bad Request"),
        "{}",
        step2.stdout
    );
    assert!(step2.stdout.contains("\"error\": \"invalid_client\""));
    assert!(!step2.stdout.contains("0123456789abcdef0123456789abdead"));
}
