//! The offline sandbox in the foreground, for a person: put the printed lines
//! in `.env` and do the walkthrough in a real browser, with no account.
//!
//! `cargo run --bin sandbox -- [--port N] [--rotate-refresh-tokens] [--withhold-scope SCOPE]`

use spotify_auth::walkthrough::cli;
use spotify_auth::{Error, Result};
use spotify_sandbox::{Sandbox, SandboxOptions};

const USAGE: &str = "usage: sandbox [--port N (default 8899; 0 = any free port)] [--rotate-refresh-tokens] [--withhold-scope SCOPE]";
const DEFAULT_PORT: u16 = 8899;

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    let options = parse_args(cli::args()?.into_iter())?;
    let port = options.port;
    let sandbox = Sandbox::start(options).map_err(|e| {
        Error::Config(format!("cannot listen on 127.0.0.1:{port} ({e}): stop what uses it or pass --port 0 for any free port"))
    })?;
    println!(
        "spotify-auth SANDBOX: an offline stand-in for accounts.spotify.com and api.spotify.com"
    );
    println!(
        "Listening on {} (127.0.0.1 only). Ctrl-C stops it.",
        sandbox.url()
    );
    println!();
    println!("Put these lines in .env (or export them) so the step binaries and notebooks use it:");
    for (name, value) in sandbox.env_vars() {
        println!("{name}={value}");
    }
    println!();
    println!("Then: cargo run --bin step1_auth_url, open the URL in a browser, press Agree,");
    println!("paste the address the browser lands on into cargo run --bin step2_get_tokens.");
    loop {
        std::thread::park();
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<SandboxOptions> {
    let mut options = SandboxOptions {
        port: DEFAULT_PORT,
        ..SandboxOptions::default()
    };
    let value = |flag: &str, args: &mut dyn Iterator<Item = String>| {
        args.next()
            .ok_or_else(|| Error::Config(format!("{flag} needs a value: {USAGE}")))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let port = value("--port", &mut args)?;
                options.port = port.parse().map_err(|_| {
                    Error::Config(format!("--port `{port}` is not a port number: {USAGE}"))
                })?;
            }
            "--rotate-refresh-tokens" => options.rotate_refresh_tokens = true,
            "--withhold-scope" => options
                .withhold_scopes
                .push(value("--withhold-scope", &mut args)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                return Err(Error::Config(format!(
                    "unknown argument `{other}`: {USAGE}"
                )))
            }
        }
    }
    Ok(options)
}
