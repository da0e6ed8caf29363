//! Step 3: trade the saved refresh token for a new access token.
//!
//! `cargo run --bin step3_refresh`

use spotify_auth::walkthrough::cli::{Args, Command};
use spotify_auth::walkthrough::report;
use spotify_auth::walkthrough::{cli, setup};
use spotify_auth::{now_secs, Result};

const COMMAND: Command = Command {
    usage: "usage: step3_refresh [--http]",
    about: "Refreshes the token saved by step 2 and saves the new one.",
    options: &[cli::HTTP],
    takes_plain: false,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(args: Args) -> Result<()> {
    let auth = setup::binary_session(args.has("http"))?;

    println!("== Step 3: refresh the access token ==");
    let saved = auth.saved_token()?;
    println!("Saved token:");
    print!("{}", report::token_status(&saved, now_secs()));
    let auth = cli::with_client_secret_if(!saved.pkce, auth)?;

    let refresh = auth.refresh()?;
    let saved_to = auth.store().token_location();
    print!(
        "{}",
        report::refresh(&refresh, &auth.config().accounts_url, &saved_to, now_secs())
    );
    Ok(())
}
