//! `cargo run --bin web_app [-- --addr 127.0.0.1:8888]`: the web app, against
//! Spotify when `SPOTIFY_CLIENT_ID` is set, else against the in-process sandbox.

use spotify_auth::walkthrough::cli::{self, Command, Opt};
use spotify_auth::Settings;
use std::net::SocketAddr;
use std::process::ExitCode;
use web_app::server::{self, ServerLimits};
use web_app::{listen_addr, request_log};

const USAGE: &str = "usage: web_app [--addr HOST:PORT] [--web-playback] [--forget-sealed-tokens]   (default 127.0.0.1:8888)";

const ABOUT: &str = "--web-playback (or WEB_PLAYBACK=1): a \"Play in this browser\" card (Spotify's Web Playback SDK;
Premium, and the scopes streaming user-read-email user-read-private asked at /login).
--forget-sealed-tokens: when the database was sealed with another key (the key file or
SPOTIFY_TOKEN_KEY was lost or changed), sign everyone out and delete the sealed rows.

Settings come from the environment, then .env: SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET,
SPOTIFY_REDIRECT_URI (default http://ADDR/callback), SPOTIFY_SCOPES, SPOTIFY_ACCOUNTS_URL,
SPOTIFY_API_URL, SPOTIFY_AUTH_DIR, DATABASE_URL (sqlite://FILE or postgres://USER@HOST:PORT/DB),
SPOTIFY_TOKEN_KEY (the same for every replica), WEB_PLAYBACK (1 or 0), WEB_APP_REFRESH_LOCK (row|lease, PostgreSQL),
WEB_APP_DB_POOL (PostgreSQL connections, 16), WEB_APP_SESSION_CACHE_MS (1000; 0 = off),
WEB_APP_HEAD_TIMEOUT_SECS (10), WEB_APP_IDLE_TIMEOUT_SECS (60), WEB_APP_MAX_CONNECTIONS
(3/4 of `ulimit -n`), RUST_LOG (warn,web_app=info),
WEB_APP_PKCE_ONLY (1: log in with PKCE alone, without the secret), WEB_APP_SWEEP_SECS (60).
With no SPOTIFY_CLIENT_ID it plays against the offline sandbox.";

fn main() -> ExitCode {
    let result = run();
    // The log's last batch, written before the process ends.
    request_log::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

const OPTIONS: &[Opt] = &[
    Opt::value(&["addr"]),
    Opt::switch(&["web-playback"]),
    Opt::switch(&["forget-sealed-tokens"]),
];

fn run() -> Result<(), String> {
    // The command line through the walkthrough's parser (`--name value` and
    // `--name=value`, `--help`); nothing more to do after `--help`.
    let command = Command {
        usage: USAGE,
        about: ABOUT,
        options: OPTIONS,
        takes_plain: false,
    };
    let Some(args) = cli::parse_args(&command).map_err(|e| e.to_string())? else {
        return Ok(());
    };
    let addr = args.value("addr").unwrap_or("127.0.0.1:8888");
    let addr: SocketAddr = addr.parse().map_err(|_| {
        format!("--addr `{addr}` is not HOST:PORT with an IP address, e.g. 127.0.0.1:8888")
    })?;
    let web_playback = args.has("web-playback");
    let options = web_app::StartOptions {
        forget_sealed_tokens: args.has("forget-sealed-tokens"),
    };
    let settings = Settings::read(std::path::Path::new(".env")).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let lookup = |name: &str| settings.get(name);
    request_log::init(lookup("RUST_LOG").as_deref())?;
    let limits = ServerLimits::from_lookup(lookup)?;
    // Checked before anything starts: an app that cannot receive its
    // redirect URI would fail every login.
    let redirect_uri = lookup("SPOTIFY_REDIRECT_URI");
    if let Some(uri) = &redirect_uri {
        if let Some(warning) = listen_addr::check(addr, uri)? {
            println!("{warning}");
        }
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| listen_addr::busy_message(addr, &e, redirect_uri.is_some()))?;
        let lookup = |name: &str| match name {
            "WEB_PLAYBACK" if web_playback => Some("1".to_string()),
            _ => settings.get(name),
        };
        let prepared = web_app::prepare_with(lookup, addr, options).await?;
        for note in &prepared.notes {
            println!("{note}");
        }
        println!("web_app listening: open http://{addr}/ (Ctrl-C stops it)");
        server::serve(listener, prepared.app, limits, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
        drop(prepared.sandbox);
        Ok(())
    })
}
