//! Step 4: call the Web API with the saved token.
//!
//! `cargo run --bin step4_call_api [-- --limit N]`
//!
//! Prints the token's state (expiry, refresh-token horizon), then four reads,
//! each under a heading that shows the request's URL:
//! the profile (`GET /v1/me`), the first playlists (`GET /v1/me/playlists`),
//! the saved podcasts (`GET /v1/me/shows`) and the playback state
//! (`GET /v1/me/player`, where 204 means nothing is playing).
//!
//! The token is refreshed first when less than 60 s remain (and once more if
//! the service answers 401); the client secret this needs comes from
//! `SPOTIFY_CLIENT_SECRET`, or a hidden prompt when a refresh is due, and is
//! never needed for a PKCE token. A 429 waits for `Retry-After` (at most 10 s,
//! shown on stderr), 5xx answers and timeouts are retried with back-off.
//!
//! When a call fails: the token and the profile are required, so a failure
//! there stops the run at once. Playlists, shows and playback are independent:
//! one that fails (typically for lack of its scope) prints its one-line
//! problem under its heading and the others still run; the run then ends with
//! `error: ...` (the first problem) and exit status 1, so nothing is hidden.
//! Problems that would hit every call (no token, a dead refresh token, a 401)
//! stop the run at once wherever they happen.

use spotify_auth::walkthrough::cli::{Args, Command, Opt};
use spotify_auth::walkthrough::report;
use spotify_auth::walkthrough::{cli, setup};
use spotify_auth::Endpoint;
use spotify_auth::{Error, Result, WebApi};

/// Default number of playlists and shows listed.
const DEFAULT_LIMIT: u32 = 5;

const COMMAND: Command = Command {
    usage: "usage: step4_call_api [--limit N] [--http]",
    about: "Calls the Web API with the token saved by step 2: profile, the first N playlists and saved shows (default 5, at most 50), playback.",
    options: &[Opt::value(&["limit"]), cli::HTTP],
    takes_plain: false,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(args: Args) -> Result<()> {
    let limit = limit(&args)?;
    let auth = setup::binary_session(args.has("http"))?;

    println!("== Step 4: call the Web API with the saved token ==");
    let saved = auth.saved_token()?;
    // The secret is needed only to refresh: asked for only when a refresh is due.
    let (auth, _) = cli::token_in_use(auth, &saved)?;

    let api = auth.api();
    let mut sections = Sections::default();

    heading("Profile", &api, Endpoint::Me);
    let me = api.me()?;
    print!("{}", report::profile(&me));
    sections.ok += 1;

    heading("Playlists", &api, Endpoint::Playlists { limit });
    sections.record(
        "playlists",
        api.playlists(limit)
            .map(|page| print!("{}", report::playlists(&page))),
    )?;

    heading(
        "Saved shows (podcasts)",
        &api,
        Endpoint::SavedShows { limit },
    );
    sections.record(
        "saved shows",
        api.saved_shows(limit)
            .map(|page| print!("{}", report::saved_shows(&page))),
    )?;

    heading("Playback", &api, Endpoint::Playback);
    sections.record(
        "playback",
        api.playback()
            .map(|playback| print!("{}", report::playback(playback.as_ref()))),
    )?;

    sections.finish()
}

/// What the independent sections gave.
#[derive(Default)]
struct Sections {
    ok: u32,
    failed: Vec<(&'static str, Error)>,
}

impl Sections {
    /// Prints a section's problem under its heading and keeps it for the end;
    /// a problem that would hit every call is returned at once.
    fn record(&mut self, name: &'static str, outcome: Result<()>) -> Result<()> {
        match outcome {
            Ok(()) => {
                self.ok += 1;
                Ok(())
            }
            Err(error) if concerns_one_call(&error) => {
                println!("  problem: {error}");
                self.failed.push((name, error));
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    fn finish(self) -> Result<()> {
        let total = self.ok as usize + self.failed.len();
        if self.failed.is_empty() {
            println!("\nDone: all {total} calls answered.");
            return Ok(());
        }
        let names: Vec<&str> = self.failed.iter().map(|(name, _)| *name).collect();
        println!(
            "\n{} of {total} calls answered; failed: {} (see the problems above).",
            self.ok,
            names.join(", ")
        );
        if self.failed.len() > 1 {
            eprintln!(
                "note: {} calls failed ({}); the first problem follows",
                self.failed.len(),
                names.join(", ")
            );
        }
        Err(self.failed.into_iter().next().map(|(_, e)| e).unwrap())
    }
}

/// True for a failure of one endpoint (its scope, its answer); false for one
/// about the token or the setup, which every further call would hit too.
fn concerns_one_call(error: &Error) -> bool {
    match error {
        Error::ApiUnauthorized { status, .. } => *status == 403,
        Error::ScopeNotGranted { .. }
        | Error::Api { .. }
        | Error::ServerError { .. }
        | Error::RateLimited { .. }
        | Error::UnexpectedResponse(_)
        | Error::Timeout { .. } => true,
        _ => false,
    }
}

fn heading(title: &str, api: &WebApi<'_>, endpoint: Endpoint) {
    println!("\n== {title}: GET {} ==", api.url(endpoint));
}

/// `--limit`, from 1 to 50.
fn limit(args: &Args) -> Result<u32> {
    let Some(value) = args.value("limit") else {
        return Ok(DEFAULT_LIMIT);
    };
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=50).contains(n))
        .ok_or_else(|| {
            Error::Config(format!(
                "--limit `{value}` is not a number from 1 to 50: {}",
                COMMAND.usage
            ))
        })
}
