//! `cargo run`: the whole walkthrough in one go. Step 1, consent, step 2,
//! step 3, then `GET /v1/me`. With no `SPOTIFY_CLIENT_ID` it runs against the
//! offline sandbox and presses Agree itself; with credentials it uses Spotify,
//! opens the browser and catches the redirect on loopback (or takes a paste).

use spotify_auth::listener::DEFAULT_LISTEN_TIMEOUT;
use spotify_auth::walkthrough::catch::{self, Catcher};
use spotify_auth::walkthrough::cli::{Args, Command};
use spotify_auth::walkthrough::setup::{self, SandboxChoice, SessionOptions};
use spotify_auth::walkthrough::wire::{Show, WireView};
use spotify_auth::walkthrough::{cli, report};
use spotify_auth::{now_secs, AuthorizeOptions, Result};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

const COMMAND: Command = Command {
    usage: "usage: cargo run [-- --http]",
    about: "The whole walkthrough: step 1, consent, step 2, step 3 and GET /v1/me, then the run as a diagram; --http also shows each request and answer with its curl; see README.md.",
    options: &[cli::HTTP],
    takes_plain: false,
};

fn run(args: Args) -> Result<()> {
    let wire = WireView::new(if args.has("http") {
        Show::Text
    } else {
        Show::Nothing
    });
    let outcome = walk(&wire);
    // The diagram of what happened, up to a failure (drawn last, and marked).
    println!("\n== The run as a sequence diagram ==");
    print!("{}", wire.diagram().text());
    outcome
}

fn walk(wire: &WireView) -> Result<()> {
    let session = setup::start(&SessionOptions {
        sandbox: SandboxChoice::WhenUnconfigured,
        ..SessionOptions::default()
    })?;
    let sandbox = session.sandbox.as_ref();
    if let Some(sandbox) = sandbox {
        print_sandbox_banner(&sandbox.url());
    }
    let mut auth = session.auth;
    auth.set_trace(wire.sink());
    let auth = cli::with_client_secret_if(sandbox.is_none(), auth)?;

    println!("\n== Step 1: the authorize URL ==");
    let registered = auth.config().redirect_uri.clone();
    let request = auth.start_authorization(&AuthorizeOptions::default())?;
    // With a real app, bind the listener now: for a loopback redirect URI
    // registered without a port it takes a free port and makes the
    // authorization again with it (Spotify accepts any port for such a URI).
    let catcher = sandbox
        .is_none()
        .then(|| Catcher::bind(&auth, &request.pending));
    let restarted = catcher.as_ref().and_then(|c| c.as_ref().ok()?.restarted());
    let authorize = restarted.unwrap_or(&request);
    print!("{}", report::authorize_request_for(authorize, &registered));
    wire.authorize(&authorize.url);

    println!("\n== Consent: the user presses Agree ==");
    // No listener: the sandbox, whose consent page is approved here.
    let (redirected, pending) = match catcher {
        None => {
            let url = catch::approve_in_sandbox(&request.url)?;
            println!("Fetched the sandbox's consent page and submitted Agree, as a browser would.");
            (url, request.pending)
        }
        Some(Ok(catcher)) => {
            println!("Press Agree in the browser; the listener catches the redirect.");
            catcher.check_authorize_page(&auth)?;
            cli::open_in_browser(catcher.authorize_url());
            let (listener, state, restarted) = catcher.into_parts();
            let url = cli::listen_for_redirect(listener, state, DEFAULT_LISTEN_TIMEOUT)?;
            (url, restarted.unwrap_or(request.pending))
        }
        Some(Err(why)) => {
            eprintln!("note: {why}");
            println!(
                "Open the URL above in a browser, press Agree, and paste the address it lands on."
            );
            (cli::read_pasted_redirect()?, request.pending)
        }
    };
    println!("The browser was redirected to:\n{}", redirected.trim());
    wire.redirect(redirected.trim());

    println!("\n== Step 2: trade the code for tokens ==");
    let exchange = auth.exchange(auth.check_redirect_against(&redirected, pending)?)?;
    let saved_to = auth.store().token_location();
    let accounts_url = auth.config().accounts_url.clone();
    print!(
        "{}",
        report::exchange(&exchange, &accounts_url, &saved_to, now_secs())
    );

    println!("\n== Step 3: refresh the access token ==");
    let refresh = auth.refresh()?;
    print!(
        "{}",
        report::refresh(&refresh, &accounts_url, &saved_to, now_secs())
    );

    println!(
        "\n== Using the token: GET {}/v1/me ==",
        auth.config().api_url
    );
    let me = auth.api().me()?;
    print!("{}", report::profile(&me));

    println!(
        "\nDone: the whole Authorization Code flow worked{}.",
        if sandbox.is_some() {
            " (against the sandbox)"
        } else {
            ""
        }
    );
    Ok(())
}

fn print_sandbox_banner(url: &str) {
    let rule = "=".repeat(76);
    println!(
        "{rule}
 SANDBOX MODE: SPOTIFY_CLIENT_ID is not set, so this walkthrough talks to the
 offline sandbox at {url}, NOT to Spotify. Nothing leaves this machine.
 To use your real account: create an app at https://developer.spotify.com/dashboard,
 register the redirect URI http://127.0.0.1:8888/callback, put SPOTIFY_CLIENT_ID
 and SPOTIFY_CLIENT_SECRET in .env (see .env.example) and run `cargo run` again.
{rule}"
    );
}
