//! In-process timings of the token endpoint calls (steps 2 and 3) against the
//! sandbox, for `scripts/bench.sh` (which writes BENCHMARKS.md from them).
//!
//! `cargo bench --bench in_process` on its own starts a sandbox in this process.
//! `scripts/bench.sh` instead points it at the same `sandbox` process that curl
//! talks to, with `BENCH_SANDBOX_URL` plus `SPOTIFY_CLIENT_ID`,
//! `SPOTIFY_CLIENT_SECRET` and `SPOTIFY_REDIRECT_URI`.
//!
//! Each exchange needs a fresh authorization code, so every run first does step 1
//! through the library and approves the sandbox's consent page (not timed); only
//! the call under test is timed, with `std::time::Instant`.
//!
//! Settings (environment): `BENCH_RUNS` (default 30), `BENCH_WARMUP` (default 3),
//! `BENCH_JSON` (write the samples there as JSON). The `.env` file and the
//! `SPOTIFY_*` settings of the shell are not read unless `BENCH_SANDBOX_URL` is set.

use spotify_auth::core::accounts::{parse_token_answer, token_request, ClientAuth, RetryPolicy};
use spotify_auth::http::Http;
use spotify_auth::{AuthorizeOptions, Config, SpotifyAuth};
use spotify_sandbox::{approve_consent, Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SCOPES: &str = "user-read-private user-read-email";
const TIMEOUT: Duration = Duration::from_secs(15);

struct Measurement {
    name: &'static str,
    what: &'static str,
    samples: Vec<Duration>,
}

fn main() {
    // The very first client of the process pays for the TLS library's set-up:
    // time it before anything else (approve_consent builds clients too).
    let first = Instant::now();
    let first_client = spotify_auth::http::client(TIMEOUT).expect("HTTP client");
    let first_client_time = first.elapsed();
    drop(first_client);

    let runs = env_number("BENCH_RUNS", 30);
    let warmup = env_number("BENCH_WARMUP", 3);
    let (_sandbox, vars) = target();
    let dir = scratch_dir();
    let config = config(&vars, &dir);
    let secret = config.client_secret.clone().expect("client secret");
    eprintln!(
        "in_process: {runs} runs (+{warmup} warm-up) against {}",
        config.accounts_url
    );

    let mut results = Vec::new();

    results.push(measure(
        "client_new",
        "reqwest blocking Client construction (spotify_auth::http::client), not the first of the process",
        runs,
        warmup,
        || {
            let start = Instant::now();
            let client = spotify_auth::http::client(TIMEOUT).expect("HTTP client");
            let elapsed = start.elapsed();
            drop(client);
            elapsed
        },
    ));

    // Step 2, a new SpotifyAuth (so a new client and a new connection) each run:
    // what one step2_get_tokens process does, minus process start.
    results.push(measure(
        "exchange_fresh",
        "exchange_redirect on a new SpotifyAuth each run: client construction + TCP connect + POST + saving token.json",
        runs,
        warmup,
        || {
            let auth = SpotifyAuth::new(config.clone());
            let redirect = fresh_redirect(&auth);
            let start = Instant::now();
            auth.exchange_redirect(&redirect).expect("exchange");
            start.elapsed()
        },
    ));

    // Step 2 with one SpotifyAuth kept (a notebook): the client and its
    // keep-alive connection are reused.
    let kept = SpotifyAuth::new(config.clone());
    results.push(measure(
        "exchange_reused",
        "exchange_redirect on one SpotifyAuth kept across runs (client and keep-alive connection reused) + saving token.json",
        runs,
        warmup,
        || {
            let redirect = fresh_redirect(&kept);
            let start = Instant::now();
            kept.exchange_redirect(&redirect).expect("exchange");
            start.elapsed()
        },
    ));

    // The POST alone, no file I/O: what curl does.
    let http = Http::new(TIMEOUT);
    results.push(measure(
        "exchange_post_only",
        "token_request(authorization_code) alone with a reused client: the POST and JSON parsing, no files",
        runs,
        warmup,
        || {
            let redirect = fresh_redirect(&kept);
            let code = query_value(&redirect, "code");
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", config.redirect_uri.as_str()),
            ];
            let start = Instant::now();
            let request = token_request(
                &config.accounts_url,
                &config.client_id,
                ClientAuth::Basic(&secret),
                &form,
                RetryPolicy::UnsentOnly,
            );
            let answer = http.send_token_request(&request).expect("token request");
            parse_token_answer(answer.status, &answer.body).expect("token request");
            start.elapsed()
        },
    ));

    // Step 3: the token saved by the last exchange.
    results.push(measure(
        "refresh_fresh",
        "refresh on a new SpotifyAuth each run: client construction + TCP connect + POST + lock + saving token.json",
        runs,
        warmup,
        || {
            let auth = SpotifyAuth::new(config.clone());
            let start = Instant::now();
            auth.refresh().expect("refresh");
            start.elapsed()
        },
    ));

    results.push(measure(
        "refresh_reused",
        "refresh on one SpotifyAuth kept across runs (client and keep-alive connection reused) + lock + saving token.json",
        runs,
        warmup,
        || {
            let start = Instant::now();
            kept.refresh().expect("refresh");
            start.elapsed()
        },
    ));

    let refresh_token = kept.saved_token().expect("saved token").refresh_token;
    results.push(measure(
        "refresh_post_only",
        "token_request(refresh_token) alone with a reused client: the POST and JSON parsing, no files",
        runs,
        warmup,
        || {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.secret()),
            ];
            let start = Instant::now();
            let request = token_request(
                &config.accounts_url,
                &config.client_id,
                ClientAuth::Basic(&secret),
                &form,
                RetryPolicy::Idempotent,
            );
            let answer = http.send_token_request(&request).expect("refresh request");
            parse_token_answer(answer.status, &answer.body).expect("refresh request");
            start.elapsed()
        },
    ));

    print_table(first_client_time, &results);
    if let Ok(path) = std::env::var("BENCH_JSON") {
        std::fs::write(&path, to_json(runs, warmup, first_client_time, &results))
            .expect("write BENCH_JSON");
        eprintln!("in_process: wrote {path}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The sandbox to talk to and the variables pointing at it.
fn target() -> (Option<Sandbox>, HashMap<String, String>) {
    let mut vars = HashMap::new();
    if let Ok(url) = std::env::var("BENCH_SANDBOX_URL") {
        for name in [
            "SPOTIFY_CLIENT_ID",
            "SPOTIFY_CLIENT_SECRET",
            "SPOTIFY_REDIRECT_URI",
        ] {
            let value = std::env::var(name)
                .unwrap_or_else(|_| panic!("{name} must be set with BENCH_SANDBOX_URL"));
            vars.insert(name.to_string(), value);
        }
        vars.insert("SPOTIFY_ACCOUNTS_URL".into(), url.clone());
        vars.insert("SPOTIFY_API_URL".into(), url);
        (None, vars)
    } else {
        let sandbox = Sandbox::start(SandboxOptions::default()).expect("sandbox starts");
        for (name, value) in sandbox.env_vars() {
            vars.insert(name.to_string(), value);
        }
        (Some(sandbox), vars)
    }
}

fn config(vars: &HashMap<String, String>, dir: &std::path::Path) -> Config {
    let mut vars = vars.clone();
    vars.insert("SPOTIFY_SCOPES".into(), SCOPES.into());
    vars.insert("SPOTIFY_AUTH_DIR".into(), dir.display().to_string());
    vars.insert(
        "SPOTIFY_HTTP_TIMEOUT_SECS".into(),
        TIMEOUT.as_secs().to_string(),
    );
    let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("config");
    assert!(config.client_secret.is_some(), "no client secret");
    config
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spotify-auth-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Step 1 through the library and the consent approved: the redirected URL.
fn fresh_redirect(auth: &SpotifyAuth) -> String {
    let request = auth
        .start_authorization(&AuthorizeOptions::default())
        .expect("step 1");
    approve_consent(&request.url, true).expect("consent")
}

fn query_value(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .expect("redirect URL")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

fn measure(
    name: &'static str,
    what: &'static str,
    runs: usize,
    warmup: usize,
    mut once: impl FnMut() -> Duration,
) -> Measurement {
    for _ in 0..warmup {
        once();
    }
    let samples = (0..runs).map(|_| once()).collect();
    Measurement {
        name,
        what,
        samples,
    }
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} `{v}` is not a number")),
        Err(_) => default,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median, minimum and maximum in milliseconds.
fn stats(samples: &[Duration]) -> (f64, f64, f64) {
    let mut sorted: Vec<f64> = samples.iter().copied().map(ms).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    (median, sorted[0], sorted[n - 1])
}

fn print_table(first_client: Duration, results: &[Measurement]) {
    println!(
        "{:<20} {:>10} {:>10} {:>10}",
        "measurement", "median ms", "min ms", "max ms"
    );
    println!(
        "{:<20} {:>10.3} {:>10} {:>10}",
        "client_first",
        ms(first_client),
        "-",
        "-"
    );
    for m in results {
        let (median, min, max) = stats(&m.samples);
        println!(
            "{:<20} {:>10.3} {:>10.3} {:>10.3}",
            m.name, median, min, max
        );
    }
}

fn to_json(runs: usize, warmup: usize, first_client: Duration, results: &[Measurement]) -> String {
    let mut entries = Vec::new();
    for m in results {
        let (median, min, max) = stats(&m.samples);
        entries.push(serde_json::json!({
            "name": m.name,
            "what": m.what,
            "median_ms": median,
            "min_ms": min,
            "max_ms": max,
            "samples_ms": m.samples.iter().copied().map(ms).collect::<Vec<_>>(),
        }));
    }
    let value = serde_json::json!({
        "runs": runs,
        "warmup": warmup,
        "client_first_ms": ms(first_client),
        "results": entries,
    });
    serde_json::to_string_pretty(&value).unwrap()
}
