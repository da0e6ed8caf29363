//! Step 5: control playback with the saved token.
//!
//! `cargo run --bin step5_control_playback -- pause|play|next|previous|devices`
//!
//! Prints the request sent (method and URL) and the answer: for `devices` the
//! user's devices; after a command its status, then `GET /v1/me/player`, so
//! the effect shows. The commands need the scope `user-modify-playback-state`
//! (`devices` needs `user-read-playback-state`): a token without it is
//! refused before anything is sent, naming the scope to add to
//! `SPOTIFY_SCOPES` before running step 1 again. They also need Spotify
//! Premium (`403 PREMIUM_REQUIRED`) and a device playing or paused
//! (`404 NO_ACTIVE_DEVICE`); both end in a one-line `error:` and exit 1, and
//! the saved token is kept. As in step 4, the token is refreshed first when
//! less than 60 s remain (the client secret is asked for only then).

use spotify_auth::walkthrough::cli::{Args, Command};
use spotify_auth::walkthrough::{cli, report, setup};
use spotify_auth::{Endpoint, Error, Result};

const COMMAND: Command = Command {
    usage: "usage: step5_control_playback pause|play|next|previous|devices [--http]",
    about: "Sends one player command with the token saved by step 2 (needs the scope user-modify-playback-state, Spotify Premium and an active device), then shows GET /v1/me/player; `devices` lists the user's devices (needs user-read-playback-state).",
    options: &[cli::HTTP],
    takes_plain: true,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(args: Args) -> Result<()> {
    let endpoint = endpoint(&args)?;
    let auth = setup::binary_session(args.has("http"))?;

    println!("== Step 5: control playback with the saved token ==");
    let saved = auth.saved_token()?;
    let api_url = auth.config().api_url.clone();
    // Before anything is sent (not even a refresh): a token without the scope
    // would only collect a 403.
    if let Some(scope) = endpoint.needed_scope() {
        if !saved.scopes.iter().any(|s| s == scope) {
            return Err(Error::ScopeNotGranted {
                scope: scope.into(),
                method: endpoint.method().as_str(),
                url: endpoint.url(&api_url),
            });
        }
    }
    let (auth, token) = cli::token_in_use(auth, &saved)?;

    let api = auth.api();
    println!(
        "\n== {} {} ==",
        endpoint.method().as_str(),
        api.url(endpoint)
    );
    if endpoint == Endpoint::Devices {
        let devices = api.devices()?;
        println!("  answered 200 OK:");
        print!("{}", report::devices(&devices));
        return Ok(());
    }
    let answer = api.command(endpoint)?;
    println!(
        "  answered {}{}: the command was carried out",
        answer.status,
        match answer.status {
            204 => " No Content",
            200 => " OK",
            _ => "",
        }
    );

    let player = Endpoint::Playback;
    println!("\n== The effect: GET {} ==", api.url(player));
    if token.scopes.iter().any(|s| s == "user-read-playback-state") {
        print!("{}", report::playback(api.playback()?.as_ref()));
    } else {
        println!("  (not read: the token lacks user-read-playback-state; add it to SPOTIFY_SCOPES and run step 1 again to see the player's state here)");
    }
    Ok(())
}

/// The one plain argument: the command.
fn endpoint(args: &Args) -> Result<Endpoint> {
    let usage = COMMAND.usage;
    let mut plain = args.plain.iter();
    let first = plain.next();
    if let Some(extra) = plain.next() {
        return Err(Error::Config(format!(
            "unexpected argument `{}`: {usage}",
            spotify_auth::core::error::printable(extra, 40)
        )));
    }
    match first.map(String::as_str) {
        Some("devices") => Ok(Endpoint::Devices),
        Some(name) => Endpoint::player_command(name).ok_or_else(|| {
            Error::Config(format!(
                "unknown command `{}`: {usage}",
                spotify_auth::core::error::printable(name, 40)
            ))
        }),
        None => Err(Error::Config(format!("which command? {usage}"))),
    }
}
