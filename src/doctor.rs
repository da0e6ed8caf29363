//! Checks of the setup, one line each (used by the `doctor` binary, callable
//! from tests and notebooks): the environment and `.env`, the client id and
//! secret, the redirect URI and its port, the auth folder's permissions, and
//! the saved token (scopes, expiry, refresh-token horizon).
//!
//! Each variable is checked on its own, so every problem shows at once (the
//! steps stop at the first). Nothing is sent over the network. The client
//! secret is never shown, only its length. One thing is changed, and said so:
//! files under `SPOTIFY_AUTH_DIR` readable by others are made private again.

use crate::authorize::{PendingAuthorization, PENDING_FILE, PENDING_LIFETIME_SECS};
use crate::config::{self, Config, VARIABLES};
use crate::redirect_uri::{check_redirect_uri, loopback_socket, DEFAULT_REDIRECT_URI};
use crate::scopes::parse_scopes;
use crate::storage::{mode_of, set_mode, AuthDir};
use crate::token::{SavedToken, TOKEN_FILE};
use crate::{format_utc, now_secs};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Fine.
    Ok,
    /// Worth knowing; nothing to do (an expired access token, no token yet).
    Note,
    /// Works now, but look at it (a file that was readable by others, a
    /// refresh token about to die).
    Warn,
    /// Must be fixed before the steps can work.
    Fail,
}

impl Status {
    /// `ok`, `note`, `warn` or `FAIL`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Note => "note",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// How it came out.
    pub status: Status,
    /// What was checked: a variable's name, `.env`, `listener port`, ...
    pub topic: String,
    /// What was found and, unless `ok`, what to do.
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<4}  {}: {}",
            self.status.label(),
            self.topic,
            self.detail
        )
    }
}

/// What the checks look at.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The process environment's `SPOTIFY_*` variables (they win over `.env`).
    pub env: HashMap<String, String>,
    /// `SPOTIFY_*` variables of the environment whose value is not UTF-8
    /// (the tool cannot read them).
    pub env_not_unicode: Vec<String>,
    /// The `.env` file to read (`.env` in the current directory).
    pub dotenv_path: PathBuf,
    /// "Now", in seconds since the Unix epoch.
    pub now: u64,
}

impl Inputs {
    /// The real environment, `./.env` and the clock.
    pub fn from_process() -> Inputs {
        let mut env = HashMap::new();
        let mut env_not_unicode = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().map(str::to_string) else {
                continue;
            };
            if !name.starts_with("SPOTIFY_") {
                continue;
            }
            match value.into_string() {
                Ok(value) => {
                    env.insert(name, value);
                }
                Err(_) => env_not_unicode.push(name),
            }
        }
        Inputs {
            env,
            env_not_unicode,
            dotenv_path: PathBuf::from(".env"),
            now: now_secs(),
        }
    }
}

/// True when a check failed (the `doctor` binary then exits non-zero).
pub fn must_fix(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

/// Runs every check, in the order a user would fix things.
pub fn run(inputs: &Inputs) -> Vec<Check> {
    let mut out = Checks::default();
    let dotenv = check_dotenv(inputs, &mut out);
    for name in &inputs.env_not_unicode {
        out.push(
            Status::Fail,
            name,
            "is set in the environment but is not valid UTF-8, so the tool ignores it: set it again with plain characters",
        );
    }

    // Each variable's value as the tool sees it: the environment wins.
    let value_of = |name: &str| -> Option<(String, &'static str)> {
        if let Some(v) = inputs.env.get(name) {
            return Some((v.clone(), "from the environment"));
        }
        dotenv.values.get(name).map(|v| (v.clone(), "from .env"))
    };
    let set = |name: &str| value_of(name).filter(|(v, _)| !v.is_empty());

    check_client_id(set("SPOTIFY_CLIENT_ID"), &mut out);
    check_client_secret(set("SPOTIFY_CLIENT_SECRET"), &mut out);
    let redirect = check_redirect(set("SPOTIFY_REDIRECT_URI"), &mut out);
    let scopes = check_simple(
        "SPOTIFY_SCOPES",
        set("SPOTIFY_SCOPES"),
        &mut out,
        |value, source| {
            let scopes = parse_scopes(value);
            if scopes.is_empty() {
                format!("none asked for ({source}): only public data (the profile) can be read")
            } else {
                format!("{} ({} scopes, {source})", scopes.join(" "), scopes.len())
            }
        },
        "none asked for: only public data (the profile) can be read; step 4 wants user-read-private user-read-email playlist-read-private user-library-read user-read-playback-state",
    );
    for (name, default) in [
        ("SPOTIFY_ACCOUNTS_URL", config::DEFAULT_ACCOUNTS_URL),
        ("SPOTIFY_API_URL", config::DEFAULT_API_URL),
    ] {
        check_simple(
            name,
            set(name),
            &mut out,
            |value, source| {
                if value.trim_end_matches('/') == default {
                    format!("{value} ({source})")
                } else {
                    format!("{value} ({source}; not Spotify's {default}: a sandbox or a proxy)")
                }
            },
            &format!("{default} (default)"),
        );
    }
    let auth_dir = check_simple(
        "SPOTIFY_AUTH_DIR",
        set("SPOTIFY_AUTH_DIR"),
        &mut out,
        |value, source| format!("{value} ({source})"),
        &format!("{} (default)", config::DEFAULT_AUTH_DIR),
    );
    check_simple(
        "SPOTIFY_HTTP_TIMEOUT_SECS",
        set("SPOTIFY_HTTP_TIMEOUT_SECS"),
        &mut out,
        |value, source| format!("{value} s per request ({source})"),
        &format!(
            "{} s per request (default)",
            config::DEFAULT_HTTP_TIMEOUT_SECS
        ),
    );

    check_listener_port(redirect.as_deref(), &mut out);

    let dir = AuthDir::new(match &auth_dir {
        Some(value) => PathBuf::from(value),
        None if set("SPOTIFY_AUTH_DIR").is_none() => PathBuf::from(config::DEFAULT_AUTH_DIR),
        // A bad value was reported; look at nothing rather than a guess.
        None => return out.0,
    });
    check_permissions(&dir, &mut out);
    let wanted = scopes.map(|s| parse_scopes(&s));
    let client_id = set("SPOTIFY_CLIENT_ID").map(|(v, _)| v);
    let has_secret = set("SPOTIFY_CLIENT_SECRET").is_some();
    check_token(
        &dir,
        wanted.as_deref(),
        client_id.as_deref(),
        has_secret,
        inputs.now,
        &mut out,
    );
    check_pending(&dir, inputs.now, &mut out);
    out.0
}

#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, check: Check) {
        self.0.push(check);
    }

    fn push(&mut self, status: Status, topic: &str, detail: impl Into<String>) {
        let detail = detail.into();
        // Config's messages start with the variable's name, already the topic.
        let detail = match detail.strip_prefix(topic) {
            Some(rest) if rest.starts_with(' ') => rest.trim_start().to_string(),
            _ => detail,
        };
        self.0.push(Check {
            status,
            topic: topic.into(),
            detail,
        });
    }
}

/// `.env` as read: the values the tool would use, and each name's line.
#[derive(Default)]
struct Dotenv {
    values: HashMap<String, String>,
}

fn check_dotenv(inputs: &Inputs, out: &mut Checks) -> Dotenv {
    let path = &inputs.dotenv_path;
    let first = out.0.len();
    let mut bad_lines = 0;
    let text = match std::fs::read(path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(
                Status::Note,
                ".env",
                format!(
                    "no {} here: settings come from the environment only (copy .env.example to .env to keep them in one place)",
                    path.display()
                ),
            );
            None
        }
        Err(e) => {
            bad_lines += 1;
            out.push(
                Status::Fail,
                ".env",
                format!("cannot read {} ({e}): fix its permissions", path.display()),
            );
            None
        }
    };
    let present = text.is_some();
    let text = text.unwrap_or_default();
    let mut values = HashMap::new();
    let mut lines_of: HashMap<String, usize> = HashMap::new();
    // Line by line, so every bad line is reported (and none is echoed: a bad
    // line may hold the secret).
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let name = trimmed
            .trim_start_matches("export ")
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let parsed: Result<Vec<(String, String)>, _> =
            dotenvy::from_read_iter(std::io::Cursor::new(format!("{line}\n"))).collect();
        match parsed {
            Ok(pairs) => {
                for (key, value) in pairs {
                    let raw = line.split_once('=').map_or("", |(_, v)| v).trim();
                    // Quotes around a value with spaces are needed; around
                    // others they are harmless here, but worth knowing.
                    if key.starts_with("SPOTIFY_")
                        && raw.starts_with(['"', '\''])
                        && !value.starts_with(['"', '\''])
                        && !value.contains(char::is_whitespace)
                    {
                        out.push(
                            Status::Note,
                            ".env",
                            format!("line {number}: {key} is in quotes; they are removed when read, which is fine here (but other tools, e.g. docker --env-file, keep them)"),
                        );
                    }
                    if let Some(first) = lines_of.insert(key.clone(), number) {
                        out.push(
                            Status::Warn,
                            ".env",
                            format!("line {number}: {key} is set again (first on line {first}); the last one wins: keep one"),
                        );
                    }
                    values.insert(key, value);
                }
            }
            Err(_) => {
                bad_lines += 1;
                let hint = if line.matches('"').count() % 2 == 1
                    || line.matches('\'').count() % 2 == 1
                {
                    "a quote is not closed: remove the quotes or close them"
                } else if line.contains('=') {
                    "a space or special character in an unquoted value: wrap the value in double quotes"
                } else {
                    "no `=`: write NAME=value"
                };
                let name = if name.is_empty() { "?".into() } else { name };
                out.push(
                    Status::Fail,
                    ".env",
                    format!("line {number} ({name}) cannot be read ({hint}); every step refuses to start until it is fixed"),
                );
            }
        }
    }
    if present && bad_lines == 0 {
        let mut names: Vec<&String> = values
            .keys()
            .filter(|k| k.starts_with("SPOTIFY_"))
            .collect();
        names.sort();
        let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        out.push(
            Status::Ok,
            ".env",
            format!(
                "read {}: {}",
                path.display(),
                if names.is_empty() {
                    "no SPOTIFY_ variables".to_string()
                } else {
                    names.join(", ")
                }
            ),
        );
        // The summary before the notes about single lines.
        let summary = out.0.pop().expect("just pushed");
        out.0.insert(first, summary);
    }
    // Names this tool does not read: a typo leaves the real one unset.
    let mut unknown: Vec<(&str, &str)> = values
        .keys()
        .map(|k| (k.as_str(), ".env"))
        .chain(inputs.env.keys().map(|k| (k.as_str(), "the environment")))
        .filter(|(k, _)| k.starts_with("SPOTIFY_") && !VARIABLES.contains(k))
        .filter(|(k, _)| !k.starts_with("SPOTIFY_AUTH_FAIL") && !k.starts_with("SPOTIFY_NOTEBOOK"))
        .collect();
    unknown.sort();
    unknown.dedup_by_key(|(k, _)| *k);
    for (name, place) in unknown {
        let closest = VARIABLES
            .iter()
            .map(|v| (crate::scopes::edit_distance(name, v), *v))
            .min()
            .filter(|(d, _)| *d <= 4);
        let detail = match closest {
            Some((_, real)) => {
                format!("set in {place} but not read by this tool: did you mean {real}?")
            }
            None => format!(
                "set in {place} but not read by this tool (it reads {})",
                VARIABLES.join(", ")
            ),
        };
        out.push(Status::Warn, name, detail);
    }
    // The environment wins: say so when both disagree.
    let mut both: Vec<&String> = values
        .keys()
        .filter(|k| VARIABLES.contains(&k.as_str()))
        .filter(|k| {
            inputs
                .env
                .get(*k)
                .is_some_and(|v| Some(v) != values.get(*k))
        })
        .collect();
    both.sort();
    for name in both {
        out.push(
            Status::Note,
            name,
            format!(
                "set in the environment and on line {} of .env with another value: the environment's wins",
                lines_of.get(name).copied().unwrap_or(0)
            ),
        );
    }
    Dotenv { values }
}

/// Checks one variable alone with the same rules as [`Config::from_lookup`]
/// (a valid client id stands in for the others), so each is reported.
fn alone(name: &str, value: &str) -> Result<Config, String> {
    if value.contains(['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}']) {
        return Err(format!(
            "{name} contains typographic quotes (“ ” ‘ ’), probably from copying out of a document: retype the value with plain characters, without quotes"
        ));
    }
    const STAND_IN_ID: &str = "00000000000000000000000000000000";
    Config::from_lookup(|n| {
        if n == name {
            Some(value.to_string())
        } else if n == "SPOTIFY_CLIENT_ID" {
            Some(STAND_IN_ID.to_string())
        } else {
            None
        }
    })
    .map_err(|e| e.to_string())
}

fn check_client_id(value: Option<(String, &str)>, out: &mut Checks) {
    const NAME: &str = "SPOTIFY_CLIENT_ID";
    let Some((value, source)) = value else {
        out.push(
            Status::Fail,
            NAME,
            "not set: copy the client id of your app at https://developer.spotify.com/dashboard into .env (SPOTIFY_CLIENT_ID=...), or run `cargo run` to try the offline sandbox",
        );
        return;
    };
    match alone(NAME, &value) {
        Err(message) => out.push(Status::Fail, NAME, message),
        Ok(_) if value.len() != 32 || !value.bytes().all(|b| b.is_ascii_hexdigit()) => out.push(
            Status::Fail,
            NAME,
            format!(
                "`{value}` ({} characters, {source}) is not 32 hex characters like the dashboard's client ids: copy it again, whole",
                value.chars().count()
            ),
        ),
        Ok(_) => out.push(
            Status::Ok,
            NAME,
            format!("{value} (32 hex characters, {source})"),
        ),
    }
}

fn check_client_secret(value: Option<(String, &str)>, out: &mut Checks) {
    const NAME: &str = "SPOTIFY_CLIENT_SECRET";
    let Some((value, source)) = value else {
        out.push(
            Status::Note,
            NAME,
            "not set: steps 2 and 3 ask for it (hidden) when they need it; PKCE (step 1 --pkce) needs none",
        );
        return;
    };
    let length = value.chars().count();
    // The messages below name the variable and the length, never the value.
    match alone(NAME, &value) {
        Err(message) => out.push(Status::Fail, NAME, message),
        Ok(_) if length != 32 || !value.bytes().all(|b| b.is_ascii_hexdigit()) => out.push(
            Status::Warn,
            NAME,
            format!("set ({length} characters, {source}), but Spotify's secrets are 32 hex characters: copy it again from the dashboard (View client secret)"),
        ),
        Ok(_) => out.push(
            Status::Ok,
            NAME,
            format!("set ({length} characters, {source}; never shown)"),
        ),
    }
}

/// The redirect URI when it passes.
fn check_redirect(value: Option<(String, &str)>, out: &mut Checks) -> Option<String> {
    const NAME: &str = "SPOTIFY_REDIRECT_URI";
    let (value, source) = value.unwrap_or_else(|| (DEFAULT_REDIRECT_URI.into(), "default"));
    // Config's checks include check_redirect_uri.
    match alone(NAME, &value) {
        Err(message) => {
            out.push(Status::Fail, NAME, message);
            None
        }
        Ok(_) => {
            out.push(
                Status::Ok,
                NAME,
                format!("{value} ({source}): register exactly this string in the app's dashboard (Redirect URIs)"),
            );
            Some(value)
        }
    }
}

/// A variable with no rule beyond [`Config`]'s: its value when it passes.
fn check_simple(
    name: &str,
    value: Option<(String, &str)>,
    out: &mut Checks,
    describe: impl Fn(&str, &str) -> String,
    unset: &str,
) -> Option<String> {
    let Some((value, source)) = value else {
        out.push(Status::Ok, name, unset);
        return None;
    };
    match alone(name, &value) {
        Err(message) => {
            out.push(Status::Fail, name, message);
            None
        }
        Ok(_) => {
            out.push(Status::Ok, name, describe(&value, source));
            Some(value)
        }
    }
}

fn check_listener_port(redirect: Option<&str>, out: &mut Checks) {
    const TOPIC: &str = "listener port";
    let Some(uri) = redirect else {
        out.push(
            Status::Note,
            TOPIC,
            "not checked: fix SPOTIFY_REDIRECT_URI first",
        );
        return;
    };
    let Some(address) = check_redirect_uri(uri)
        .ok()
        .as_ref()
        .and_then(loopback_socket)
    else {
        out.push(
            Status::Ok,
            TOPIC,
            "none needed: the redirect URI is not a loopback http URI",
        );
        return;
    };
    let (ip, port) = (address.ip(), address.port());
    match std::net::TcpListener::bind(address) {
        Ok(listener) => {
            drop(listener);
            out.push(
                Status::Ok,
                TOPIC,
                format!("port {port} of {ip} is free for the redirect"),
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => out.push(
            Status::Fail,
            TOPIC,
            format!("port {port} of {ip} is taken by another program, which would receive the redirect: stop it (`ss -ltnp 'sport = :{port}'` shows which), or pick another port in SPOTIFY_REDIRECT_URI and register that URI in the dashboard"),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => out.push(
            Status::Fail,
            TOPIC,
            format!("cannot listen on port {port} of {ip} ({e}): ports below 1024 need privileges; use a port such as 8888 in SPOTIFY_REDIRECT_URI and register that URI in the dashboard"),
        ),
        Err(e) => out.push(
            Status::Fail,
            TOPIC,
            format!("cannot listen on port {port} of {ip} ({e}): use http://127.0.0.1:8888/callback (or another free port) in SPOTIFY_REDIRECT_URI and the dashboard"),
        ),
    }
}

fn check_permissions(dir: &AuthDir, out: &mut Checks) {
    const TOPIC: &str = "auth folder";
    let path = dir.path();
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            out.push(
                Status::Note,
                TOPIC,
                format!(
                    "{} does not exist yet: step 1 creates it, private (0700)",
                    path.display()
                ),
            );
            return;
        }
        Err(e) => {
            out.push(
                Status::Fail,
                TOPIC,
                format!(
                    "cannot look at {} ({e}): check SPOTIFY_AUTH_DIR",
                    path.display()
                ),
            );
            return;
        }
    };
    if !metadata.is_dir() {
        out.push(
            Status::Fail,
            TOPIC,
            format!(
                "{} is a file, not a folder: move it away or point SPOTIFY_AUTH_DIR elsewhere",
                path.display()
            ),
        );
        return;
    }
    if !cfg!(unix) {
        out.push(
            Status::Ok,
            TOPIC,
            format!(
                "{} exists (permissions are not checked on this system)",
                path.display()
            ),
        );
        return;
    }
    let mut fine = true;
    match mode_of(path) {
        Ok(0o700) => {}
        Ok(mode) if mode & 0o700 != 0o700 => {
            fine = false;
            out.push(
                Status::Fail,
                TOPIC,
                format!(
                    "{} is {mode:04o}: you cannot read, write or enter it; run `chmod 700 {}`",
                    path.display(),
                    path.display()
                ),
            );
        }
        Ok(mode) => {
            fine = false;
            out.add(tighten(
                path,
                mode,
                0o700,
                TOPIC,
                "other users could list it",
            ));
        }
        Err(e) => {
            fine = false;
            out.push(
                Status::Fail,
                TOPIC,
                format!("cannot read the permissions of {} ({e})", path.display()),
            );
        }
    }
    let mut files = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for file in entries {
        files += 1;
        let topic = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match mode_of(&file) {
            Ok(mode) if mode & 0o077 == 0 => {}
            Ok(mode) => {
                fine = false;
                let why = if topic == TOKEN_FILE {
                    "other users could read the tokens; if someone may have, remove the app's access at https://www.spotify.com/account/apps and authorize again with step 1"
                } else {
                    "other users could read it"
                };
                out.add(tighten(&file, mode, 0o600, &topic, why));
            }
            Err(e) => {
                fine = false;
                out.push(
                    Status::Fail,
                    &topic,
                    format!("cannot read its permissions ({e})"),
                );
            }
        }
    }
    if fine {
        out.push(
            Status::Ok,
            TOPIC,
            format!(
                "{} is private (0700), its {files} file(s) 0600",
                path.display()
            ),
        );
    }
}

/// Makes `path` private; the check says what was found and what was done.
fn tighten(path: &Path, mode: u32, wanted: u32, topic: &str, why: &str) -> Check {
    let (status, detail) = match set_mode(path, wanted) {
        Ok(()) => (
            Status::Warn,
            format!("{} was {mode:04o} ({why}): tightened to {wanted:04o}", path.display()),
        ),
        Err(e) => (
            Status::Fail,
            format!("{} is {mode:04o} ({why}) and could not be changed ({e}): run `chmod {wanted:o} {}`", path.display(), path.display()),
        ),
    };
    Check {
        status,
        topic: topic.into(),
        detail,
    }
}

fn check_token(
    dir: &AuthDir,
    wanted: Option<&[String]>,
    client_id: Option<&str>,
    has_secret: bool,
    now: u64,
    out: &mut Checks,
) {
    let token: SavedToken = match dir.read_json(TOKEN_FILE) {
        Ok(Some(token)) => token,
        Ok(None) => {
            out.push(
                Status::Note,
                "saved token",
                format!(
                    "none in {} yet: run step 1 (step1_auth_url), then step 2 (step2_get_tokens)",
                    dir.path().display()
                ),
            );
            return;
        }
        Err(e) => {
            out.push(Status::Fail, "saved token", e.to_string());
            return;
        }
    };
    let kind = if token.pkce {
        "PKCE"
    } else {
        "with the client secret"
    };
    out.push(
        Status::Ok,
        "saved token",
        format!(
            "{} (obtained {}, {kind})",
            dir.file(TOKEN_FILE).display(),
            format_utc(token.obtained_at)
        ),
    );
    if let Some(id) = client_id {
        if id != token.client_id {
            out.push(
                Status::Fail,
                "token client id",
                format!("the token belongs to client id {}, not to SPOTIFY_CLIENT_ID {id}: run step 1 again", token.client_id),
            );
        }
    }
    match wanted {
        None => out.push(
            Status::Note,
            "token scopes",
            format!(
                "{} (not compared: fix SPOTIFY_SCOPES first)",
                token.scopes.join(" ")
            ),
        ),
        Some(wanted) => {
            let missing = token.missing_scopes(wanted);
            if missing.is_empty() {
                let granted = if token.scopes.is_empty() {
                    "none (public data only)".to_string()
                } else {
                    token.scopes.join(" ")
                };
                out.push(
                    Status::Ok,
                    "token scopes",
                    format!("{granted}: everything SPOTIFY_SCOPES asks for"),
                );
            } else {
                out.push(
                    Status::Fail,
                    "token scopes",
                    format!("the token lacks {}, which SPOTIFY_SCOPES asks for: run step 1 again (then step 2) to authorize them", missing.join(" ")),
                );
            }
        }
    }
    let left = token.expires_in_secs(now);
    if left > 0 {
        out.push(
            Status::Ok,
            "access token",
            format!(
                "expires at {} ({} min left)",
                format_utc(token.expires_at),
                left / 60
            ),
        );
    } else {
        out.push(
            Status::Note,
            "access token",
            format!("expired at {} (normal after an hour): step 3, or step 4 by itself, gets a new one; nothing to fix", format_utc(token.expires_at)),
        );
    }
    let horizon = token.refresh_token_expires_at();
    let days_left = horizon.saturating_sub(now) / 86_400;
    if now >= horizon {
        out.push(
            Status::Fail,
            "refresh token",
            format!("died at about {} (six months after the consent of {}): authorize again with step 1", format_utc(horizon), format_utc(token.consented_at)),
        );
    } else if horizon - now < 14 * 86_400 {
        out.push(
            Status::Warn,
            "refresh token",
            format!("dies at about {} ({days_left} days left, six months after the consent): authorize again with step 1 soon", format_utc(horizon)),
        );
    } else {
        out.push(
            Status::Ok,
            "refresh token",
            format!(
                "valid until about {} ({days_left} days left, six months after the consent of {})",
                format_utc(horizon),
                format_utc(token.consented_at)
            ),
        );
    }
    if !token.pkce && !has_secret {
        out.push(
            Status::Note,
            "refreshing",
            "this token was obtained with the client secret, so refreshing needs it: set SPOTIFY_CLIENT_SECRET, or step 3 asks for it",
        );
    }
}

fn check_pending(dir: &AuthDir, now: u64, out: &mut Checks) {
    match dir.read_json::<PendingAuthorization>(PENDING_FILE) {
        Ok(Some(pending)) => {
            let age = pending.age_secs(now);
            if age > PENDING_LIFETIME_SECS {
                out.push(
                    Status::Note,
                    "pending authorization",
                    format!("from step 1, {} min old, so its code has expired: run step 1 again when you want a new token", age / 60),
                );
            } else {
                out.push(
                    Status::Note,
                    "pending authorization",
                    format!("from step 1, {} s old: open its URL, press Agree and give the redirect to step 2 within 10 minutes", age),
                );
            }
        }
        Ok(None) => {}
        Err(e) => out.push(Status::Fail, "pending authorization", e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(dir: &Path, env: &[(&str, &str)]) -> Inputs {
        Inputs {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            env_not_unicode: Vec::new(),
            dotenv_path: dir.join(".env"),
            now: now_secs(),
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("spotify-auth-doctor-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn find<'a>(checks: &'a [Check], topic: &str) -> Vec<&'a Check> {
        checks.iter().filter(|c| c.topic == topic).collect()
    }

    #[test]
    fn every_bad_variable_is_reported_and_the_secret_never_shown() {
        let dir = temp("vars");
        let auth = dir.join("auth");
        let checks = run(&inputs(
            &dir,
            &[
                ("SPOTIFY_CLIENT_ID", "abc"),
                ("SPOTIFY_CLIENT_SECRET", " s3cr3t-value"),
                ("SPOTIFY_REDIRECT_URI", "http://localhost:8888/callback"),
                ("SPOTIFY_SCOPES", "user-read-privat"),
                ("SPOTIFY_AUTH_DIR", auth.to_str().unwrap()),
                ("SPOTIFY_CLIENTSECRET", "x"),
            ],
        ));
        let text: Vec<String> = checks.iter().map(ToString::to_string).collect();
        let text = text.join("\n");
        assert!(!text.contains("s3cr3t"), "{text}");
        for topic in [
            "SPOTIFY_CLIENT_ID",
            "SPOTIFY_CLIENT_SECRET",
            "SPOTIFY_REDIRECT_URI",
            "SPOTIFY_SCOPES",
        ] {
            assert_eq!(find(&checks, topic)[0].status, Status::Fail, "{text}");
        }
        assert!(
            text.contains("use http://127.0.0.1:8888/callback instead"),
            "{text}"
        );
        assert!(text.contains("did you mean `user-read-private`"), "{text}");
        assert!(
            text.contains("did you mean SPOTIFY_CLIENT_SECRET?"),
            "{text}"
        );
        assert!(must_fix(&checks));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_dotenv_lines_are_named_without_their_content() {
        let dir = temp("dotenv");
        std::fs::write(
            dir.join(".env"),
            "SPOTIFY_CLIENT_ID=\"5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3\"\nSPOTIFY_CLIENT_SECRET='s3cr3t\nSPOTIFY_SCOPES=user-read-private user-read-email\n",
        )
        .unwrap();
        let checks = run(&inputs(
            &dir,
            &[("SPOTIFY_AUTH_DIR", dir.join("a").to_str().unwrap())],
        ));
        let text: Vec<String> = checks.iter().map(ToString::to_string).collect();
        let text = text.join("\n");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            text.contains("line 2 (SPOTIFY_CLIENT_SECRET) cannot be read (a quote is not closed"),
            "{text}"
        );
        assert!(
            text.contains("line 3 (SPOTIFY_SCOPES) cannot be read (a space"),
            "{text}"
        );
        assert!(
            text.contains("line 1: SPOTIFY_CLIENT_ID is in quotes"),
            "{text}"
        );
        assert_eq!(
            find(&checks, "SPOTIFY_CLIENT_ID")[0].status,
            Status::Ok,
            "{text}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
