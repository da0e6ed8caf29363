//! `/login`, `/callback`, `/logout`: steps 1 and 2 of the flow in a browser
//! session (seeds 001 and 003), each protocol decision taken by the core.

use crate::error::AppError;
use crate::html::{message_page, Failure};
use crate::routes::wants_html;
use crate::session::{self, clear_cookie, cookie_id, hash, new_id, same_origin, set_cookie};
use crate::state::AppState;
use crate::store::Login;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use spotify_auth::core::step1::{build_authorize_request, AuthorizeOptions, PENDING_LIFETIME_SECS};
use spotify_auth::core::step2::{
    check_redirect_query, confidential_exchange_request, exchange_request, MAX_PASTE_BYTES,
};
use spotify_auth::core::web_api::{api_error, decode};
use spotify_auth::Error;
use spotify_auth::{now_secs, Endpoint, Profile, SavedToken};

fn see_other(to: &str, cookie: Option<String>) -> Response {
    let cookie = cookie.map(|c| [(SET_COOKIE, c)]);
    let headers = [(LOCATION, to), (CACHE_CONTROL, "no-store")];
    (StatusCode::SEE_OTHER, headers, cookie, ()).into_response()
}

/// `GET /login`: step 1. A fresh `state` and PKCE verifier, kept (sealed)
/// in this browser's session (made now when there is none), and a 303 to
/// Spotify's authorize page with the verifier's challenge: the code that
/// comes back can only be exchanged by this session.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let now = now_secs();
    let options = AuthorizeOptions {
        pkce: true,
        ..AuthorizeOptions::default()
    };
    let request = build_authorize_request(&state.spotify.config, &options, now)?;
    let until = now + PENDING_LIFETIME_SECS;
    let (id, cookie) = match cookie_id(&headers, state.secure_cookies) {
        Some(id) if state.store.session(&hash(&id), now).await?.is_some() => (id, None),
        _ => {
            // Nobody is signed in yet: the session lives as long as its pending login.
            let id = new_id()?;
            state.store.create_session(&hash(&id), now, until).await?;
            let cookie = set_cookie(&id, state.secure_cookies);
            (id, Some(cookie))
        }
    };
    let pending = &request.pending;
    state.store.set_pending(&hash(&id), pending, until).await?;
    Ok(see_other(&request.url, cookie))
}

/// `GET /callback`: step 2. The `state` checked against this session's
/// (once: it is removed whatever happens), the code exchanged, the tokens
/// stored for the Spotify user, the session id rotated. Any failure: a page
/// saying what happened, and nobody signed in.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match finish_login(&state, &headers, query.as_deref().unwrap_or("")).await {
        Ok(id) => see_other("/", Some(set_cookie(&id, state.secure_cookies))),
        Err(failure) => message_page(failure.status, &failure.title, &failure.detail),
    }
}

async fn finish_login(
    state: &AppState,
    headers: &HeaderMap,
    query: &str,
) -> Result<String, Failure> {
    if query.len() > MAX_PASTE_BYTES {
        return Err(Failure::bad_request(
            "The answer from Spotify is far too long",
            "Its query string is longer than any real redirect. Nobody was signed in.",
        ));
    }
    let Some(id) = cookie_id(headers, state.secure_cookies) else {
        return Err(Failure::forged("This browser did not start a login (it has no session), so this answer was not for it: possibly a forged link. Nobody was signed in."));
    };
    let now = now_secs();
    let pending = state
        .store
        .take_pending(&hash(&id))
        .await
        .map_err(Failure::internal)?;
    let Some(pending) = pending else {
        return Err(Failure::forged("No login is in progress in this browser (the answer was already used, or another browser started it): possibly a forged or replayed link. Nobody was signed in."));
    };
    // The core checks repeated parameters, the state, a refusal, a missing
    // code and the 10 minutes.
    let code = check_redirect_query(query, &pending, now).map_err(Failure::from_core)?;
    // The verifier goes with the secret (or alone when `pkce_only`): a code
    // leaked from another browser's login fails here, nobody signed in.
    let exchange = if state.pkce_only {
        exchange_request
    } else {
        confidential_exchange_request
    };
    let request = exchange(&state.spotify.config, &pending, &code).map_err(Failure::exchange)?;
    let answer = state
        .spotify
        .send_token(&request)
        .await
        .map_err(|e| exchange_refused(state, e))?;
    let token = SavedToken::from_exchange(
        &answer,
        &pending.scopes,
        &pending.client_id,
        state.pkce_only,
        now,
    )
    .map_err(Failure::exchange)?;
    // Whose tokens these are: the profile's id keys them.
    let url = Endpoint::Me.url(&state.spotify.config.api_url);
    let path = Endpoint::Me.path();
    let me = state
        .spotify
        .api(Method::GET, &path, &token.access_token)
        .await;
    let profile: Profile = me
        .and_then(|me| match me.status {
            200 => decode(&url, &me.body),
            status => Err(api_error(&url, Endpoint::Me, status, &me.body)),
        })
        .map_err(Failure::exchange)?;
    // A new id for the signed-in session: an id known before login is worth nothing now.
    // The token, the new session and the end of the old one are one transaction:
    // a process killed meanwhile leaves all or nothing.
    let new = new_id().map_err(|e| Failure::internal(format!("{e:?}")))?;
    let old_hash = hash(&id);
    let previous = state
        .store
        .sign_in(&Login {
            user_id: &profile.id,
            display_name: profile.display_name.as_deref(),
            token: &token,
            session_hash: &hash(&new),
            old_session_hash: &old_hash,
            now,
            expires_at: now + session::SESSION_LIFETIME_SECS,
        })
        .await
        .map_err(Failure::internal)?;
    state.sessions.remove(&old_hash);
    state.tokens.remember(&profile.id, token);
    // The browser was signed in as someone else: their tokens go with their last session.
    if let Some(previous) = previous.filter(|p| *p != profile.id) {
        forget_if_unused(state, &previous)
            .await
            .map_err(|e| Failure::internal(format!("{e:?}")))?;
    }
    Ok(new)
}

/// The failure of a code exchange; when Spotify refused the verifier sent
/// together with the secret, the page says so and the log names the setting.
fn exchange_refused(state: &AppState, e: Error) -> Failure {
    let verifier_refused = !state.pkce_only
        && match &e {
            Error::AccountsError { description, .. } | Error::InvalidClient(description) => {
                description.to_ascii_lowercase().contains("code_verifier")
            }
            _ => false,
        };
    if !verifier_refused {
        return Failure::exchange(e);
    }
    eprintln!("web_app: Spotify refused the PKCE verifier sent together with the client secret ({e}); set WEB_APP_PKCE_ONLY=1 to log in with PKCE alone");
    Failure {
        status: StatusCode::BAD_GATEWAY,
        title: "Spotify refused this app's way of signing in".into(),
        detail: "Spotify did not accept the proof of this login (PKCE) sent together with the app's secret. Nobody was signed in. The app's operator can switch the login to PKCE without the secret (see the README's web app section).".into(),
    }
}

/// Deletes `user_id`'s tokens when no session holds them any more.
async fn forget_if_unused(state: &AppState, user_id: &str) -> Result<(), AppError> {
    if state.store.user_sessions(user_id).await? == 0 {
        state.store.delete_token(user_id).await?;
        state.tokens.forget(user_id);
    }
    Ok(())
}

/// `POST /logout`: forgets the session, and the user's tokens held for it
/// (kept while another of that user's sessions still uses them).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !same_origin(&headers, &state.public_origin) {
        return Err(AppError::CrossSite);
    }
    if let Some(id) = cookie_id(&headers, state.secure_cookies) {
        // The session goes; its user's tokens too when no other session holds them.
        let id_hash = hash(&id);
        state.sessions.remove(&id_hash);
        if let Some(user_id) = state.store.delete_session(&id_hash).await? {
            forget_if_unused(&state, &user_id).await?;
        }
    }
    let cookie = clear_cookie(state.secure_cookies);
    if wants_html(&headers) {
        return Ok(see_other("/", Some(cookie)));
    }
    Ok(([(SET_COOKIE, cookie)], Json(json!({"signed_out": true}))).into_response())
}
