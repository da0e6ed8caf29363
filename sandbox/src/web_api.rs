//! The Web API slice: `/v1/me`, `/v1/me/playlists`, `/v1/me/shows` and
//! `/v1/me/player`, behind a bearer token.

use serde_json::{json, Value};

use crate::handlers::{html_escape, Incoming, State, USER_EMAIL, USER_ID, USER_NAME};
use crate::respond::{api_error, Reply};

pub(crate) fn api(state: &mut State, rq: &Incoming, base_url: &str) -> Reply {
    let needed = match rq.path.as_str() {
        "/v1/me" => None,
        "/v1/me/playlists" => Some("playlist-read-private"),
        "/v1/me/shows" => Some("user-library-read"),
        "/v1/me/player" => Some("user-read-playback-state"),
        _ => return api_error(404, "Service not found"),
    };
    if rq.method != tiny_http::Method::Get {
        return api_error(405, "Method not allowed");
    }
    let scopes = match bearer(state, rq) {
        Ok(scopes) => scopes,
        Err(reply) => return reply,
    };
    if let Some(scope) = needed {
        if !scopes.iter().any(|s| s == scope) {
            return api_error(403, "Insufficient client scope");
        }
    }
    match rq.path.as_str() {
        "/v1/me" => Reply::json(200, &me(&scopes, base_url)),
        "/v1/me/playlists" => paged(rq, base_url, playlists(base_url)),
        "/v1/me/shows" => paged(rq, base_url, shows(base_url)),
        _ => match state.playing_since {
            None => Reply::no_content(),
            Some(since) => Reply::json(200, &playback(state.now(), since, base_url)),
        },
    }
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

fn owner(base_url: &str) -> Value {
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

fn playback(now: u64, since: u64, base_url: &str) -> Value {
    let duration_ms: u64 = 254_000;
    let progress_ms = (now.saturating_sub(since) * 1000) % duration_ms;
    let artist = json!({
        "external_urls": {"spotify": "https://open.spotify.com/artist/0sandboxArtist000001"},
        "href": format!("{base_url}/v1/artists/0sandboxArtist000001"),
        "id": "0sandboxArtist000001",
        "name": "The Loopback Addresses",
        "type": "artist",
        "uri": "spotify:artist:0sandboxArtist000001",
    });
    json!({
        "device": {
            "id": "sandbox-device-0001",
            "is_active": true,
            "is_private_session": false,
            "is_restricted": false,
            "name": "Sandbox Speaker",
            "type": "Computer",
            "volume_percent": 64,
            "supports_volume": true,
        },
        "repeat_state": "off",
        "shuffle_state": false,
        "context": null,
        "timestamp": now * 1000,
        "progress_ms": progress_ms,
        "is_playing": true,
        "currently_playing_type": "track",
        "actions": {"disallows": {"resuming": true}},
        "item": {
            "album": {
                "album_type": "album",
                "artists": [artist.clone()],
                "external_urls": {"spotify": "https://open.spotify.com/album/0sandboxAlbum0000001"},
                "href": format!("{base_url}/v1/albums/0sandboxAlbum0000001"),
                "id": "0sandboxAlbum0000001",
                "images": [],
                "name": "127.0.0.1",
                "release_date": "2024-05-17",
                "release_date_precision": "day",
                "total_tracks": 11,
                "type": "album",
                "uri": "spotify:album:0sandboxAlbum0000001",
            },
            "artists": [artist],
            "disc_number": 1,
            "duration_ms": duration_ms,
            "explicit": false,
            "external_ids": {"isrc": "SE0000000001"},
            "external_urls": {"spotify": "https://open.spotify.com/track/0sandboxTrack0000001"},
            "href": format!("{base_url}/v1/tracks/0sandboxTrack0000001"),
            "id": "0sandboxTrack0000001",
            "is_local": false,
            "name": "Authorization Code",
            "popularity": 51,
            "preview_url": null,
            "track_number": 3,
            "type": "track",
            "uri": "spotify:track:0sandboxTrack0000001",
        },
    })
}
