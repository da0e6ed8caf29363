//! `GET /v1/artists/{id}`: public catalogue data, for user tokens and app-only
//! (client credentials) tokens alike.

use crate::api_auth::any_caller;
use crate::catalog::{artist, is_spotify_id};
use crate::request::Incoming;
use crate::respond::{api_error, Answer, Reply};
use crate::shapes::artist_full;
use crate::state::State;

/// `GET /v1/artists/{id}`, `id` being the rest of the path.
pub(crate) fn get_artist(state: &State, rq: &Incoming, id: &str, base_url: &str) -> Answer {
    any_caller(state, rq)?;
    if !is_spotify_id(id) {
        return Err(api_error(400, "invalid id"));
    }
    let a = artist(id).ok_or_else(|| api_error(404, "Resource not found"))?;
    Ok(Reply::json(
        200,
        &artist_full(a, state.options.extended_quota, base_url),
    ))
}
