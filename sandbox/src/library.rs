//! `GET /v1/me/playlists` (`playlist-read-private`) and `GET /v1/me/shows`
//! (`user-library-read`), paged.

use serde_json::{json, Value};

use crate::api_auth::authorize;
use crate::me::owner;
use crate::request::Incoming;
use crate::respond::{api_error, Reply};
use crate::state::State;
use crate::util::html_escape;

/// `GET /v1/me/playlists`.
pub(crate) fn get_playlists(state: &State, rq: &Incoming, base_url: &str) -> Reply {
    match authorize(state, rq, Some("playlist-read-private")) {
        Ok(_) => paged(rq, base_url, playlists(base_url)),
        Err(reply) => reply,
    }
}

/// `GET /v1/me/shows`.
pub(crate) fn get_shows(state: &State, rq: &Incoming, base_url: &str) -> Reply {
    match authorize(state, rq, Some("user-library-read")) {
        Ok(_) => paged(rq, base_url, shows(base_url)),
        Err(reply) => reply,
    }
}

fn paged(rq: &Incoming, base_url: &str, items: Vec<Value>) -> Reply {
    let limit = match rq.query("limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=50).contains(&n) => n,
        Some(_) => return api_error(400, "Invalid limit"),
    };
    let offset = match rq.query("offset").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) if n <= 100_000 => n,
        Some(_) => return api_error(400, "Invalid offset"),
    };
    let total = items.len();
    let page_url = |offset: usize| format!("{base_url}{}?offset={offset}&limit={limit}", rq.path);
    let next = (offset + limit < total).then(|| page_url(offset + limit));
    let previous = (offset > 0).then(|| page_url(offset.saturating_sub(limit)));
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Reply::json(
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
    )
}

fn playlists(base_url: &str) -> Vec<Value> {
    let list: [(&str, &str, &str, bool, bool, u64); 4] = [
        (
            "3cEYpjA9oz9GiPac4AsH4n",
            "Morning Commute",
            "Something to wake up to.",
            true,
            false,
            42,
        ),
        (
            "1sandboxFocusList0002",
            "Deep Focus (sandbox)",
            "Instrumental music to concentrate.",
            false,
            false,
            87,
        ),
        (
            "4sandboxRoadTrip00003",
            "Road Trip",
            "Shared with friends.",
            false,
            true,
            23,
        ),
        ("5sandboxRainyDays0004", "Rainy Days", "", true, false, 15),
    ];
    list.iter()
        .map(|(id, name, description, public, collaborative, tracks)| {
            json!({
                "collaborative": collaborative,
                "description": description,
                "external_urls": {"spotify": format!("https://open.spotify.com/playlist/{id}")},
                "href": format!("{base_url}/v1/playlists/{id}"),
                "id": id,
                "images": [],
                "name": name,
                "owner": owner(base_url),
                "primary_color": null,
                "public": public,
                "snapshot_id": format!("MTAsZjRkYmI2{id}"),
                "tracks": {"href": format!("{base_url}/v1/playlists/{id}/tracks"), "total": tracks},
                "type": "playlist",
                "uri": format!("spotify:playlist:{id}"),
            })
        })
        .collect()
}

fn shows(base_url: &str) -> Vec<Value> {
    let list: [(&str, &str, &str, &str, &str, u64); 3] = [
        (
            "2sandboxShowTalkRust01",
            "Talking Rust",
            "Ferris Media",
            "Conversations about systems programming.",
            "2025-11-03T08:12:45Z",
            120,
        ),
        (
            "6sandboxShowOAuthPod02",
            "The Token Exchange",
            "Auth Radio",
            "Everything about authorization, one grant at a time.",
            "2026-01-17T19:40:02Z",
            48,
        ),
        (
            "7sandboxShowSlowNews03",
            "Slow News",
            "Sandbox Broadcasting",
            "The week's news, read slowly.",
            "2026-03-22T06:05:30Z",
            310,
        ),
    ];
    list.iter()
        .map(|(id, name, publisher, description, added_at, episodes)| {
            json!({
                "added_at": added_at,
                "show": {
                    "available_markets": ["SE", "DE", "US"],
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
                    "publisher": publisher,
                    "total_episodes": episodes,
                    "type": "show",
                    "uri": format!("spotify:show:{id}"),
                }
            })
        })
        .collect()
}
