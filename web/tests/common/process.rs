//! The real `web_app` binary as a child process, in sandbox mode unless the
//! settings say otherwise: its stderr (the log) kept in a file, started when
//! it prints its listening line; optionally under a low descriptor limit
//! (`prlimit --nofile`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// A running `web_app`; killed and its folder removed on drop.
pub struct WebApp {
    pub url: String,
    pub port: u16,
    pub log: PathBuf,
    pub dir: PathBuf,
    child: Child,
}

impl Drop for WebApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl WebApp {
    /// Everything the app wrote on stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

pub use test_support::free_port;

/// The command for `web_app --addr 127.0.0.1:PORT` with only `env` set
/// (`{port}` in a value is the port), in a fresh folder without `.env`.
pub fn command(env: &[(&str, &str)], nofile: Option<u64>, port: u16) -> (Command, PathBuf) {
    let dir = super::fresh_dir("web-app-process");
    std::fs::create_dir_all(&dir).unwrap();
    let binary = env!("CARGO_BIN_EXE_web_app");
    let mut command = match nofile {
        Some(n) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--nofile={n}:{n}")).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &dir)
        .env("SPOTIFY_AUTH_DIR", dir.join("auth"))
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value.replace("{port}", &port.to_string()));
    }
    (command, dir)
}

/// Starts the app and waits for its listening line (60 s at most).
pub fn launch(env: &[(&str, &str)], nofile: Option<u64>) -> WebApp {
    let port = free_port();
    let (mut command, dir) = command(env, nofile, port);
    let log = dir.join("stderr.log");
    command
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut child = command.spawn().expect("cannot start web_app");
    let stdout = child.stdout.take().unwrap();
    let (ready, listening) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("web_app listening") {
                let _ = ready.send(());
            }
        }
    });
    let app = WebApp {
        url: format!("http://127.0.0.1:{port}"),
        port,
        log,
        dir,
        child,
    };
    if listening.recv_timeout(Duration::from_secs(60)).is_err() {
        panic!("web_app did not start: {}", app.log_text());
    }
    app
}

/// Runs the app until it exits by itself (a refusal at start); killed
/// after 30 s, so an app that starts instead fails the test rather than hang it.
pub fn run_to_exit(env: &[(&str, &str)]) -> (Output, u16) {
    let port = free_port();
    (run_to_exit_on(port, env), port)
}

/// [`run_to_exit`] with `--addr 127.0.0.1:port`.
pub fn run_to_exit_on(port: u16, env: &[(&str, &str)]) -> Output {
    let (mut command, dir) = command(env, None, port);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start web_app");
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    output
}
