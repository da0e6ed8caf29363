//! The walkthrough's one-line message for each [`Error`]: the core's text,
//! with the binary, flag or variable that fixes it, which the core never names.

use crate::core::error::Error;
use crate::settings::dotenv_above;
use std::path::Path;

/// What a binary prints after `error: `, and a notebook shows.
pub fn message(error: &Error) -> String {
    match error {
        Error::UnknownScope { suggestion: Some(_), .. } => {
            format!("{error} Fix SPOTIFY_SCOPES or --scope")
        }
        Error::UnknownScope { suggestion: None, .. } => {
            format!("{error}: fix SPOTIFY_SCOPES or --scope")
        }
        Error::MissingClientId => missing_client_id(Path::new(".env")),
        Error::ScopeNotGranted { scope, .. } => format!(
            "{error}: add {scope} to SPOTIFY_SCOPES and run step 1 again (step1_auth_url, then step2_get_tokens)"
        ),
        Error::UserTokenRequired { .. } => format!(
            "{error} (step1_auth_url, then step2_get_tokens; step4_call_api then reads the user's data)"
        ),
        Error::MissingClientSecret => "SPOTIFY_CLIENT_SECRET is not set: put it in .env or the environment (from the app's dashboard), or run step 1 again with --pkce (step1_auth_url --pkce), which needs no secret".into(),
        Error::EmptyClientSecret => "the client secret typed was empty: run again and type it (copy it from the app's dashboard, View client secret), set SPOTIFY_CLIENT_SECRET, or run step 1 again with --pkce, which needs no secret".into(),
        Error::NoPendingAuthorization { location } => format!("no pending authorization: run step 1 (step1_auth_url) first, from this folder or with the same SPOTIFY_AUTH_DIR, open its URL, then paste the redirect here; none is in {location}"),
        Error::CodeAlreadyTraded { .. } => format!("{error}: step 2 is done; next, step 3 (step3_refresh) or step 4 (step4_call_api)"),
        Error::NoSavedToken { location } => format!("no saved token: run step 1 and step 2 first (step1_auth_url, then step2_get_tokens), from this folder or with the same SPOTIFY_AUTH_DIR; none is in {location}"),
        Error::CodeVerifierIncorrect => format!("{error}; run step 1 again with --pkce"),
        Error::AuthorizationDenied { error: code } if code == "access_denied" => {
            format!("{error}; run step 1 again and press Agree")
        }
        Error::AuthorizationDenied { .. } => format!("{error} and run step 1 again"),
        Error::PendingAuthorizationExpired { age_secs } => format!(
            "the pending authorization from step 1 is {} min old and has expired (it lasts 10 min, like the code it brings back): run step 1 again",
            age_secs / 60
        ),
        Error::MissingScopes(scopes) => format!(
            "the saved token was not granted {}, which SPOTIFY_SCOPES asks for: run step 1 again to authorize them",
            scopes.join(" ")
        ),
        Error::InvalidClient(desc) => format!(
            "invalid_client ({desc}): SPOTIFY_CLIENT_ID or SPOTIFY_CLIENT_SECRET is wrong; copy both from the app's dashboard, without quotes or spaces"
        ),
        Error::InvalidAuthorizationCode => format!("{error}; run step 1 again for a fresh one"),
        Error::RedirectUriMismatch => "invalid_grant (Invalid redirect URI): SPOTIFY_REDIRECT_URI differs from the one used in step 1 or registered in the dashboard; make them identical and run step 1 again".into(),
        Error::RefreshTokenRevoked => format!("{error}, authorize again with step 1"),
        Error::ApiUnauthorized { needed_scope: Some(_), .. } => {
            format!("{error}; add it to SPOTIFY_SCOPES and run step 1 again")
        }
        Error::ApiUnauthorized { needed_scope: None, .. } => {
            format!("{error}: run step 3 to refresh the token, or step 1 to authorize again")
        }
        Error::RateLimited { retry_after_secs: Some(_) } => format!("{error}: wait and run again"),
        Error::RateLimited { retry_after_secs: None } => {
            format!("{error}: wait half a minute and run again")
        }
        Error::Timeout { url, .. } => format!("{error}: {}", unreachable_fix(url, " (or SPOTIFY_ACCOUNTS_URL / SPOTIFY_API_URL) and try again")),
        Error::Connection { url, .. } => format!("{error}: {}", unreachable_fix(url, ", SPOTIFY_ACCOUNTS_URL and SPOTIFY_API_URL")),
        Error::Storage { dir, .. } => format!(
            "{error}: check that SPOTIFY_AUTH_DIR ({}) is a folder you can write",
            dir.display()
        ),
        Error::UnsafeAuthDir { path, problem } => format!(
            "refusing the auth folder {} (SPOTIFY_AUTH_DIR): {problem}",
            path.display()
        ),
        Error::DamagedFile { .. } => format!("{error}: delete it and run step 1 again"),
        Error::OwnerPremiumRequired => format!("{error}: if you own the app, renew Premium at https://www.spotify.com/premium and run this command again in a few hours; otherwise only the owner can fix it"),
        Error::QuotaExceeded => format!("{error}: run this command again once the quota is reset; the developer account's usage is in https://developer.spotify.com/dashboard"),
        Error::RetryAfterTooLong { retry_after_secs, .. } => format!(
            "{error}: wait {retry_after_secs} s (until {}) and run this command again",
            crate::clock::format_utc(crate::clock::now_secs() + retry_after_secs)
        ),
        other => other.to_string(),
    }
}

/// `SPOTIFY_CLIENT_ID` unset: the `.env` that was read (`dotenv`), and the
/// project's `.env` above it when run from a subfolder.
fn missing_client_id(dotenv: &Path) -> String {
    let searched = std::path::absolute(dotenv).unwrap_or_else(|_| dotenv.to_path_buf());
    match dotenv_above(dotenv) {
        Some(above) => format!(
            "SPOTIFY_CLIENT_ID is not set: neither the environment nor {} sets it, and {} is not read from here (.env is read from the current folder only): run from {}, or copy the client id into this folder's .env",
            searched.display(),
            above.display(),
            above.parent().unwrap_or(&above).display()
        ),
        None => format!("SPOTIFY_CLIENT_ID is not set (neither the environment nor {} sets it): copy the client id from your app at https://developer.spotify.com/dashboard into .env; or try the offline sandbox: `cargo run` walks the whole flow, and `cargo run --bin sandbox` prints the lines to put in .env for this program", searched.display()),
    }
}

/// What to check when `url` did not answer: on this machine (a loopback
/// address), the sandbox or the server there is not running; elsewhere, the
/// network or the settings (`settings_tail` follows "check the network").
fn unreachable_fix(url: &str, settings_tail: &str) -> String {
    let host = url::Url::parse(url).ok().and_then(|u| {
        Some((
            u.host_str()?.trim_matches(['[', ']']).to_string(),
            u.port_or_known_default()?,
        ))
    });
    match host {
        Some((host, port))
            if host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback()) =>
        {
            format!("nothing answers on this machine's port {port}: is the sandbox (`cargo run --bin sandbox`), or the server meant to be there, running? Start it, or fix SPOTIFY_ACCOUNTS_URL / SPOTIFY_API_URL (a restarted sandbox keeps no earlier token: authorize again with step 1)")
        }
        _ => format!("check the network{settings_tail}"),
    }
}

const CLIENT_CREDENTIALS_SECRET: &str = "the Client Credentials flow always authenticates the app with its client secret (PKCE does not apply to it); put it in .env or the environment, or type it at the prompt (copy it from the app's dashboard, View client secret)";

/// `client_credentials`: its grant always authenticates with the secret,
/// so a missing one gets no PKCE advice.
pub fn secret_for_client_credentials(error: Error) -> Error {
    match error {
        Error::MissingClientSecret => Error::Config(format!(
            "SPOTIFY_CLIENT_SECRET is not set: {CLIENT_CREDENTIALS_SECRET}"
        )),
        Error::EmptyClientSecret => Error::Config(format!(
            "the client secret typed was empty: {CLIENT_CREDENTIALS_SECRET}"
        )),
        other => other,
    }
}

/// Step 2: what to say after a code exchange failed while the pending
/// authorization was kept (the code is not known to be spent), so the same
/// redirect can be given again once the cause is fixed; `None` when the
/// error's own message already says what works next.
pub fn after_failed_exchange(error: &Error) -> Option<&'static str> {
    match error {
        Error::ServerError { .. }
        | Error::Timeout { .. }
        | Error::Connection { .. }
        | Error::RateLimited { .. }
        | Error::RetryAfterTooLong { .. }
        | Error::QuotaExceeded
        | Error::InvalidClient(_)
        | Error::AccountsError { .. }
        | Error::UnexpectedResponse(_)
        | Error::HttpClient(_)
        | Error::Storage { .. }
        | Error::UnsafeAuthDir { .. } => Some(
            "note: the authorization from step 1 is kept: once the cause is fixed, run step2_get_tokens again with the same address (its code lasts 10 minutes); if Spotify then says the code was already used, run step 1 again",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_name_the_binary_or_flag() {
        let none_pending = message(&Error::NoPendingAuthorization {
            location: "/x/pending_authorization.json".into(),
        });
        assert!(none_pending.contains("step1_auth_url"), "{none_pending}");
        assert!(none_pending.contains("/x/pending_authorization.json"));
        // Steps 2 and 3 take no --pkce: PKCE is chosen at step 1.
        let no_secret = message(&Error::MissingClientSecret);
        assert!(
            no_secret.contains("run step 1 again with --pkce"),
            "{no_secret}"
        );
        let empty = message(&Error::EmptyClientSecret);
        assert!(
            empty.contains("was empty") && !empty.contains("not set"),
            "{empty}"
        );
        assert!(message(&Error::MissingClientId).contains("cargo run --bin sandbox"));
        let scope = Error::ScopeNotGranted {
            scope: "user-modify-playback-state".into(),
            method: "PUT",
            url: "u".into(),
        };
        assert!(message(&scope).contains("step1_auth_url"));
        let wait = message(&Error::RetryAfterTooLong {
            retry_after_secs: 3600,
            limit_secs: 15,
        });
        assert!(wait.contains("wait 3600 s (until 20"), "{wait}");
        assert!(message(&Error::OwnerPremiumRequired).contains("renew Premium"));
        assert!(message(&Error::QuotaExceeded).contains("once the quota is reset"));
        assert!(
            message(&Error::InvalidAuthorizationCode).ends_with("run step 1 again for a fresh one")
        );
        let wrong = message(&Error::InvalidClient("Invalid client".into()));
        assert!(
            wrong.contains("SPOTIFY_CLIENT_SECRET") && wrong.contains("without quotes"),
            "{wrong}"
        );
        let damaged = Error::DamagedFile {
            path: "/x/token.json".into(),
            source: serde_json::from_str::<u8>("x").unwrap_err(),
        };
        assert!(message(&damaged).ends_with("delete it and run step 1 again"));
    }
}
