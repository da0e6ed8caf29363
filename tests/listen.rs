//! `step2_get_tokens --listen [--open]`: the loopback listener catches the
//! redirect; a fake browser (`$BROWSER`) records the URL it was asked to open.

mod common;

use common::{free_port, World};
use spotify_sandbox::SandboxOptions;
use std::time::{Duration, Instant};

fn listening_world() -> (World, String) {
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let mut world = World::with(SandboxOptions {
        redirect_uris: vec![redirect_uri.clone()],
        ..Default::default()
    });
    world.set("SPOTIFY_REDIRECT_URI", &redirect_uri);
    (world, redirect_uri)
}

#[test]
fn listen_and_open_complete_the_exchange_ignoring_a_forged_request_first() {
    let (mut world, redirect_uri) = listening_world();
    let record = world.install_fake_browser();
    assert!(world.run("step1_auth_url", &[]).ok());
    let child = world
        .command(
            "step2_get_tokens",
            &["--listen", "--open", "--timeout", "30"],
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // The fake browser was given the authorize URL: approve it like a person.
    let authorize_url = common::wait_for_file(&record);
    let redirected = spotify_sandbox::approve_consent(&authorize_url, true).unwrap();
    assert!(redirected.starts_with(&redirect_uri));
    let http = reqwest::blocking::Client::new();
    let favicon = http
        .get(format!(
            "http://127.0.0.1:{}/favicon.ico",
            url::Url::parse(&redirect_uri).unwrap().port().unwrap()
        ))
        .send()
        .unwrap();
    assert_eq!(favicon.status(), 404);
    let forged = http
        .get(format!("{redirect_uri}?code=stolen&state=forged"))
        .send()
        .unwrap();
    assert_eq!(
        forged.status(),
        400,
        "a forged state is answered and ignored"
    );
    let real = http.get(&redirected).send().unwrap();
    assert_eq!(real.status(), 200);
    assert!(real.text().unwrap().contains("close this tab"));

    let run = common::Run::from(child.wait_with_output().unwrap());
    assert!(run.ok(), "{}\n{}", run.stdout, run.stderr);
    assert!(run.field("access_token").starts_with("BQ"));
    assert_eq!(
        world.token_requests(),
        1,
        "the forged code was never exchanged"
    );
}

#[test]
fn listen_gives_up_after_the_timeout() {
    let (world, _) = listening_world();
    assert!(world.run("step1_auth_url", &[]).ok());
    let started = Instant::now();
    world
        .run("step2_get_tokens", &["--listen", "--timeout", "1"])
        .assert_error("no redirect reached");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn listen_reports_a_busy_port() {
    let (world, redirect_uri) = listening_world();
    let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
    let _taken = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    assert!(world.run("step1_auth_url", &[]).ok());
    world
        .run("step2_get_tokens", &["--listen"])
        .assert_error(&format!("port {port} of 127.0.0.1 is taken"));
}

#[test]
fn listen_refuses_a_redirect_uri_it_cannot_receive() {
    let mut world = World::with(SandboxOptions {
        redirect_uris: vec!["https://example.com/callback".into()],
        ..Default::default()
    });
    world.set("SPOTIFY_REDIRECT_URI", "https://example.com/callback");
    assert!(world.run("step1_auth_url", &[]).ok());
    world
        .run("step2_get_tokens", &["--listen"])
        .assert_error("needs a loopback redirect URI");
    world
        .run("step2_get_tokens", &["--open"])
        .assert_error("--open goes with --listen");
}

#[test]
fn step1_open_uses_browser_and_still_prints_the_url() {
    let mut world = World::new();
    let record = world.install_fake_browser();
    let run = world.run("step1_auth_url", &["--open"]);
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(common::wait_for_file(&record), run.authorize_url());
    // No browser at all: the URL is printed as always, and that is no error.
    world.set("BROWSER", "/nonexistent/browser");
    world.set("PATH", "/nonexistent");
    let run = world.run("step1_auth_url", &["--open"]);
    assert!(run.ok(), "{}", run.stderr);
    assert!(run.stderr.contains("no browser could be started"));
    run.authorize_url();
}

/// On a terminal the redirect can still be pasted while the listener waits
/// (a browser on another machine never reaches this one's loopback).
#[test]
fn listen_on_a_terminal_also_takes_a_paste() {
    let (world, _) = listening_world();
    let (_, redirected) = world.authorize(&[], true);
    let run = world.run_in_terminal(
        "step2_get_tokens",
        &["--listen", "--timeout", "30"],
        &format!("{redirected}\r"),
    );
    assert!(run.stdout.contains("or paste it here"), "{}", run.stdout);
    assert!(run.stdout.contains("access_token  = BQ"), "{}", run.stdout);
    assert_eq!(world.token_requests(), 1);
}
