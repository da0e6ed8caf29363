//! `GET /v1/me`: the profile of the token's user, in the development-mode shape
//! (2026) or, in extended quota mode, the full one.

use serde_json::{json, Value};

use crate::api_auth::known_user;
use crate::request::Incoming;
use crate::respond::{Answer, Reply};
use crate::state::State;
use crate::users::User;

/// `GET /v1/me`.
pub(crate) fn get_me(state: &State, rq: &Incoming, base_url: &str) -> Answer {
    let (user, scopes) = known_user(state, rq, None)?;
    let extended_quota = state.options.extended_quota;
    Ok(Reply::json(
        200,
        &me(user, &scopes, extended_quota, base_url),
    ))
}

/// The public user object, as in a playlist's `owner`.
pub(crate) fn owner(user: &User, base_url: &str) -> Value {
    let id = &user.id;
    json!({
        "display_name": user.display_name,
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{id}")},
        "href": format!("{base_url}/v1/users/{id}"),
        "id": id,
        "type": "user",
        "uri": format!("spotify:user:{id}"),
    })
}

fn me(user: &User, scopes: &[String], extended_quota: bool, base_url: &str) -> Value {
    let mut me = owner(user, base_url);
    me["images"] = json!([]);
    if !extended_quota {
        // Development mode since February 2026: no email, country, product,
        // explicit_content or followers, whatever the scopes.
        return me;
    }
    me["followers"] = json!({"href": null, "total": user.followers});
    if scopes.iter().any(|s| s == "user-read-email") {
        me["email"] = json!(user.email);
    }
    if scopes.iter().any(|s| s == "user-read-private") {
        me["country"] = json!(user.country);
        me["product"] = json!(if user.premium { "premium" } else { "free" });
        me["explicit_content"] = json!({"filter_enabled": false, "filter_locked": false});
    }
    me
}
