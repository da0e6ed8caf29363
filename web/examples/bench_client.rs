//! For scripts/bench-web.sh: signs many users in through an app's /login and
//! the sandbox's consent page, and runs the refresh storm.
//!
//! ```text
//! bench_client sign-in APP_URL COUNT PREFIX OUT_FILE     one `Cookie:` value per line
//! bench_client storm SANDBOX_URL APP_URL[,APP_URL...] COUNT PREFIX [COOKIE_FILE]
//! ```
//! Works with any app whose /login answers 303 to the authorize page and
//! whose /callback sets its session cookie (web_app and the Flask peer).

use reqwest::blocking::{Client, Response};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const THREADS: usize = 16;

/// reqwest is built without a TLS provider of its own: the library's client
/// builder brings it (the benchmark speaks plain http to loopback anyway).
fn client() -> Client {
    spotify_auth::http::client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(4)
        .build()
        .unwrap()
}

fn take_cookies(response: &Response, jar: &mut BTreeMap<String, String>) {
    for value in response.headers().get_all("set-cookie") {
        let text = value.to_str().unwrap_or("");
        let pair = text.split(';').next().unwrap_or("");
        if let Some((name, value)) = pair.split_once('=') {
            if value.is_empty() || text.contains("Max-Age=0") {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.to_string());
            }
        }
    }
}

fn header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Signs `user` in on `app`; the `Cookie` header value of the signed-in session.
fn sign_in(http: &Client, app: &str, user: &str) -> Result<String, String> {
    let mut jar = BTreeMap::new();
    let login = http
        .get(format!("{app}/login"))
        .send()
        .map_err(|e| e.to_string())?;
    take_cookies(&login, &mut jar);
    let authorize = login
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or(format!(
            "/login answered {} without Location",
            login.status()
        ))?
        .to_string();
    let callback = spotify_sandbox::approve_consent_as(&authorize, user, true)?;
    // The callback goes to this app whatever port its redirect URI names.
    let path = &callback[callback.find("/callback").ok_or("no /callback")?..];
    let answer = http
        .get(format!("{app}{path}"))
        .header("cookie", header(&jar))
        .send()
        .map_err(|e| e.to_string())?;
    if !answer.status().is_redirection() && !answer.status().is_success() {
        return Err(format!("callback answered {}", answer.status()));
    }
    take_cookies(&answer, &mut jar);
    Ok(header(&jar))
}

/// Signs users `PREFIX0..COUNT` in, spread over `apps`; their cookies in order.
fn sign_in_all(apps: &[String], count: usize, prefix: &str) -> Vec<String> {
    let cookies = Mutex::new(vec![String::new(); count]);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                let http = client();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        break;
                    }
                    let app = &apps[i % apps.len()];
                    let cookie = sign_in(&http, app, &format!("{prefix}{i}"))
                        .unwrap_or_else(|e| panic!("sign-in {i} on {app}: {e}"));
                    cookies.lock().unwrap()[i] = cookie;
                }
            });
        }
    });
    cookies.into_inner().unwrap()
}

fn token_requests(http: &Client, sandbox: &str) -> u64 {
    let text = http
        .get(format!("{sandbox}/__sandbox/stats"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_str(&text).unwrap();
    stats["requests"]["/api/token"].as_u64().unwrap_or(0)
}

/// Each user's `/api/me` once, `THREADS` at a time; (failures, seconds).
fn one_request_each(apps: &[String], cookies: &[String]) -> (usize, f64) {
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS * 2 {
            scope.spawn(|| {
                let http = client();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= cookies.len() {
                        break;
                    }
                    let ok = http
                        .get(format!("{}/api/me", apps[i % apps.len()]))
                        .header("cookie", &cookies[i])
                        .send()
                        .map(|r| r.status() == 200)
                        .unwrap_or(false);
                    if !ok {
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    (failures.into_inner(), started.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sign-in") if args.len() == 5 => {
            let count: usize = args[2].parse().unwrap();
            let started = Instant::now();
            let cookies = sign_in_all(&[args[1].clone()], count, &args[3]);
            std::fs::write(&args[4], cookies.join("\n") + "\n").unwrap();
            eprintln!(
                "signed {count} users in on {} in {:.1} s",
                args[1],
                started.elapsed().as_secs_f64()
            );
        }
        Some("storm") if args.len() == 5 || args.len() == 6 => {
            let sandbox = &args[1];
            let apps: Vec<String> = args[2].split(',').map(str::to_string).collect();
            let count: usize = args[3].parse().unwrap();
            let http = client();
            let started = Instant::now();
            let cookies = sign_in_all(&apps, count, &args[4]);
            let sign_in_secs = started.elapsed().as_secs_f64();
            if let Some(file) = args.get(5) {
                std::fs::write(file, cookies.join("\n") + "\n").unwrap();
            }
            // Every token expires at once (Spotify's clock passes the hour): the
            // next call of every user gets 401, then a refresh.
            http.post(format!("{sandbox}/__sandbox/advance?secs=3601"))
                .send()
                .unwrap();
            let before = token_requests(&http, sandbox);
            let (failures, secs) = one_request_each(&apps, &cookies);
            let refreshes = token_requests(&http, sandbox) - before;
            let (failures_after, check_secs) = one_request_each(&apps, &cookies);
            let refreshes_after = token_requests(&http, sandbox) - before - refreshes;
            println!(
                "{}",
                serde_json::json!({
                    "users": count,
                    "replicas": apps.len(),
                    "sign_in_secs": sign_in_secs,
                    "storm_secs": secs,
                    "storm_failures": failures,
                    "refresh_requests": refreshes,
                    "check_failures": failures_after,
                    "check_secs": check_secs,
                    "refreshes_during_check": refreshes_after,
                })
            );
        }
        _ => {
            eprintln!("usage: bench_client sign-in APP_URL COUNT PREFIX OUT_FILE | storm SANDBOX_URL APP_URL[,..] COUNT PREFIX");
            std::process::exit(2);
        }
    }
}
