//! Who calls the Web API: the bearer token's checks (401) and the scope check
//! (403), shared by every `/v1` endpoint.

use crate::request::Incoming;
use crate::respond::{api_error, Reply};
use crate::state::State;

/// The scopes of a valid access token carrying `needed` (when given), or the 401
/// or 403 to answer.
pub(crate) fn authorize(
    state: &State,
    rq: &Incoming,
    needed: Option<&str>,
) -> Result<Vec<String>, Reply> {
    let scopes = bearer(state, rq)?;
    if let Some(scope) = needed {
        if !scopes.iter().any(|s| s == scope) {
            return Err(api_error(403, "Insufficient client scope"));
        }
    }
    Ok(scopes)
}

/// The scopes of the request's access token, or the 401 to answer.
fn bearer(state: &State, rq: &Incoming) -> Result<Vec<String>, Reply> {
    let unauthorized = |message: &str| {
        api_error(401, message).header(
            "WWW-Authenticate",
            format!(
                "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{message}\""
            ),
        )
    };
    let token = rq
        .authorization
        .as_deref()
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token.and_then(|t| state.access_tokens.get(t)) else {
        return Err(unauthorized("Invalid access token"));
    };
    if state.now() >= token.expires_at {
        return Err(unauthorized("The access token expired"));
    }
    Ok(token.scopes.clone())
}
