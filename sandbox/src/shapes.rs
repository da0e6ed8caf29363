//! JSON shapes of catalogue objects (artists, tracks, devices), in the
//! development-mode (2026) form or, with `extended_quota`, the older full one.

use serde_json::{json, Value};

use crate::catalog::{Artist, Track, ARTISTS};
use crate::playback::Device;

/// A simplified artist, as in a track's `artists`.
pub(crate) fn artist_simplified(artist: &Artist, base_url: &str) -> Value {
    let id = artist.id;
    json!({
        "external_urls": {"spotify": format!("https://open.spotify.com/artist/{id}")},
        "href": format!("{base_url}/v1/artists/{id}"),
        "id": id,
        "name": artist.name,
        "type": "artist",
        "uri": format!("spotify:artist:{id}"),
    })
}

/// A full artist (`GET /v1/artists/{id}`). Development mode (2026): no
/// `followers`, no `popularity`.
pub(crate) fn artist_full(artist: &Artist, extended_quota: bool, base_url: &str) -> Value {
    let mut value = artist_simplified(artist, base_url);
    value["genres"] = json!(artist.genres);
    value["images"] = json!([]);
    if extended_quota {
        value["followers"] = json!({"href": null, "total": artist.followers});
        value["popularity"] = json!(artist.popularity);
    }
    value
}

/// A full track. Development mode (2026): no `popularity` and no
/// `available_markets` (on the track and its album).
pub(crate) fn track(track: &Track, extended_quota: bool, base_url: &str) -> Value {
    let artist = artist_simplified(&ARTISTS[track.artist], base_url);
    let album_id = track.album_id;
    let mut album = json!({
        "album_type": "album",
        "artists": [artist.clone()],
        "external_urls": {"spotify": format!("https://open.spotify.com/album/{album_id}")},
        "href": format!("{base_url}/v1/albums/{album_id}"),
        "id": album_id,
        "images": [],
        "name": track.album,
        "release_date": "2024-05-17",
        "release_date_precision": "day",
        "total_tracks": 11,
        "type": "album",
        "uri": format!("spotify:album:{album_id}"),
    });
    let id = track.id;
    let mut value = json!({
        "artists": [artist],
        "disc_number": 1,
        "duration_ms": track.duration_ms,
        "explicit": false,
        "external_ids": {"isrc": track.isrc},
        "external_urls": {"spotify": format!("https://open.spotify.com/track/{id}")},
        "href": format!("{base_url}/v1/tracks/{id}"),
        "id": id,
        "is_local": false,
        "name": track.name,
        "preview_url": null,
        "track_number": 3,
        "type": "track",
        "uri": format!("spotify:track:{id}"),
    });
    if extended_quota {
        album["available_markets"] = json!(["SE", "DE", "US"]);
        value["available_markets"] = json!(["SE", "DE", "US"]);
        value["popularity"] = json!(51);
    }
    value["album"] = album;
    value
}

/// A device, as in `GET /v1/me/player/devices`.
pub(crate) fn device(device: &Device, is_active: bool) -> Value {
    json!({
        "id": device.id,
        "is_active": is_active,
        "is_private_session": false,
        "is_restricted": false,
        "name": device.name,
        "type": device.kind,
        "volume_percent": device.volume_percent,
        "supports_volume": true,
    })
}
