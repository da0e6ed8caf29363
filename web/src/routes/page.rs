//! `GET /`: the login button, or the signed-in user's name, playlists, saved
//! shows and player with its buttons (seeds 001 and 002 in one page).

use crate::error::AppError;
use crate::home::{home_page, login_page, Sections};
use crate::html::message_page;
use crate::session::{clear_cookie, signed_in};
use crate::state::AppState;
use crate::web_api::{read, LIST_LIMIT};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use spotify_auth::Endpoint;

/// `GET /`.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match signed_in(&headers, &state).await {
        Ok(Some(user)) => user,
        Ok(None) => return login_page(state.sandbox, None),
        Err(e) => {
            let (status, message) = e.status_and_message();
            return message_page(status, "The app failed", &message);
        }
    };
    let id = user.user_id.as_str();
    let (me, playlists, shows, player) = tokio::join!(
        read(&state, id, Endpoint::Me),
        read(&state, id, Endpoint::Playlists { limit: LIST_LIMIT }),
        read(&state, id, Endpoint::SavedShows { limit: LIST_LIMIT }),
        read(&state, id, Endpoint::Playback),
    );
    let sections = Sections {
        me,
        playlists,
        shows,
        player,
    };
    if sections.signed_out() {
        // The refresh token was revoked: the tokens are gone, so is the session.
        let note = "Your Spotify sign-in has ended (access was revoked or expired): log in again.";
        let cookie = [(SET_COOKIE, clear_cookie(state.secure_cookies))];
        return (cookie, login_page(state.sandbox, Some(note))).into_response();
    }
    let playback = crate::playback::card(&state, id).await;
    home_page(state.sandbox, id, &sections, &playback)
}

impl Sections {
    fn signed_out(&self) -> bool {
        [&self.me, &self.playlists, &self.shows, &self.player]
            .iter()
            .any(|r| matches!(r, Err(AppError::SignedOut)))
    }
}
