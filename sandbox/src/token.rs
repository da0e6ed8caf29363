//! `POST /api/token`: the authorization-code exchange (with or without PKCE) and
//! the refresh.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::client_auth::{client_auth, ClientAuth};
use crate::request::Incoming;
use crate::respond::{oauth_error, Reply};
use crate::state::{AccessToken, RefreshToken, State, CODE_LIFETIME_SECS, REFRESH_HORIZON_SECS};
use crate::util::{lookup, random_token};

/// base64url(SHA-256(verifier)) without padding, as RFC 7636 `S256`.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn token(state: &mut State, rq: &Incoming) -> Reply {
    let form = rq.form();
    let grant_type = lookup(&form, "grant_type");
    match grant_type {
        None => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type parameter is missing",
            )
        }
        Some("authorization_code") | Some("refresh_token") | Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type must be client_credentials, authorization_code or refresh_token",
            )
        }
    }
    let auth = match client_auth(state, rq, &form) {
        Ok(auth) => auth,
        Err(reply) => return reply,
    };
    match grant_type {
        Some("authorization_code") => exchange_code(state, &form, auth),
        Some("client_credentials") => client_credentials(state, auth),
        _ => refresh(state, &form, auth),
    }
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
        || code.client_id != state.client_id
    {
        return invalid_code();
    }
    if code.redirect_uri != redirect_uri {
        return oauth_error(400, "invalid_grant", "Invalid redirect URI");
    }
    let verifier = lookup(form, "code_verifier");
    match (&code.code_challenge, verifier, &auth) {
        (Some(_), Some(_), ClientAuth::Confidential) if state.refuse_pkce_with_secret => {
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
        (None, None, ClientAuth::Public) => {
            return oauth_error(400, "invalid_client", "Invalid client secret")
        }
        (None, _, ClientAuth::Confidential) => {}
    }
    let pkce = code.code_challenge.is_some();
    let scopes = code.scopes.clone();
    let client_id = code.client_id.clone();
    let user = code.user.clone();
    if let Some(code) = state.codes.get_mut(code_value) {
        code.used = true;
    }
    let access_token = issue_access_token(state, Some(&user), &scopes);
    let refresh_token = random_token("AQ", 96);
    state.refresh_tokens.insert(
        refresh_token.clone(),
        RefreshToken {
            client_id,
            user,
            scopes: scopes.clone(),
            consent_at: now,
            revoked: false,
            pkce,
        },
    );
    Reply::json(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "scope": scopes.join(" "),
            "expires_in": state.access_token_lifetime_secs,
            "refresh_token": refresh_token,
        }),
    )
    .header("Cache-Control", "no-store")
    .header("Pragma", "no-cache")
}

fn issue_access_token(state: &mut State, user: Option<&str>, scopes: &[String]) -> String {
    let token = random_token("BQ", 120);
    let expires_at = state.now() + state.access_token_lifetime_secs;
    state.access_tokens.insert(
        token.clone(),
        AccessToken {
            user: user.map(str::to_string),
            scopes: scopes.to_vec(),
            expires_at,
        },
    );
    token
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
        || token.client_id != state.client_id
    {
        return revoked();
    }
    if matches!(auth, ClientAuth::Public) && !token.pkce {
        return oauth_error(400, "invalid_client", "Invalid client secret");
    }
    let scopes = token.scopes.clone();
    let (client_id, consent_at, pkce) = (token.client_id.clone(), token.consent_at, token.pkce);
    let user = token.user.clone();
    let access_token = issue_access_token(state, Some(&user), &scopes);
    let mut answer = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "scope": scopes.join(" "),
        "expires_in": state.access_token_lifetime_secs,
    });
    if state.rotate_refresh_tokens {
        if let Some(token) = state.refresh_tokens.get_mut(old) {
            token.revoked = true;
        }
        let new = random_token("AQ", 96);
        state.refresh_tokens.insert(
            new.clone(),
            RefreshToken {
                client_id,
                user,
                scopes,
                consent_at,
                revoked: false,
                pkce,
            },
        );
        answer["refresh_token"] = json!(new);
    }
    Reply::json(200, &answer)
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}

/// The Client Credentials grant: an app-only token (no user, no scope, no
/// refresh token). It needs the secret; `client_id` alone (PKCE) is refused.
fn client_credentials(state: &mut State, auth: ClientAuth) -> Reply {
    if matches!(auth, ClientAuth::Public) {
        return oauth_error(400, "invalid_client", "Invalid client secret");
    }
    let access_token = issue_access_token(state, None, &[]);
    Reply::json(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": state.access_token_lifetime_secs,
        }),
    )
    .header("Cache-Control", "no-store")
    .header("Pragma", "no-cache")
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
