//! The router: reads each request, counts it, applies an armed fault, and hands
//! it to the endpoint for its path. Only `server` depends on this module.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::options::FaultKind;
use crate::player_control::{command, transfer, Command};
use crate::request::Incoming;
use crate::respond::{api_error, oauth_error, Reply};
use crate::shared::Shared;
use crate::{artists, authorize, control, library, me, player, sdk, token};

/// Answer one request (on its connection's thread; `None`: its URL does not
/// parse), or give `None` to close the connection without an answer.
pub(crate) fn handle(shared: &Shared, incoming: Option<Incoming>) -> Option<Reply> {
    let Some(incoming) = incoming else {
        return Some(api_error(400, "Malformed request URL"));
    };

    if incoming.path.starts_with("/__sandbox/") {
        return Some(control::control(shared, &incoming).unwrap_or_else(|refusal| refusal));
    }

    // A browser's CORS preflight is not a call to Spotify: no count, no fault.
    if incoming.method == tiny_http::Method::Options && incoming.path.starts_with("/sdk/") {
        return Some(sdk::cors(Reply::no_content()));
    }

    let fault = shared.state().arrive(&incoming.path, incoming.received());
    let reply = match fault {
        None => route(shared, &incoming),
        Some(FaultKind::Slow { secs }) => {
            let until = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < until && !shared.stopping.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            route(shared, &incoming)
        }
        Some(FaultKind::ConnectionReset) => return None,
        Some(kind) => fault_reply(&incoming.path, &kind),
    };
    Some(if incoming.path.starts_with("/sdk/") {
        sdk::cors(reply)
    } else {
        reply
    })
}

/// Web API paths that exist, so another method on them is 405, not 404.
const API_PATHS: &[&str] = &[
    "/v1/me",
    "/v1/me/playlists",
    "/v1/me/shows",
    "/v1/me/player",
    "/v1/me/player/devices",
    "/v1/me/player/queue",
    "/v1/me/player/pause",
    "/v1/me/player/play",
    "/v1/me/player/next",
    "/v1/me/player/previous",
];

/// Path -> endpoint.
fn route(shared: &Shared, rq: &Incoming) -> Reply {
    use tiny_http::Method::{Get, Post, Put};
    let base_url = &shared.base_url;
    let mut state = shared.state();
    let artist_id = rq
        .path
        .strip_prefix("/v1/artists/")
        .filter(|id| !id.contains('/'));
    let answer = match (&rq.method, rq.path.as_str()) {
        _ if rq.path.starts_with("/sdk/") => sdk::handle(&mut state, rq),
        (Get, "/authorize") => Ok(authorize::authorize(&mut state, rq)),
        (Post, "/authorize/decision") => Ok(authorize::decision(&mut state, rq)),
        (Post, "/api/token") => token::token(&mut state, rq),
        (_, "/api/token") => Err(oauth_error(405, "invalid_request", "Method not allowed")),
        (Get, "/v1/me") => me::get_me(&state, rq, base_url),
        (Get, "/v1/me/playlists") => library::get_playlists(&state, rq, base_url),
        (Get, "/v1/me/shows") => library::get_shows(&state, rq, base_url),
        (Get, "/v1/me/player") => player::get_player(&state, rq, base_url),
        (Put, "/v1/me/player") => transfer(&mut state, rq),
        (Get, "/v1/me/player/devices") => player::get_devices(&state, rq),
        (Get, "/v1/me/player/queue") => player::get_queue(&state, rq, base_url),
        (Put, "/v1/me/player/pause") => command(&mut state, rq, Command::Pause),
        (Put, "/v1/me/player/play") => command(&mut state, rq, Command::Play),
        (Post, "/v1/me/player/next") => command(&mut state, rq, Command::Next),
        (Post, "/v1/me/player/previous") => command(&mut state, rq, Command::Previous),
        (Get, _) if artist_id.is_some() => {
            artists::get_artist(&state, rq, artist_id.unwrap_or_default(), base_url)
        }
        (_, path) if API_PATHS.contains(&path) || artist_id.is_some() => {
            Err(api_error(405, "Method not allowed"))
        }
        _ => Err(api_error(404, "Service not found")),
    };
    answer.unwrap_or_else(|refusal| refusal)
}

/// The answer a fault gives instead of the endpoint's, shaped like the errors of
/// the service the path belongs to.
fn fault_reply(path: &str, kind: &FaultKind) -> Reply {
    let api = path.starts_with("/v1/") || path == "/v1";
    let accounts_json = path.starts_with("/api/");
    match kind {
        FaultKind::Status(status) => {
            let message = match status {
                502 => "Bad gateway",
                503 => "Service unavailable",
                504 => "Gateway timeout",
                _ => "Server error",
            };
            if api {
                api_error(*status, message)
            } else if accounts_json {
                oauth_error(*status, "server_error", message)
            } else {
                Reply::text(*status, &format!("{status} {message}"))
            }
        }
        FaultKind::TooManyRequests { retry_after_secs } => {
            let reply = if api {
                api_error(429, "API rate limit exceeded")
            } else if accounts_json {
                oauth_error(429, "too_many_requests", "Too many requests")
            } else {
                Reply::text(429, "Too many requests")
            };
            match retry_after_secs {
                Some(secs) => reply.header("Retry-After", secs.to_string()),
                None => reply,
            }
        }
        FaultKind::NotJson => Reply::html(200, "<html>upstream error</html>".to_string()),
        FaultKind::MissingFields if accounts_json => {
            Reply::json(200, &json!({"token_type": "Bearer", "expires_in": 3600}))
        }
        FaultKind::MissingFields => Reply::json(200, &json!({})),
        FaultKind::Oversized => Reply::json(200, &json!({"filler": "x".repeat(2 * 1024 * 1024)})),
        FaultKind::OwnerPremiumLapsed => api_error(
            403,
            "Active premium subscription required for the owner of the app. It can take a few hours after renewing the subscription before requests are allowed again.",
        ),
        FaultKind::QuotaExceeded => Reply::json(
            429,
            &json!({"error": {"status": 429, "message": "Quota exceeded for this developer account", "reason": "QUOTA_EXCEEDED"}}),
        ),
        // Handled before: they do not replace the answer.
        FaultKind::Slow { .. } | FaultKind::ConnectionReset => api_error(500, "unreachable"),
    }
}
