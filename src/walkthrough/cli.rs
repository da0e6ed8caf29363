//! What the binaries share: the `main` wrapper, the argument parser (lexopt:
//! `--name value` and `--name=value`, `--help`), the hidden secret prompt and
//! reading the pasted redirect.

use super::message::message;
use super::report;
use crate::clock::now_secs;
use crate::core::config::Config;
use crate::core::error::{printable, Error, Result};
use crate::core::secret::ClientSecret;
use crate::core::step2::MAX_PASTE_BYTES;
use crate::core::token::SavedToken;
use crate::listener::RedirectListener;
use crate::session::SpotifyAuth;
use std::io::{BufRead, IsTerminal, Read, Write};

/// Runs `run`, prints `error: ...` on failure and exits 1 (0 on success).
pub fn main(run: impl FnOnce() -> Result<()>) -> std::process::ExitCode {
    quiet_on_closed_stdout();
    let Err(error) = run() else {
        return std::process::ExitCode::SUCCESS;
    };
    eprintln!("error: {}", message(&error));
    let notes = NOTES_AFTER_ERROR.lock().map(|n| n.clone());
    for note in notes.unwrap_or_default() {
        eprintln!("{note}");
    }
    std::process::ExitCode::FAILURE
}

/// [`main`] for a binary taking `command`'s arguments: `run` gets them parsed;
/// after `--help` printed the usage, nothing runs and the exit status is 0.
pub fn main_with_args(
    command: &Command,
    run: impl FnOnce(Args) -> Result<()>,
) -> std::process::ExitCode {
    main(|| parse_args(command)?.map_or(Ok(()), run))
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

/// One option of a binary: `--name` alone (a switch) or `--name VALUE`
/// (also `--name=VALUE`). The first name is the one [`Args`] answers to; the
/// others are aliases.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    names: &'static [&'static str],
    takes_value: bool,
}

/// `--http`: show each request and answer on the wire, with its `curl`.
pub const HTTP: Opt = Opt::switch(&["http"]);

impl Opt {
    /// `--name`, without a value.
    pub const fn switch(names: &'static [&'static str]) -> Opt {
        Opt {
            names,
            takes_value: false,
        }
    }

    /// `--name VALUE` or `--name=VALUE`; may be given more than once.
    pub const fn value(names: &'static [&'static str]) -> Opt {
        Opt {
            names,
            takes_value: true,
        }
    }
}

/// What a binary accepts: its usage line, a sentence on what it does (both
/// printed by `--help`), its options and whether it takes plain arguments.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// `usage: NAME ...`, also the end of every argument error.
    pub usage: &'static str,
    /// What the binary does, after the usage line in `--help`.
    pub about: &'static str,
    /// Its options (`-h`/`--help` is always there).
    pub options: &'static [Opt],
    /// True when plain arguments (not starting with `-`) are accepted.
    pub takes_plain: bool,
}

/// The parsed command line.
#[derive(Debug, Default)]
pub struct Args {
    given: Vec<(&'static str, Option<String>)>,
    /// The plain arguments, in order.
    pub plain: Vec<String>,
}

impl Args {
    /// True when the switch or option `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.given.iter().any(|(given, _)| *given == name)
    }

    /// The values of `name`, in the order given.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.given
            .iter()
            .filter(move |(given, _)| *given == name)
            .filter_map(|(_, value)| value.as_deref())
    }

    /// The last value of `name`.
    pub fn value<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name).last()
    }
}

/// The process's arguments parsed for `command`; `None` after `--help`
/// printed the usage (the binary then exits 0).
pub fn parse_args(command: &Command) -> Result<Option<Args>> {
    parse_args_from(command, std::env::args_os().skip(1))
}

/// [`parse_args`] over the given arguments (without the program name).
pub fn parse_args_from(
    command: &Command,
    arguments: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Option<Args>> {
    use lexopt::Arg;
    let usage = command.usage;
    let mut parser = lexopt::Parser::from_args(arguments);
    let mut args = Args::default();
    let mut position = 0;
    loop {
        position += 1;
        let arg = parser
            .next()
            .map_err(|e| argument_error(e, position, usage))?;
        let (shown, name) = match arg {
            None => return Ok(Some(args)),
            Some(Arg::Short('h')) | Some(Arg::Long("help")) => {
                println!("{usage}");
                if !command.about.is_empty() {
                    println!("{}", command.about);
                }
                return Ok(None);
            }
            Some(Arg::Value(value)) if command.takes_plain => {
                args.plain.push(utf8(value, position)?);
                continue;
            }
            Some(Arg::Value(value)) => {
                let value = utf8(value, position)?;
                return Err(Error::Config(format!(
                    "unexpected argument `{}`: {usage}",
                    printable(&value, 40)
                )));
            }
            Some(Arg::Short(c)) => (format!("-{c}"), None),
            Some(Arg::Long(name)) => (format!("--{name}"), Some(name.to_string())),
        };
        let option = name.as_deref().and_then(|name| {
            command
                .options
                .iter()
                .find(|option| option.names.contains(&name))
        });
        let Some(option) = option else {
            return Err(Error::Config(format!(
                "unknown argument `{}`: {usage}",
                printable(&shown, 40)
            )));
        };
        let value = if option.takes_value {
            let value = parser.optional_value().or_else(|| {
                // The next argument, unless it is another option.
                parser
                    .try_raw_args()?
                    .next_if(|next| !next.to_string_lossy().starts_with("--"))
            });
            let value =
                value.ok_or_else(|| Error::Config(format!("{shown} needs a value: {usage}")))?;
            Some(utf8(value, position)?)
        } else {
            None
        };
        args.given.push((option.names[0], value));
    }
}

/// A lexopt error as one line ending with the usage.
fn argument_error(error: lexopt::Error, position: usize, usage: &str) -> Error {
    match error {
        lexopt::Error::UnexpectedValue { option, value } => Error::Config(format!(
            "{option} takes no value (got `{}`): {usage}",
            printable(&value.to_string_lossy(), 40)
        )),
        lexopt::Error::NonUnicodeValue(value) => match utf8(value, position) {
            Err(error) => error,
            Ok(_) => Error::Config(format!("argument {position} is not valid UTF-8: {usage}")),
        },
        other => Error::Config(format!("{}: {usage}", printable(&other.to_string(), 80))),
    }
}

/// An argument as text; one that is not UTF-8 is an error rather than a panic.
fn utf8(arg: std::ffi::OsString, position: usize) -> Result<String> {
    arg.into_string().map_err(|arg| {
        Error::Config(format!(
            "argument {position} ({}) is not valid UTF-8: retype it as plain text",
            printable(&arg.to_string_lossy(), 40)
        ))
    })
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

/// `auth` with the client secret of [`client_secret`] when `needed` (not
/// for a PKCE authorization, nor in the sandbox).
pub fn with_client_secret_if(needed: bool, auth: SpotifyAuth) -> Result<SpotifyAuth> {
    if !needed {
        return Ok(auth);
    }
    let secret = client_secret(auth.config())?;
    Ok(auth.with_client_secret(secret))
}

/// Before Web API calls with `saved`: the token to call with, refreshed first
/// when a refresh is due (the client secret asked for, from the environment,
/// else the hidden prompt, only then and never for a PKCE token, so a fresh
/// token never needs it), printed as [`report::token_in_use`] says.
pub fn token_in_use(auth: SpotifyAuth, saved: &SavedToken) -> Result<(SpotifyAuth, SavedToken)> {
    let refresh_due = saved.needs_refresh(now_secs());
    let needs_secret = !saved.pkce && auth.config().client_secret.is_none() && refresh_due;
    let auth = with_client_secret_if(needs_secret, auth)?;
    let token = auth.access_token()?;
    let (accounts, file) = (&auth.config().accounts_url, auth.store().token_location());
    print!(
        "{}",
        report::token_in_use(saved, &token, accounts, &file, now_secs())
    );
    Ok((auth, token))
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
    let terminal = std::io::stdin().is_terminal();
    eprintln!(
        "Listening on {} for the redirect (up to {} s){}",
        listener.address(),
        timeout.as_secs(),
        if terminal { "; or paste it here" } else { "" }
    );
    if !terminal {
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
    let stopped = |_| Error::Listener("the listener stopped: paste the redirect instead".into());
    let (from_listener, answer) = receiver.recv().map_err(stopped)?;
    if from_listener {
        // The `> ` prompt still waits on its line: end it, so what follows
        // starts on a line of its own.
        eprintln!();
    }
    answer
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

#[cfg(test)]
mod tests {
    use super::*;

    const COMMAND: Command = Command {
        usage: "usage: x",
        about: "",
        options: &[Opt::value(&["scope", "scopes"]), Opt::switch(&["open"])],
        takes_plain: true,
    };

    fn parse(args: &[&str]) -> Result<Args> {
        parse_args_from(&COMMAND, args.iter().map(Into::into)).map(Option::unwrap)
    }

    #[test]
    fn both_value_forms_aliases_and_plain_arguments() {
        let args = parse(&["--scope=a", "URL", "--scopes", "b c", "--open"]).unwrap();
        assert_eq!(args.values("scope").collect::<Vec<_>>(), ["a", "b c"]);
        assert_eq!(args.value("scope"), Some("b c"));
        assert!(args.has("open") && !args.has("scopes"));
        assert_eq!(args.plain, ["URL"]);
        assert_eq!(parse(&["--scope="]).unwrap().value("scope"), Some(""));
    }

    #[test]
    fn mistakes_are_one_line_errors_with_the_usage() {
        for (args, expected) in [
            (&["--scope"][..], "--scope needs a value: usage: x"),
            (&["--scope", "--open"], "--scope needs a value"),
            (&["--open=yes"], "--open takes no value (got `yes`)"),
            (&["--bogus"], "unknown argument `--bogus`: usage: x"),
            (&["-x"], "unknown argument `-x`"),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
        let no_plain = Command {
            takes_plain: false,
            ..COMMAND
        };
        let err = parse_args_from(&no_plain, ["URL".into()]).unwrap_err();
        assert!(
            err.to_string().contains("unexpected argument `URL`"),
            "{err}"
        );
    }
}
