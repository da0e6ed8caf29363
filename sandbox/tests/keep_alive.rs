//! Many keep-alive connections at once: a client that opens a new connection
//! while others stay open (idle, as a connection pool keeps them) gets its
//! answer at once, not when some other connection closes.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::start;

const LIMIT: Duration = Duration::from_secs(1);

/// Send `GET /v1/me` on `stream` (kept alive) and read the whole answer;
/// returns its status line, or why there was none within [`LIMIT`].
fn ask(stream: &TcpStream) -> Result<String, String> {
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    (&*stream)
        .write_all(b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).map_err(|e| e.to_string())?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(status.trim_end().to_string())
}

#[test]
fn new_connections_are_answered_while_others_stay_open() {
    let sb = start();
    let port = sb.port();
    // Connections answered once and then left open, idle.
    let mut open = Vec::new();
    for _ in 0..3 {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert_eq!(ask(&stream).unwrap(), "HTTP/1.1 401 Unauthorized");
        open.push(stream);
    }
    // Then rounds: one open connection closes (its server side may go idle)
    // and a burst of new ones arrives at once, each also left open.
    for round in 0..20 {
        drop(open.remove(0));
        std::thread::sleep(Duration::from_millis(30));
        let burst = 6;
        let before = open.len();
        let barrier = Arc::new(Barrier::new(burst));
        let clients: Vec<_> = (0..burst)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    let started = Instant::now();
                    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    let answer = ask(&stream);
                    (stream, answer, started.elapsed())
                })
            })
            .collect();
        for client in clients {
            let (stream, answer, took) = client.join().unwrap();
            assert_eq!(
                answer.as_deref(),
                Ok("HTTP/1.1 401 Unauthorized"),
                "round {round}: a new connection among {before} open ones, after {took:?}"
            );
            open.push(stream);
        }
    }
    // The open connections still work.
    for stream in &open {
        assert_eq!(ask(stream).unwrap(), "HTTP/1.1 401 Unauthorized");
    }
}

/// Read one answer's status line and body (by its `Content-Length`).
fn answer(reader: &mut impl BufRead) -> (String, String) {
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (
        status.trim_end().to_string(),
        String::from_utf8(body).unwrap(),
    )
}

#[test]
fn chunked_and_oversized_bodies_are_read_to_their_end_on_a_kept_connection() {
    let sb = start();
    let stream = TcpStream::connect(("127.0.0.1", sb.port())).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let post = |body: &[u8], framing: &str| {
        let head = format!("POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n\r\n");
        (&stream).write_all(head.as_bytes()).unwrap();
        (&stream).write_all(body).unwrap();
    };
    let form = "grant_type=nope";
    post(
        format!("f\r\n{form}\r\n0\r\n\r\n").as_bytes(),
        "Transfer-Encoding: chunked",
    );
    // Past the 1 MiB the endpoints get: the rest is read and dropped.
    let big = format!("{form}&x={}", "y".repeat(2 << 20));
    post(big.as_bytes(), &format!("Content-Length: {}", big.len()));
    let chunked_big = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len());
    post(chunked_big.as_bytes(), "Transfer-Encoding: chunked");
    let mut reader = BufReader::new(&stream);
    for _ in 0..3 {
        let (status, body) = answer(&mut reader);
        assert_eq!(status, "HTTP/1.1 400 Bad Request");
        assert!(body.contains("unsupported_grant_type"), "{body}");
    }
    // The connection still serves.
    assert_eq!(ask(&stream).unwrap(), "HTTP/1.1 401 Unauthorized");
}

/// What one raw `request` gets back: the status line, or "" when the
/// connection closed without an answer.
fn status_of(port: u16, request: &[u8]) -> String {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let _ = (&stream).write_all(request);
    let mut status = String::new();
    let _ = BufReader::new(&stream).read_line(&mut status);
    status.trim_end().to_string()
}

#[test]
fn malformed_heads_are_refused_and_http_1_0_is_served() {
    let sb = start();
    let port = sb.port();
    let http_1_0 = status_of(port, b"GET /v1/me HTTP/1.0\r\n\r\n");
    assert_eq!(http_1_0, "HTTP/1.0 401 Unauthorized");
    let http_2 = status_of(port, b"GET /v1/me HTTP/2.0\r\nHost: x\r\n\r\n");
    assert_eq!(http_2, "HTTP/1.1 505 HTTP Version Not Supported");
    for bad in [
        &b"nonsense\r\n\r\n"[..],
        b"GET /v1/me HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /v1/me HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n",
    ] {
        let status = status_of(port, bad);
        assert_eq!(
            status,
            "HTTP/1.1 400 Bad Request",
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    // A head without end is cut off, not read for ever.
    let endless = format!("GET /v1/me HTTP/1.1\r\nX-Long: {}", "a".repeat(100_000));
    assert_eq!(status_of(port, endless.as_bytes()), "");
    assert_eq!(
        status_of(port, b"GET /v1/me HTTP/1.1\r\n\r\n"),
        "HTTP/1.1 401 Unauthorized"
    );
}

#[test]
fn stopping_closes_every_connection_even_one_accepted_a_moment_before() {
    for round in 0..20 {
        let sb = start();
        let port = sb.port();
        let streams: Vec<TcpStream> = (0..20)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        sb.stop();
        for (i, stream) in streams.iter().enumerate() {
            stream.set_read_timeout(Some(LIMIT)).unwrap();
            // A closed connection reads its end (or a reset); one still served
            // answers, and one forgotten by the stop reads nothing until the limit.
            let _ = (&*stream).write_all(b"GET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n");
            let mut byte = [0u8; 1];
            match (&*stream).read(&mut byte) {
                Ok(0) => {}
                Err(e)
                    if e.kind() != std::io::ErrorKind::WouldBlock
                        && e.kind() != std::io::ErrorKind::TimedOut => {}
                other => panic!("round {round}, connection {i}: still open after stop: {other:?}"),
            }
        }
    }
}
