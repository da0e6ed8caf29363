//! The Web API slice: `/v1/me`, `/v1/me/playlists`, `/v1/me/shows`, `/v1/me/player`.

mod common;

use common::*;
use serde_json::Value;

/// Extended quota mode keeps the pre-2026 profile (tests/dev_mode.rs has the
/// development-mode one, the default).
fn start_extended() -> spotify_sandbox::Sandbox {
    start_with(|o| o.extended_quota = true)
}

#[test]
fn me_without_scopes_has_the_public_profile_only() {
    let sb = start_extended();
    let (access, _) = tokens(&sb, "");
    let response = api_get(&sb, "/v1/me", Some(&access));
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let (status, me) = json(response);
    assert_eq!(status, 200);
    assert_eq!(me["id"], "sandbox-user");
    assert_eq!(me["display_name"], "Sandbox Listener");
    assert_eq!(me["type"], "user");
    assert_eq!(me["uri"], "spotify:user:sandbox-user");
    assert_eq!(me["followers"]["href"], Value::Null);
    assert!(me["followers"]["total"].is_u64());
    assert!(me["images"].as_array().unwrap().is_empty());
    assert!(me["external_urls"]["spotify"].is_string());
    assert!(me["href"].is_string());
    for private in ["email", "country", "product", "explicit_content"] {
        assert!(me.get(private).is_none(), "{private}");
    }
}

#[test]
fn me_with_email_and_private_scopes() {
    let sb = start_extended();
    let (access, _) = tokens(&sb, "user-read-email");
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert!(me["email"].is_string());
    assert!(me.get("country").is_none());
    let (access, _) = tokens(&sb, "user-read-private");
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert!(me.get("email").is_none());
    assert_eq!(me["product"], "premium");
    assert!(me["country"].is_string());
    assert_eq!(me["explicit_content"]["filter_enabled"], false);
}

#[test]
fn missing_or_unknown_token_is_401() {
    let sb = start();
    let expected = serde_json::json!({"error": {"status": 401, "message": "Invalid access token"}});
    let response = api_get(&sb, "/v1/me", None);
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(json(response), (401, expected.clone()));
    assert_eq!(
        json(api_get(&sb, "/v1/me", Some("BQnot-a-token"))),
        (401, expected.clone())
    );
    let (_, refresh_token) = tokens(&sb, "");
    assert_eq!(
        json(api_get(&sb, "/v1/me", Some(&refresh_token))),
        (401, expected),
        "a refresh token is not an access token"
    );
}

#[test]
fn expired_token_is_401_expired() {
    let sb = start();
    let (access, refresh_token) = tokens(&sb, "");
    // A margin of whole seconds: the sandbox's clock is real time plus the
    // advances, and a second boundary may pass between two lines here.
    sb.advance_clock(3590);
    assert_eq!(api_get(&sb, "/v1/me", Some(&access)).status(), 200);
    sb.advance_clock(11);
    assert_eq!(
        json(api_get(&sb, "/v1/me", Some(&access))),
        (
            401,
            serde_json::json!({"error": {"status": 401, "message": "The access token expired"}})
        )
    );
    // The refresh gives a working one.
    let (_, body) = json(refresh(&sb, &refresh_token));
    let fresh = body["access_token"].as_str().unwrap();
    assert_eq!(api_get(&sb, "/v1/me", Some(fresh)).status(), 200);
}

#[test]
fn missing_scope_is_403() {
    let sb = start();
    let (access, _) = tokens(&sb, "user-read-private");
    for path in ["/v1/me/playlists", "/v1/me/shows", "/v1/me/player"] {
        assert_eq!(
            json(api_get(&sb, path, Some(&access))),
            (
                403,
                serde_json::json!({"error": {"status": 403, "message": "Insufficient client scope"}})
            ),
            "{path}"
        );
    }
}

#[test]
fn playlists_are_paged() {
    let sb = start_extended();
    let (access, _) = tokens(&sb, "playlist-read-private");
    let (status, page) = json(api_get(&sb, "/v1/me/playlists", Some(&access)));
    assert_eq!(status, 200);
    let total = page["total"].as_u64().unwrap();
    assert!((3..=5).contains(&total));
    assert_eq!(page["items"].as_array().unwrap().len() as u64, total);
    assert_eq!(page["limit"], 20);
    assert_eq!(page["offset"], 0);
    assert_eq!(page["next"], Value::Null);
    assert_eq!(page["previous"], Value::Null);
    let first = &page["items"][0];
    assert_eq!(first["type"], "playlist");
    assert_eq!(first["owner"]["id"], "sandbox-user");
    assert!(first["tracks"]["total"].is_u64());
    assert!(first["uri"]
        .as_str()
        .unwrap()
        .starts_with("spotify:playlist:"));

    let (_, page) = json(api_get(
        &sb,
        "/v1/me/playlists?limit=2&offset=1",
        Some(&access),
    ));
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["id"], first_id_at(&sb, &access, 1));
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let next = page["next"].as_str().unwrap();
    assert!(next.starts_with(&sb.url()));
    assert!(next.contains("offset=3") && next.contains("limit=2"));
    assert!(page["previous"].as_str().unwrap().contains("offset=0"));

    let (status, _) = json(api_get(&sb, "/v1/me/playlists?limit=51", Some(&access)));
    assert_eq!(status, 400);
    let (_, past_end) = json(api_get(&sb, "/v1/me/playlists?offset=100", Some(&access)));
    assert!(past_end["items"].as_array().unwrap().is_empty());
}

fn first_id_at(sb: &spotify_sandbox::Sandbox, access: &str, index: usize) -> Value {
    let (_, page) = json(api_get(sb, "/v1/me/playlists", Some(access)));
    page["items"][index]["id"].clone()
}

#[test]
fn saved_shows_are_paged() {
    let sb = start();
    let (access, _) = tokens(&sb, "user-library-read");
    let (status, page) = json(api_get(&sb, "/v1/me/shows?limit=1", Some(&access)));
    assert_eq!(status, 200);
    assert!((2..=3).contains(&page["total"].as_u64().unwrap()));
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let item = &page["items"][0];
    assert!(item["added_at"].is_string());
    assert_eq!(item["show"]["type"], "show");
    assert!(item["show"]["name"].is_string());
    assert!(page["next"].is_string());
}

#[test]
fn player_is_204_when_nothing_plays_and_a_state_when_playing() {
    let sb = start();
    let (access, _) = tokens(&sb, "user-read-playback-state");
    let response = api_get(&sb, "/v1/me/player", Some(&access));
    assert_eq!(response.status(), 204);
    assert!(response.bytes().unwrap().is_empty());

    let on = client()
        .post(format!("{}/__sandbox/playing?on=true", sb.url()))
        .send()
        .unwrap();
    assert_eq!(on.status(), 200);
    let (status, state) = json(api_get(&sb, "/v1/me/player", Some(&access)));
    assert_eq!(status, 200);
    assert_eq!(state["is_playing"], true);
    assert!(state["device"]["name"].is_string());
    assert_eq!(state["item"]["type"], "track");
    assert!(state["progress_ms"].is_u64());
    assert!(state["progress_ms"].as_u64() < state["item"]["duration_ms"].as_u64());

    client()
        .post(format!("{}/__sandbox/playing?on=false", sb.url()))
        .send()
        .unwrap();
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&access)).status(), 204);
}

#[test]
fn unknown_paths_are_404_service_not_found() {
    let sb = start();
    let (access, _) = tokens(&sb, "");
    let expected = serde_json::json!({"error": {"status": 404, "message": "Service not found"}});
    assert_eq!(
        json(api_get(&sb, "/v1/me/tracks/nope", Some(&access))),
        (404, expected.clone())
    );
    assert_eq!(json(api_get(&sb, "/nothing-here", None)), (404, expected));
}
