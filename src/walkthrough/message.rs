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
        Error::MissingClientSecret => "SPOTIFY_CLIENT_SECRET is not set: put it in .env or the environment (from the app's dashboard), or use --pkce, which needs no secret".into(),
        Error::NoPendingAuthorization => "no pending authorization: run step 1 (step1_auth_url) first, open its URL, then paste the redirect here (each step 1 allows one exchange: a code works once)".into(),
        Error::NoSavedToken => "no saved token: run step 1 and step 2 first (step1_auth_url, then step2_get_tokens)".into(),
        Error::CodeVerifierIncorrect => "invalid_grant (code_verifier was incorrect): the PKCE verifier does not match step 1's; run step 1 again with --pkce".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_name_the_binary_or_flag() {
        assert!(message(&Error::NoPendingAuthorization).contains("step1_auth_url"));
        assert!(message(&Error::MissingClientSecret).contains("--pkce"));
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
