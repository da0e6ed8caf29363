//! Step 2: take the redirected URL, check it, trade its code for tokens.
//!
//! `cargo run --bin step2_get_tokens -- 'http://127.0.0.1:8888/callback?code=...&state=...'`
//! (without an argument the URL is read from standard input).

use spotify_auth::cli;
use spotify_auth::{now_secs, report, Error, Result, SpotifyAuth};

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    let pasted_arg = parse_args(std::env::args().skip(1))?;
    let config = cli::load_config()?;
    let mut auth = SpotifyAuth::new(config);

    println!("== Step 2: trade the code for tokens ==");
    // Fail before asking for anything when step 1 has not run.
    let pending = auth
        .pending_authorization()?
        .ok_or(Error::NoPendingAuthorization)?;
    if pending.code_verifier.is_none() {
        let secret = cli::client_secret(auth.config())?;
        auth = auth.with_client_secret(secret);
    }
    let pasted = match pasted_arg {
        Some(url) => url,
        None => cli::read_pasted_redirect()?,
    };

    let exchange = auth.exchange_redirect(&pasted)?;
    let saved_to = auth.auth_dir().file(spotify_auth::token::TOKEN_FILE);
    print!(
        "{}",
        report::exchange(
            &exchange,
            &auth.config().accounts_url,
            &saved_to.display().to_string(),
            now_secs()
        )
    );
    println!("Next: cargo run --bin step3_refresh");
    Ok(())
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<String>> {
    let mut pasted = None;
    for arg in args {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("usage: step2_get_tokens ['REDIRECTED_URL']\nWithout an argument the URL is read from standard input.");
                std::process::exit(0);
            }
            _ if pasted.is_none() => pasted = Some(arg),
            _ => return Err(Error::Paste("more than one argument: quote the redirected URL ('...'), since & splits it in a shell".into())),
        }
    }
    Ok(pasted)
}
