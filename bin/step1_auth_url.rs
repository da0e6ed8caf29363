//! Step 1: build the authorize URL and save the pending authorization.
//!
//! `cargo run --bin step1_auth_url -- [--scope "a b"] [--show-dialog] [--pkce]`

use spotify_auth::walkthrough::report;
use spotify_auth::walkthrough::{cli, setup};
use spotify_auth::{AuthorizeOptions, Error, Result};

const USAGE: &str =
    "usage: step1_auth_url [--scope \"SCOPE ...\"] [--show-dialog] [--pkce] [--open]";

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    let (options, open) = parse_args(cli::args()?.into_iter())?;
    let auth = setup::binary_session()?;
    if !options.pkce && auth.config().client_secret.is_none() {
        eprintln!("note: SPOTIFY_CLIENT_SECRET is not set: step 2 will ask for it (or run step 1 with --pkce, which needs none)");
    }

    println!("== Step 1: the authorize URL ==");
    let request = auth.start_authorization(&options)?;
    print!("{}", report::authorize_request(&request));
    if open {
        cli::open_in_browser(&request.url);
    }

    println!(
        "Saved the pending authorization (state{}) to {}; it is valid for 10 minutes.",
        if options.pkce { ", PKCE verifier" } else { "" },
        auth.store().pending_location()
    );
    println!("Next: open the URL, press Agree, then copy the whole address the browser lands on");
    println!(
        "(it starts with {}?code=...; the page itself may fail to load, that is fine)",
        request.pending.redirect_uri
    );
    println!("and run: cargo run --bin step2_get_tokens -- '<that address>'");
    if spotify_auth::core::redirect_uri::is_portless_loopback(&request.pending.redirect_uri) {
        println!("(or run cargo run --bin step2_get_tokens -- --listen --open: with this redirect URI without a port it binds a free port and starts the authorization again with it)");
    }
    Ok(())
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(AuthorizeOptions, bool)> {
    let mut options = AuthorizeOptions::default();
    let mut open = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--show-dialog" => options.show_dialog = true,
            "--pkce" => options.pkce = true,
            "--open" => open = true,
            "--scope" | "--scopes" => {
                let list = args
                    .next()
                    .ok_or_else(|| Error::Config(format!("--scope needs a value: {USAGE}")))?;
                options
                    .scopes
                    .get_or_insert_with(Vec::new)
                    .extend(spotify_auth::core::scopes::parse_scopes(&list));
            }
            "-h" | "--help" => {
                println!("{USAGE}\nBuilds Spotify's authorize URL from SPOTIFY_* settings (environment or .env) and saves the pending authorization for step 2.");
                std::process::exit(0);
            }
            other => {
                return Err(Error::Config(format!(
                    "unknown argument `{other}`: {USAGE}"
                )))
            }
        }
    }
    Ok((options, open))
}
