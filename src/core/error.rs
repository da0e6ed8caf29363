//! The one error type of the library, for every step.
//!
//! Each variant means one thing, so a program can act on it (a web server
//! sends a user back to log in on [`Error::RefreshTokenRevoked`], a binary
//! asks for the secret on [`Error::MissingClientSecret`]). The `Display` text
//! names the cause and the setting to fix; it never names a binary or a flag:
//! the walkthrough layer (`crate::walkthrough::message`) adds those.

use std::fmt;
use std::path::PathBuf;

/// All steps: a boxed inner error, kept as [`std::error::Error::source`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// All steps: everything that can go wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is malformed (an environment variable, a line of
    /// `.env`, a command-line argument). The message names it and the fix.
    Config(String),
    /// `SPOTIFY_CLIENT_ID` is not set.
    MissingClientId,
    /// The client secret is needed (a grant without PKCE) and none was given.
    MissingClientSecret,
    /// The client secret was asked for and the answer was empty.
    EmptyClientSecret,
    /// The redirect URI breaks one of Spotify's rules (since 2025: `http` only
    /// for `127.0.0.1` or `[::1]`, never `localhost`, `https` otherwise).
    RedirectUri(String),
    /// Step 1: a scope that Spotify does not know; `suggestion` is the closest real one.
    UnknownScope {
        /// The scope as given.
        scope: String,
        /// The nearest real scope, when one is close enough.
        suggestion: Option<String>,
    },
    /// The operating system's random source failed (step 1's `state` and PKCE verifier).
    RandomSource(BoxError),
    /// Step 2: the pasted redirect could not be used: empty, garbage, too
    /// large, no `code`, a `state` that does not match. No token request was sent.
    Paste(String),
    /// Step 2: the user pressed Cancel on Spotify's consent page
    /// (`error=access_denied`), or Spotify redirected back with another error code.
    AuthorizationDenied {
        /// The `error` query parameter (`access_denied`, ...).
        error: String,
    },
    /// Step 2 ran without a pending authorization from step 1.
    NoPendingAuthorization {
        /// Where it was looked for (the store's location, e.g. an absolute file path).
        location: String,
    },
    /// Step 2: the pending authorization is older than 10 minutes: its code has expired.
    PendingAuthorizationExpired {
        /// Its age in seconds.
        age_secs: u64,
    },
    /// Step 2: the redirect's code was already traded, and the token it gave is saved.
    CodeAlreadyTraded {
        /// Where the token is (the store's location).
        location: String,
    },
    /// No saved token: step 2 has not completed (or its token was discarded).
    NoSavedToken {
        /// Where it was looked for (the store's location, e.g. an absolute file path).
        location: String,
    },
    /// The saved token lacks scopes that the configuration asks for.
    MissingScopes(Vec<String>),
    /// `invalid_client`: the client id or secret is wrong.
    InvalidClient(String),
    /// Step 2: `invalid_grant` / `Invalid authorization code`: the code was already used or has expired.
    InvalidAuthorizationCode,
    /// Step 2: `invalid_grant` / `Invalid redirect URI`: the redirect URI differs from step 1's.
    RedirectUriMismatch,
    /// Step 2: `invalid_grant` / `code_verifier was incorrect` (PKCE).
    CodeVerifierIncorrect,
    /// Step 3: `invalid_grant` / `Refresh token revoked`: the refresh token is
    /// dead (revoked, or six months past the consent). The saved token was discarded.
    RefreshTokenRevoked,
    /// Any other `{"error", "error_description"}` answer of the accounts service.
    AccountsError {
        /// HTTP status.
        status: u16,
        /// The `error` field.
        error: String,
        /// The `error_description` field.
        description: String,
    },
    /// A Web API error answer (`{"error":{"status","message"}}`) other than the
    /// specific ones below.
    Api {
        /// HTTP status.
        status: u16,
        /// Spotify's message.
        message: String,
    },
    /// The Web API refused the token for lack of a scope (403) or the token is
    /// not accepted (401).
    ApiUnauthorized {
        /// HTTP status (401 or 403).
        status: u16,
        /// Spotify's message.
        message: String,
        /// The scope the endpoint needs, when one is known.
        needed_scope: Option<String>,
    },
    /// The saved token lacks the scope an endpoint needs; found before sending.
    ScopeNotGranted {
        /// The scope the endpoint needs.
        scope: String,
        /// The HTTP method of the request that was not sent (`GET`, `PUT`, `POST`).
        method: &'static str,
        /// The endpoint.
        url: String,
    },
    /// 403 `User not registered in the Developer Dashboard`: the app is in
    /// development mode and this user is not on its allow-list.
    UserNotRegistered,
    /// 404 with `reason` `NO_ACTIVE_DEVICE`: a player command found no device
    /// playing (or paused) for this user.
    NoActiveDevice,
    /// 403 with `reason` `PREMIUM_REQUIRED`: player commands need Spotify Premium.
    PremiumRequired,
    /// An app-only token (Client Credentials) was used where a user is needed
    /// (`/v1/me...`): the service refused it, or it was caught before sending.
    UserTokenRequired {
        /// HTTP status of the refusal (401), or `None` when caught before sending.
        status: Option<u16>,
        /// The endpoint.
        url: String,
    },
    /// A Spotify id (of an artist, ...) that is not 22 base-62 characters;
    /// found before sending.
    InvalidSpotifyId {
        /// What kind of id (`artist`).
        kind: &'static str,
        /// The id as given (printable).
        id: String,
    },
    /// 404 for a catalogue object (an artist id that Spotify does not know).
    NotFound {
        /// What kind of object (`artist`).
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// The service answered 429 too many times in a row.
    RateLimited {
        /// The last `Retry-After` in seconds, when given.
        retry_after_secs: Option<u64>,
    },
    /// The service answered a 5xx status.
    ServerError {
        /// HTTP status.
        status: u16,
        /// The endpoint.
        url: String,
    },
    /// The answer was not the JSON expected (an HTML page, missing fields).
    UnexpectedResponse(String),
    /// No answer within the time limit, which bounds the whole call: every
    /// try and every wait between tries.
    Timeout {
        /// The endpoint.
        url: String,
        /// The limit in seconds.
        secs: u64,
        /// How many tries were made within it.
        tries: u32,
    },
    /// The service could not be reached or dropped the connection.
    Connection {
        /// The endpoint.
        url: String,
        /// What the operating system or HTTP client said, in a few words.
        detail: String,
        /// The transport's own error, when there is one.
        source: Option<BoxError>,
    },
    /// The HTTP client could not be set up (TLS libraries).
    HttpClient(BoxError),
    /// Reading or writing a file of the token store failed.
    Storage {
        /// What was being done: `read`, `write`, `create`, `lock`, ...
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The store's folder (`SPOTIFY_AUTH_DIR`).
        dir: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The store's folder is not safe to keep tokens in: owned by another
    /// user, or writable by others (who could plant files or links in it).
    UnsafeAuthDir {
        /// The folder.
        path: PathBuf,
        /// What is wrong, and the command that fixes it.
        problem: String,
    },
    /// A file of the token store is not the JSON it should be.
    DamagedFile {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// The loopback listener could not start or gave up
    /// (redirect URI not loopback, port taken, timeout).
    Listener(String),
}

/// All steps: text from outside (a redirect, a service's answer) made safe to print on
/// one line: control and direction-changing characters escaped, at most `max`
/// characters kept.
pub fn printable(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == max {
            out.push('…');
            break;
        }
        let invisible = matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
        if c.is_control() || invisible {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// All steps: `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) | Error::RedirectUri(m) | Error::Paste(m) | Error::Listener(m) => {
                f.write_str(m)
            }
            Error::MissingClientId => f.write_str(
                "SPOTIFY_CLIENT_ID is not set: copy the client id from your app at https://developer.spotify.com/dashboard into .env",
            ),
            Error::MissingClientSecret => f.write_str(
                "SPOTIFY_CLIENT_SECRET is not set: put it in .env or the environment (from the app's dashboard), or use PKCE, which needs no secret",
            ),
            Error::EmptyClientSecret => f.write_str(
                "the client secret typed was empty: type it again (copy it from the app's dashboard, View client secret), or set SPOTIFY_CLIENT_SECRET, or use PKCE, which needs no secret",
            ),
            Error::UnknownScope { scope, suggestion: Some(s) } => write!(
                f,
                "unknown scope `{scope}`: did you mean `{s}`? Fix SPOTIFY_SCOPES"
            ),
            Error::UnknownScope { scope, suggestion: None } => write!(
                f,
                "unknown scope `{scope}`: see https://developer.spotify.com/documentation/web-api/concepts/scopes and fix SPOTIFY_SCOPES"
            ),
            Error::RandomSource(e) => write!(f, "the operating system's random source failed ({e})"),
            Error::AuthorizationDenied { error } if error == "access_denied" => f.write_str(
                "authorization denied (error=access_denied): Cancel was pressed on Spotify's consent page; run step 1 again and press Agree",
            ),
            Error::AuthorizationDenied { error } => write!(
                f,
                "Spotify redirected back with error={}: check the app settings in the dashboard and run step 1 again",
                printable(error, 60)
            ),
            Error::NoPendingAuthorization { location } => write!(
                f,
                "no pending authorization: run step 1 first (from the same folder, or with the same SPOTIFY_AUTH_DIR), open its URL, then give step 2 the redirect; none is in {location}"
            ),
            Error::PendingAuthorizationExpired { age_secs } => write!(
                f,
                "the pending authorization from step 1 is {} min old and has expired (it lasts 10 min, like the code it brings back): run step 1 again",
                age_secs / 60
            ),
            Error::CodeAlreadyTraded { location } => write!(
                f,
                "this redirect's code was already traded for a token (a code works once), which is saved in {location}"
            ),
            Error::NoSavedToken { location } => write!(
                f,
                "no saved token: run step 1 and step 2 first (from the same folder, or with the same SPOTIFY_AUTH_DIR); none is in {location}"
            ),
            Error::MissingScopes(scopes) => write!(
                f,
                "the saved token was not granted {}, which SPOTIFY_SCOPES asks for: run step 1 again to authorize them",
                scopes.join(" ")
            ),
            Error::InvalidClient(desc) => write!(
                f,
                "invalid_client ({desc}): SPOTIFY_CLIENT_ID or SPOTIFY_CLIENT_SECRET is wrong; copy both from the app's dashboard, without quotes or spaces"
            ),
            Error::InvalidAuthorizationCode => f.write_str(
                "invalid_grant (Invalid authorization code): the code was already used or has expired; run step 1 again for a fresh one",
            ),
            Error::RedirectUriMismatch => f.write_str(
                "invalid_grant (Invalid redirect URI): SPOTIFY_REDIRECT_URI differs from the one used in step 1 or registered in the dashboard; make them identical and run step 1 again",
            ),
            Error::CodeVerifierIncorrect => f.write_str(
                "invalid_grant (code_verifier was incorrect): the PKCE verifier does not match step 1's; run step 1 again with PKCE",
            ),
            Error::RefreshTokenRevoked => f.write_str(
                "invalid_grant (Refresh token revoked): the refresh token is revoked or past its six months; the saved token was discarded, authorize again with step 1",
            ),
            Error::AccountsError { status, error, description } => write!(
                f,
                "the accounts service answered {status} {error} ({description})"
            ),
            Error::Api { status, message } => write!(f, "the Web API answered {status}: {message}"),
            Error::ApiUnauthorized { status, message, needed_scope: Some(scope) } => write!(
                f,
                "the Web API answered {status} ({message}): the token lacks the scope `{scope}`; add it to SPOTIFY_SCOPES and run step 1 again"
            ),
            Error::ApiUnauthorized { status, message, needed_scope: None } => write!(
                f,
                "the Web API answered {status} ({message}): run step 3 to refresh the token, or step 1 to authorize again"
            ),
            Error::ScopeNotGranted { scope, method, url } => write!(
                f,
                "{method} {url} needs the scope `{scope}`, which the saved token was not granted (checked before sending, nothing was sent): add {scope} to SPOTIFY_SCOPES and run step 1 again"
            ),
            Error::UserNotRegistered => f.write_str(
                "the Web API answered 403 User not registered in the Developer Dashboard: the app is in development mode and serves only the users on its allow-list; in the app's dashboard (https://developer.spotify.com/dashboard) open User Management and add this user's name and Spotify e-mail address (at most 5 users; the app's owner needs Spotify Premium)",
            ),
            Error::NoActiveDevice => f.write_str(
                "no active device (404 NO_ACTIVE_DEVICE): start playing something on a device first (the phone or desktop app, or the web player at https://open.spotify.com), then try again",
            ),
            Error::PremiumRequired => f.write_str(
                "playback control needs Spotify Premium (403 PREMIUM_REQUIRED): this user's account is not Premium; reading the playback state and the devices works without it",
            ),
            Error::UserTokenRequired { status: Some(status), url } => write!(
                f,
                "{url} answered {status} (This request requires user authentication): an app-only token (Client Credentials) has no user, so it cannot read a user's data; get a user's token with the Authorization Code flow (steps 1 and 2)"
            ),
            Error::UserTokenRequired { status: None, url } => write!(
                f,
                "{url} is a user's data and an app-only token (Client Credentials) has no user (checked before sending): get a user's token with the Authorization Code flow (steps 1 and 2)"
            ),
            Error::InvalidSpotifyId { kind, id } => write!(
                f,
                "`{id}` is not a Spotify {kind} id (22 characters of 0-9, a-z, A-Z, e.g. 0OdUWJ0sBjDrqHygGUXeCF; the part after spotify:{kind}: or open.spotify.com/{kind}/)"
            ),
            Error::NotFound { kind, id } => write!(
                f,
                "the Web API answered 404: no {kind} has the id {id}; check it (copy it from open.spotify.com/{kind}/...)"
            ),
            Error::RateLimited { retry_after_secs } => match retry_after_secs {
                Some(s) => write!(f, "rate limited (429, Retry-After {s} s) after several tries: wait and run again"),
                None => f.write_str("rate limited (429) after several tries: wait half a minute and run again"),
            },
            Error::ServerError { status, url } => write!(
                f,
                "{url} answered {status}, a server error: the service has trouble, try again in a minute"
            ),
            Error::UnexpectedResponse(m) => write!(f, "unexpected answer: {m}"),
            Error::Timeout { url, secs, tries } => write!(
                f,
                "{url} did not answer within {secs} s ({tries} {}): check the network (or SPOTIFY_ACCOUNTS_URL / SPOTIFY_API_URL) and try again",
                if *tries == 1 { "try" } else { "tries" }
            ),
            Error::Connection { url, detail, .. } => write!(
                f,
                "could not reach {url} ({detail}): check the network, SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL"
            ),
            Error::HttpClient(e) => write!(
                f,
                "cannot set up the HTTP client ({e}): check the system's TLS libraries"
            ),
            Error::Storage { action, path, dir, source } => write!(
                f,
                "cannot {action} {} ({source}): check that SPOTIFY_AUTH_DIR ({}) is a folder you can write",
                path.display(),
                dir.display()
            ),
            Error::UnsafeAuthDir { path, problem } => write!(
                f,
                "refusing the auth folder {} (SPOTIFY_AUTH_DIR): {problem}",
                path.display()
            ),
            Error::DamagedFile { path, source } => write!(
                f,
                "{} is damaged ({source}): delete it and run step 1 again",
                path.display()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::RandomSource(e) | Error::HttpClient(e) => Some(e.as_ref()),
            Error::Connection {
                source: Some(e), ..
            } => Some(e.as_ref()),
            Error::Storage { source, .. } => Some(source),
            Error::DamagedFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_forge_lines_or_escape_sequences() {
        assert_eq!(
            printable("a\nerror: x\u{1b}[2J", 100),
            "a\\nerror: x\\u{1b}[2J"
        );
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("rtl\u{202e}txt", 100), "rtl\\u{202e}txt");
        let shown = Error::AuthorizationDenied {
            error: "x\nerror: evil".into(),
        }
        .to_string();
        assert!(!shown.contains('\n'), "{shown}");
    }

    #[test]
    fn inner_errors_are_kept_as_source() {
        use std::error::Error as _;
        let e = Error::Storage {
            action: "read",
            path: "/x/token.json".into(),
            dir: "/x".into(),
            source: std::io::Error::other("disk on fire"),
        };
        assert_eq!(e.source().unwrap().to_string(), "disk on fire");
    }

    #[test]
    fn core_messages_name_no_binary_or_flag() {
        let errors = [
            Error::NoPendingAuthorization {
                location: "/x/pending_authorization.json".into(),
            },
            Error::NoSavedToken {
                location: "/x/token.json".into(),
            },
            Error::CodeAlreadyTraded {
                location: "/x/token.json".into(),
            },
            Error::EmptyClientSecret,
            Error::CodeVerifierIncorrect,
            Error::MissingClientSecret,
            Error::MissingClientId,
            Error::UnknownScope {
                scope: "x".into(),
                suggestion: Some("y".into()),
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(
                !text.contains("--") && !text.contains("_auth_url") && !text.contains("cargo"),
                "{text}"
            );
        }
    }
}
