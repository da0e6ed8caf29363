//! `cargo run --bin web_app [-- --addr 127.0.0.1:8888]`: the web app, against
//! Spotify when `SPOTIFY_CLIENT_ID` is set, else against the in-process sandbox.

use spotify_auth::Settings;
use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str =
    "usage: web_app [--addr HOST:PORT] [--forget-sealed-tokens]   (default 127.0.0.1:8888)

--forget-sealed-tokens: when the database was sealed with another key (the key file or
SPOTIFY_TOKEN_KEY was lost or changed), sign everyone out and delete the sealed rows.

Settings come from the environment, then .env: SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET,
SPOTIFY_REDIRECT_URI (default http://ADDR/callback), SPOTIFY_SCOPES, SPOTIFY_ACCOUNTS_URL,
SPOTIFY_API_URL, SPOTIFY_AUTH_DIR, DATABASE_URL (sqlite://FILE or postgres://USER@HOST:PORT/DB),
SPOTIFY_TOKEN_KEY (the same for every replica), WEB_APP_REFRESH_LOCK (row|lease, PostgreSQL),
WEB_APP_DB_POOL (PostgreSQL connections, 16), WEB_APP_SESSION_CACHE_MS (1000; 0 = off),
WEB_APP_PKCE_ONLY (1: log in with PKCE alone, without the secret), WEB_APP_SWEEP_SECS (60).
With no SPOTIFY_CLIENT_ID it plays against the offline sandbox.";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<Option<(SocketAddr, web_app::StartOptions)>, String> {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:8888".to_string();
    let mut options = web_app::StartOptions::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--forget-sealed-tokens" => options.forget_sealed_tokens = true,
            "--addr" => {
                addr = args
                    .next()
                    .ok_or("--addr needs HOST:PORT, e.g. 127.0.0.1:8888")?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => match other.strip_prefix("--addr=") {
                Some(value) => addr = value.to_string(),
                None => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            },
        }
    }
    let addr = addr.parse().map_err(|_| {
        format!("--addr `{addr}` is not HOST:PORT with an IP address, e.g. 127.0.0.1:8888")
    })?;
    Ok(Some((addr, options)))
}

fn run() -> Result<(), String> {
    let Some((addr, options)) = parse_args()? else {
        return Ok(());
    };
    let settings = Settings::read(web_app::startup::dotenv_path()).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            format!("cannot listen on {addr}: {e} (is another web_app running? choose another with --addr)")
        })?;
        let prepared = web_app::prepare_with(|name| settings.get(name), addr, options).await?;
        for note in &prepared.notes {
            println!("{note}");
        }
        println!("web_app listening: open http://{addr}/ (Ctrl-C stops it)");
        axum::serve(listener, prepared.app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| format!("the server stopped: {e}"))?;
        drop(prepared.sandbox);
        Ok(())
    })
}
