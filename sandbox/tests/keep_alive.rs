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
