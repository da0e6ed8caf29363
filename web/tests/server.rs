//! The real binary's connections and address: a request head has a
//! deadline, an idle kept-alive connection is closed, a good user is served
//! while more idle sockets than the descriptor limit are held, and an
//! address that cannot receive the redirect URI is refused with the fix.

mod common;

use common::process::{launch, run_to_exit, run_to_exit_on};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads until the server closes the connection; how long that took
/// (`None`: still open after `limit`).
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

#[test]
fn a_partial_request_head_is_closed_after_its_deadline() {
    let app = launch(&[("WEB_APP_HEAD_TIMEOUT_SECS", "1")], None);
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let closed = closed_within(&mut stream, Duration::from_secs(10));
    assert!(closed.is_some(), "a partial head was still open after 10 s");
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let app = launch(&[("WEB_APP_IDLE_TIMEOUT_SECS", "1")], None);
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut answer = [0u8; 512];
    let n = stream.read(&mut answer).unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    let closed = closed_within(&mut stream, Duration::from_secs(10));
    assert!(
        closed.is_some(),
        "an idle kept-alive connection was still open after 10 s"
    );
}

#[test]
fn a_kept_alive_connection_outlives_the_head_deadline_while_idle() {
    // The head deadline runs from a head's first byte, not from the last
    // answer: a client reusing its connection after a pause is served.
    let app = launch(&[("WEB_APP_HEAD_TIMEOUT_SECS", "1")], None);
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).unwrap();
    for round in 0..2 {
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut answer = [0u8; 512];
        let n = stream.read(&mut answer).unwrap();
        assert!(
            String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"),
            "round {round}"
        );
        std::thread::sleep(Duration::from_millis(2500));
    }
}

#[test]
fn a_good_user_is_served_while_more_idle_sockets_than_descriptors_are_held() {
    const DESCRIPTORS: u64 = 256;
    let app = launch(&[], Some(DESCRIPTORS));
    // More idle sockets than the app has descriptors, half of them with a
    // partial request head, none ever finishing.
    let mut idle = Vec::new();
    for i in 0..DESCRIPTORS + 100 {
        let mut stream = TcpStream::connect(("127.0.0.1", app.port)).unwrap();
        if i % 2 == 0 {
            let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        }
        idle.push(stream);
    }
    let client = common::http_builder()
        .timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for attempt in 0..5 {
        let started = Instant::now();
        let answer = client
            .get(format!("{}/health", app.url))
            .send()
            .unwrap_or_else(|e| panic!("attempt {attempt}: {e}\n{}", app.log_text()));
        assert_eq!(answer.status(), 200);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "attempt {attempt} took {took:?}"
        );
    }
    drop(idle);
}

#[test]
fn an_address_that_cannot_receive_the_redirect_uri_is_refused_with_the_fix() {
    let (output, port) = run_to_exit(&[("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:1/callback")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "it started: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("--addr 127.0.0.1:1"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "SPOTIFY_REDIRECT_URI=http://127.0.0.1:{port}/callback"
        )),
        "{stderr}"
    );
}

#[test]
fn a_busy_port_with_a_redirect_uri_set_does_not_suggest_addr_alone() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let output = run_to_exit_on(
        port,
        &[("SPOTIFY_REDIRECT_URI", "http://127.0.0.1:{port}/callback")],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("the port is taken"), "{stderr}");
    assert!(!stderr.contains("choose another with --addr"), "{stderr}");
    assert!(
        stderr.contains("change both --addr and SPOTIFY_REDIRECT_URI"),
        "{stderr}"
    );
}
