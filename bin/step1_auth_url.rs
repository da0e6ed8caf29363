//! Step 1: build the authorize URL and save the pending authorization.
//!
//! `cargo run --bin step1_auth_url -- [--scope "a b"] [--show-dialog] [--pkce]`

use spotify_auth::walkthrough::cli::{Args, Command, Opt};
use spotify_auth::walkthrough::report;
use spotify_auth::walkthrough::{cli, setup, wire};
use spotify_auth::{AuthorizeOptions, Result};

const COMMAND: Command = Command {
    usage: "usage: step1_auth_url [--scope \"SCOPE ...\"] [--show-dialog] [--pkce] [--open]",
    about: "Builds Spotify's authorize URL from SPOTIFY_* settings (environment or .env) and saves the pending authorization for step 2.",
    options: &[
        Opt::value(&["scope", "scopes"]),
        Opt::switch(&["show-dialog"]),
        Opt::switch(&["pkce"]),
        Opt::switch(&["open"]),
        cli::HTTP,
    ],
    takes_plain: false,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(args: Args) -> Result<()> {
    let scopes: Vec<String> = args
        .values("scope")
        .flat_map(spotify_auth::core::scopes::parse_scopes)
        .collect();
    let options = AuthorizeOptions {
        show_dialog: args.has("show-dialog"),
        pkce: args.has("pkce"),
        scopes: args.has("scope").then_some(scopes),
    };
    let auth = setup::binary_session(false)?;
    if !options.pkce && auth.config().client_secret.is_none() {
        eprintln!("note: SPOTIFY_CLIENT_SECRET is not set: step 2 will ask for it (or run step 1 with --pkce, which needs none)");
    }

    println!("== Step 1: the authorize URL ==");
    let request = auth.start_authorization(&options)?;
    print!("{}", report::authorize_request(&request));
    if args.has("http") {
        print!("{}", wire::browser_request(&request.url));
    }
    if args.has("open") {
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
