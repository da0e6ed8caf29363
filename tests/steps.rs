//! The three step binaries against the sandbox, as a new user runs them.

mod common;

use common::World;
use spotify_sandbox::SandboxOptions;

#[test]
fn step1_prints_the_url_alone_on_its_line_with_every_parameter() {
    let mut world = World::new();
    world.set("SPOTIFY_SCOPES", "user-read-private playlist-read-private");
    let run = world.run("step1_auth_url", &[]);
    assert!(run.ok(), "{}", run.stderr);
    let url = url::Url::parse(&run.authorize_url()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], world.sandbox.client_id());
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["redirect_uri"], "http://127.0.0.1:8888/callback");
    assert_eq!(query["scope"], "user-read-private playlist-read-private");
    assert!(query["state"].len() >= 16);
    for purpose in [
        "which app asks",
        "one-time code",
        "must match the dashboard",
        "what the app may do",
        "forged redirects",
    ] {
        assert!(
            run.stdout.contains(purpose),
            "missing explanation {purpose:?}"
        );
    }
    assert!(run.stdout.contains("Register this redirect URI in the app's dashboard, character for character: http://127.0.0.1:8888/callback"));
    assert!(
        run.stdout.contains("step2_get_tokens"),
        "says what to do next"
    );
    let pending =
        std::fs::read_to_string(world.auth_dir().join("pending_authorization.json")).unwrap();
    assert!(pending.contains(&query["state"].to_string()));
}

#[test]
fn step1_options_show_dialog_pkce_and_scope() {
    let world = World::new();
    let run = world.run(
        "step1_auth_url",
        &[
            "--show-dialog",
            "--pkce",
            "--scope",
            "user-top-read user-read-email",
        ],
    );
    assert!(run.ok(), "{}", run.stderr);
    let url = url::Url::parse(&run.authorize_url()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["show_dialog"], "true");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["scope"], "user-top-read user-read-email");
    let two = world.run("step1_auth_url", &[]);
    assert_ne!(
        world_state(&run),
        world_state(&two),
        "state is fresh each run"
    );
}

fn world_state(run: &common::Run) -> String {
    run.field("state")
}

#[test]
fn full_flow_prints_tokens_saves_them_privately_and_refreshes_twice() {
    let mut world = World::new();
    world.set("SPOTIFY_SCOPES", "user-read-private user-read-email");
    let (_, redirected) = world.authorize(&[], true);
    let step2 = world.run("step2_get_tokens", &[&redirected]);
    assert!(step2.ok(), "{}\n{}", step2.stdout, step2.stderr);
    let code = url::Url::parse(&redirected)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert!(step2
        .stdout
        .contains(&format!("Code from the redirect: {code}")));
    let access = step2.field("access_token");
    let refresh = step2.field("refresh_token");
    assert!(access.starts_with("BQ") && access.len() > 40, "{access}");
    assert!(refresh.starts_with("AQ"), "{refresh}");
    assert_eq!(step2.field("token_type"), "Bearer");
    assert_eq!(step2.field("expires_in"), "3600");
    assert!(step2
        .stdout
        .contains("scope         = user-read-private user-read-email"));
    assert!(
        step2.stdout.contains("expires at 20"),
        "computed expiry time shown"
    );

    let token = world.token_json();
    assert_eq!(token["access_token"], access.as_str());
    assert_eq!(token["refresh_token"], refresh.as_str());
    assert!(
        !world.auth_dir().join("pending_authorization.json").exists(),
        "pending cleared"
    );
    assert_modes(&world);

    // Step 3 twice: Spotify (and the sandbox) do not resend the refresh token.
    let mut previous_access = access.clone();
    for _ in 0..2 {
        let step3 = world.run("step3_refresh", &[]);
        assert!(step3.ok(), "{}\n{}", step3.stdout, step3.stderr);
        let new_access = step3.field("access_token");
        assert_ne!(new_access, previous_access);
        assert!(
            step3
                .stdout
                .contains("not in the answer: the saved one is kept"),
            "{}",
            step3.stdout
        );
        let token = world.token_json();
        assert_eq!(
            token["refresh_token"],
            refresh.as_str(),
            "old refresh token kept"
        );
        assert_eq!(token["access_token"], new_access.as_str());
        previous_access = new_access;
    }
    assert_eq!(world.token_requests(), 3);
    world.assert_secret_nowhere(&[&step2]);
}

#[test]
fn rotated_refresh_token_is_stored() {
    let world = World::with(SandboxOptions {
        rotate_refresh_tokens: true,
        ..Default::default()
    });
    let step2 = world.obtain_token();
    let first = step2.field("refresh_token");
    let step3 = world.run("step3_refresh", &[]);
    assert!(step3.ok(), "{}", step3.stderr);
    let second = step3.field("refresh_token");
    assert_ne!(first, second);
    assert!(second.starts_with("AQ"));
    assert_eq!(world.token_json()["refresh_token"], second.as_str());
    let again = world.run("step3_refresh", &[]);
    assert!(again.ok(), "the rotated token works: {}", again.stderr);
}

#[test]
fn step2_reads_a_plain_line_from_stdin() {
    let world = World::new();
    let (_, redirected) = world.authorize(&[], true);
    let run = world.run_with_stdin(
        "step2_get_tokens",
        &[],
        format!("{redirected}\n").as_bytes(),
    );
    assert!(run.ok(), "{}", run.stderr);
    assert!(run.field("access_token").starts_with("BQ"));
}

#[test]
fn bad_pastes_fail_clearly_and_send_no_request() {
    let world = World::new();
    let (step1, redirected) = world.authorize(&[], true);
    let state = step1.field("state");
    let forged = redirected.replace(&state, "forged-state-0123456789");
    let long = "x".repeat(200 * 1024);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "forged state",
            forged.into_bytes(),
            "does not match step 1's",
        ),
        ("empty", b"".to_vec(), "nothing was pasted"),
        ("blank line", b"   \n".to_vec(), "nothing was pasted"),
        ("garbage", b"hello there".to_vec(), "neither a redirect URL"),
        (
            "binary",
            vec![0, 159, 146, 150, 1, 2, 255, b'\n'],
            "control or binary",
        ),
        ("200 kB", long.into_bytes(), "longer than 8 KiB"),
        (
            "no code",
            format!("http://127.0.0.1:8888/callback?state={state}").into_bytes(),
            "has no code",
        ),
        (
            "no state",
            b"http://127.0.0.1:8888/callback?code=abc".to_vec(),
            "has no state",
        ),
        ("broken URL", b"http://[::1".to_vec(), "not one"),
    ];
    for (name, input, expected) in cases {
        let run = world.run_with_stdin("step2_get_tokens", &[], &input);
        run.assert_error(expected);
        assert_eq!(
            world.token_requests(),
            0,
            "{name}: no token request may be sent"
        );
    }
    // The right paste still works afterwards: the pending authorization survived.
    let run = world.run("step2_get_tokens", &[&redirected]);
    assert!(run.ok(), "{}", run.stderr);
}

#[test]
fn denied_consent_is_explained_without_a_request() {
    let world = World::new();
    let (_, redirected) = world.authorize(&[], false);
    assert!(redirected.contains("error=access_denied"));
    let run = world.run("step2_get_tokens", &[&redirected]);
    run.assert_error("Cancel was pressed");
    assert_eq!(world.token_requests(), 0);
}

#[test]
fn step2_without_step1_and_with_an_expired_step1() {
    let world = World::new();
    world
        .run(
            "step2_get_tokens",
            &["http://127.0.0.1:8888/callback?code=abc&state=x"],
        )
        .assert_error("run step 1");

    let (_, redirected) = world.authorize(&[], true);
    let path = world.auth_dir().join("pending_authorization.json");
    let mut pending: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    pending["created_at"] = (pending["created_at"].as_u64().unwrap() - 11 * 60).into();
    std::fs::write(&path, pending.to_string()).unwrap();
    world
        .run("step2_get_tokens", &[&redirected])
        .assert_error("has expired");
    assert_eq!(world.token_requests(), 0);
}

#[test]
fn the_same_code_is_never_sent_twice() {
    let world = World::new();
    let (_, redirected) = world.authorize(&[], true);
    assert!(world.run("step2_get_tokens", &[&redirected]).ok());
    world
        .run("step2_get_tokens", &[&redirected])
        .assert_error("already traded");
    assert_eq!(world.token_requests(), 1);
}

#[test]
fn pkce_needs_no_secret() {
    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let (step1, redirected) = world.authorize(&["--pkce"], true);
    assert!(!step1.stderr.contains("error"), "{}", step1.stderr);
    let step2 = world.run("step2_get_tokens", &[&redirected]);
    assert!(step2.ok(), "{}", step2.stderr);
    assert!(step2.stdout.contains("PKCE: client_id + code_verifier"));
    let step3 = world.run("step3_refresh", &[]);
    assert!(step3.ok(), "{}", step3.stderr);
    assert!(world.token_json()["pkce"].as_bool().unwrap());
}

#[test]
fn missing_secret_without_a_terminal_names_the_variable() {
    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let (_, redirected) = world.authorize(&[], true);
    let run = world.run("step2_get_tokens", &[&redirected]);
    run.assert_error("SPOTIFY_CLIENT_SECRET is not set");
    assert!(run.stderr.contains("--pkce"));
    assert_eq!(world.token_requests(), 0);
}

#[test]
fn missing_secret_is_asked_with_a_hidden_prompt_on_a_terminal() {
    let mut world = World::new();
    world.obtain_token();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let secret = world.sandbox.client_secret().to_string();
    let run = world.run_in_terminal("step3_refresh", &[], &format!("{secret}\r"));
    assert!(
        run.stdout
            .contains("SPOTIFY_CLIENT_SECRET is not set; type it (hidden)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("access_token  = BQ"),
        "refreshed with the typed secret: {}",
        run.stdout
    );
    assert!(!run.stdout.contains(&secret), "the secret is not echoed");
}

#[test]
fn configuration_mistakes_are_caught_before_anything_else() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "SPOTIFY_REDIRECT_URI",
            "http://localhost:8888/callback",
            "use http://127.0.0.1:8888/callback instead",
        ),
        (
            "SPOTIFY_REDIRECT_URI",
            "http://example.com/callback",
            "use https",
        ),
        (
            "SPOTIFY_CLIENT_SECRET",
            "\"quoted\"",
            "SPOTIFY_CLIENT_SECRET is wrapped in quotes",
        ),
        (
            "SPOTIFY_CLIENT_ID",
            " padded",
            "SPOTIFY_CLIENT_ID has leading or trailing whitespace",
        ),
        (
            "SPOTIFY_SCOPES",
            "user-read-privat",
            "did you mean `user-read-private`",
        ),
        (
            "SPOTIFY_ACCOUNTS_URL",
            "accounts.spotify.com",
            "not an http(s) URL",
        ),
    ];
    for (name, value, expected) in cases {
        let mut world = World::new();
        world.set(name, value);
        world.run("step1_auth_url", &[]).assert_error(expected);
        assert!(!world.auth_dir().exists(), "{name}: nothing written");
    }
    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_ID");
    world
        .run("step1_auth_url", &[])
        .assert_error("SPOTIFY_CLIENT_ID is not set");
    World::new()
        .run("step1_auth_url", &["--bogus"])
        .assert_error("unknown argument `--bogus`");
}

#[test]
fn odd_client_id_is_only_a_warning() {
    let mut world = World::new();
    world.set("SPOTIFY_CLIENT_ID", "not-hex");
    let run = world.run("step1_auth_url", &[]);
    assert!(run.ok());
    assert!(run
        .stderr
        .contains("warning: SPOTIFY_CLIENT_ID `not-hex` is not 32 hex characters"));
}

#[test]
fn dotenv_is_read_and_the_environment_wins() {
    let mut world = World::new();
    world.unset("SPOTIFY_SCOPES");
    std::fs::write(
        world.dir.join(".env"),
        "SPOTIFY_SCOPES=user-top-read\nSPOTIFY_CLIENT_ID=ffffffffffffffffffffffffffffffff\n",
    )
    .unwrap();
    let run = world.run("step1_auth_url", &[]);
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.field("scope"), "user-top-read", "from .env");
    assert_eq!(
        run.field("client_id"),
        world.sandbox.client_id(),
        "the environment wins"
    );
}

#[test]
fn wrong_secret_is_invalid_client_with_the_fix() {
    let mut world = World::new();
    world.set("SPOTIFY_CLIENT_SECRET", "0000000000000000000000000000dead");
    let (_, redirected) = world.authorize(&[], true);
    world
        .run("step2_get_tokens", &[&redirected])
        .assert_error("invalid_client");
}

#[test]
fn redirect_uri_changed_between_steps_is_explained() {
    let mut world = World::with(SandboxOptions {
        redirect_uris: vec![
            "http://127.0.0.1:8888/callback".into(),
            "http://127.0.0.1:9999/cb".into(),
        ],
        ..Default::default()
    });
    let (_, redirected) = world.authorize(&[], true);
    // Step 2 uses the redirect URI saved by step 1, so only a tampered pending file can differ.
    let path = world.auth_dir().join("pending_authorization.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("8888/callback", "9999/cb");
    std::fs::write(&path, text).unwrap();
    world.set("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:9999/cb");
    world
        .run("step2_get_tokens", &[&redirected])
        .assert_error("Invalid redirect URI");
}

#[test]
fn revoked_refresh_token_is_discarded_with_a_clear_message() {
    let world = World::new();
    world.obtain_token();
    world.sandbox.revoke_refresh_tokens();
    world
        .run("step3_refresh", &[])
        .assert_error("Refresh token revoked");
    assert!(
        !world.auth_dir().join("token.json").exists(),
        "dead token discarded"
    );
    assert_eq!(world.token_requests(), 2, "not retried");
    world
        .run("step3_refresh", &[])
        .assert_error("no saved token");
}

#[test]
fn narrower_grant_names_the_missing_scope() {
    let mut world = World::with(SandboxOptions {
        withhold_scopes: vec!["user-read-email".into()],
        ..Default::default()
    });
    world.set("SPOTIFY_SCOPES", "user-read-private user-read-email");
    let step2 = world.obtain_token();
    assert!(
        step2
            .stdout
            .contains("warning: asked for but not granted: user-read-email"),
        "{}",
        step2.stdout
    );
    let step3 = world.run("step3_refresh", &[]);
    assert!(
        step3
            .stdout
            .contains("warning: the token lacks user-read-email"),
        "{}",
        step3.stdout
    );
}

#[test]
fn step3_without_a_token_says_to_run_steps_1_and_2() {
    World::new()
        .run("step3_refresh", &[])
        .assert_error("run step 1 and step 2 first");
}

fn assert_modes(world: &World) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&world.auth_dir()), 0o700);
    assert_eq!(mode(&world.auth_dir().join("token.json")), 0o600);
}

#[test]
fn a_closed_stdout_stops_quietly_without_a_panic() {
    let world = World::new();
    // A pipe whose reading end is already closed, like `| head` that has exited.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = world
        .command("step1_auth_url", &[])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141));
}

#[test]
fn a_non_utf8_environment_value_is_refused_not_replaced_by_dotenv() {
    use std::os::unix::ffi::OsStrExt;
    let world = World::new();
    std::fs::write(world.dir.join(".env"), "SPOTIFY_SCOPES=user-top-read\n").unwrap();
    let output = world
        .command("step1_auth_url", &[])
        .env(
            "SPOTIFY_SCOPES",
            std::ffi::OsStr::from_bytes(b"user-read-private\xff"),
        )
        .output()
        .unwrap();
    common::Run::from(output).assert_error("SPOTIFY_SCOPES is not valid UTF-8");
}
