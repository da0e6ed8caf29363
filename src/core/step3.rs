//! Step 3: the refresh request as data. What to keep from its answer (the
//! old refresh token when none comes back) is [`SavedToken::merge_refresh`];
//! when to refresh is [`SavedToken::needs_refresh`].

use super::accounts::{token_request, ClientAuth, RetryPolicy, TokenRequest};
use super::config::Config;
use super::error::Result;
use super::token::SavedToken;

/// Step 3: `grant_type=refresh_token` with the saved refresh token, and the
/// app's credentials (Basic header), or `client_id` alone for a token obtained
/// with PKCE. Safe to retry: a refresh that did not arrive changes nothing.
pub fn refresh_request(config: &Config, token: &SavedToken) -> Result<TokenRequest> {
    let auth = if token.pkce {
        ClientAuth::Public
    } else {
        ClientAuth::Basic(config.require_secret()?)
    };
    Ok(token_request(
        &config.accounts_url,
        &token.client_id,
        auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.refresh_token.secret()),
        ],
        RetryPolicy::Idempotent,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::Error;
    use crate::core::secret::{AccessToken, RefreshToken};

    fn token(pkce: bool) -> SavedToken {
        SavedToken {
            access_token: AccessToken::new("BQa"),
            token_type: "Bearer".into(),
            scopes: vec![],
            expires_at: 0,
            refresh_token: RefreshToken::new("AQr"),
            consented_at: 0,
            obtained_at: 0,
            client_id: "0123456789abcdef0123456789abcdef".into(),
            pkce,
            code_sha256: None,
        }
    }

    #[test]
    fn pkce_tokens_refresh_without_a_secret() {
        let config = Config::from_lookup(|name| {
            (name == "SPOTIFY_CLIENT_ID").then(|| "0123456789abcdef0123456789abcdef".to_string())
        })
        .unwrap();
        let request = refresh_request(&config, &token(true)).unwrap();
        assert_eq!(
            request.body,
            "grant_type=refresh_token&refresh_token=AQr&client_id=0123456789abcdef0123456789abcdef"
        );
        assert!(matches!(
            refresh_request(&config, &token(false)),
            Err(Error::MissingClientSecret)
        ));
    }
}
