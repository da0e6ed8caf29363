//! `GET /v1/me`: the profile of the token's user.

use serde_json::{json, Value};

use crate::api_auth::authorize;
use crate::request::Incoming;
use crate::respond::Reply;
use crate::state::{State, USER_EMAIL, USER_ID, USER_NAME};

/// `GET /v1/me`.
pub(crate) fn get_me(state: &State, rq: &Incoming, base_url: &str) -> Reply {
    match authorize(state, rq, None) {
        Ok(scopes) => Reply::json(200, &me(&scopes, base_url)),
        Err(reply) => reply,
    }
}

pub(crate) fn owner(base_url: &str) -> Value {
    json!({
        "display_name": USER_NAME,
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{USER_ID}")},
        "href": format!("{base_url}/v1/users/{USER_ID}"),
        "id": USER_ID,
        "type": "user",
        "uri": format!("spotify:user:{USER_ID}"),
    })
}

fn me(scopes: &[String], base_url: &str) -> Value {
    let mut user = owner(base_url);
    user["followers"] = json!({"href": null, "total": 12});
    user["images"] = json!([]);
    if scopes.iter().any(|s| s == "user-read-email") {
        user["email"] = json!(USER_EMAIL);
    }
    if scopes.iter().any(|s| s == "user-read-private") {
        user["country"] = json!("SE");
        user["product"] = json!("premium");
        user["explicit_content"] = json!({"filter_enabled": false, "filter_locked": false});
    }
    user
}
