//! One user's player: devices, the active one, a queue of tracks, and whether
//! it plays. The rules of the player commands, with no HTTP.

use crate::catalog::{Track, TRACKS};

/// A Spotify Connect device: the two built in, or a browser registered by
/// the Web Playback SDK stand-in.
pub(crate) struct Device {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) volume_percent: u8,
}

impl Device {
    pub(crate) fn new(id: &str, name: &str, kind: &'static str, volume_percent: u8) -> Device {
        Device {
            id: id.to_string(),
            name: name.to_string(),
            kind,
            volume_percent,
        }
    }
}

fn built_in_devices() -> Vec<Device> {
    vec![
        Device::new("sandbox-device-0001", "Sandbox Speaker", "Computer", 64),
        Device::new("sandbox-device-0002", "Sandbox Phone", "Smartphone", 40),
    ]
}

/// A user's player.
#[derive(Default)]
pub(crate) struct Player {
    pub(crate) devices: Vec<Device>,
    /// Index of the active device in `devices`, when one is.
    pub(crate) active: Option<usize>,
    /// The current track's index in [`TRACKS`], the queue (which repeats at
    /// its end).
    position: usize,
    /// Whether a playback session exists (something is loaded, playing or
    /// paused): `GET /v1/me/player` answers 204 without one.
    pub(crate) session: bool,
    pub(crate) playing: bool,
    /// Progress at `measured_at` (sandbox clock, seconds).
    progress_ms: u64,
    measured_at: u64,
}

impl Player {
    /// A player with the first device active (or none), nothing loaded yet.
    pub(crate) fn new(active_device: bool) -> Player {
        Player {
            devices: built_in_devices(),
            active: active_device.then_some(0),
            ..Player::default()
        }
    }

    /// The track at the queue's position.
    pub(crate) fn item(&self) -> &'static Track {
        &TRACKS[self.position]
    }

    /// The next tracks after the current one, in order.
    pub(crate) fn upcoming(&self) -> Vec<&'static Track> {
        let n = TRACKS.len();
        (1..n).map(|i| &TRACKS[(self.position + i) % n]).collect()
    }

    pub(crate) fn active_device(&self) -> Option<&Device> {
        self.active.map(|i| &self.devices[i])
    }

    /// Whether `GET /v1/me/player` has something to report.
    pub(crate) fn reports_state(&self) -> bool {
        self.session && self.active.is_some()
    }

    pub(crate) fn progress_ms(&self, now: u64) -> u64 {
        let duration = self.item().duration_ms;
        if self.playing {
            (self.progress_ms + now.saturating_sub(self.measured_at) * 1000) % duration
        } else {
            self.progress_ms.min(duration)
        }
    }

    /// Make device `id` the active one; `false` when the user has no such device.
    pub(crate) fn transfer(&mut self, id: &str) -> bool {
        let index = self.devices.iter().position(|d| d.id == id);
        self.active = index.or(self.active);
        index.is_some()
    }

    /// Remove device `id` (a browser's player disconnected); playback on it stops.
    pub(crate) fn remove_device(&mut self, id: &str) {
        let Some(index) = self.devices.iter().position(|d| d.id == id) else {
            return;
        };
        self.devices.remove(index);
        self.active = match self.active {
            Some(i) if i == index => {
                self.stop();
                None
            }
            Some(i) if i > index => Some(i - 1),
            other => other,
        };
    }

    /// Something starts playing on the active device (the first one when none
    /// is): what `/__sandbox/playing?on=true` does, as when the user presses
    /// play in their Spotify app.
    pub(crate) fn start(&mut self, now: u64) {
        self.active.get_or_insert(0);
        self.progress_ms = 0;
        self.play(now);
    }

    /// End the playback session: `GET /v1/me/player` answers 204 again.
    pub(crate) fn stop(&mut self) {
        self.session = false;
        self.playing = false;
        self.progress_ms = 0;
    }

    pub(crate) fn set_active_device(&mut self, on: bool) {
        if on {
            self.active.get_or_insert(0);
        } else {
            self.active = None;
            self.stop();
        }
    }

    pub(crate) fn play(&mut self, now: u64) {
        if !self.playing {
            self.progress_ms = self.progress_ms(now);
            self.measured_at = now;
        }
        self.session = true;
        self.playing = true;
    }

    pub(crate) fn pause(&mut self, now: u64) {
        self.progress_ms = self.progress_ms(now);
        self.measured_at = now;
        self.playing = false;
    }

    /// Skip forward (`forward`) or back; playback continues from the start of
    /// the new track.
    pub(crate) fn skip(&mut self, forward: bool, now: u64) {
        let n = TRACKS.len();
        self.position = (self.position + if forward { 1 } else { n - 1 }) % n;
        self.progress_ms = 0;
        self.measured_at = now;
        self.session = true;
        self.playing = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_move_through_the_queue_and_keep_progress() {
        let mut p = Player::new(true);
        assert!(!p.reports_state());
        p.start(100);
        assert!(p.reports_state() && p.playing);
        assert_eq!(p.progress_ms(103), 3000);
        p.pause(105);
        assert_eq!(p.progress_ms(200), 5000);
        p.play(200);
        assert_eq!(p.progress_ms(201), 6000);
        let first = p.item().id;
        p.skip(true, 201);
        assert_ne!(p.item().id, first);
        assert_eq!(p.progress_ms(201), 0);
        p.skip(false, 202);
        assert_eq!(p.item().id, first);
        p.skip(false, 202);
        assert_eq!(p.item().id, TRACKS[TRACKS.len() - 1].id, "wraps around");
        assert_eq!(p.upcoming().len(), TRACKS.len() - 1);
        p.set_active_device(false);
        assert!(!p.reports_state() && !p.playing);
        assert!(p.transfer("sandbox-device-0002"));
        assert!(!p.transfer("nope"));
        assert_eq!(p.active_device().unwrap().name, "Sandbox Phone");
    }
}
