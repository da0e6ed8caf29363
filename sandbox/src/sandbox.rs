//! [`Sandbox`]: starting the server (relay, `tiny_http`, workers), its address
//! and credentials, and stopping it.

use std::io;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::options::SandboxOptions;
use crate::shared::Shared;
use crate::{relay, router, state};

/// Number of threads answering requests, so that a [`crate::FaultKind::Slow`] request does
/// not hold up the others.
const WORKERS: usize = 8;

/// A running sandbox. It serves on background threads until [`Sandbox::stop`] or
/// drop, which release the port.
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
    port: u16,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    server: Option<Arc<tiny_http::Server>>,
    workers: Vec<JoinHandle<()>>,
    relay: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Start a sandbox on `127.0.0.1:options.port` (a free port when `0`), serving
    /// on background threads.
    pub fn start(options: SandboxOptions) -> io::Result<Sandbox> {
        if options.redirect_uris.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "at least one redirect URI must be registered",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let port = listener.local_addr()?.port();
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let upstream = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("tiny_http did not bind an IP address"))?;
        let server = Arc::new(server);
        let base_url = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(&options)),
            conns: Arc::default(),
            stopping: Arc::new(AtomicBool::new(false)),
            base_url,
        });
        let mut workers = Vec::with_capacity(WORKERS);
        for i in 0..WORKERS {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            let worker = std::thread::Builder::new()
                .name(format!("spotify-sandbox-worker-{i}"))
                .spawn(move || loop {
                    match server.recv() {
                        Ok(request) => router::handle(&shared, request),
                        Err(_) if shared.stopping.load(Ordering::SeqCst) => break,
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                    }
                })?;
            workers.push(worker);
        }
        let relay = relay::spawn(
            listener,
            upstream,
            Arc::clone(&shared.conns),
            Arc::clone(&shared.stopping),
        )?;
        Ok(Sandbox {
            port,
            client_id: options.client_id.clone(),
            client_secret: options.client_secret.clone(),
            redirect_uri: options.redirect_uris[0].clone(),
            shared,
            server: Some(server),
            workers,
            relay: Some(relay),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`: both the accounts service and the
    /// Web API (`SPOTIFY_ACCOUNTS_URL` and `SPOTIFY_API_URL`).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The registered app's client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The registered app's client secret.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The first registered redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The environment a client needs to talk to this sandbox:
    /// `SPOTIFY_CLIENT_ID`, `SPOTIFY_CLIENT_SECRET`, `SPOTIFY_REDIRECT_URI`,
    /// `SPOTIFY_ACCOUNTS_URL`, `SPOTIFY_API_URL`.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SPOTIFY_CLIENT_ID", self.client_id.clone()),
            ("SPOTIFY_CLIENT_SECRET", self.client_secret.clone()),
            ("SPOTIFY_REDIRECT_URI", self.redirect_uri.clone()),
            ("SPOTIFY_ACCOUNTS_URL", self.url()),
            ("SPOTIFY_API_URL", self.url()),
        ]
    }

    /// Stop serving and release the port (dropping the sandbox does the same).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(server) = &self.server {
            for _ in 0..self.workers.len() {
                server.unblock();
            }
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        // Dropping the last reference closes tiny_http's listener.
        self.server = None;
        // Wake the relay's accept loop so it sees `stopping`.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(relay) = self.relay.take() {
            let _ = relay.join();
        }
        relay::close_all(&self.shared.conns);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.shared.base_url)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}
