//! `POST /api/token`: the authorization-code exchange (with or without PKCE),
//! the refresh and the client credentials grant, after client authentication
//! (the Basic header, the secret in the body, or `client_id` alone for PKCE).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::request::Incoming;
use crate::respond::{oauth_error, Answer, Reply};
use crate::state::{AccessToken, RefreshToken, State, CODE_LIFETIME_SECS, REFRESH_HORIZON_SECS};
use crate::util::{lookup, random_token};

/// base64url(SHA-256(verifier)) without padding, as RFC 7636 `S256`.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn token(state: &mut State, rq: &Incoming) -> Answer {
    let form = rq.form();
    let grant_type = lookup(&form, "grant_type");
    let grants = ["authorization_code", "refresh_token", "client_credentials"];
    if !grant_type.is_some_and(|g| grants.contains(&g)) {
        let description = match grant_type {
            None => "grant_type parameter is missing",
            Some(_) => "grant_type must be client_credentials, authorization_code or refresh_token",
        };
        return Err(oauth_error(400, "unsupported_grant_type", description));
    }
    let auth = client_auth(state, rq, &form)?;
    Ok(match grant_type {
        Some("authorization_code") => exchange_code(state, &form, auth),
        Some("client_credentials") => client_credentials(state, auth),
        _ => refresh(state, &form, auth),
    })
}

fn missing(field: &str) -> Reply {
    oauth_error(
        400,
        "invalid_request",
        &format!("Missing required parameter: {field}"),
    )
}

fn exchange_code(state: &mut State, form: &[(String, String)], auth: ClientAuth) -> Reply {
    let Some(code_value) = lookup(form, "code") else {
        return missing("code");
    };
    let Some(redirect_uri) = lookup(form, "redirect_uri") else {
        return missing("redirect_uri");
    };
    let invalid_code = || oauth_error(400, "invalid_grant", "Invalid authorization code");
    let wrong_verifier = || oauth_error(400, "invalid_grant", "code_verifier was incorrect");
    let now = state.now();
    let Some(code) = state.codes.get(code_value) else {
        return invalid_code();
    };
    if code.used
        || now.saturating_sub(code.issued_at) > CODE_LIFETIME_SECS
        || code.client_id != state.options.client_id
    {
        return invalid_code();
    }
    if code.redirect_uri != redirect_uri {
        return oauth_error(400, "invalid_grant", "Invalid redirect URI");
    }
    let verifier = lookup(form, "code_verifier");
    match (&code.code_challenge, verifier, &auth) {
        (Some(_), Some(_), ClientAuth::Confidential) if state.options.refuse_pkce_with_secret => {
            return oauth_error(
                400,
                "invalid_request",
                "code_verifier is not accepted together with a client secret",
            )
        }
        (Some(challenge), Some(verifier), _) => {
            if s256(verifier) != *challenge {
                return wrong_verifier();
            }
        }
        (Some(_), None, _) => return oauth_error(400, "invalid_request", "code_verifier required"),
        // A public client must prove itself with PKCE; this code has no challenge.
        (None, Some(_), ClientAuth::Public) => return wrong_verifier(),
        (None, None, ClientAuth::Public) => return invalid_secret(),
        (None, _, ClientAuth::Confidential) => {}
    }
    let token = RefreshToken {
        client_id: code.client_id.clone(),
        user: code.user.clone(),
        scopes: code.scopes.clone(),
        consent_at: now,
        revoked: false,
        pkce: code.code_challenge.is_some(),
    };
    if let Some(code) = state.codes.get_mut(code_value) {
        code.used = true;
    }
    let mut answer = access_answer(state, Some(&token.user), &token.scopes);
    answer["refresh_token"] = json!(issue_refresh_token(state, token));
    no_store(&answer)
}

/// A new access token for `user` (`None`: app-only) with `scopes`, as the
/// token answer's fields (`scope` only for a user's token).
fn access_answer(state: &mut State, user: Option<&str>, scopes: &[String]) -> Value {
    let token = random_token("BQ", 120);
    let lifetime = state.options.access_token_lifetime_secs;
    let access = AccessToken {
        user: user.map(str::to_string),
        scopes: scopes.to_vec(),
        expires_at: state.now() + lifetime,
    };
    state.access_tokens.insert(token.clone(), access);
    let mut answer = json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime});
    if user.is_some() {
        answer["scope"] = json!(scopes.join(" "));
    }
    answer
}

/// Store `token` under a new refresh token value, which it returns.
fn issue_refresh_token(state: &mut State, token: RefreshToken) -> String {
    let value = random_token("AQ", 96);
    state.refresh_tokens.insert(value.clone(), token);
    value
}

/// A token answer, never to be cached.
fn no_store(answer: &Value) -> Reply {
    Reply::json(200, answer)
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

fn refresh(state: &mut State, form: &[(String, String)], auth: ClientAuth) -> Reply {
    let Some(old) = lookup(form, "refresh_token") else {
        return missing("refresh_token");
    };
    let revoked = || oauth_error(400, "invalid_grant", "Refresh token revoked");
    let now = state.now();
    let Some(token) = state.refresh_tokens.get(old) else {
        return revoked();
    };
    *state.refreshes.entry(token.user.clone()).or_insert(0) += 1;
    if token.revoked
        || now.saturating_sub(token.consent_at) > REFRESH_HORIZON_SECS
        || token.client_id != state.options.client_id
    {
        return revoked();
    }
    if matches!(auth, ClientAuth::Public) && !token.pkce {
        return invalid_secret();
    }
    let token = token.clone();
    let mut answer = access_answer(state, Some(&token.user), &token.scopes);
    if state.options.rotate_refresh_tokens {
        if let Some(old) = state.refresh_tokens.get_mut(old) {
            old.revoked = true;
        }
        answer["refresh_token"] = json!(issue_refresh_token(state, token));
    }
    no_store(&answer)
}

/// The Client Credentials grant: an app-only token (no user, no scope, no
/// refresh token). It needs the secret; `client_id` alone (PKCE) is refused.
fn client_credentials(state: &mut State, auth: ClientAuth) -> Reply {
    if matches!(auth, ClientAuth::Public) {
        return invalid_secret();
    }
    no_store(&access_answer(state, None, &[]))
}

/// How the client proved who it is.
pub(crate) enum ClientAuth {
    /// With the secret (Basic header, or `client_secret` in the body).
    Confidential,
    /// With `client_id` only (PKCE).
    Public,
}

/// `invalid_client`: the secret is wrong, or missing where it is needed.
pub(crate) fn invalid_secret() -> Reply {
    oauth_error(400, "invalid_client", "Invalid client secret")
}

pub(crate) fn client_auth(
    state: &State,
    rq: &Incoming,
    form: &[(String, String)],
) -> Result<ClientAuth, Reply> {
    let invalid_client = || oauth_error(400, "invalid_client", "Invalid client");
    if let Some(header) = &rq.authorization {
        let encoded = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, rest)| rest.trim())
            .ok_or_else(invalid_client)?;
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(invalid_client)?;
        let (id, secret) = decoded.split_once(':').ok_or_else(invalid_client)?;
        if id != state.options.client_id {
            return Err(invalid_client());
        }
        if secret != state.options.client_secret {
            return Err(invalid_secret());
        }
        return Ok(ClientAuth::Confidential);
    }
    match lookup(form, "client_id") {
        None => Err(invalid_client()),
        Some(id) if id != state.options.client_id => Err(invalid_client()),
        Some(_) => match lookup(form, "client_secret") {
            Some(secret) if secret != state.options.client_secret => Err(invalid_secret()),
            Some(_) => Ok(ClientAuth::Confidential),
            None => Ok(ClientAuth::Public),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
