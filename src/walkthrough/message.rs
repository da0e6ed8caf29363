//! The walkthrough's one-line message for each [`Error`]: the core's text,
//! with the binary or flag that fixes it where the core can name none.

use crate::core::error::Error;

/// What a binary prints after `error: `, and a notebook shows.
pub fn message(error: &Error) -> String {
    match error {
        Error::UnknownScope { scope, suggestion: Some(s) } => format!(
            "unknown scope `{scope}`: did you mean `{s}`? Fix SPOTIFY_SCOPES or --scope"
        ),
        Error::UnknownScope { scope, suggestion: None } => format!(
            "unknown scope `{scope}`: see https://developer.spotify.com/documentation/web-api/concepts/scopes and fix SPOTIFY_SCOPES or --scope"
        ),
        Error::MissingClientId => "SPOTIFY_CLIENT_ID is not set: copy the client id from your app at https://developer.spotify.com/dashboard into .env; or try the offline sandbox: `cargo run` walks the whole flow, and `cargo run --bin sandbox` prints the lines to put in .env for this program".into(),
        Error::ScopeNotGranted { scope, method, url } => format!(
            "{method} {url} needs the scope `{scope}`, which the saved token was not granted (checked before sending, nothing was sent): add {scope} to SPOTIFY_SCOPES and run step 1 again (step1_auth_url, then step2_get_tokens)"
        ),
        Error::UserTokenRequired { .. } => format!(
            "{error} (step1_auth_url, then step2_get_tokens; step4_call_api then reads the user's data)"
        ),
        Error::MissingClientSecret => "SPOTIFY_CLIENT_SECRET is not set: put it in .env or the environment (from the app's dashboard), or run step 1 again with --pkce (step1_auth_url --pkce), which needs no secret".into(),
        Error::EmptyClientSecret => "the client secret typed was empty: run again and type it (copy it from the app's dashboard, View client secret), set SPOTIFY_CLIENT_SECRET, or run step 1 again with --pkce, which needs no secret".into(),
        Error::NoPendingAuthorization { location } => format!("no pending authorization: run step 1 (step1_auth_url) first, from this folder or with the same SPOTIFY_AUTH_DIR, open its URL, then paste the redirect here; none is in {location}"),
        Error::CodeAlreadyTraded { .. } => format!("{error}: step 2 is done; next, step 3 (step3_refresh) or step 4 (step4_call_api)"),
        Error::NoSavedToken { location } => format!("no saved token: run step 1 and step 2 first (step1_auth_url, then step2_get_tokens), from this folder or with the same SPOTIFY_AUTH_DIR; none is in {location}"),
        Error::CodeVerifierIncorrect => "invalid_grant (code_verifier was incorrect): the PKCE verifier does not match step 1's; run step 1 again with --pkce".into(),
        other => other.to_string(),
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
        assert_eq!(
            message(&Error::InvalidAuthorizationCode),
            Error::InvalidAuthorizationCode.to_string()
        );
    }
}
