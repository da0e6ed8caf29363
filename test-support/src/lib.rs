//! What the tests of every crate share: a free loopback port, waiting for a
//! condition, and headless Chromium driven over WebDriver ([`chromium`]).

pub mod chromium;

use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `ready` every 100 ms; panics naming `what` after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A blocking HTTP client builder that works in a workspace build, where
/// reqwest's rustls has no crypto provider of its own.
pub fn http_builder() -> reqwest::blocking::ClientBuilder {
    let _ = rustls::crypto::CryptoProvider::install_default(rustls_openssl::default_provider());
    reqwest::blocking::Client::builder()
}
