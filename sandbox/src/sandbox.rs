//! [`Sandbox`]: starting the server, its address and credentials, and stopping it.

use std::io;
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::options::SandboxOptions;
use crate::shared::Shared;
use crate::{server, state};

/// A running sandbox. It serves on background threads until [`Sandbox::stop`] or
/// drop, which release the port.
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
    /// As started, with the port it listens on.
    options: SandboxOptions,
    server: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Start a sandbox on `127.0.0.1:options.port` (a free port when `0`), serving
    /// on background threads.
    pub fn start(mut options: SandboxOptions) -> io::Result<Sandbox> {
        if options.redirect_uris.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "at least one redirect URI must be registered",
            ));
        }
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        options.port = listener.local_addr()?.port();
        let port = options.port;
        let shared = Arc::new(Shared {
            state: Mutex::new(state::State::new(&options)),
            conns: Mutex::default(),
            stopping: AtomicBool::new(false),
            base_url: format!("http://127.0.0.1:{port}"),
        });
        let server = server::spawn(listener, Arc::clone(&shared))?;
        Ok(Sandbox {
            options,
            shared,
            server: Some(server),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`: both the accounts service and the
    /// Web API (`SPOTIFY_ACCOUNTS_URL` and `SPOTIFY_API_URL`).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.options.port
    }

    /// The registered app's client id.
    pub fn client_id(&self) -> &str {
        &self.options.client_id
    }

    /// The registered app's client secret.
    pub fn client_secret(&self) -> &str {
        &self.options.client_secret
    }

    /// The first registered redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.options.redirect_uris[0]
    }

    /// The environment a client needs to talk to this sandbox:
    /// `SPOTIFY_CLIENT_ID`, `SPOTIFY_CLIENT_SECRET`, `SPOTIFY_REDIRECT_URI`,
    /// `SPOTIFY_ACCOUNTS_URL`, `SPOTIFY_API_URL`.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SPOTIFY_CLIENT_ID", self.options.client_id.clone()),
            ("SPOTIFY_CLIENT_SECRET", self.options.client_secret.clone()),
            ("SPOTIFY_REDIRECT_URI", self.redirect_uri().to_string()),
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
        // Wake the accept loop so it sees `stopping`.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.options.port));
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
        for conn in self.shared.conns().values() {
            let _ = conn.shutdown(Shutdown::Both);
        }
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
            .field("client_id", &self.options.client_id)
            .field("redirect_uri", &self.redirect_uri())
            .finish_non_exhaustive()
    }
}
