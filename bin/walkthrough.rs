//! `cargo run`: the whole walkthrough in one go. Step 1, consent, step 2,
//! step 3, then `GET /v1/me`. With no `SPOTIFY_CLIENT_ID` it runs against the
//! offline sandbox and presses Agree itself; with credentials it uses Spotify,
//! opens the browser and catches the redirect on loopback (or takes a paste).

use spotify_auth::config::{Settings, DEFAULT_AUTH_DIR};
use spotify_auth::listener::DEFAULT_LISTEN_TIMEOUT;
use spotify_auth::{
    cli, now_secs, report, AuthorizeOptions, Config, Error, RedirectListener, Result, SpotifyAuth,
};
use spotify_sandbox::{approve_consent, Sandbox, SandboxOptions};
use std::path::{Path, PathBuf};

/// What the sandbox walkthrough asks for when SPOTIFY_SCOPES is unset.
const SANDBOX_SCOPES: &str = "user-read-private user-read-email playlist-read-private";

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    if let Some(arg) = cli::args()?.into_iter().next() {
        println!("usage: cargo run (no arguments): the whole walkthrough; see README.md");
        return if arg == "-h" || arg == "--help" {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "unknown argument `{arg}`: cargo run takes none"
            )))
        };
    }
    // Read once: it decides sandbox or not, then configures either.
    let settings = Settings::read(Path::new(".env"))?;
    let sandbox = match settings.get("SPOTIFY_CLIENT_ID") {
        Some(_) => None,
        None => Some(start_sandbox()?),
    };
    let config = match &sandbox {
        Some(sandbox) => sandbox_config(sandbox, &settings)?,
        None => cli::config_from(&settings)?,
    };
    let mut auth = SpotifyAuth::new(config);
    if sandbox.is_none() {
        let secret = cli::client_secret(auth.config())?;
        auth = auth.with_client_secret(secret);
    }

    println!("\n== Step 1: the authorize URL ==");
    let request = auth.start_authorization(&AuthorizeOptions::default())?;
    print!("{}", report::authorize_request(&request));

    println!("\n== Consent: the user presses Agree ==");
    let redirected = match &sandbox {
        Some(_) => {
            let url = approve_consent(&request.url, true).map_err(|e| Error::Connection {
                url: request.url.clone(),
                detail: e,
            })?;
            println!("Fetched the sandbox's consent page and submitted Agree, as a browser would.");
            url
        }
        None => match RedirectListener::bind(&request.pending.redirect_uri) {
            Ok(listener) => {
                println!("Press Agree in the browser; the listener catches the redirect.");
                cli::open_in_browser(&request.url);
                cli::listen_for_redirect(
                    listener,
                    request.pending.state.clone(),
                    DEFAULT_LISTEN_TIMEOUT,
                )?
            }
            Err(why) => {
                eprintln!("note: {why}");
                println!("Open the URL above in a browser, press Agree, and paste the address it lands on.");
                cli::read_pasted_redirect()?
            }
        },
    };
    println!("The browser was redirected to:\n{}", redirected.trim());

    println!("\n== Step 2: trade the code for tokens ==");
    let exchange = auth.exchange_redirect(&redirected)?;
    let saved_to = auth
        .auth_dir()
        .file(spotify_auth::token::TOKEN_FILE)
        .display()
        .to_string();
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

fn start_sandbox() -> Result<Sandbox> {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .map_err(|e| Error::Config(format!("cannot start the sandbox on 127.0.0.1 ({e})")))?;
    let rule = "=".repeat(76);
    println!("{rule}");
    println!(" SANDBOX MODE: SPOTIFY_CLIENT_ID is not set, so this walkthrough talks to the");
    println!(
        " offline sandbox at {}, NOT to Spotify. Nothing leaves this machine.",
        sandbox.url()
    );
    println!(
        " To use your real account: create an app at https://developer.spotify.com/dashboard,"
    );
    println!(" register the redirect URI http://127.0.0.1:8888/callback, put SPOTIFY_CLIENT_ID");
    println!(" and SPOTIFY_CLIENT_SECRET in .env (see .env.example) and run `cargo run` again.");
    println!("{rule}");
    Ok(sandbox)
}

/// The sandbox's app and URLs; the user's scopes and folder, with the files in
/// a `sandbox/` subfolder so a real saved token is never overwritten.
fn sandbox_config(sandbox: &Sandbox, settings: &Settings) -> Result<Config> {
    let vars = sandbox.env_vars();
    let auth_dir = PathBuf::from(
        settings
            .get("SPOTIFY_AUTH_DIR")
            .unwrap_or_else(|| DEFAULT_AUTH_DIR.into()),
    )
    .join("sandbox");
    Config::from_lookup(|name| match name {
        "SPOTIFY_AUTH_DIR" => Some(auth_dir.display().to_string()),
        "SPOTIFY_SCOPES" => Some(settings.get(name).unwrap_or_else(|| SANDBOX_SCOPES.into())),
        "SPOTIFY_HTTP_TIMEOUT_SECS" => settings.get(name),
        _ => vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone()),
    })
}
