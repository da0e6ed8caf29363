//! Shared by the integration tests: a sandbox, a private working folder, and
//! the real binaries run in it with a clean environment.
#![allow(dead_code)]

use spotify_sandbox::{Sandbox, SandboxOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A sandbox plus a fresh working folder; the binaries run inside the folder.
pub struct World {
    pub sandbox: Sandbox,
    pub dir: PathBuf,
    pub extra_env: Vec<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl World {
    pub fn new() -> World {
        World::with(SandboxOptions::default())
    }

    pub fn with(options: SandboxOptions) -> World {
        let sandbox = Sandbox::start(options).expect("sandbox starts");
        let dir = std::env::temp_dir().join(format!(
            "spotify-auth-it-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        World {
            sandbox,
            dir,
            extra_env: Vec::new(),
        }
    }

    pub fn auth_dir(&self) -> PathBuf {
        self.dir.join(".spotify-auth")
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.extra_env.retain(|(n, _)| n != name);
        self.extra_env.push((name.into(), value.into()));
    }

    pub fn unset(&mut self, name: &str) {
        self.set(name, "");
    }

    /// No app configured, as a new user starts: `cargo run` then uses its own sandbox.
    pub fn without_app(&mut self) {
        for name in [
            "SPOTIFY_CLIENT_ID",
            "SPOTIFY_CLIENT_SECRET",
            "SPOTIFY_ACCOUNTS_URL",
            "SPOTIFY_API_URL",
        ] {
            self.unset(name);
        }
    }

    /// The command for one binary: clean environment, the sandbox's variables,
    /// then this world's overrides (an empty value removes the variable).
    pub fn command(&self, bin: &str, args: &[&str]) -> Command {
        let mut command = Command::new(bin_path(bin));
        command.current_dir(&self.dir).env_clear().args(args);
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        command.env("RUST_BACKTRACE", "1");
        for (name, value) in self.sandbox.env_vars() {
            command.env(name, value);
        }
        command.env("SPOTIFY_HTTP_TIMEOUT_SECS", "5");
        for (name, value) in &self.extra_env {
            if value.is_empty() {
                command.env_remove(name);
            } else {
                command.env(name, value);
            }
        }
        command
    }

    /// Runs a binary on a pseudo-terminal (util-linux `script`), typing
    /// `typed` after a short pause, so prompts meant for people are exercised.
    pub fn run_in_terminal(&self, bin: &str, args: &[&str], typed: &str) -> Run {
        let command = self.command(bin, &[]);
        // Plain words only (flags, numbers): joined for `script -c`.
        let line = std::iter::once(command.get_program().to_string_lossy().into_owned())
            .chain(args.iter().map(|a| a.to_string()))
            .collect::<Vec<_>>()
            .join(" ");
        let mut terminal = Command::new("script");
        terminal
            .args(["-qec", &line, "/dev/null"])
            .current_dir(&self.dir)
            .env_clear();
        for (name, value) in command.get_envs() {
            if let Some(value) = value {
                terminal.env(name, value);
            }
        }
        let mut child = terminal
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("util-linux `script` runs");
        let mut pipe = child.stdin.take().unwrap();
        let typed = typed.to_string();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(700));
            let _ = pipe.write_all(typed.as_bytes());
            std::thread::sleep(std::time::Duration::from_secs(5));
        });
        Run::from(wait_with_timeout(child, 30))
    }

    /// Starts a binary that waits for something (a listener): no stdin,
    /// stdout and stderr collected for `wait_with_output`.
    pub fn spawn(&self, bin: &str, args: &[&str]) -> std::process::Child {
        self.command(bin, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts")
    }

    pub fn run(&self, bin: &str, args: &[&str]) -> Run {
        self.run_with_stdin(bin, args, b"")
    }

    pub fn run_with_stdin(&self, bin: &str, args: &[&str], stdin: &[u8]) -> Run {
        let mut child = self
            .command(bin, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let mut pipe = child.stdin.take().unwrap();
        let input = stdin.to_vec();
        // Write from a thread: a binary that exits early must not block us.
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let output = wait_with_timeout(child, 60);
        let _ = writer.join();
        Run::from(output)
    }

    /// Step 1, then the sandbox's consent page approved (or cancelled): the
    /// redirected URL.
    pub fn authorize(&self, args: &[&str], agree: bool) -> (Run, String) {
        let step1 = self.run("step1_auth_url", args);
        assert!(step1.ok(), "step 1 failed: {}", step1.stderr);
        let url = step1.authorize_url();
        let redirected = spotify_sandbox::approve_consent(&url, agree).expect("consent page works");
        (step1, redirected)
    }

    /// Steps 1 and 2 with the default settings.
    pub fn obtain_token(&self) -> Run {
        let (_, redirected) = self.authorize(&[], true);
        let step2 = self.run("step2_get_tokens", &[&redirected]);
        assert!(
            step2.ok(),
            "step 2 failed: {}\n{}",
            step2.stdout,
            step2.stderr
        );
        step2
    }

    /// The sandbox's client secret is in no output of `runs` and no file written.
    pub fn assert_secret_nowhere(&self, runs: &[&Run]) {
        let secret = self.sandbox.client_secret();
        for run in runs {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "secret printed"
            );
        }
        for (path, bytes) in self.written_files() {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(secret),
                "secret written to {}",
                path.display()
            );
        }
    }

    pub fn token_json(&self) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.auth_dir().join("token.json")).expect("token.json exists");
        serde_json::from_str(&text).unwrap()
    }

    pub fn token_requests(&self) -> u64 {
        self.sandbox.request_count("/api/token")
    }

    /// Sets `$BROWSER` to a fake browser that records the URL it is given in
    /// the returned file.
    pub fn install_fake_browser(&mut self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let script = self.dir.join("fake-browser");
        let record = self.dir.join("browser-url.txt");
        let body = format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            record.display()
        );
        std::fs::write(&script, body).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        self.set("BROWSER", &script.display().to_string());
        record
    }

    /// Every file the tool wrote, as bytes.
    pub fn written_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        collect(&self.dir, &mut files);
        files
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn collect(dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.push((path, bytes));
        }
    }
}

/// A client for the tests' own requests, with the library's TLS (reqwest is
/// built without a TLS provider of its own).
pub fn http() -> reqwest::blocking::Client {
    spotify_auth::http::client_builder()
        .unwrap()
        .build()
        .unwrap()
}

/// The lines a running binary prints.
pub type PrintedLines = std::io::Lines<std::io::BufReader<std::process::ChildStdout>>;

/// A running binary, stopped when dropped, so a failing test leaves none behind.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `sandbox` binary on a free port, with `args`, and the lines it prints.
pub fn sandbox_binary(args: &[&str]) -> (Running, PrintedLines) {
    use std::io::BufRead;
    let mut child = Command::new(bin_path("sandbox"))
        .args(["--port", "0"])
        .args(args)
        .env_clear()
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sandbox binary starts");
    let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    (Running(child), lines)
}

/// Reads the sandbox binary's banner up to its `count`-th `SPOTIFY_NAME=value`
/// line: the text read, and the variables in order.
pub fn sandbox_banner(lines: &mut PrintedLines, count: usize) -> (String, Vec<(String, String)>) {
    let mut banner = String::new();
    let mut variables = Vec::new();
    while variables.len() < count {
        let line = lines.next().expect("sandbox prints its lines").unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some((name, value)) = line.split_once('=') {
            if name.starts_with("SPOTIFY_") {
                variables.push((name.to_string(), value.to_string()));
            }
        }
    }
    (banner, variables)
}

pub fn bin_path(bin: &str) -> PathBuf {
    // Cargo builds every binary of the package for integration tests.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX))
}

fn wait_with_timeout(mut child: std::process::Child, secs: u64) -> Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "binary hung for {secs} s; stdout: {}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A finished run of a binary.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// The authorize URL: the line that is a URL alone.
    pub fn authorize_url(&self) -> String {
        self.stdout
            .lines()
            .find(|l| l.starts_with("http") && l.contains("/authorize?"))
            .unwrap_or_else(|| panic!("no authorize URL line in:\n{}", self.stdout))
            .to_string()
    }

    /// The value printed after `name =`.
    pub fn field(&self, name: &str) -> String {
        self.stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| value.split_whitespace().next().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("no `{name}` in:\n{}", self.stdout))
    }

    /// A failure: non-zero, one `error:` line naming the problem, no panic.
    pub fn assert_error(&self, expected: &str) {
        assert_ne!(self.code, Some(0), "should fail: {}", self.stdout);
        assert!(self.code.is_some(), "killed by a signal: {}", self.stderr);
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "one error line expected in stderr:\n{}",
            self.stderr
        );
        assert!(
            errors[0].contains(expected),
            "expected {expected:?} in {:?}",
            errors[0]
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
    }
}

/// Waits (at most 20 s) for a file to appear and returns its text.
pub fn wait_for_file(path: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{} never appeared", path.display());
}

/// A world whose redirect URI is on a free loopback port (registered in its
/// sandbox), so `--listen` can bind it; and that redirect URI.
pub fn listening_world() -> (World, String) {
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let mut world = World::with(SandboxOptions {
        redirect_uris: vec![redirect_uri.clone()],
        ..Default::default()
    });
    world.set("SPOTIFY_REDIRECT_URI", &redirect_uri);
    (world, redirect_uri)
}

pub use test_support::free_port;

/// Rewrites token.json through `edit` (its mode stays 0600).
pub fn edit_token(world: &World, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut token = world.token_json();
    edit(&mut token);
    std::fs::write(
        world.auth_dir().join("token.json"),
        serde_json::to_vec_pretty(&token).unwrap(),
    )
    .unwrap();
}
