//! `GET /v1/me/player` (`user-read-playback-state`): 204 unless something plays.

use serde_json::{json, Value};

use crate::api_auth::authorize;
use crate::request::Incoming;
use crate::respond::Reply;
use crate::state::State;

/// `GET /v1/me/player`.
pub(crate) fn get_player(state: &State, rq: &Incoming, base_url: &str) -> Reply {
    if let Err(reply) = authorize(state, rq, Some("user-read-playback-state")) {
        return reply;
    }
    match state.playing_since {
        None => Reply::no_content(),
        Some(since) => Reply::json(200, &playback(state.now(), since, base_url)),
    }
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
