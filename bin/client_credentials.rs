//! App-only tokens: the Client Credentials flow.
//!
//! `cargo run --bin client_credentials -- [--artist ID] [--me]`
//!
//! The app asks for a token as itself (`grant_type=client_credentials`, the
//! Basic header with its client secret, from `SPOTIFY_CLIENT_SECRET`/.env or
//! the hidden prompt). No browser and no user take part, so the answer has no
//! refresh token and no scope; each field is printed and explained. Then
//! `GET /v1/artists/{id}` (public catalogue data; `--artist`, default Band of
//! Horses, `0OdUWJ0sBjDrqHygGUXeCF`) prints the artist's name and genres.
//! With `--me` it also tries `GET /v1/me` with this token and shows why that
//! cannot work: an app-only token has no user.

use spotify_auth::core::web_api::EXAMPLE_ARTIST_ID;
use spotify_auth::walkthrough::cli::{Args, Command, Opt};
use spotify_auth::walkthrough::{cli, message, report, setup};
use spotify_auth::{now_secs, AppTokenSource, Endpoint, Error, Result, SpotifyId};

const COMMAND: Command = Command {
    usage: "usage: client_credentials [--artist ID (22 characters, default 0OdUWJ0sBjDrqHygGUXeCF)] [--me]",
    about: "Asks for an app-only token (Client Credentials: client id and secret, no user), prints it, then reads an artist (public data); --me also tries GET /v1/me to show that an app-only token has no user.",
    options: &[Opt::value(&["artist"]), Opt::switch(&["me"]), cli::HTTP],
    takes_plain: false,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(args: Args) -> Result<()> {
    let artist = SpotifyId::parse(args.value("artist").unwrap_or(EXAMPLE_ARTIST_ID), "artist")
        .map_err(|e| Error::Config(format!("--artist: {e}; {}", COMMAND.usage)))?;
    let auth = setup::binary_session(args.has("http"))?;
    let secret =
        cli::client_secret(auth.config()).map_err(message::secret_for_client_credentials)?;
    let auth = auth.with_client_secret(secret);

    println!("== Client Credentials: an app-only token ==");
    println!(
        "POST {}/api/token grant_type=client_credentials (client authentication: Basic header; no browser, no user) answered:",
        auth.config().accounts_url
    );
    let token = auth.app_token()?;
    print!("{}", report::app_token(&token, now_secs()));
    println!("Nothing was saved: an app token is asked for again whenever it is needed.");

    let source = AppTokenSource(token);
    let api = auth.app_api(&source);
    let url = api.url(Endpoint::Artist(artist));
    println!("\n== Public catalogue data: GET {url} ==");
    print!("{}", report::artist(&api.artist(artist)?));

    if args.has("me") {
        let url = api.url(Endpoint::Me);
        println!("\n== A user's data with the app-only token: GET {url} ==");
        match api.me() {
            Err(Error::UserTokenRequired {
                status: Some(status),
                ..
            }) => {
                println!("  answered {status}: This request requires user authentication.");
                println!("  As expected: an app-only token has no user behind it, so there is no \"me\".");
                println!("  A user's data needs a user's token: the Authorization Code flow (step1_auth_url, then step2_get_tokens).");
            }
            Ok(profile) => println!(
                "  answered 200 with a profile ({}): unexpected for an app-only token",
                spotify_auth::core::error::printable(&profile.id, 40)
            ),
            Err(other) => return Err(other),
        }
    }
    println!("\nDone: the app-only token read public data.");
    Ok(())
}
