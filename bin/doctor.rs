//! Checks the setup and says what to fix, one line per check.
//!
//! `cargo run --bin doctor`
//!
//! Looks at the environment and `.env` (each variable on its own, so every
//! problem shows at once), the client id and secret (the secret is never
//! shown, only its length), the redirect URI and the exact string to register,
//! whether its loopback port is free, the auth folder's permissions (a file
//! readable by others is made private again, and said so), and the saved
//! token: its scopes against `SPOTIFY_SCOPES`, its expiry and the refresh
//! token's six-month horizon. Nothing is sent over the network.
//!
//! Each line starts with `ok`, `note` (nothing to do), `warn` (look at it) or
//! `FAIL` (must be fixed); the exit status is 1 when a line says `FAIL`.

use spotify_auth::walkthrough::cli::{self, Args, Command};
use spotify_auth::walkthrough::doctor::{self, Inputs, Status};
use spotify_auth::{Error, Result};

const COMMAND: Command = Command {
    usage: "usage: doctor",
    about: "Checks the environment, .env, the redirect URI and its port, the auth folder and the saved token; exits 1 when something must be fixed.",
    options: &[],
    takes_plain: false,
};

fn main() -> std::process::ExitCode {
    cli::main_with_args(&COMMAND, run)
}

fn run(_: Args) -> Result<()> {
    println!("== spotify-auth doctor ==");
    let checks = doctor::run(&Inputs::from_process());
    for check in &checks {
        println!("{check}");
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.topic.as_str())
        .collect();
    let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
    if failed.is_empty() {
        if warned == 0 {
            println!("\nAll good: nothing to fix.");
        } else {
            println!("\nNothing must be fixed; {warned} warning(s) above are worth a look.");
        }
        return Ok(());
    }
    println!(
        "\n{} problem(s) to fix (the FAIL lines), then run doctor again.",
        failed.len()
    );
    let mut topics = failed.clone();
    topics.dedup();
    Err(Error::Config(format!(
        "{} check(s) failed ({}): fix them as the FAIL lines above say",
        failed.len(),
        topics.join(", ")
    )))
}
