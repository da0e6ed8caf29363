//! What the binaries share: the `main` wrapper, the hidden secret prompt and
//! reading the pasted redirect.

use super::message::message;
use crate::core::config::Config;
use crate::core::error::{printable, Error, Result};
use crate::core::secret::ClientSecret;
use crate::core::step2::MAX_PASTE_BYTES;
use crate::listener::RedirectListener;
use std::io::{BufRead, IsTerminal, Read, Write};

/// Runs `run`, prints `error: ...` on failure and exits 1 (0 on success).
pub fn main(run: impl FnOnce() -> Result<()>) -> std::process::ExitCode {
    quiet_on_closed_stdout();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", message(&error));
            for note in NOTES_AFTER_ERROR
                .lock()
                .map(|n| n.clone())
                .unwrap_or_default()
            {
                eprintln!("{note}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

static NOTES_AFTER_ERROR: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// A line [`main`] prints after the `error: ...` line if the run fails (what
/// will work next, when the message alone cannot know).
pub fn note_after_error(note: impl Into<String>) {
    if let Ok(mut notes) = NOTES_AFTER_ERROR.lock() {
        notes.push(note.into());
    }
}

/// `step1_auth_url | head -1` closes stdout early; `println!` then panics.
/// Treat it as the shell treats SIGPIPE: stop quietly (exit 141). Anything
/// already saved stays saved: every binary saves before it prints.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
}

/// The command-line arguments after the program name; one that is not UTF-8
/// is an error rather than a panic.
pub fn args() -> Result<Vec<String>> {
    std::env::args_os()
        .skip(1)
        .enumerate()
        .map(|(index, arg)| {
            arg.into_string().map_err(|arg| {
                Error::Config(format!(
                    "argument {} ({}) is not valid UTF-8: retype it as plain text",
                    index + 1,
                    printable(&arg.to_string_lossy(), 40)
                ))
            })
        })
        .collect()
}

/// Prints the configuration's warnings on stderr.
pub fn with_warnings_shown(config: Config) -> Config {
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    config
}

/// The client secret from the configuration, else from a hidden prompt when a
/// terminal is attached, else an error naming the variable.
pub fn client_secret(config: &Config) -> Result<ClientSecret> {
    if let Some(secret) = &config.client_secret {
        return Ok(secret.clone());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::MissingClientSecret);
    }
    let secret =
        match rpassword::prompt_password("SPOTIFY_CLIENT_SECRET is not set; type it (hidden): ") {
            Ok(secret) => secret,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                // Ctrl-D: nothing typed, and the terminal is still on the prompt's line.
                eprintln!();
                return Err(Error::EmptyClientSecret);
            }
            Err(e) => {
                return Err(Error::Config(format!(
                "cannot read the secret from the terminal ({e}): set SPOTIFY_CLIENT_SECRET instead"
            )))
            }
        };
    let secret = secret.trim();
    if secret.is_empty() {
        // Asked and answered with nothing: not the same as never set.
        return Err(Error::EmptyClientSecret);
    }
    Ok(ClientSecret::new(secret))
}

/// Before Web API calls with `saved`: the client secret, asked for (from the
/// environment, else the hidden prompt) only when a refresh is due and the
/// token is not a PKCE one, so a fresh token never needs it.
pub fn with_secret_if_refresh_due(
    auth: crate::session::SpotifyAuth,
    saved: &crate::core::token::SavedToken,
) -> Result<crate::session::SpotifyAuth> {
    if !saved.pkce
        && auth.config().client_secret.is_none()
        && saved.needs_refresh(crate::clock::now_secs())
    {
        let secret = client_secret(auth.config())?;
        return Ok(auth.with_client_secret(secret));
    }
    Ok(auth)
}

/// Reads the pasted redirect: a prompt on a terminal, one plain line otherwise.
/// At most a little more than [`MAX_PASTE_BYTES`] is read, so a huge paste is
/// refused without filling memory.
pub fn read_pasted_redirect() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Paste the whole address the browser shows after you press Agree, then Enter:\n> ");
        let _ = std::io::stderr().flush();
    }
    let mut line = Vec::new();
    let read = stdin
        .lock()
        .take(MAX_PASTE_BYTES as u64 + 2)
        .read_until(b'\n', &mut line)
        .map_err(|e| {
            Error::Paste(format!(
                "cannot read standard input ({e}): pass the URL as the first argument instead"
            ))
        })?;
    if stdin.is_terminal() && !line.ends_with(b"\n") && read <= MAX_PASTE_BYTES {
        // Ctrl-D: the terminal is still on the prompt's line; what follows
        // (the error) starts on its own.
        eprintln!();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// The redirected URL from the loopback listener; on a terminal, a paste is
/// accepted at the same time (whichever comes first), so a machine whose
/// browser is elsewhere can still finish.
pub fn listen_for_redirect(
    listener: RedirectListener,
    state: String,
    timeout: std::time::Duration,
) -> Result<String> {
    eprintln!(
        "Listening on {} for the redirect (up to {} s){}",
        listener.address(),
        timeout.as_secs(),
        if std::io::stdin().is_terminal() {
            "; or paste it here"
        } else {
            ""
        }
    );
    if !std::io::stdin().is_terminal() {
        return listener.wait(&state, timeout);
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    let from_listener = sender.clone();
    std::thread::spawn(move || {
        let _ = from_listener.send((true, listener.wait(&state, timeout)));
    });
    std::thread::spawn(move || {
        let _ = sender.send((false, read_pasted_redirect()));
    });
    match receiver.recv() {
        Ok((from_listener, answer)) => {
            if from_listener {
                // The `> ` prompt still waits on its line: end it, so what
                // follows starts on a line of its own.
                eprintln!();
            }
            answer
        }
        Err(_) => Err(Error::Listener(
            "the listener stopped: paste the redirect instead".into(),
        )),
    }
}

/// Opens `url` in the system browser (`$BROWSER` first); says what really
/// happened (each command that was not found or failed). The caller prints
/// the URL anyway.
pub fn open_in_browser(url: &str) {
    let opened = super::browser::open(url);
    let failures = opened.failures.join("; ");
    match opened.command {
        Some(command) if failures.is_empty() => {
            eprintln!("Opened the authorize URL with {command}.")
        }
        Some(command) => {
            eprintln!("Opened the authorize URL with {command} (before it: {failures}).")
        }
        None if failures.is_empty() => {
            eprintln!("note: no browser could be started: open the URL above by hand.")
        }
        None => {
            eprintln!("note: no browser could be started ({failures}): open the URL above by hand.")
        }
    }
}
