//! `step2_get_tokens --listen [--open]`: the loopback listener catches the
//! redirect; a fake browser (`$BROWSER`) records the URL it was asked to open.

mod common;

use common::{listening_world, World};
use spotify_sandbox::SandboxOptions;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    let http = common::http();
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

/// On a terminal, when the listener catches the redirect before anything is
/// pasted, what follows starts on a new line, not after the `> ` prompt.
#[test]
fn listen_on_a_terminal_ends_the_prompt_line_when_the_listener_wins() {
    let (world, redirect_uri) = listening_world();
    let (_, redirected) = world.authorize(&[], true);
    let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
    let browser = std::thread::spawn(move || {
        wait_for_port(port);
        std::thread::sleep(Duration::from_millis(300));
        common::http()
            .get(&redirected)
            .send()
            .map(|r| r.status().as_u16())
    });
    // Nothing is typed: the listener wins the race.
    let run = world.run_in_terminal("step2_get_tokens", &["--listen", "--timeout", "30"], "");
    assert_eq!(browser.join().unwrap().unwrap(), 200);
    assert!(run.stdout.contains("access_token  = BQ"), "{}", run.stdout);
    let prompt_line = run
        .stdout
        .lines()
        .find(|line| line.starts_with("> "))
        .unwrap_or_default();
    assert_eq!(prompt_line.trim_end(), ">", "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// Hostile or broken clients on the listener's port: the real redirect is
// still answered at once, `--timeout` still holds, the process never panics,
// and its threads and memory stay bounded.

/// Clients that misbehave on `port` until dropped (then they stop and close).
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

#[derive(Clone, Copy)]
enum Misbehaviour {
    /// 100 connections announcing `Content-Length: 100000` and sending no body.
    UnfinishedBodies,
    /// Announced bodies of 2^64 - 1 and 10^15 bytes, never sent.
    HugeContentLengths,
    /// Request lines of megabytes without a newline, in a loop, from two clients.
    EndlessRequestLines,
    /// 30 clients sending their request one byte per second.
    SlowLoris,
}

impl Load {
    fn start(port: u16, kinds: &[Misbehaviour]) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for &kind in kinds {
            let copies = match kind {
                Misbehaviour::EndlessRequestLines => 2,
                _ => 1,
            };
            for _ in 0..copies {
                let stop = stop.clone();
                threads.push(std::thread::spawn(move || misbehave(port, kind, &stop)));
            }
        }
        Load { stop, threads }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn connect(port: u16) -> Option<TcpStream> {
    let stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .ok()?;
    Some(stream)
}

/// Sleeps `total` in small steps; false when asked to stop meanwhile.
fn pause(total: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + total;
    while Instant::now() < until {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    !stop.load(Ordering::SeqCst)
}

fn misbehave(port: u16, kind: Misbehaviour, stop: &AtomicBool) {
    // Connections held open (never finished) until the end.
    let mut held = Vec::new();
    match kind {
        Misbehaviour::UnfinishedBodies | Misbehaviour::HugeContentLengths => {
            let lengths: &[&str] = match kind {
                Misbehaviour::UnfinishedBodies => &["100000"; 100],
                _ => &["18446744073709551615", "1000000000000000"],
            };
            for length in lengths {
                if let Some(mut stream) = connect(port) {
                    let _ = write!(
                        stream,
                        "POST /x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {length}\r\n\r\n"
                    );
                    held.push(stream);
                }
            }
            pause(Duration::from_secs(60), stop);
        }
        Misbehaviour::EndlessRequestLines => {
            let chunk = vec![b'a'; 1 << 20];
            while !stop.load(Ordering::SeqCst) {
                let Some(mut stream) = connect(port) else {
                    pause(Duration::from_millis(50), stop);
                    continue;
                };
                let _ = stream.write_all(b"GET /");
                for _ in 0..64 {
                    if stop.load(Ordering::SeqCst) || stream.write_all(&chunk).is_err() {
                        break;
                    }
                }
            }
        }
        Misbehaviour::SlowLoris => {
            let request = format!(
                "GET /callback?code=slow&state=slow HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
            );
            let mut clients: Vec<(TcpStream, usize)> = (0..30)
                .filter_map(|_| connect(port))
                .map(|s| (s, 0))
                .collect();
            while pause(Duration::from_secs(1), stop) {
                for (stream, sent) in &mut clients {
                    // One byte a second; a dropped client comes back at once.
                    if stream
                        .write_all(&request.as_bytes()[*sent..*sent + 1])
                        .is_err()
                    {
                        if let Some(again) = connect(port) {
                            *stream = again;
                        }
                        *sent = 0;
                    } else {
                        *sent = (*sent + 1) % request.len();
                    }
                }
            }
        }
    }
    drop(held);
}

/// Waits until something accepts connections on `port`.
fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if connect(port).is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on port {port}");
}

fn wait_child(mut child: Child, secs: u64) -> (common::Run, Duration) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if child.try_wait().unwrap().is_some() {
            let elapsed = started.elapsed();
            return (
                common::Run::from(child.wait_with_output().unwrap()),
                elapsed,
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    panic!(
        "step2_get_tokens --listen still runs after {secs} s\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `Threads` and `VmHWM` (peak resident memory, KiB) of a running process.
fn threads_and_peak_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let value = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (value("Threads:"), value("VmHWM:"))
}

/// Step 2 listening (the browser approves the consent page under `load`),
/// the real redirect sent by a client with a 5 s timeout: how long its answer
/// took, and how step 2 ended.
fn redirect_under_load(
    kinds: &[Misbehaviour],
    during_load: impl FnOnce(u32, u16),
) -> (Duration, common::Run) {
    let (world, redirect_uri) = listening_world();
    let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
    assert!(world.run("step1_auth_url", &[]).ok());
    let child = world
        .command("step2_get_tokens", &["--listen", "--timeout", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_for_port(port);
    let load = Load::start(port, kinds);
    std::thread::sleep(Duration::from_millis(1500));
    during_load(pid, port);
    let pending: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(world.auth_dir().join("pending_authorization.json")).unwrap(),
    )
    .unwrap();
    let authorize_url = pending["authorize_url"].as_str().unwrap().to_string();
    let redirected = spotify_sandbox::approve_consent(&authorize_url, true).unwrap();
    let http = spotify_auth::http::client_builder()
        .unwrap()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let sent = Instant::now();
    let answer = http.get(&redirected).send();
    let took = sent.elapsed();
    let answer = answer.and_then(|a| Ok((a.status(), a.text()?)));
    let (run, _) = wait_child(child, 15);
    drop(load);
    assert_ne!(run.code, Some(101), "step 2 panicked: {}", run.stderr);
    assert!(run.code.is_some(), "step 2 was killed: {}", run.stderr);
    let (status, page) = answer.unwrap_or_else(|e| {
        panic!(
            "the real redirect got no answer after {took:?} ({e})\n{}",
            run.stderr
        )
    });
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("close this tab"), "{page}");
    assert!(run.ok(), "{}\n{}", run.stdout, run.stderr);
    assert!(run.field("access_token").starts_with("BQ"));
    assert_eq!(world.token_requests(), 1);
    (took, run)
}

#[test]
fn listen_answers_at_once_while_100_bodies_never_come() {
    let (took, _) = redirect_under_load(&[Misbehaviour::UnfinishedBodies], |_, _| {});
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
}

#[test]
fn listen_survives_huge_content_lengths() {
    let (took, _) = redirect_under_load(&[Misbehaviour::HugeContentLengths], |_, _| {});
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
}

#[test]
fn listen_bounds_threads_and_memory_against_endless_lines_and_slow_clients() {
    let (took, _) = redirect_under_load(
        &[Misbehaviour::EndlessRequestLines, Misbehaviour::SlowLoris],
        |pid, port| {
            // One more slow client, watched: the listener hangs up on it.
            let mut slow = connect(port).unwrap();
            slow.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let started = Instant::now();
            let mut buffer = [0; 1024];
            while started.elapsed() < Duration::from_secs(8) {
                if slow.write_all(b"G").is_err() {
                    break;
                }
                match slow.read(&mut buffer) {
                    Ok(0) => break,
                    Err(e) if !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        break
                    }
                    _ => std::thread::sleep(Duration::from_millis(300)),
                }
            }
            let held = started.elapsed();
            assert!(
                held < Duration::from_secs(6),
                "a slow client held on for {held:?}"
            );
            let (threads, peak_kib) = threads_and_peak_kib(pid);
            assert!(
                threads <= 8,
                "{threads} threads for 30 slow clients and 2 endless lines"
            );
            assert!(
                peak_kib < 64 * 1024,
                "peak memory {peak_kib} KiB: request lines are buffered"
            );
        },
    );
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
}

#[test]
fn listen_honours_the_timeout_whatever_arrives() {
    let (world, redirect_uri) = listening_world();
    let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
    assert!(world.run("step1_auth_url", &[]).ok());
    let child = world
        .command("step2_get_tokens", &["--listen", "--timeout", "3"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_port(port);
    let load = Load::start(
        port,
        &[
            Misbehaviour::UnfinishedBodies,
            Misbehaviour::HugeContentLengths,
            Misbehaviour::EndlessRequestLines,
            Misbehaviour::SlowLoris,
        ],
    );
    let (run, took) = wait_child(child, 12);
    drop(load);
    run.assert_error("no redirect reached");
    assert!(run.stderr.contains("within 3 s"), "{}", run.stderr);
    assert!(took < Duration::from_secs(6), "exited after {took:?}");
    assert_eq!(world.token_requests(), 0);
}
