//! The one error type of the library, for every step.
//!
//! Each variant means one thing, so a program can act on it (a web server
//! sends a user back to log in on [`Error::RefreshTokenRevoked`], a binary
//! asks for the secret on [`Error::MissingClientSecret`]). The `Display` text
//! says what happened, for every front end: it never names a binary, a flag,
//! a step to run or an environment variable (only a [`Error::Config`] or
//! [`Error::RedirectUri`] about a setting names it). The front ends add what to do:
//! the walkthrough layer (`crate::walkthrough::message`) the binary, flag or
//! variable; the web app what to do in a browser.

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
    /// 403 `Active premium subscription required for the owner of the app`:
    /// the developer account that owns the app has no Premium any more, so
    /// every call of the app is refused (for hours after renewing, too).
    /// Nothing the signed-in user does helps.
    OwnerPremiumRequired,
    /// 429 with `reason` `QUOTA_EXCEEDED`: the developer account's quota
    /// (counted per account since July 2026) is used up. Not a burst: never retried.
    QuotaExceeded,
    /// 429 with a `Retry-After` longer than what was left of the call's time
    /// limit: not waited for.
    RetryAfterTooLong {
        /// The `Retry-After` in seconds.
        retry_after_secs: u64,
        /// The call's time limit in seconds.
        limit_secs: u64,
    },
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
                "no client id is set: every request names the app by the Client ID shown in its dashboard (https://developer.spotify.com/dashboard)",
            ),
            Error::MissingClientSecret => f.write_str(
                "no client secret is set: this grant authenticates the app with its client secret (its dashboard, View client secret); only the Authorization Code flow with PKCE goes without",
            ),
            Error::EmptyClientSecret => f.write_str("the client secret typed was empty"),
            Error::UnknownScope { scope, suggestion: Some(s) } => {
                write!(f, "unknown scope `{scope}`: did you mean `{s}`?")
            }
            Error::UnknownScope { scope, suggestion: None } => write!(
                f,
                "unknown scope `{scope}` (the scopes: https://developer.spotify.com/documentation/web-api/concepts/scopes)"
            ),
            Error::RandomSource(e) => write!(f, "the operating system's random source failed ({e})"),
            Error::AuthorizationDenied { error } if error == "access_denied" => f.write_str(
                "authorization denied (error=access_denied): Cancel was pressed on Spotify's consent page",
            ),
            Error::AuthorizationDenied { error } => write!(
                f,
                "Spotify redirected back with error={} instead of a code: check the app settings in the dashboard",
                printable(error, 60)
            ),
            Error::NoPendingAuthorization { location } => {
                write!(f, "no pending authorization: none is in {location}")
            }
            Error::PendingAuthorizationExpired { age_secs } => write!(
                f,
                "the pending authorization is {} min old and has expired (it lasts 10 min, like the code it brings back)",
                age_secs / 60
            ),
            Error::CodeAlreadyTraded { location } => write!(
                f,
                "this redirect's code was already traded for a token (a code works once), which is saved in {location}"
            ),
            Error::NoSavedToken { location } => write!(f, "no saved token: none is in {location}"),
            Error::MissingScopes(scopes) => write!(
                f,
                "the saved token was not granted {}, which the configuration asks for",
                scopes.join(" ")
            ),
            Error::InvalidClient(desc) => write!(
                f,
                "invalid_client ({desc}): the client id or the client secret is wrong"
            ),
            Error::InvalidAuthorizationCode => f.write_str(
                "invalid_grant (Invalid authorization code): the code was already used or has expired",
            ),
            Error::RedirectUriMismatch => f.write_str(
                "invalid_grant (Invalid redirect URI): the redirect URI differs from the one the authorization used or the dashboard registers",
            ),
            Error::CodeVerifierIncorrect => f.write_str(
                "invalid_grant (code_verifier was incorrect): the PKCE verifier does not match the authorization's",
            ),
            Error::RefreshTokenRevoked => f.write_str(
                "invalid_grant (Refresh token revoked): the refresh token is revoked or past its six months; the saved token was discarded",
            ),
            Error::AccountsError { status, error, description } => write!(
                f,
                "the accounts service answered {status} {error} ({description})"
            ),
            Error::Api { status, message } => write!(f, "the Web API answered {status}: {message}"),
            Error::ApiUnauthorized { status, message, needed_scope: Some(scope) } => write!(
                f,
                "the Web API answered {status} ({message}): the token lacks the scope `{scope}`"
            ),
            Error::ApiUnauthorized { status, message, needed_scope: None } => write!(
                f,
                "the Web API answered {status} ({message}): the access token was not accepted"
            ),
            Error::ScopeNotGranted { scope, method, url } => write!(
                f,
                "{method} {url} needs the scope `{scope}`, which the saved token was not granted (checked before sending, nothing was sent)"
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
            Error::OwnerPremiumRequired => f.write_str(
                "the Web API answered 403 Active premium subscription required for the owner of the app: the developer account that owns this app has no active Spotify Premium, so Spotify refuses every call of the app, whoever signs in; it clears a few hours after the owner renews Premium",
            ),
            Error::QuotaExceeded => f.write_str(
                "the Web API answered 429 QUOTA_EXCEEDED: the developer account that owns this app has used up its request quota (counted per developer account since July 2026); this is not a short burst, so it was not retried",
            ),
            Error::RetryAfterTooLong { retry_after_secs, limit_secs } => write!(
                f,
                "rate limited (429, Retry-After {retry_after_secs} s): Spotify asks to wait longer than this call's time limit of {limit_secs} s allows, so it was not waited for"
            ),
            Error::UserTokenRequired { status: Some(status), url } => write!(
                f,
                "{url} answered {status} (This request requires user authentication): an app-only token (Client Credentials) has no user, so it cannot read a user's data; a user's token comes from the Authorization Code flow"
            ),
            Error::UserTokenRequired { status: None, url } => write!(
                f,
                "{url} is a user's data and an app-only token (Client Credentials) has no user (checked before sending): a user's token comes from the Authorization Code flow"
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
                Some(s) => write!(f, "rate limited (429, Retry-After {s} s) after several tries"),
                None => f.write_str("rate limited (429) after several tries"),
            },
            Error::ServerError { status, url } => write!(
                f,
                "{url} answered {status}, a server error: the service has trouble, try again in a minute"
            ),
            Error::UnexpectedResponse(m) => write!(f, "unexpected answer: {m}"),
            Error::Timeout { url, secs, tries } => write!(
                f,
                "{url} did not answer within {secs} s ({tries} {})",
                if *tries == 1 { "try" } else { "tries" }
            ),
            Error::Connection { url, detail, .. } => write!(f, "could not reach {url} ({detail})"),
            Error::HttpClient(e) => write!(
                f,
                "cannot set up the HTTP client ({e}): check the system's TLS libraries"
            ),
            Error::Storage { action, path, source, .. } => {
                write!(f, "cannot {action} {} ({source})", path.display())
            }
            Error::UnsafeAuthDir { path, problem } => write!(
                f,
                "refusing the auth folder {}: {problem}",
                path.display()
            ),
            Error::DamagedFile { path, source } => {
                write!(f, "{} is damaged ({source})", path.display())
            }
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

/// One error of each kind, with placeholder details, for tests of what each
/// front end shows (the web app's pages must never show command-line advice).
#[cfg(any(test, feature = "error-examples"))]
pub fn one_of_each() -> Vec<Error> {
    let url = || "https://api.spotify.com/v1/me".to_string();
    let io = || std::io::Error::other("disk full");
    let all = vec![
        Error::Config("a setting is malformed".into()),
        Error::MissingClientId,
        Error::MissingClientSecret,
        Error::EmptyClientSecret,
        Error::RedirectUri("the redirect URI is not allowed".into()),
        Error::UnknownScope {
            scope: "user-read-emial".into(),
            suggestion: Some("user-read-email".into()),
        },
        Error::UnknownScope {
            scope: "xyzzy".into(),
            suggestion: None,
        },
        Error::RandomSource(Box::new(io())),
        Error::Paste("the state does not match".into()),
        Error::AuthorizationDenied {
            error: "access_denied".into(),
        },
        Error::AuthorizationDenied {
            error: "invalid_scope".into(),
        },
        Error::NoPendingAuthorization {
            location: "/x/pending_authorization.json".into(),
        },
        Error::PendingAuthorizationExpired { age_secs: 660 },
        Error::NoSavedToken {
            location: "/x/token.json".into(),
        },
        Error::MissingScopes(vec!["user-top-read".into()]),
        Error::InvalidClient("Invalid client secret".into()),
        Error::InvalidAuthorizationCode,
        Error::RedirectUriMismatch,
        Error::CodeVerifierIncorrect,
        Error::RefreshTokenRevoked,
        Error::AccountsError {
            status: 400,
            error: "invalid_request".into(),
            description: "x".into(),
        },
        Error::Api {
            status: 400,
            message: "Bad request".into(),
        },
        Error::ApiUnauthorized {
            status: 403,
            message: "Insufficient client scope".into(),
            needed_scope: Some("user-top-read".into()),
        },
        Error::ApiUnauthorized {
            status: 401,
            message: "The access token expired".into(),
            needed_scope: None,
        },
        Error::ScopeNotGranted {
            scope: "user-modify-playback-state".into(),
            method: "PUT",
            url: url(),
        },
        Error::UserNotRegistered,
        Error::NoActiveDevice,
        Error::PremiumRequired,
        Error::UserTokenRequired {
            status: Some(401),
            url: url(),
        },
        Error::UserTokenRequired {
            status: None,
            url: url(),
        },
        Error::InvalidSpotifyId {
            kind: "artist",
            id: "x".into(),
        },
        Error::NotFound {
            kind: "artist",
            id: "0OdUWJ0sBjDrqHygGUXeCF".into(),
        },
        Error::RateLimited {
            retry_after_secs: Some(30),
        },
        Error::RateLimited {
            retry_after_secs: None,
        },
        Error::ServerError {
            status: 503,
            url: url(),
        },
        Error::UnexpectedResponse("the answer is not JSON".into()),
        Error::Timeout {
            url: url(),
            secs: 10,
            tries: 2,
        },
        Error::Connection {
            url: url(),
            detail: "connection refused".into(),
            source: None,
        },
        Error::Connection {
            url: "http://127.0.0.1:8899/api/token".into(),
            detail: "connection refused".into(),
            source: None,
        },
        Error::HttpClient(Box::new(io())),
        Error::Storage {
            action: "write",
            path: "/x/token.json".into(),
            dir: "/x".into(),
            source: io(),
        },
        Error::UnsafeAuthDir {
            path: "/x".into(),
            problem: "it is writable by others".into(),
        },
        Error::DamagedFile {
            path: "/x/token.json".into(),
            source: serde_json::from_str::<u8>("x").unwrap_err(),
        },
        Error::Listener("the listener gave up".into()),
        Error::CodeAlreadyTraded {
            location: "/x/token.json".into(),
        },
        Error::OwnerPremiumRequired,
        Error::QuotaExceeded,
        Error::RetryAfterTooLong {
            retry_after_secs: 7200,
            limit_secs: 15,
        },
    ];
    // A new kind of error must be added above: this match stops compiling without it.
    for error in &all {
        match error {
            Error::Config(_)
            | Error::MissingClientId
            | Error::MissingClientSecret
            | Error::EmptyClientSecret
            | Error::RedirectUri(_)
            | Error::UnknownScope { .. }
            | Error::RandomSource(_)
            | Error::Paste(_)
            | Error::AuthorizationDenied { .. }
            | Error::NoPendingAuthorization { .. }
            | Error::PendingAuthorizationExpired { .. }
            | Error::NoSavedToken { .. }
            | Error::MissingScopes(_)
            | Error::InvalidClient(_)
            | Error::InvalidAuthorizationCode
            | Error::RedirectUriMismatch
            | Error::CodeVerifierIncorrect
            | Error::RefreshTokenRevoked
            | Error::AccountsError { .. }
            | Error::Api { .. }
            | Error::ApiUnauthorized { .. }
            | Error::ScopeNotGranted { .. }
            | Error::UserNotRegistered
            | Error::NoActiveDevice
            | Error::PremiumRequired
            | Error::UserTokenRequired { .. }
            | Error::InvalidSpotifyId { .. }
            | Error::NotFound { .. }
            | Error::RateLimited { .. }
            | Error::ServerError { .. }
            | Error::UnexpectedResponse(_)
            | Error::Timeout { .. }
            | Error::Connection { .. }
            | Error::HttpClient(_)
            | Error::Storage { .. }
            | Error::UnsafeAuthDir { .. }
            | Error::DamagedFile { .. }
            | Error::Listener(_)
            | Error::CodeAlreadyTraded { .. }
            | Error::OwnerPremiumRequired
            | Error::QuotaExceeded
            | Error::RetryAfterTooLong { .. } => {}
        }
    }
    all
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
    fn core_messages_say_what_happened_not_what_to_run() {
        for error in one_of_each() {
            let text = error.to_string();
            for advice in [
                "--",
                "_auth_url",
                "_get_tokens",
                "cargo",
                "SPOTIFY_",
                "run step",
            ] {
                assert!(!text.contains(advice), "{advice} in {text}");
            }
        }
    }
}
