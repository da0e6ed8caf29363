//! Opening a URL in the system browser, honouring `$BROWSER` (a list of
//! commands separated by `:`, `%s` standing for the URL). Never required: when
//! nothing starts, the caller prints the URL as always. Written here rather
//! than pulling a crate into every notebook's build: it is a few lines.

use std::process::{Command, Stdio};

/// How long an opener is watched for its exit status (`xdg-open` exits at
/// once, with a status saying whether a browser took the URL).
pub const OPENER_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// What [`open`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opened {
    /// The command that took the URL (exited 0, or was still running after
    /// [`OPENER_WAIT`]), if one did.
    pub command: Option<String>,
    /// What each command tried before it did: not found, or its exit status.
    pub failures: Vec<String>,
}

/// Variables a browser must not inherit: it is another program, which may
/// start helpers and write crash reports with its environment.
const SECRET_VARIABLES: &[&str] = &["SPOTIFY_CLIENT_SECRET", "SPOTIFY_TOKEN_KEY"];

/// Tries to open `url` with each candidate in turn until one takes it:
/// a command that is not found or exits non-zero is reported, and the next
/// one tried. The browser is started without the `SPOTIFY_*` secrets.
pub fn open(url: &str) -> Opened {
    let mut opened = Opened::default();
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Ok(list) = std::env::var("BROWSER") {
        for entry in list.split(':').filter(|e| !e.trim().is_empty()) {
            let mut words: Vec<String> = entry
                .split_whitespace()
                .map(|w| w.replace("%s", url))
                .collect();
            if !entry.contains("%s") {
                words.push(url.to_string());
            }
            candidates.push(words);
        }
    }
    let system: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else {
        &["xdg-open", "sensible-browser"]
    };
    candidates.extend(system.iter().map(|c| vec![c.to_string(), url.to_string()]));
    for words in candidates {
        let mut command = Command::new(&words[0]);
        for name in SECRET_VARIABLES {
            command.env_remove(name);
        }
        let shown = crate::core::error::printable(&words[0], 80);
        let started = command
            .args(&words[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match started {
            Ok(child) => child,
            Err(e) => {
                opened.failures.push(match e.kind() {
                    std::io::ErrorKind::NotFound => format!("{shown} was not found"),
                    _ => format!("{shown} could not start ({e})"),
                });
                continue;
            }
        };
        match wait_briefly(&mut child) {
            Some(status) if status.success() => {
                opened.command = Some(shown);
                return opened;
            }
            Some(status) => {
                let how = match status.code() {
                    Some(code) => format!("exited with status {code}"),
                    None => "was killed".into(),
                };
                opened.failures.push(format!("{shown} {how}"));
            }
            None => {
                // A browser started directly keeps running: it took the URL.
                opened.command = Some(format!("{shown} (still running)"));
                return opened;
            }
        }
    }
    opened
}

/// The exit status within [`OPENER_WAIT`], or `None` while it still runs.
/// A child still running is left to run (it is the browser).
fn wait_briefly(child: &mut std::process::Child) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + OPENER_WAIT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => return None,
        }
    }
}
