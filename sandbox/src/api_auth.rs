//! Who calls the Web API: the bearer token's checks (401), app-only tokens on
//! user endpoints (401), the development-mode allow-list (403) and the scope
//! check (403), shared by every `/v1` endpoint.

use crate::request::Incoming;
use crate::respond::{api_error, Reply};
use crate::state::State;
use crate::users::User;

/// What an app-only (client credentials) token gets on a user endpoint. Users of
/// other clients report `401` with this message for `/v1/me...` called with an
/// app-only token (e.g. spotify/web-api#806, JohnnyCrazy/SpotifyAPI-NET#645).
pub(crate) const NEEDS_USER: &str = "This request requires user authentication.";
/// What a user missing from the development-mode allow-list gets.
pub(crate) const NOT_REGISTERED: &str = "User not registered in the Developer Dashboard";

/// The caller of a Web API request with a valid token.
pub(crate) struct Caller {
    /// The token's user; `None` for an app-only token.
    pub(crate) user: Option<String>,
    pub(crate) scopes: Vec<String>,
}

/// The user and scopes behind a valid user token carrying `needed` (when
/// given), or the 401 or 403 to answer.
pub(crate) fn user_caller(
    state: &State,
    rq: &Incoming,
    needed: Option<&str>,
) -> Result<(String, Vec<String>), Reply> {
    let caller = any_caller(state, rq)?;
    let Some(user) = caller.user else {
        return Err(api_error(401, NEEDS_USER));
    };
    if needed.is_some_and(|scope| !caller.scopes.iter().any(|s| s == scope)) {
        return Err(api_error(403, "Insufficient client scope"));
    }
    Ok((user, caller.scopes))
}

/// The token's user (see [`user_caller`]) and scopes; 404 for a user the
/// sandbox does not know.
pub(crate) fn known_user<'a>(
    state: &'a State,
    rq: &Incoming,
    needed: Option<&str>,
) -> Result<(&'a User, Vec<String>), Reply> {
    let (id, scopes) = user_caller(state, rq, needed)?;
    let user = state.user(&id);
    Ok((
        user.ok_or_else(|| api_error(404, "Resource not found"))?,
        scopes,
    ))
}

/// The caller behind a valid token, user or app-only; a user not on the
/// allow-list gets 403.
pub(crate) fn any_caller(state: &State, rq: &Incoming) -> Result<Caller, Reply> {
    let caller = bearer(state, rq)?;
    if caller
        .user
        .as_deref()
        .is_some_and(|user| !state.is_allowed(user))
    {
        return Err(api_error(403, NOT_REGISTERED));
    }
    Ok(caller)
}

/// The token of the request's `Authorization: Bearer` header.
pub(crate) fn bearer_token(rq: &Incoming) -> Option<&str> {
    let (scheme, token) = rq.authorization.as_deref()?.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The request's access token, or the 401 to answer.
fn bearer(state: &State, rq: &Incoming) -> Result<Caller, Reply> {
    let unauthorized = |message: &str| {
        api_error(401, message).header(
            "WWW-Authenticate",
            format!(
                "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{message}\""
            ),
        )
    };
    let Some(token) = bearer_token(rq).and_then(|t| state.access_tokens.get(t)) else {
        return Err(unauthorized("Invalid access token"));
    };
    if state.now() >= token.expires_at {
        return Err(unauthorized("The access token expired"));
    }
    Ok(Caller {
        user: token.user.clone(),
        scopes: token.scopes.clone(),
    })
}
