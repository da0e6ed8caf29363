//! The text the binaries print for each step, shared with `cargo run`'s
//! walkthrough so both show the protocol the same way.

use crate::clock::format_utc;
use crate::core::app_token::AppToken;
use crate::core::error::printable;
use crate::core::redirect_uri::is_portless_loopback;
use crate::core::step1::AuthorizeRequest;
use crate::core::token::{SavedToken, TokenResponse};
use crate::core::web_api::{Artist, Device, Devices, Page, Playback, Playlist, Profile, SavedShow};
use crate::session::{Exchange, Refresh};
use std::fmt::Write;

/// Text from the service, on one line, control characters escaped.
fn shown(text: &str) -> String {
    printable(text, 80)
}

/// A profile, as `GET /v1/me` gave it: what is there, and for what is not,
/// why (the development-mode shape of February 2026, or a scope not granted).
pub fn profile(me: &Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  id           = {}", shown(&me.id));
    let _ = writeln!(
        out,
        "  display_name = {}",
        me.display_name.as_deref().map_or("(none)".into(), shown)
    );
    let _ = writeln!(out, "  uri          = {}", shown(&me.uri));
    if me.is_development_mode_shape() {
        let _ = writeln!(
            out,
            "  (email, country, product, followers: not in the answer: Spotify stopped returning them to development-mode apps in February 2026)"
        );
        return out;
    }
    for (name, value, scope) in [
        ("email", &me.email, "user-read-email"),
        ("country", &me.country, "user-read-private"),
        ("product", &me.product, "user-read-private"),
    ] {
        let value = value.as_deref().map_or_else(
            || format!("(not in the answer: it comes with the scope {scope})"),
            shown,
        );
        let _ = writeln!(out, "  {name:<12} = {value}");
    }
    if let Some(followers) = &me.followers {
        let _ = writeln!(out, "  followers    = {}", followers.total);
    }
    out
}

/// The first line of a page: how many in all, how many shown.
fn page_header<T>(page: &Page<T>) -> String {
    format!(
        "  {} in total, the first {}:\n",
        page.total,
        page.items.len()
    )
}

/// A page of playlists: each one's name, track count and owner.
pub fn playlists(page: &Page<Playlist>) -> String {
    let mut out = page_header(page);
    for playlist in &page.items {
        let count = match playlist.track_count() {
            Some(n) => format!("{n:>4} tracks"),
            None => "   ? tracks".into(),
        };
        let by = playlist
            .owner
            .as_ref()
            .and_then(|o| o.display_name.as_deref())
            .map(|owner| format!(", by {}", shown(owner)))
            .unwrap_or_default();
        let _ = writeln!(out, "  - {:<28} {count}{by}", shown(&playlist.name));
    }
    out
}

/// A page of saved shows (podcasts); the publisher when the answer has one
/// (development-mode apps get none since February 2026).
pub fn saved_shows(page: &Page<SavedShow>) -> String {
    let mut out = page_header(page);
    for saved in &page.items {
        let show = &saved.show;
        let mut about = Vec::new();
        if let Some(publisher) = &show.publisher {
            about.push(format!("by {}", shown(publisher)));
        }
        if let Some(episodes) = show.total_episodes {
            about.push(format!("{episodes} episodes"));
        }
        let line = format!("  - {:<28} {}", shown(&show.name), about.join(", "));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// `GET /v1/me/player`'s answer: what plays, where, how far.
pub fn playback(playback: Option<&Playback>) -> String {
    let Some(playback) = playback else {
        return "  nothing is playing (204 No Content)\n".into();
    };
    let state = if playback.is_playing {
        "playing"
    } else {
        "paused"
    };
    let what = match &playback.item {
        Some(item) => match item.by() {
            Some(by) => format!("{} by {}", shown(&item.name), shown(&by)),
            None => shown(&item.name),
        },
        None => "(no item: an ad, or a private session)".into(),
    };
    let mut out = format!("  {state}: {what}\n");
    if let Some(device) = &playback.device {
        let _ = writeln!(out, "  device: {}", device_line(device));
    }
    if let Some(progress) = playback.progress_ms {
        let of = playback.item.as_ref().and_then(|i| i.duration_ms);
        let of = of
            .map(|d| format!(" of {}", minutes(d)))
            .unwrap_or_default();
        let _ = writeln!(out, "  progress: {}{of}", minutes(progress));
    }
    out
}

fn device_line(device: &Device) -> String {
    let mut about = Vec::new();
    if let Some(kind) = &device.kind {
        about.push(shown(kind));
    }
    if let Some(volume) = device.volume_percent {
        about.push(format!("volume {volume}%"));
    }
    if about.is_empty() {
        shown(&device.name)
    } else {
        format!("{} ({})", shown(&device.name), about.join(", "))
    }
}

/// `GET /v1/me/player/devices`: each device, the active one marked.
pub fn devices(devices: &Devices) -> String {
    if devices.devices.is_empty() {
        return "  no devices: open Spotify on a phone or computer, or the web player at https://open.spotify.com\n".into();
    }
    let mut out = format!("  {} device(s):\n", devices.devices.len());
    for device in &devices.devices {
        let mark = if device.is_active { "*" } else { "-" };
        let id = device.id.as_ref().map(|id| format!(", id {}", shown(id)));
        let _ = writeln!(
            out,
            "  {mark} {}{}",
            device_line(device),
            id.unwrap_or_default()
        );
    }
    out += if devices.devices.iter().any(|d| d.is_active) {
        "  (* = the active device, the one the player commands act on)\n"
    } else {
        "  none is active: the player commands would answer 404 NO_ACTIVE_DEVICE until something plays on one\n"
    };
    out
}

/// An app-only token's answer, field by field, with why two fields are absent.
pub fn app_token(token: &AppToken, now: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  access_token  = {}", token.access_token.secret());
    let _ = writeln!(out, "  token_type    = {}", shown(&token.token_type));
    let _ = writeln!(
        out,
        "  expires_in    = {} s (the token expires at {})",
        token.expires_in,
        format_utc(now.saturating_add(token.expires_in))
    );
    out += if token.has_refresh_token() {
        "  refresh_token = (present, unexpectedly: this grant needs none)\n"
    } else {
        "  refresh_token = (none: when this token expires the app simply asks again; it needs no user to do so, so there is nothing to refresh)\n"
    };
    out += if token.has_scope() {
        "  scope         = (present, unexpectedly)\n"
    } else {
        "  scope         = (none: scopes are what a user grants to an app, and no user took part)\n"
    };
    out
}

/// An artist from `GET /v1/artists/{id}`.
pub fn artist(artist: &Artist) -> String {
    let genres: Vec<String> = artist.genres.iter().map(|g| shown(g)).collect();
    let genres = if genres.is_empty() {
        "(none listed)".into()
    } else {
        genres.join(", ")
    };
    let mut out = format!(
        "  name      = {}\n  genres    = {genres}\n",
        shown(&artist.name)
    );
    if let Some(followers) = &artist.followers {
        let _ = writeln!(out, "  followers = {}", followers.total);
    }
    if let Some(popularity) = artist.popularity {
        let _ = writeln!(out, "  popularity = {popularity}");
    }
    out
}

/// `ms` as `m:ss`.
pub fn minutes(ms: u64) -> String {
    let secs = ms / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// Step 1: the redirect URI to register, each query parameter, then the URL
/// alone on its own line.
pub fn authorize_request(request: &AuthorizeRequest) -> String {
    authorize_request_for(request, &request.pending.redirect_uri)
}

/// Like [`authorize_request`] when the request's redirect URI is `registered`
/// (the configured one) with the port of a listener put in.
pub fn authorize_request_for(request: &AuthorizeRequest, registered: &str) -> String {
    let mut out = format!(
        "Register this redirect URI in the app's dashboard, character for character: {registered}\n"
    );
    if is_portless_loopback(registered) {
        out += "note: it is loopback without a port: register exactly this in the dashboard; step 2 --listen will pick a free port (Spotify accepts any port for a loopback redirect URI registered without one)\n";
    }
    if request.pending.redirect_uri != registered {
        let _ = writeln!(
            out,
            "This authorization uses it with the port the listener bound: {}",
            request.pending.redirect_uri
        );
    }
    out += "Query parameters of the authorize URL:\n";
    for p in &request.parameters {
        let _ = writeln!(out, "  {:<21} = {:<40}  # {}", p.name, p.value, p.purpose);
    }
    if request.pending.code_verifier.is_some() {
        out += "  (the PKCE code_verifier stays on this machine until step 2 sends it)\n";
    }
    out += "Authorize URL (open it in a browser):\n";
    let _ = writeln!(out, "{}", request.url);
    out
}

/// The fields of a token answer, each on its line.
pub fn token_response(
    response: &TokenResponse,
    now: u64,
    previous_refresh: Option<&SavedToken>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  access_token  = {}", response.access_token.secret());
    // Tokens are checked (RFC 6750's characters) before they get here; the
    // other text of the answer goes through the one sanitiser.
    let _ = writeln!(
        out,
        "  token_type    = {}",
        printable(&response.token_type, 40)
    );
    let _ = writeln!(
        out,
        "  scope         = {}",
        response
            .scope
            .as_deref()
            .map(|scope| printable(scope, 2000))
            .unwrap_or_else(|| "(not in the answer: unchanged)".into())
    );
    let _ = writeln!(
        out,
        "  expires_in    = {} s (the access token expires at {})",
        response.expires_in,
        format_utc(now.saturating_add(response.expires_in))
    );
    let refresh = match (&response.refresh_token, previous_refresh) {
        (Some(token), None) => token.secret().to_string(),
        (Some(token), Some(_)) => format!(
            "{} (new: it replaces the old one, which Spotify may now refuse)",
            token.secret()
        ),
        (None, Some(old)) => format!(
            "(not in the answer: the saved one is kept: {})",
            old.refresh_token.secret()
        ),
        (None, None) => "(not in the answer)".into(),
    };
    let _ = writeln!(out, "  refresh_token = {refresh}");
    out
}

/// Step 2: the code, the request, every field of the answer, scopes not
/// granted, where the token was saved.
pub fn exchange(exchange: &Exchange, accounts_url: &str, saved_to: &str, now: u64) -> String {
    let mut out = String::new();
    if exchange.bare_code {
        out += "note: a bare code was pasted, so its state could not be checked against step 1's\n";
    }
    // Printed in full, through the one sanitiser: it came from a URL.
    let _ = writeln!(
        out,
        "Code from the redirect: {}",
        printable(exchange.code.secret(), 4096)
    );
    let auth = if exchange.token.pkce {
        "PKCE: client_id + code_verifier"
    } else {
        "client authentication: Basic header"
    };
    let _ = writeln!(
        out,
        "POST {accounts_url}/api/token grant_type=authorization_code ({auth}) answered:"
    );
    out += &token_response(&exchange.response, now, None);
    if !exchange.not_granted.is_empty() {
        let _ = writeln!(
            out,
            "warning: asked for but not granted: {} (the user or Spotify narrowed the grant)",
            exchange.not_granted.join(" ")
        );
    }
    let _ = writeln!(out, "Saved the token to {saved_to} (readable by you only).");
    out + "The pending authorization was cleared: this code is spent (a code works once).\n"
}

/// Step 3: the request, every field of the answer, where it was saved.
pub fn refresh(refresh: &Refresh, accounts_url: &str, saved_to: &str, now: u64) -> String {
    let mut out = format!("POST {accounts_url}/api/token grant_type=refresh_token answered:\n");
    out += &token_response(&refresh.response, now, Some(&refresh.previous));
    if !refresh.missing_scopes.is_empty() {
        let _ = writeln!(out, "warning: the token lacks {}, which SPOTIFY_SCOPES asks for: run step 1 again to authorize them", refresh.missing_scopes.join(" "));
    }
    let _ = writeln!(out, "Saved the refreshed token to {saved_to}.");
    out
}

/// Before Web API calls: the refresh done first (when the token had less
/// than a minute left), where the token is, its state and scopes.
pub fn token_in_use(
    saved: &SavedToken,
    token: &SavedToken,
    accounts_url: &str,
    token_file: &str,
    now: u64,
) -> String {
    let mut out = String::new();
    if token.access_token != saved.access_token {
        let left = saved.expires_in_secs(now);
        let why = if left > 0 {
            let margin = crate::core::token::REFRESH_MARGIN_SECS;
            format!("had {left} s left (less than {margin} s)")
        } else {
            let ago = duration(left.unsigned_abs());
            format!("expired at {} ({ago} ago)", format_utc(saved.expires_at))
        };
        let _ = writeln!(out, "The access token {why}, so it was refreshed first:");
        let _ = writeln!(
            out,
            "  POST {accounts_url}/api/token grant_type=refresh_token -> new access token {}",
            token.access_token.secret()
        );
        let _ = writeln!(out, "  saved to {token_file}");
    }
    let _ = writeln!(out, "Token ({token_file}):");
    out += &token_status(token, now);
    let scopes = if token.scopes.is_empty() {
        "(none: public data only)".into()
    } else {
        token.scopes.join(" ")
    };
    let _ = writeln!(out, "  scopes: {scopes}");
    out
}

/// `secs` in the largest units that matter: `45 s`, `12 min`, `2 h 5 min`, `3 days`.
fn duration(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=172_799 => match secs % 3600 / 60 {
            0 => format!("{} h", secs / 3600),
            min => format!("{} h {min} min", secs / 3600),
        },
        _ => format!("{} days", secs / 86_400),
    }
}

/// A saved token's state: expiry and the refresh-token horizon.
pub fn token_status(token: &SavedToken, now: u64) -> String {
    let left = token.expires_in_secs(now);
    let state = if left > 0 {
        format!("{} min left", left / 60)
    } else {
        "expired".into()
    };
    let mut out = format!(
        "  access token expires at {} ({state})\n",
        format_utc(token.expires_at)
    );
    let horizon = token.refresh_token_expires_at();
    let _ = writeln!(
        out,
        "  refresh token valid until about {} (six months after the consent of {})",
        format_utc(horizon),
        format_utc(token.consented_at)
    );
    if horizon.saturating_sub(now) < 14 * 24 * 3600 {
        out += "warning: the refresh token expires within two weeks: authorize again with step 1 soon\n";
    }
    out
}
