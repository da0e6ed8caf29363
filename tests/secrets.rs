//! Secret hygiene: the client secret never reaches stdout, stderr or a file,
//! on success paths and failure paths of every binary (the `sandbox` binary is
//! exempt: it prints its fake secret for the user's `.env` on purpose); the
//! `Debug` of every secret-bearing type is redacted; files are 0600 and the
//! folder 0700 even under `umask 000`.

mod common;

use base64::Engine;
use common::{Run, World};
use spotify_sandbox::{Fault, FaultKind, SandboxOptions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every binary that handles the secret (all of `bin/` but `sandbox`).
const BINARIES: &[&str] = &[
    "step1_auth_url",
    "step2_get_tokens",
    "step3_refresh",
    "step4_call_api",
    "doctor",
    "walkthrough",
];

/// A wrong secret, as a user might mistype it.
const WRONG_SECRET: &str = "0123456789abcdef0123456789abdead";

/// `world.command(...)` run by `sh` after `umask 000`, with the same
/// environment, folder and arguments.
fn under_umask_000(inner: &Command) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("umask 000 && exec \"$@\"")
        .arg("sh")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear();
    for (name, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    if let Some(dir) = inner.get_current_dir() {
        command.current_dir(dir);
    }
    command
}

/// Runs `bin` under `umask 000`, standard input closed, at most 60 s.
fn run(world: &World, bin: &str, args: &[&str]) -> Run {
    let mut child = under_umask_000(&world.command(bin, args))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{bin} {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().unwrap())
}

/// The secret as it could leak: verbatim, or inside a Basic header.
fn forms_of(world: &World, secret: &str) -> Vec<String> {
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{secret}", world.sandbox.client_id()));
    vec![secret.to_string(), basic]
}

fn assert_not_shown(world: &World, secret: &str, what: &str, runs: &[&Run]) {
    for form in forms_of(world, secret) {
        for run in runs {
            assert!(
                !run.stdout.contains(&form) && !run.stderr.contains(&form),
                "{what}: the secret was printed:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
        for (path, bytes) in world.written_files() {
            if path.file_name().is_some_and(|n| n == ".env") {
                continue; // the user's own file
            }
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&form),
                "{what}: the secret was written to {}",
                path.display()
            );
        }
    }
}

/// Every file under the auth folder 0600, every folder 0700.
fn assert_private(dir: &Path, what: &str) {
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{what}: {} is not 0700", dir.display());
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            assert_private(&path, what);
        } else {
            assert_eq!(mode(&path), 0o600, "{what}: {} is not 0600", path.display());
        }
    }
}

fn arm(world: &World, endpoint: &str, kind: FaultKind, count: u32) {
    world.sandbox.add_fault(Fault {
        endpoint: endpoint.into(),
        kind,
        count,
    });
}

/// Step 1 and consent under `umask 000`: the redirected URL.
fn authorize(world: &World, args: &[&str]) -> (Run, String) {
    let step1 = run(world, "step1_auth_url", args);
    assert!(step1.ok(), "step 1: {}", step1.stderr);
    let redirected = spotify_sandbox::approve_consent(&step1.authorize_url(), true).unwrap();
    (step1, redirected)
}

#[test]
fn success_paths_never_show_the_secret_and_keep_files_private() {
    let mut world = World::new();
    world.set(
        "SPOTIFY_SCOPES",
        "user-read-private user-read-email playlist-read-private",
    );
    let secret = world.sandbox.client_secret().to_string();
    let mut runs = Vec::new();
    for bin in BINARIES {
        runs.push(run(&world, bin, &["--help"]));
    }
    let (step1, redirected) = authorize(&world, &[]);
    let step2 = run(&world, "step2_get_tokens", &[&redirected]);
    assert!(step2.ok(), "step 2: {}", step2.stderr);
    assert_private(&world.auth_dir(), "after step 2");
    let step3 = run(&world, "step3_refresh", &[]);
    assert!(step3.ok(), "step 3: {}", step3.stderr);
    assert_private(&world.auth_dir(), "after step 3");
    let step4 = run(&world, "step4_call_api", &[]);
    let doctor = run(&world, "doctor", &[]);
    // An access token about to expire makes step 4 refresh (with the secret).
    let path = world.auth_dir().join("token.json");
    let mut token = world.token_json();
    token["expires_at"] = 0.into();
    std::fs::write(&path, token.to_string()).unwrap();
    let step4_refresh = run(&world, "step4_call_api", &[]);
    assert_private(&world.auth_dir(), "after step 4");
    runs.extend([step1, step2, step3, step4, doctor, step4_refresh]);
    assert_not_shown(
        &world,
        &secret,
        "success paths",
        &runs.iter().collect::<Vec<_>>(),
    );
}

#[test]
fn pkce_path_never_shows_the_secret() {
    let world = World::new();
    let secret = world.sandbox.client_secret().to_string();
    let (step1, redirected) = authorize(&world, &["--pkce"]);
    let step2 = run(&world, "step2_get_tokens", &[&redirected]);
    assert!(step2.ok(), "{}", step2.stderr);
    let step3 = run(&world, "step3_refresh", &[]);
    assert!(step3.ok(), "{}", step3.stderr);
    assert_private(&world.auth_dir(), "pkce");
    assert_not_shown(&world, &secret, "pkce", &[&step1, &step2, &step3]);
}

#[test]
fn failure_paths_never_show_the_secret() {
    let real = SandboxOptions::default().client_secret;
    // (what, the secret configured, how to fail)
    type Setup = fn(&mut World) -> Vec<Run>;
    let cases: Vec<(&str, String, Setup)> = vec![
        ("wrong secret in step 2", WRONG_SECRET.into(), |w| {
            let (_, redirected) = authorize(w, &[]);
            let r = run(w, "step2_get_tokens", &[&redirected]);
            r.assert_error("invalid_client");
            vec![r]
        }),
        ("wrong secret in step 3", WRONG_SECRET.into(), |w| {
            w.set(
                "SPOTIFY_CLIENT_SECRET",
                w.sandbox.client_secret().to_string().as_str(),
            );
            w.obtain_token();
            w.set("SPOTIFY_CLIENT_SECRET", WRONG_SECRET);
            let r = run(w, "step3_refresh", &[]);
            r.assert_error("invalid_client");
            let d = run(w, "doctor", &[]);
            vec![r, d]
        }),
        (
            "quoted secret",
            format!("\"{}\"", SandboxOptions::default().client_secret),
            |w| {
                let r = run(w, "step1_auth_url", &[]);
                r.assert_error("wrapped in quotes");
                vec![r, run(w, "step3_refresh", &[]), run(w, "doctor", &[])]
            },
        ),
        (
            "secret with a trailing space",
            format!("{} ", SandboxOptions::default().client_secret),
            |w| {
                let r = run(w, "step2_get_tokens", &[]);
                r.assert_error("whitespace");
                vec![r, run(w, "doctor", &[]), run(w, "step4_call_api", &[])]
            },
        ),
        (
            "secret with a newline",
            format!("{}\nx", SandboxOptions::default().client_secret),
            |w| {
                let r = run(w, "step1_auth_url", &[]);
                r.assert_error("control character");
                vec![r, run(w, "doctor", &[])]
            },
        ),
        ("quoted secret in .env", String::new(), |w| {
            w.unset("SPOTIFY_CLIENT_SECRET");
            let line = format!(
                "SPOTIFY_CLIENT_SECRET=\"'{}'\"\n",
                w.sandbox.client_secret()
            );
            std::fs::write(w.dir.join(".env"), line).unwrap();
            let r = run(w, "step1_auth_url", &[]);
            r.assert_error("wrapped in quotes");
            vec![r, run(w, "doctor", &[])]
        }),
        (
            "server errors and garbage answers",
            SandboxOptions::default().client_secret,
            |w| {
                let mut runs = Vec::new();
                for kind in [
                    FaultKind::Status(500),
                    FaultKind::NotJson,
                    FaultKind::ConnectionReset,
                ] {
                    let (_, redirected) = authorize(w, &[]);
                    arm(w, "/api/token", kind, 1);
                    let r = run(w, "step2_get_tokens", &[&redirected]);
                    assert!(!r.ok());
                    runs.push(r);
                }
                runs
            },
        ),
        (
            "revoked refresh token",
            SandboxOptions::default().client_secret,
            |w| {
                w.obtain_token();
                w.sandbox.revoke_refresh_tokens();
                let r = run(w, "step3_refresh", &[]);
                r.assert_error("Refresh token revoked");
                vec![r, run(w, "step4_call_api", &[]), run(w, "doctor", &[])]
            },
        ),
        (
            "a crash while saving",
            SandboxOptions::default().client_secret,
            |w| {
                w.obtain_token();
                w.set("SPOTIFY_AUTH_FAIL_AT", "before-rename");
                let r = run(w, "step3_refresh", &[]);
                r.assert_error("injected failure");
                vec![r]
            },
        ),
        (
            "an unreachable accounts service",
            SandboxOptions::default().client_secret,
            |w| {
                w.obtain_token();
                w.set("SPOTIFY_ACCOUNTS_URL", "http://127.0.0.1:9");
                w.set("SPOTIFY_HTTP_TIMEOUT_SECS", "1");
                let r = run(w, "step3_refresh", &[]);
                r.assert_error("could not reach");
                vec![r, run(w, "doctor", &[])]
            },
        ),
    ];
    for (what, configured, setup) in cases {
        let mut world = World::new();
        if !configured.is_empty() {
            world.set("SPOTIFY_CLIENT_SECRET", &configured);
        }
        let runs = setup(&mut world);
        let runs: Vec<&Run> = runs.iter().collect();
        assert_not_shown(&world, &real, what, &runs);
        if !configured.is_empty() {
            let bare = configured
                .trim()
                .trim_matches('"')
                .lines()
                .next()
                .unwrap()
                .to_string();
            assert_not_shown(&world, &bare, what, &runs);
        }
        if world.auth_dir().exists() {
            assert_private(&world.auth_dir(), what);
        }
    }
}

/// `cargo run` with credentials (here the sandbox's) opens the browser and
/// listens; with a wrong secret it fails at the exchange.
#[test]
fn walkthrough_with_credentials_never_shows_the_secret() {
    for secret in [
        SandboxOptions::default().client_secret,
        WRONG_SECRET.to_string(),
    ] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let mut world = World::with(SandboxOptions {
            redirect_uris: vec![redirect_uri.clone()],
            ..Default::default()
        });
        world.set("SPOTIFY_REDIRECT_URI", &redirect_uri);
        world.set("SPOTIFY_CLIENT_SECRET", &secret);
        let record = world.install_fake_browser();
        let child = under_umask_000(&world.command("walkthrough", &[]))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let authorize_url = common::wait_for_file(&record);
        let redirected = spotify_sandbox::approve_consent(&authorize_url, true).unwrap();
        let _ = common::http().get(&redirected).send();
        let walk = Run::from(child.wait_with_output().unwrap());
        if secret == WRONG_SECRET {
            walk.assert_error("invalid_client");
        } else {
            assert!(walk.ok(), "{}\n{}", walk.stdout, walk.stderr);
            assert_private(&world.auth_dir(), "walkthrough");
        }
        assert_not_shown(&world, &secret, "walkthrough", &[&walk]);
        assert_not_shown(
            &world,
            world.sandbox.client_secret(),
            "walkthrough",
            &[&walk],
        );
    }
}

/// Sandbox mode: the sandbox's own (fake) secret stays out of the output and files.
#[test]
fn walkthrough_in_sandbox_mode_never_shows_the_secret() {
    let mut world = World::new();
    world.without_app();
    world.unset("SPOTIFY_REDIRECT_URI");
    let walk = run(&world, "walkthrough", &[]);
    assert!(walk.ok(), "{}\n{}", walk.stdout, walk.stderr);
    assert!(walk.stdout.contains("SANDBOX MODE"));
    assert_not_shown(
        &world,
        &SandboxOptions::default().client_secret,
        "sandbox mode",
        &[&walk],
    );
    assert_private(&world.auth_dir().join("sandbox"), "sandbox mode");
}

/// A folder and files left open by an earlier tool (or another umask) are
/// tightened on the next write.
#[test]
fn open_permissions_left_behind_are_tightened() {
    let world = World::new();
    world.obtain_token();
    let dir = world.auth_dir();
    let open = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    // Readable by others, writable by no one else: tightened. (A folder others
    // may write in is refused instead: tests/hardening.rs.)
    open(&dir, 0o755);
    open(&dir.join("token.json"), 0o666);
    if dir.join(".lock").exists() {
        open(&dir.join(".lock"), 0o666);
    }
    let step3 = run(&world, "step3_refresh", &[]);
    assert!(step3.ok(), "{}", step3.stderr);
    assert_private(&dir, "after a refresh");
}

/// The folder is created by `create_dir_all`: with a nested SPOTIFY_AUTH_DIR
/// only the last folder is made 0700, the parents keep `0777 & !umask`.
#[test]
fn folders_created_for_a_nested_auth_dir_are_private() {
    let mut world = World::new();
    world.set("SPOTIFY_AUTH_DIR", "a/b/auth");
    let step1 = run(&world, "step1_auth_url", &[]);
    assert!(step1.ok(), "{}", step1.stderr);
    for dir in ["a", "a/b", "a/b/auth"] {
        let mode = std::fs::metadata(world.dir.join(dir))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode & 0o022, 0, "{dir} is {mode:o}: writable by others");
    }
}

/// dotenvy's parse error quotes the rest of the file: a `.env` with an
/// unterminated quote before SPOTIFY_CLIENT_SECRET printed the secret (found
/// by the `config` fuzz target; `read_dotenv` now names the variable only).
#[test]
fn a_malformed_dotenv_does_not_print_the_secret() {
    let mut world = World::new();
    world.unset("SPOTIFY_CLIENT_SECRET");
    let secret = world.sandbox.client_secret().to_string();
    std::fs::write(
        world.dir.join(".env"),
        format!("SPOTIFY_SCOPES='user-read-private\nSPOTIFY_CLIENT_SECRET={secret}\n"),
    )
    .unwrap();
    let mut runs = Vec::new();
    for bin in BINARIES {
        runs.push(run(&world, bin, &[]));
    }
    runs[0].assert_error("malformed");
    assert_not_shown(
        &world,
        &secret,
        "malformed .env",
        &runs.iter().collect::<Vec<_>>(),
    );
}

#[test]
fn debug_of_every_secret_bearing_type_is_redacted() {
    use spotify_auth::core::token::parse_token_response;
    use spotify_auth::*;
    const SECRET: &str = "s3cr3t-client-secret-value";
    const ACCESS: &str = "BQaccess-token-value-0123";
    const REFRESH: &str = "AQrefresh-token-value-456";
    const CODE: &str = "AQcode-value-0123456789ab";
    const VERIFIER: &str = "verifier-value-0123456789-0123456789-0123456789";
    let all = [SECRET, ACCESS, REFRESH, CODE, VERIFIER];
    let check = |what: &str, shown: String| {
        for value in all {
            assert!(!shown.contains(value), "{what} shows {value}: {shown}");
        }
    };
    check(
        "secret types",
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:#?}",
            ClientSecret::new(SECRET),
            AccessToken::new(ACCESS),
            RefreshToken::new(REFRESH),
            AuthorizationCode::new(CODE),
            PkceVerifier::new(VERIFIER),
            PkceVerifier::new(VERIFIER),
        ),
    );
    let config = Config::from_lookup(|name| match name {
        "SPOTIFY_CLIENT_ID" => Some("5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3".into()),
        "SPOTIFY_CLIENT_SECRET" => Some(SECRET.into()),
        _ => None,
    })
    .unwrap();
    check("Config", format!("{config:?} {config:#?}"));
    let auth = SpotifyAuth::new(config.clone());
    check("SpotifyAuth", format!("{auth:?}"));
    let body = format!(
        r#"{{"access_token":"{ACCESS}","token_type":"Bearer","expires_in":3600,"refresh_token":"{REFRESH}","scope":"user-read-private"}}"#
    );
    let response = parse_token_response(&body).unwrap();
    check("TokenResponse", format!("{response:?}"));
    let token = SavedToken::from_exchange(&response, &[], "id", false, 1_000).unwrap();
    check("SavedToken", format!("{token:?} {token:#?}"));
    let pending: PendingAuthorization = serde_json::from_value(serde_json::json!({
        "state": "state-0123456789",
        "code_verifier": VERIFIER,
        "redirect_uri": "http://127.0.0.1:8888/callback",
        "client_id": "id",
        "scopes": [],
        "created_at": 1_000,
    }))
    .unwrap();
    check("PendingAuthorization", format!("{pending:?} {pending:#?}"));
    let params = parse_redirect(&format!("?code={CODE}&state=x")).unwrap();
    check("RedirectParams", format!("{params:?}"));
    // The real thing: what step 1 builds with PKCE.
    let request = spotify_auth::core::step1::build_authorize_request(
        &config,
        &AuthorizeOptions {
            pkce: true,
            ..Default::default()
        },
        1_000,
    )
    .unwrap();
    let verifier = request
        .pending
        .code_verifier
        .as_ref()
        .unwrap()
        .secret()
        .to_string();
    let shown = format!("{request:?}");
    assert!(
        !shown.contains(&verifier),
        "AuthorizeRequest shows the verifier: {shown}"
    );
    assert!(!shown.contains(SECRET));
}
