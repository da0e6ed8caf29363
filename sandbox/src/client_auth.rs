//! Client authentication at `POST /api/token`: the Basic header, the secret in
//! the body, or `client_id` alone (PKCE).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::request::Incoming;
use crate::respond::{oauth_error, Reply};
use crate::state::State;
use crate::util::lookup;

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
