//! Step 2: take the redirected URL, check it, trade its code for tokens.
//!
//! `cargo run --bin step2_get_tokens -- 'http://127.0.0.1:8888/callback?code=...&state=...'`
//! Without an argument the URL is read from standard input; with `--listen`
//! a loopback listener catches the browser's redirect (`--open` opens the
//! authorize URL of step 1 first, `--timeout SECS` bounds the wait).

use spotify_auth::core::step1::PendingAuthorization;
use spotify_auth::listener::DEFAULT_LISTEN_TIMEOUT;
use spotify_auth::walkthrough::catch::{self, Catcher};
use spotify_auth::walkthrough::cli::{Args, Command, Opt};
use spotify_auth::walkthrough::{cli, message, report, setup};
use spotify_auth::{now_secs, Error, Result, SpotifyAuth};
use std::time::Duration;

const COMMAND: Command = Command {
    usage: "usage: step2_get_tokens ['REDIRECTED_URL'] | [--listen [--open] [--timeout SECS]]",
    about: "Without an argument the URL is read from standard input.",
    options: &[
        Opt::switch(&["listen"]),
        Opt::switch(&["open"]),
        Opt::value(&["timeout"]),
        cli::HTTP,
    ],
    takes_plain: true,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(args: Args) -> Result<()> {
    let timeout = check_args(&args)?;
    let mut auth = setup::binary_session(args.has("http"))?;

    println!("== Step 2: trade the code for tokens ==");
    let checked = match args.plain.first() {
        // Checked against step 1 before anything is asked or sent.
        Some(url) => {
            let checked = auth.check_redirect(url)?;
            auth = cli::with_client_secret_if(checked.pending().code_verifier.is_none(), auth)?;
            checked
        }
        None => {
            // Fail before asking for (or opening) anything when step 1 has
            // not run or its authorization has expired.
            let pending = auth.require_pending()?;
            pending.check_age(now_secs())?;
            auth = cli::with_client_secret_if(pending.code_verifier.is_none(), auth)?;
            let (pasted, pending) = if args.has("listen") {
                catch_redirect(&auth, pending, args.has("open"), timeout)?
            } else {
                (cli::read_pasted_redirect()?, pending)
            };
            auth.check_redirect_against(&pasted, pending)?
        }
    };

    let exchange = auth.exchange(checked).inspect_err(|error| {
        // Kept only when the code is not known to be spent: say what works next.
        if let (Some(note), Ok(Some(_))) = (
            message::after_failed_exchange(error),
            auth.pending_authorization(),
        ) {
            cli::note_after_error(note);
        }
    })?;
    let saved_to = auth.store().token_location();
    print!(
        "{}",
        report::exchange(
            &exchange,
            &auth.config().accounts_url,
            &saved_to,
            now_secs()
        )
    );
    println!("Next: cargo run --bin step3_refresh");
    Ok(())
}

/// `--listen`: the redirect caught on loopback (or pasted meanwhile on a
/// terminal), and the pending authorization it answers.
fn catch_redirect(
    auth: &SpotifyAuth,
    pending: PendingAuthorization,
    open: bool,
    timeout: Duration,
) -> Result<(String, PendingAuthorization)> {
    // Bound before the browser opens, so the redirect cannot arrive first.
    let catcher = Catcher::bind(auth, &pending)?;
    if let Some(request) = catcher.restarted() {
        print!("{}", catch::restart_note(&catcher));
        println!(
            "Authorize URL (open this one, not step 1's):\n{}",
            request.url
        );
    } else if open {
        println!("Authorize URL:\n{}", catcher.authorize_url());
    }
    catcher.check_authorize_page(auth)?;
    if open {
        cli::open_in_browser(catcher.authorize_url());
    }
    let (listener, state, restarted) = catcher.into_parts();
    let url = cli::listen_for_redirect(listener, state, timeout)?;
    println!(
        "The browser was redirected to:\n{}",
        spotify_auth::core::error::printable(&url, 8192)
    );
    Ok((url, restarted.unwrap_or(pending)))
}

/// Refuses more than one plain argument and `--open` or `--timeout` without
/// `--listen`; the timeout of `--listen`.
fn check_args(args: &Args) -> Result<Duration> {
    let usage = COMMAND.usage;
    if args.plain.len() > 1 {
        return Err(Error::Paste(
            "more than one argument: quote the redirected URL ('...'), since & splits it in a shell".into(),
        ));
    }
    let timeout = match args.value("timeout") {
        None => DEFAULT_LISTEN_TIMEOUT,
        Some(value) => {
            let secs: u64 = value
                .parse()
                .ok()
                .filter(|s| (1..=3600).contains(s))
                .ok_or_else(|| {
                    Error::Config(format!(
                        "--timeout `{value}` is not a number of seconds from 1 to 3600: {usage}"
                    ))
                })?;
            Duration::from_secs(secs)
        }
    };
    for needs_listen in ["open", "timeout"] {
        if args.has(needs_listen) && !args.has("listen") {
            return Err(Error::Config(format!(
                "--{needs_listen} goes with --listen: {usage}"
            )));
        }
    }
    Ok(timeout)
}
