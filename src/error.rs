//! The one error type of the library.

use std::fmt;

/// Everything that can go wrong, each with the cause and the fix in its message.
///
/// The binaries print it as `error: <message>` and exit non-zero.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing or malformed (an environment variable,
    /// a line of `.env`, a command-line flag). The message names the variable.
    Config(String),
    /// The redirect URI breaks one of Spotify's rules (since 2025: `http` only
    /// for `127.0.0.1` or `[::1]`, never `localhost`, `https` otherwise).
    RedirectUri(String),
    /// A scope that Spotify does not know; `suggestion` is the closest real one.
    UnknownScope {
        /// The scope as given.
        scope: String,
        /// The nearest real scope, when one is close enough.
        suggestion: Option<String>,
    },
    /// The pasted redirect could not be used: empty, garbage, too large, no
    /// `code`, a `state` that does not match. No token request was sent.
    Paste(String),
    /// The user pressed Cancel on Spotify's consent page (`error=access_denied`),
    /// or Spotify redirected back with another error code.
    AuthorizationDenied {
        /// The `error` query parameter (`access_denied`, ...).
        error: String,
    },
    /// Step 2 ran without a pending authorization from step 1.
    NoPendingAuthorization,
    /// The pending authorization is older than 10 minutes: its code has expired.
    PendingAuthorizationExpired {
        /// Its age in seconds.
        age_secs: u64,
    },
    /// No saved token: step 2 has not completed (or its token was discarded).
    NoSavedToken,
    /// The saved token lacks scopes that `SPOTIFY_SCOPES` asks for.
    MissingScopes(Vec<String>),
    /// `invalid_client`: the client id or secret is wrong.
    InvalidClient(String),
    /// `invalid_grant` / `Invalid authorization code`: the code was already used or has expired.
    InvalidAuthorizationCode,
    /// `invalid_grant` / `Invalid redirect URI`: the redirect URI differs from step 1's.
    RedirectUriMismatch,
    /// `invalid_grant` / `code_verifier was incorrect` (PKCE).
    CodeVerifierIncorrect,
    /// `invalid_grant` / `Refresh token revoked`: the refresh token is dead
    /// (revoked, or six months past the consent). The saved token was discarded.
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
        /// The endpoint.
        url: String,
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
    /// The request took longer than the time limit.
    Timeout {
        /// The endpoint.
        url: String,
        /// The limit in seconds.
        secs: u64,
    },
    /// The service could not be reached or dropped the connection.
    Connection {
        /// The endpoint.
        url: String,
        /// What the operating system or HTTP client said.
        detail: String,
    },
    /// Reading or writing a file under `SPOTIFY_AUTH_DIR` failed.
    Storage(String),
    /// The loopback listener of `--listen` could not start or gave up
    /// (redirect URI not loopback, port taken, timeout).
    Listener(String),
}

/// Text from outside (a redirect, a service's answer) made safe to print on
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

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m)
            | Error::RedirectUri(m)
            | Error::Paste(m)
            | Error::Storage(m)
            | Error::Listener(m) => {
                f.write_str(m)
            }
            Error::UnknownScope { scope, suggestion: Some(s) } => write!(
                f,
                "unknown scope `{scope}`: did you mean `{s}`? Fix SPOTIFY_SCOPES or --scope"
            ),
            Error::UnknownScope { scope, suggestion: None } => write!(
                f,
                "unknown scope `{scope}`: see https://developer.spotify.com/documentation/web-api/concepts/scopes and fix SPOTIFY_SCOPES or --scope"
            ),
            Error::AuthorizationDenied { error } if error == "access_denied" => f.write_str(
                "authorization denied (error=access_denied): Cancel was pressed on Spotify's consent page; run step 1 again and press Agree",
            ),
            Error::AuthorizationDenied { error } => write!(
                f,
                "Spotify redirected back with error={}: check the app settings in the dashboard and run step 1 again",
                printable(error, 60)
            ),
            Error::NoPendingAuthorization => f.write_str(
                "no pending authorization: run step 1 (step1_auth_url) first, open its URL, then paste the redirect here (each step 1 allows one exchange: a code works once)",
            ),
            Error::PendingAuthorizationExpired { age_secs } => write!(
                f,
                "the authorization from step 1 is {} min old and its code has expired (codes last 10 min): run step 1 again",
                age_secs / 60
            ),
            Error::NoSavedToken => f.write_str(
                "no saved token: run step 1 and step 2 first (step1_auth_url, then step2_get_tokens)",
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
                "invalid_grant (code_verifier was incorrect): the PKCE verifier does not match step 1's; run step 1 again with --pkce",
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
            Error::ScopeNotGranted { scope, url } => write!(
                f,
                "GET {url} needs the scope `{scope}`, which the saved token was not granted (checked before sending): add {scope} to SPOTIFY_SCOPES and run step 1 again"
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
            Error::Timeout { url, secs } => write!(
                f,
                "{url} did not answer within {secs} s: check the network (or SPOTIFY_ACCOUNTS_URL / SPOTIFY_API_URL) and try again"
            ),
            Error::Connection { url, detail } => write!(
                f,
                "could not reach {url} ({detail}): check the network, SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL"
            ),
        }
    }
}

impl std::error::Error for Error {}

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
}
