//! The Web Playback SDK's own shapes: the `WebPlaybackState` that
//! `player_state_changed` and `getCurrentState` hand to the page, and its
//! `WebPlaybackTrack`s, with the real SDK's field names.

use serde_json::{json, Value};

use crate::catalog::{Track, ARTISTS};
use crate::playback::Player;

/// A `WebPlaybackTrack`.
fn sdk_track(track: &Track) -> Value {
    let artist = &ARTISTS[track.artist];
    json!({
        "uri": format!("spotify:track:{}", track.id),
        "id": track.id,
        "type": "track",
        "media_type": "audio",
        "name": track.name,
        "is_playable": true,
        "duration_ms": track.duration_ms,
        "album": {
            "uri": format!("spotify:album:{}", track.album_id),
            "name": track.album,
            "images": [],
        },
        "artists": [{"uri": format!("spotify:artist:{}", artist.id), "name": artist.name}],
    })
}

/// The `WebPlaybackState` of `player` at `now` (sandbox seconds): what the
/// browser's device plays.
pub(crate) fn playback_state(player: &Player, now: u64) -> Value {
    let item = player.item();
    let next: Vec<Value> = player
        .upcoming()
        .into_iter()
        .take(2)
        .map(sdk_track)
        .collect();
    json!({
        "context": {"uri": null, "metadata": {}},
        "disallows": {"pausing": !player.playing, "resuming": player.playing, "seeking": true},
        "paused": !player.playing,
        "loading": false,
        "position": player.progress_ms(now),
        "duration": item.duration_ms,
        "repeat_mode": 0,
        "shuffle": false,
        "timestamp": now * 1000,
        "track_window": {
            "current_track": sdk_track(item),
            "previous_tracks": [],
            "next_tracks": next,
        },
    })
}
