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

use spotify_auth::walkthrough::report;
use spotify_auth::walkthrough::{cli, setup};
use spotify_auth::Endpoint;
use spotify_auth::{now_secs, Error, Result, WebApi};

/// Names come from the service: shown on one line, control characters escaped.
fn shown(text: &str) -> String {
    spotify_auth::core::error::printable(text, 80)
}

/// Default number of playlists and shows listed.
const DEFAULT_LIMIT: u32 = 5;

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    let limit = parse_args(cli::args()?.into_iter())?;
    let mut auth = setup::binary_session()?;

    println!("== Step 4: call the Web API with the saved token ==");
    let saved = auth.saved_token()?;
    let now = now_secs();
    // The secret is needed only to refresh: ask for it only when a refresh is due.
    if !saved.pkce && auth.config().client_secret.is_none() && saved.needs_refresh(now) {
        let secret = cli::client_secret(auth.config())?;
        auth = auth.with_client_secret(secret);
    }
    let token = auth.access_token()?;
    let token_file = auth.store().token_location();
    if token.access_token != saved.access_token {
        println!(
            "The access token had {} s left (less than {} s), so it was refreshed first:",
            saved.expires_in_secs(now).max(0),
            spotify_auth::core::token::REFRESH_MARGIN_SECS
        );
        println!(
            "  POST {}/api/token grant_type=refresh_token -> new access token {}",
            auth.config().accounts_url,
            token.access_token.secret()
        );
        println!("  saved to {}", token_file);
    }
    println!("Token ({}):", token_file);
    print!("{}", report::token_status(&token, now_secs()));
    println!("  scopes: {}", scope_list(&token.scopes));

    let api = auth.api();
    let mut sections = Sections::default();

    heading("Profile", &api, Endpoint::Me);
    let me = api.me()?;
    print!("{}", report::profile(&me));
    sections.ok += 1;

    heading("Playlists", &api, Endpoint::Playlists { limit });
    sections.record(
        "playlists",
        api.playlists(limit).map(|page| {
            println!("  {} in total, the first {}:", page.total, page.items.len());
            for playlist in &page.items {
                println!(
                    "  - {:<28} {:>4} tracks, by {}",
                    shown(&playlist.name),
                    playlist.tracks.as_ref().map_or(0, |t| t.total),
                    shown(
                        playlist
                            .owner
                            .as_ref()
                            .and_then(|o| o.display_name.as_deref())
                            .unwrap_or("?")
                    )
                );
            }
        }),
    )?;

    heading(
        "Saved shows (podcasts)",
        &api,
        Endpoint::SavedShows { limit },
    );
    sections.record(
        "saved shows",
        api.saved_shows(limit).map(|page| {
            println!("  {} in total, the first {}:", page.total, page.items.len());
            for saved in &page.items {
                println!(
                    "  - {:<28} by {}",
                    shown(&saved.show.name),
                    shown(saved.show.publisher.as_deref().unwrap_or("?"))
                );
            }
        }),
    )?;

    heading("Playback", &api, Endpoint::Playback);
    sections.record(
        "playback",
        api.playback().map(|playback| match playback {
            None => println!("  nothing is playing (204 No Content)"),
            Some(playback) => {
                let state = if playback.is_playing {
                    "playing"
                } else {
                    "paused"
                };
                match &playback.item {
                    Some(item) => match item.by() {
                        Some(by) => println!("  {state}: {} by {}", shown(&item.name), shown(&by)),
                        None => println!("  {state}: {}", shown(&item.name)),
                    },
                    None => println!("  {state}: (no item: an ad, or a private session)"),
                }
                if let Some(device) = &playback.device {
                    let mut about = Vec::new();
                    if let Some(kind) = &device.kind {
                        about.push(shown(kind));
                    }
                    if let Some(volume) = device.volume_percent {
                        about.push(format!("volume {volume}%"));
                    }
                    if about.is_empty() {
                        println!("  device: {}", shown(&device.name));
                    } else {
                        println!("  device: {} ({})", shown(&device.name), about.join(", "));
                    }
                }
                if let Some(progress) = playback.progress_ms {
                    match playback.item.as_ref().and_then(|i| i.duration_ms) {
                        Some(duration) => {
                            println!("  progress: {} of {}", minutes(progress), minutes(duration))
                        }
                        None => println!("  progress: {}", minutes(progress)),
                    }
                }
            }
        }),
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

fn scope_list(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "(none: public data only)".into()
    } else {
        scopes.join(" ")
    }
}

fn minutes(ms: u64) -> String {
    let secs = ms / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<u32> {
    let usage = "usage: step4_call_api [--limit N]";
    let mut limit = DEFAULT_LIMIT;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{usage}\nCalls the Web API with the token saved by step 2: profile, the first N playlists and saved shows (default {DEFAULT_LIMIT}, at most 50), playback.");
                std::process::exit(0);
            }
            "--limit" => {
                let value = args.next().unwrap_or_default();
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=50).contains(n))
                    .ok_or_else(|| {
                        Error::Config(format!(
                            "--limit `{value}` is not a number from 1 to 50: {usage}"
                        ))
                    })?;
            }
            _ => return Err(Error::Config(format!("unknown argument `{arg}`: {usage}"))),
        }
    }
    Ok(limit)
}
