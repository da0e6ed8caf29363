//! `GET /v1/me/playlists` (`playlist-read-private`) and `GET /v1/me/shows`
//! (`user-library-read`), paged.

use serde_json::{json, Value};

use crate::api_auth::known_user;
use crate::me::owner;
use crate::request::Incoming;
use crate::respond::{api_error, Answer, Reply};
use crate::state::State;
use crate::users::User;
use crate::util::html_escape;

/// `GET /v1/me/playlists`.
pub(crate) fn get_playlists(state: &State, rq: &Incoming, base_url: &str) -> Answer {
    let (user, _) = known_user(state, rq, Some("playlist-read-private"))?;
    let extended_quota = state.options.extended_quota;
    paged(rq, base_url, playlists(user, extended_quota, base_url))
}

/// `GET /v1/me/shows`.
pub(crate) fn get_shows(state: &State, rq: &Incoming, base_url: &str) -> Answer {
    let (user, _) = known_user(state, rq, Some("user-library-read"))?;
    paged(
        rq,
        base_url,
        shows(user, state.options.extended_quota, base_url),
    )
}

fn paged(rq: &Incoming, base_url: &str, items: Vec<Value>) -> Answer {
    let limit = match rq.query("limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=50).contains(&n) => n,
        Some(_) => return Err(api_error(400, "Invalid limit")),
    };
    let offset = match rq.query("offset").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= 100_000 => n,
        Some(_) => return Err(api_error(400, "Invalid offset")),
    };
    let total = items.len();
    let page_url = |offset: usize| format!("{base_url}{}?offset={offset}&limit={limit}", rq.path);
    let next = (offset + limit < total).then(|| page_url(offset + limit));
    let previous = (offset > 0).then(|| page_url(offset.saturating_sub(limit)));
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Ok(Reply::json(
        200,
        &json!({
            "href": page_url(offset),
            "items": page,
            "limit": limit,
            "next": next,
            "offset": offset,
            "previous": previous,
            "total": total,
        }),
    ))
}

/// Simplified playlists. Development mode (2026): `"tracks": null` and the
/// count under `items`; extended quota: `tracks: {href, total}`.
fn playlists(user: &User, extended_quota: bool, base_url: &str) -> Vec<Value> {
    user.playlists
        .iter()
        .map(|p| {
            let id = &p.id;
            let mut playlist = json!({
                "collaborative": p.collaborative,
                "description": p.description,
                "external_urls": {"spotify": format!("https://open.spotify.com/playlist/{id}")},
                "href": format!("{base_url}/v1/playlists/{id}"),
                "id": id,
                "images": [],
                "name": p.name,
                "owner": owner(user, base_url),
                "primary_color": null,
                "public": p.public,
                "snapshot_id": format!("MTAsZjRkYmI2{id}"),
                "type": "playlist",
                "uri": format!("spotify:playlist:{id}"),
            });
            // Development mode leaves `tracks` null and counts under `items`.
            let key = if extended_quota { "tracks" } else { "items" };
            playlist["tracks"] = Value::Null;
            playlist[key] = json!({
                "href": format!("{base_url}/v1/playlists/{id}/{key}"),
                "total": p.tracks,
            });
            playlist
        })
        .collect()
}

/// Saved shows. Development mode (2026): no `publisher`, no `available_markets`.
fn shows(user: &User, extended_quota: bool, base_url: &str) -> Vec<Value> {
    user.shows
        .iter()
        .map(|(id, name, publisher, description, added_at, episodes)| {
            let mut show = json!({
                "copyrights": [],
                "description": description,
                "html_description": format!("<p>{}</p>", html_escape(description)),
                "explicit": false,
                "external_urls": {"spotify": format!("https://open.spotify.com/show/{id}")},
                "href": format!("{base_url}/v1/shows/{id}"),
                "id": id,
                "images": [],
                "is_externally_hosted": false,
                "languages": ["en"],
                "media_type": "audio",
                "name": name,
                "total_episodes": episodes,
                "type": "show",
                "uri": format!("spotify:show:{id}"),
            });
            if extended_quota {
                show["available_markets"] = json!(["SE", "DE", "US"]);
                show["publisher"] = json!(publisher);
            }
            json!({"added_at": added_at, "show": show})
        })
        .collect()
}
