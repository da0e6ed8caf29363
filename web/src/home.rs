//! The HTML of `GET /`, from the Web API's answers decoded by the core's types.

use crate::error::AppError;
use crate::html::{escape, layout};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use spotify_auth::{Page, Playback, Playlist, Profile, SavedShow};

/// The four reads behind the page.
pub struct Sections {
    /// `/v1/me`.
    pub me: Result<Option<Value>, AppError>,
    /// `/v1/me/playlists`.
    pub playlists: Result<Option<Value>, AppError>,
    /// `/v1/me/shows`.
    pub shows: Result<Option<Value>, AppError>,
    /// `/v1/me/player` (`None`: nothing plays).
    pub player: Result<Option<Value>, AppError>,
}

const SANDBOX: &str = "Sandbox mode: this app talks to the offline sandbox, not to Spotify. Nothing leaves this machine.";

/// The page of a visitor who is not signed in.
pub fn login_page(sandbox: bool, note: Option<&str>) -> Response {
    let note = note
        .map(|n| format!("<p class=\"note\" id=\"note\">{}</p>\n", escape(n)))
        .unwrap_or_default();
    let body = format!(
        "<section class=\"card narrow hero\" id=\"signed-out\">\n<h1>Your Spotify, in a web app</h1>\n{note}\
         <p>Sign in to see your playlists, your saved podcasts and what is playing, and to control the player.</p>\n\
         <p><a class=\"button primary\" id=\"login\" href=\"/login\">Log in with Spotify</a></p>\n\
         <p class=\"muted small\">The OAuth 2.0 Authorization Code flow: <code>/login</code> sends you to Spotify with a fresh <code>state</code>, \
         <code>/callback</code> checks it and trades the code for tokens, which stay on the server.</p>\n</section>"
    );
    layout(
        StatusCode::OK,
        "Log in - spotify-auth web app",
        sandbox.then_some(SANDBOX),
        &body,
    )
}

fn decoded<T: serde::de::DeserializeOwned>(
    result: &Result<Option<Value>, AppError>,
) -> Result<Option<T>, String> {
    match result {
        Ok(Some(value)) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|e| format!("unexpected answer: {e}")),
        Ok(None) => Ok(None),
        Err(e) => Err(e.status_and_message().1),
    }
}

/// A list of titles, each with its detail.
fn list<'a>(rows: impl Iterator<Item = (&'a str, String)>) -> String {
    let items: String = rows
        .map(|(title, detail)| {
            format!(
                "<li><span class=\"title\">{}</span><span class=\"muted\">{}</span></li>\n",
                escape(title),
                escape(&detail)
            )
        })
        .collect();
    format!("<ul class=\"list\">\n{items}</ul>")
}

fn error_line(message: &str) -> String {
    format!("<p class=\"error\">{}</p>", escape(message))
}

/// The page of a signed-in user; `extra_cards` (HTML) follow the player's.
pub fn home_page(sandbox: bool, user_id: &str, s: &Sections, extra_cards: &str) -> Response {
    let name = match decoded::<Profile>(&s.me) {
        Ok(Some(p)) => p.display_name.clone().unwrap_or_else(|| p.id.clone()),
        _ => user_id.to_string(),
    };
    let playlists = match decoded::<Page<Playlist>>(&s.playlists) {
        Ok(Some(page)) if !page.items.is_empty() => {
            let rows = page.items.iter().map(|p| {
                let detail = match (&p.tracks, p.public) {
                    (Some(t), _) => format!("{} tracks", t.total),
                    (None, Some(true)) => "public".into(),
                    (None, _) => "private".into(),
                };
                (p.name.as_str(), detail)
            });
            let total = page.total.max(page.items.len() as u64);
            format!("{}<p class=\"muted small\">{total} in all</p>", list(rows))
        }
        Ok(_) => "<p class=\"muted\">No playlists yet.</p>".into(),
        Err(e) => error_line(&e),
    };
    let shows = match decoded::<Page<SavedShow>>(&s.shows) {
        Ok(Some(page)) if !page.items.is_empty() => list(page.items.iter().map(|entry| {
            let show = &entry.show;
            let episodes = show.total_episodes.map(|n| format!("{n} episodes"));
            let by = show.publisher.clone().or(episodes).unwrap_or_default();
            (show.name.as_str(), by)
        })),
        Ok(_) => "<p class=\"muted\">No saved podcasts.</p>".into(),
        Err(e) => error_line(&e),
    };
    let body = format!(
        "<section class=\"who\" id=\"signed-in\">\n<div><p class=\"muted small\">Signed in as</p>\
         <h1 id=\"display-name\">{name}</h1><p class=\"muted small\" id=\"user-id\">{id}</p></div>\n\
         <form method=\"post\" action=\"/logout\"><button class=\"button\" id=\"logout\">Log out</button></form>\n</section>\n\
         <div class=\"grid\">\n<section class=\"card\" id=\"player\">\n<h2>Player</h2>\n{player}\n</section>\n{extra_cards}\
         <section class=\"card\" id=\"playlists\">\n<h2>Playlists</h2>\n{playlists}\n</section>\n\
         <section class=\"card\" id=\"shows\">\n<h2>Saved podcasts</h2>\n{shows}\n</section>\n</div>",
        name = escape(&name),
        id = escape(user_id),
        player = player_html(&s.player),
    );
    layout(
        StatusCode::OK,
        &format!("{name} - spotify-auth web app"),
        sandbox.then_some(SANDBOX),
        &body,
    )
}

/// The player's buttons: command, label and icon (a 16 px SVG path).
const PLAYER_BUTTONS: [(&str, &str, &str); 4] = [
    ("previous", "Previous", "M3 2h2v12H3zM14 2v12L6 8z"),
    ("pause", "Pause", "M4 2h3v12H4zM9 2h3v12H9z"),
    ("play", "Play", "M4 2l10 6-10 6z"),
    ("next", "Next", "M11 2h2v12h-2zM2 2v12l8-6z"),
];

/// The player's buttons, each drawn by `button(command, label, icon)` with
/// its icon as inline SVG (no icon font needed).
pub fn player_buttons(button: impl Fn(&str, &str, &str) -> String) -> String {
    let icon = |path| {
        format!("<svg viewBox=\"0 0 16 16\" width=\"16\" height=\"16\" fill=\"currentColor\" aria-hidden=\"true\"><path d=\"{path}\"/></svg>")
    };
    PLAYER_BUTTONS
        .iter()
        .map(|(command, label, path)| button(command, label, &icon(path)))
        .collect()
}

fn player_html(result: &Result<Option<Value>, AppError>) -> String {
    let now = match decoded::<Playback>(result) {
        Ok(Some(p)) => {
            let item = p.item.as_ref();
            let title = item.map(|i| i.name.clone()).unwrap_or_else(|| "Nothing selected".into());
            let by = item.and_then(|i| i.by()).unwrap_or_default();
            let device = p.device.as_ref().map(|d| format!("on {}", d.name)).unwrap_or_default();
            let state = if p.is_playing { "Playing" } else { "Paused" };
            format!(
                "<p class=\"state\" id=\"player-state\">{state}</p>\n<p class=\"title big\" id=\"now-playing\">{}</p>\n\
                 <p class=\"muted\" id=\"now-by\">{}</p>\n<p class=\"muted small\" id=\"device\">{}</p>",
                escape(&title), escape(&by), escape(&device)
            )
        }
        Ok(None) => "<p class=\"state\" id=\"player-state\">Nothing is playing</p>\n<p class=\"muted small\" id=\"now-playing\">Start something on one of your devices.</p>".into(),
        Err(e) => error_line(&e),
    };
    let buttons = player_buttons(|command, label, symbol| {
        format!(
            "<form method=\"post\" action=\"/api/player/{command}\" class=\"player-command\">\
             <button class=\"round\" id=\"{command}\" title=\"{label}\" aria-label=\"{label}\">{symbol}</button></form>"
        )
    });
    format!(
        "<div id=\"player-now\">{now}</div>\n<div class=\"controls\">{buttons}</div>\n<p class=\"muted small\" id=\"player-message\" aria-live=\"polite\"></p>"
    )
}
