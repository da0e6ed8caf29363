//! The command line of every binary, through the real binaries: `--help`,
//! `--name=value` as well as `--name value`, and one-line errors for a missing
//! value, an unknown option and a value given to a switch.

mod common;

use common::{bin_path, listening_world, Run, World};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

const BINARIES: [&str; 9] = [
    "step1_auth_url",
    "step2_get_tokens",
    "step3_refresh",
    "step4_call_api",
    "step5_control_playback",
    "client_credentials",
    "doctor",
    "sandbox",
    "walkthrough",
];

/// Each binary's options that take a value.
const VALUED: [(&str, &[&str]); 5] = [
    ("step1_auth_url", &["--scope", "--scopes"]),
    ("step2_get_tokens", &["--timeout"]),
    ("step4_call_api", &["--limit"]),
    ("client_credentials", &["--artist"]),
    ("sandbox", &["--port", "--withhold-scope", "--allow-user"]),
];

#[test]
fn every_binary_answers_help_and_refuses_what_it_does_not_know() {
    let world = World::new();
    for bin in BINARIES {
        for help in ["--help", "-h"] {
            let run = world.run(bin, &[help]);
            assert!(run.ok(), "{bin} {help}: {}", run.stderr);
            assert!(run.stdout.starts_with("usage: "), "{bin}: {}", run.stdout);
        }
        world
            .run(bin, &["--bogus"])
            .assert_error("unknown argument `--bogus`: usage: ");
        world
            .run(bin, &["--bogus=1"])
            .assert_error("unknown argument `--bogus`");
    }
    for (bin, options) in VALUED {
        for option in options {
            world
                .run(bin, &[option])
                .assert_error(&format!("{option} needs a value: usage: "));
        }
    }
    world
        .run("step2_get_tokens", &["--listen=yes"])
        .assert_error("--listen takes no value (got `yes`)");
    world
        .run("step1_auth_url", &["--scope", "--pkce"])
        .assert_error("--scope needs a value");
}

#[test]
fn step1_takes_scope_equals_value() {
    let world = World::new();
    let scope = |args: &[&str]| {
        let run = world.run("step1_auth_url", args);
        assert!(run.ok(), "{args:?}: {}", run.stderr);
        let url = url::Url::parse(&run.authorize_url()).unwrap();
        let scope = url.query_pairs().find(|(name, _)| name == "scope");
        scope
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(scope(&["--scope=user-read-private"]), "user-read-private");
    assert_eq!(scope(&["--scopes=user-read-private"]), "user-read-private");
    assert_eq!(
        scope(&["--scope=user-read-private", "--scope", "user-read-email"]),
        "user-read-private user-read-email"
    );
}

#[test]
fn step2_takes_timeout_equals_value() {
    let (world, _) = listening_world();
    assert!(world.run("step1_auth_url", &[]).ok());
    world
        .run("step2_get_tokens", &["--listen", "--timeout=1"])
        .assert_error("within 1 s");
}

#[test]
fn step4_takes_limit_equals_value() {
    let world = World::new();
    world.obtain_token();
    let run = world.run("step4_call_api", &["--limit=1"]);
    assert!(run.ok(), "{}", run.stderr);
    assert!(run.stdout.contains("limit=1"), "{}", run.stdout);
    world
        .run("step4_call_api", &["--limit=0"])
        .assert_error("--limit `0` is not a number from 1 to 50");
}

#[test]
fn client_credentials_takes_artist_equals_value() {
    let world = World::new();
    let run = world.run("client_credentials", &["--artist=0OdUWJ0sBjDrqHygGUXeCF"]);
    assert!(run.ok(), "{}", run.stderr);
    assert!(
        run.stdout.contains("/v1/artists/0OdUWJ0sBjDrqHygGUXeCF"),
        "{}",
        run.stdout
    );
    world
        .run("client_credentials", &["--artist=not-an-id"])
        .assert_error("--artist");
}

#[test]
fn sandbox_takes_every_value_option_with_equals() {
    let mut child = std::process::Command::new(bin_path("sandbox"))
        .args([
            "--port=0",
            "--withhold-scope=user-read-email",
            "--allow-user=ada",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut listening = String::new();
    for _ in 0..5 {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.starts_with("Listening on ") {
            listening = line;
            break;
        }
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    assert!(
        listening.starts_with("Listening on http://127.0.0.1:") && !listening.contains(":8899"),
        "{listening:?} {}",
        Run::from(output).stderr
    );
}
