//! The real web app, in-process on a free port, against a sandbox; and a
//! browser-like client (cookie jar, no redirects followed).
#![allow(dead_code)]

use reqwest::blocking::{Client, Response};
use spotify_sandbox::{Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use web_app::AppState;

pub struct App {
    pub url: String,
    pub sandbox: Sandbox,
    pub state: AppState,
    pub dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A folder path of its own for this process and call (removed if it was there).
pub fn fresh_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn start() -> App {
    start_with(SandboxOptions::default(), &[])
}

/// The app against a new sandbox; `extra` sets (or overrides) variables
/// (`{addr}` in a value is the app's address).
pub fn start_with(options: SandboxOptions, extra: &[(&str, &str)]) -> App {
    // Loopback without a port: any port of 127.0.0.1 matches.
    let mut redirect_uris = vec!["http://127.0.0.1/callback".to_string()];
    redirect_uris.extend(
        options
            .redirect_uris
            .iter()
            .filter(|uri| !SandboxOptions::default().redirect_uris.contains(uri))
            .cloned(),
    );
    let sandbox = Sandbox::start(SandboxOptions {
        redirect_uris,
        ..options
    })
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let dir = fresh_dir("web-app-test");
    let mut vars: HashMap<String, String> = sandbox
        .env_vars()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    vars.insert(
        "SPOTIFY_REDIRECT_URI".into(),
        format!("http://{addr}/callback"),
    );
    vars.insert("SPOTIFY_AUTH_DIR".into(), dir.display().to_string());
    for (k, v) in extra {
        vars.insert(k.to_string(), v.replace("{addr}", &addr.to_string()));
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready, state) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let prepared = web_app::prepare(|name| vars.get(name).cloned(), addr)
                .await
                .unwrap();
            ready.send(prepared.state.clone()).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, prepared.app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    let state = state.recv_timeout(Duration::from_secs(30)).unwrap();
    App {
        url: format!("http://{addr}"),
        sandbox,
        state,
        dir,
        stop: Some(stop),
        thread: Some(thread),
    }
}

/// A client builder with the library's TLS (reqwest is built without a TLS
/// provider of its own).
pub fn http_builder() -> reqwest::blocking::ClientBuilder {
    spotify_auth::http::client_builder().unwrap()
}

/// A browser: its own cookie jar, redirects not followed (tests look at them).
pub fn browser() -> Client {
    http_builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

pub fn set_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
}

/// The callback URL Spotify would send `user` back to, after /login in `client`.
pub fn consent(app: &App, client: &Client, user: &str, agree: bool) -> String {
    let login = client.get(format!("{}/login", app.url)).send().unwrap();
    assert_eq!(login.status(), 303);
    let authorize = location(&login);
    assert!(authorize.starts_with(&app.sandbox.url()), "{authorize}");
    spotify_sandbox::approve_consent_as(&authorize, user, agree).unwrap()
}

/// Signs `client` in as sandbox user `user`; returns the callback's response.
pub fn sign_in(app: &App, client: &Client, user: &str) -> Response {
    let callback = consent(app, client, user, true);
    let answer = client.get(callback).send().unwrap();
    assert_eq!(answer.status(), 303, "{:?}", answer.text());
    answer
}

pub fn get_json(client: &Client, url: &str) -> (u16, serde_json::Value) {
    let response = client.get(url).send().unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// Runs a store call of the app from a blocking test.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}
pub mod chromium;
pub mod process;
pub mod replica;
