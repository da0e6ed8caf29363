//! The offline sandbox in the foreground, for a person: put the printed lines
//! in `.env` and do the walkthrough in a real browser, with no account.
//!
//! `cargo run --bin sandbox -- --help` lists the switches.

use spotify_auth::core::redirect_uri::is_portless_loopback;
use spotify_auth::walkthrough::cli::{self, Command, Opt};
use spotify_auth::walkthrough::setup::DEFAULT_SCOPES;
use spotify_auth::{Error, Result};
use spotify_sandbox::{
    check_registrable_redirect_uri, Sandbox, SandboxOptions, DEFAULT_USER_ID, USER_IDS,
};

const USAGE: &str = "\
usage: sandbox [OPTIONS]

An offline stand-in for accounts.spotify.com and api.spotify.com on 127.0.0.1.
It accepts one registered app: client id 5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3,
client secret 9f8e7d6c5b4a39281706f5e4d3c2b1a0, redirect URI
http://127.0.0.1:8888/callback unless --redirect-uri registers others (it prints
them as SPOTIFY_* lines at start). Users: sandbox-user (the default, \"Sandbox
Listener\"), ada, grace, alan (not Premium) and edsger; the consent page lets
you pick one or type a new id. Codes and tokens live in its memory only: after
a restart it knows none of the tokens saved before.

options:
  --port N                 listen on 127.0.0.1:N (default 8899; 0 = any free port)
  --redirect-uri URI       register URI as the app's redirect URI instead of
                           http://127.0.0.1:8888/callback (repeatable: each one
                           given is registered; a loopback URI without a port,
                           such as http://127.0.0.1/callback, takes any port, as
                           on Spotify)
  --rotate-refresh-tokens  every refresh answers a new refresh token, revoking the old
  --withhold-scope SCOPE   never grant SCOPE even when asked (repeatable)
  --extended-quota         answer with the pre-2026 extended-quota shapes (full
                           /v1/me, playlists with tracks.total) instead of the
                           development-mode ones
  --not-allow-listed       the default user is not on the app's allow-list: every
                           Web API call answers 403 User not registered in the
                           Developer Dashboard (the other built-in users stay allowed)
  --allow-user ID          allow-list only the users given (repeatable)
  --no-active-device       no player has an active device: player commands answer
                           404 NO_ACTIVE_DEVICE, GET /v1/me/player 204
  --not-premium            the default user has no Premium: player commands answer
                           403 PREMIUM_REQUIRED
  -h, --help               this text

At run time: POST /__sandbox/{playing,active-device,premium,allowed}?on=BOOL[&user=ID],
POST /__sandbox/extended-quota?on=BOOL, GET /__sandbox/users (see sandbox/README.md).";
const DEFAULT_PORT: u16 = 8899;

fn main() -> std::process::ExitCode {
    cli::main(run)
}

fn run() -> Result<()> {
    let Some(options) = parse_args(std::env::args_os().skip(1))? else {
        return Ok(());
    };
    let port = options.port;
    let registered: Vec<String> = options
        .redirect_uris
        .iter()
        .map(|uri| describe_redirect_uri(uri))
        .collect();
    let sandbox = Sandbox::start(options).map_err(|e| {
        Error::Config(format!("cannot listen on 127.0.0.1:{port} ({e}): stop what uses it or pass --port 0 for any free port"))
    })?;
    println!(
        "\
spotify-auth SANDBOX: an offline stand-in for accounts.spotify.com and api.spotify.com
Listening on {} (127.0.0.1 only). Ctrl-C stops it.
Registered redirect URIs (--redirect-uri changes them): {}
It keeps codes and tokens in memory only: after a restart it knows none of the
tokens saved before (step 3 then says the refresh token is revoked): run step 1 again.

Put these lines in .env (or export them) so the step binaries and notebooks use it:",
        sandbox.url(),
        registered.join(", ")
    );
    for (name, value) in sandbox.env_vars() {
        println!("{name}={value}");
    }
    // Quoted: the value has spaces, and .env refuses them unquoted.
    println!("SPOTIFY_SCOPES=\"{DEFAULT_SCOPES}\"");
    println!();
    println!("Then: cargo run --bin step1_auth_url, open the URL in a browser, press Agree,");
    println!("paste the address the browser lands on into cargo run --bin step2_get_tokens.");
    loop {
        std::thread::park();
    }
}

/// `uri`, with `(any port)` after a loopback URI registered without one.
fn describe_redirect_uri(uri: &str) -> String {
    match is_portless_loopback(uri) {
        true => format!("{uri} (any port)"),
        false => uri.to_string(),
    }
}

const OPTIONS: &[Opt] = &[
    Opt::value(&["port"]),
    Opt::value(&["redirect-uri"]),
    Opt::switch(&["rotate-refresh-tokens"]),
    Opt::value(&["withhold-scope"]),
    Opt::switch(&["extended-quota"]),
    Opt::switch(&["not-allow-listed"]),
    Opt::value(&["allow-user"]),
    Opt::switch(&["no-active-device"]),
    Opt::switch(&["not-premium"]),
];

/// The options from `arguments`; `None` after `--help`.
fn parse_args(
    arguments: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Option<SandboxOptions>> {
    let command = Command {
        usage: USAGE,
        about: "",
        options: OPTIONS,
        takes_plain: false,
    };
    let Some(args) = cli::parse_args_from(&command, arguments)? else {
        return Ok(None);
    };
    let port = match args.value("port") {
        Some(port) => port
            .parse()
            .map_err(|_| Error::Config(format!("--port `{port}` is not a port number: {USAGE}")))?,
        None => DEFAULT_PORT,
    };
    let mut allow: Vec<String> = args.values("allow-user").map(String::from).collect();
    let not_allow_listed = args.has("not-allow-listed");
    if not_allow_listed && allow.is_empty() {
        allow = USER_IDS.iter().map(|id| id.to_string()).collect();
    }
    if not_allow_listed {
        allow.retain(|id| id != DEFAULT_USER_ID);
    }
    let mut options = SandboxOptions {
        port,
        rotate_refresh_tokens: args.has("rotate-refresh-tokens"),
        withhold_scopes: args.values("withhold-scope").map(String::from).collect(),
        extended_quota: args.has("extended-quota"),
        active_device: !args.has("no-active-device"),
        premium: !args.has("not-premium"),
        allowed_users: (not_allow_listed || !allow.is_empty()).then_some(allow),
        ..SandboxOptions::default()
    };
    for uri in args.values("redirect-uri") {
        check_registrable_redirect_uri(uri).map_err(Error::Config)?;
    }
    if args.has("redirect-uri") {
        options.redirect_uris = args.values("redirect-uri").map(String::from).collect();
    }
    Ok(Some(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> SandboxOptions {
        parse_args(args.iter().map(Into::into)).unwrap().unwrap()
    }

    #[test]
    fn switches_set_the_options() {
        let o = parse(&[]);
        assert_eq!(o.port, DEFAULT_PORT);
        assert!(!o.extended_quota && o.active_device && o.premium);
        assert_eq!(o.allowed_users, None);
        let o = parse(&["--extended-quota", "--no-active-device", "--not-premium"]);
        assert!(o.extended_quota && !o.active_device && !o.premium);
        let o = parse(&["--not-allow-listed"]);
        let allowed = o.allowed_users.unwrap();
        assert!(!allowed.iter().any(|u| u == DEFAULT_USER_ID));
        assert!(allowed.iter().any(|u| u == "ada"));
        let o = parse(&["--allow-user", "ada", "--allow-user", "grace"]);
        assert_eq!(o.allowed_users.unwrap(), ["ada", "grace"]);
        assert!(parse_args(["--allow-user".into()]).is_err());
        let o = parse(&[
            "--port=0",
            "--withhold-scope=user-read-email",
            "--allow-user=ada",
        ]);
        assert_eq!(o.port, 0);
        assert_eq!(o.withhold_scopes, ["user-read-email"]);
        assert_eq!(o.allowed_users.unwrap(), ["ada"]);
    }

    #[test]
    fn redirect_uris_are_registered_as_given() {
        assert_eq!(
            parse(&[]).redirect_uris,
            SandboxOptions::default().redirect_uris
        );
        let o = parse(&[
            "--redirect-uri",
            "http://127.0.0.1/callback",
            "--redirect-uri",
            "http://127.0.0.1:9999/cb",
        ]);
        assert_eq!(
            o.redirect_uris,
            ["http://127.0.0.1/callback", "http://127.0.0.1:9999/cb"]
        );
        assert_eq!(
            describe_redirect_uri("http://127.0.0.1/callback"),
            "http://127.0.0.1/callback (any port)"
        );
        let err = parse_args(
            ["--redirect-uri", "http://localhost:8888/callback"].map(std::ffi::OsString::from),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("never localhost"), "{err}");
    }

    #[test]
    fn usage_names_the_credentials_it_accepts() {
        let defaults = SandboxOptions::default();
        assert!(USAGE.contains(&defaults.client_id));
        assert!(USAGE.contains(&defaults.client_secret));
        assert!(USAGE.contains(&defaults.redirect_uris[0]));
        for id in USER_IDS {
            assert!(USAGE.contains(id), "{id}");
        }
    }
}
