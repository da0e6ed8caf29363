//! Step 2: take the redirected URL, check it, trade its code for tokens.
//!
//! `cargo run --bin step2_get_tokens -- 'http://127.0.0.1:8888/callback?code=...&state=...'`
//! Without an argument the URL is read from standard input; with `--listen`
//! a loopback listener catches the browser's redirect (`--open` opens the
//! authorize URL of step 1 first, `--timeout SECS` bounds the wait).

use spotify_auth::listener::DEFAULT_LISTEN_TIMEOUT;
use spotify_auth::walkthrough::cli::{Command, Opt};
use spotify_auth::walkthrough::{cli, message, report, setup};
use spotify_auth::{now_secs, AuthorizeOptions, Error, RedirectListener, Result};
use std::time::Duration;

const COMMAND: Command = Command {
    usage: "usage: step2_get_tokens ['REDIRECTED_URL'] | [--listen [--open] [--timeout SECS]]",
    about: "Without an argument the URL is read from standard input.",
    options: &[
        Opt::switch(&["listen"]),
        Opt::switch(&["open"]),
        Opt::value(&["timeout"]),
    ],
    takes_plain: true,
};

struct Args {
    pasted: Option<String>,
    listen: bool,
    open: bool,
    timeout: Duration,
}

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    let mut auth = setup::binary_session()?;

    println!("== Step 2: trade the code for tokens ==");
    if let Some(url) = &args.pasted {
        // A paste that can never work (an implicit-grant URL, garbage) is
        // named before anything else.
        spotify_auth::parse_redirect(url)?;
    }
    // Fail before asking for anything when step 1 has not run.
    let pending = auth
        .pending_authorization()?
        .ok_or_else(|| Error::NoPendingAuthorization {
            location: auth.store().pending_location(),
        })?;
    if pending.code_verifier.is_none() {
        let secret = cli::client_secret(auth.config())?;
        auth = auth.with_client_secret(secret);
    }
    let pasted = if let Some(url) = args.pasted {
        url
    } else if args.listen {
        // Bind before opening the browser, so the redirect cannot arrive first.
        let listener = RedirectListener::bind(&pending.redirect_uri)?;
        let concrete = listener.redirect_uri();
        let (authorize_url, state) = if concrete == pending.redirect_uri {
            (
                pending.authorize_url.clone(),
                pending.state.secret().to_string(),
            )
        } else {
            // A loopback redirect URI without a port: the listener took a
            // free port, which the authorize URL must carry; step 1's URL
            // (without it) would send the browser elsewhere.
            println!(
                "{} has no port, so the listener bound a free one: {}.",
                pending.redirect_uri,
                listener.address()
            );
            println!("Spotify accepts any port for a loopback redirect URI registered without one, so the authorization starts again with {concrete} (same scopes{}):", if pending.code_verifier.is_some() { ", PKCE" } else { "" });
            let options = AuthorizeOptions {
                show_dialog: pending.authorize_url.contains("show_dialog=true"),
                pkce: pending.code_verifier.is_some(),
                scopes: Some(pending.scopes.clone()),
            };
            let request = auth.start_authorization_at(&options, &concrete)?;
            println!(
                "Authorize URL (open this one, not step 1's):\n{}",
                request.url
            );
            (
                request.url.clone(),
                request.pending.state.secret().to_string(),
            )
        };
        if args.open {
            if concrete == pending.redirect_uri {
                println!("Authorize URL:\n{authorize_url}");
            }
            cli::open_in_browser(&authorize_url);
        }
        let url = cli::listen_for_redirect(listener, state, args.timeout)?;
        println!(
            "The browser was redirected to:\n{}",
            spotify_auth::core::error::printable(&url, 8192)
        );
        url
    } else {
        cli::read_pasted_redirect()?
    };

    let exchange = auth.exchange_redirect(&pasted).inspect_err(|error| {
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

fn parse_args() -> Result<Option<Args>> {
    let usage = COMMAND.usage;
    let Some(args) = cli::parse_args(&COMMAND)? else {
        return Ok(None);
    };
    let mut plain = args.plain.iter().cloned();
    let pasted = plain.next();
    if plain.next().is_some() {
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
    let parsed = Args {
        pasted,
        listen: args.has("listen"),
        open: args.has("open"),
        timeout,
    };
    for needs_listen in ["open", "timeout"] {
        if args.has(needs_listen) && !parsed.listen {
            return Err(Error::Config(format!(
                "--{needs_listen} goes with --listen: {usage}"
            )));
        }
    }
    Ok(Some(parsed))
}
