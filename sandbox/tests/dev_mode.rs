//! Development mode (the default since February 2026): the trimmed answer
//! shapes, and the allow-list of users.

mod common;

use common::*;
use serde_json::{json, Value};
use spotify_sandbox::{approve_consent_as, Sandbox, DEFAULT_USER_ID, USER_IDS};

const ALL: &str = "user-read-private user-read-email playlist-read-private user-library-read";

#[test]
fn me_has_no_private_fields_whatever_the_scopes() {
    let sb = start();
    let (access, _) = tokens(&sb, ALL);
    let (status, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert_eq!(status, 200);
    assert_eq!(me["id"], "sandbox-user");
    assert_eq!(me["display_name"], "Sandbox Listener");
    for gone in [
        "email",
        "country",
        "product",
        "explicit_content",
        "followers",
    ] {
        assert!(me.get(gone).is_none(), "{gone} in {me}");
    }
}

#[test]
fn playlists_carry_the_count_under_items_and_tracks_is_null() {
    let sb = start();
    let (access, _) = tokens(&sb, ALL);
    let (_, page) = json(api_get(&sb, "/v1/me/playlists", Some(&access)));
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let mut counts = Vec::new();
    for playlist in items {
        assert!(playlist.get("tracks").is_some(), "the key stays, as null");
        assert_eq!(playlist["tracks"], Value::Null);
        let id = playlist["id"].as_str().unwrap();
        assert!(playlist["items"]["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/v1/playlists/{id}/items")));
        let total = playlist["items"]["total"].as_u64().unwrap();
        assert!(total > 0);
        counts.push(total);
    }
    counts.dedup();
    assert!(counts.len() > 2, "varied counts: {counts:?}");
    assert_eq!(items[0]["items"]["total"], 42);
}

#[test]
fn extended_quota_has_the_old_shapes() {
    let sb = start_with(|o| o.extended_quota = true);
    let (access, _) = tokens(&sb, ALL);
    let (_, page) = json(api_get(&sb, "/v1/me/playlists", Some(&access)));
    let first = &page["items"][0];
    assert_eq!(first["tracks"]["total"], 42);
    assert!(first["tracks"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/tracks"));
    assert!(first.get("items").is_none());
    let (_, shows) = json(api_get(&sb, "/v1/me/shows", Some(&access)));
    assert_eq!(shows["items"][0]["show"]["publisher"], "Ferris Media");
    assert!(shows["items"][0]["show"]["available_markets"].is_array());
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert_eq!(me["email"], "sandbox-listener@example.com");
    assert_eq!(me["country"], "SE");
    assert_eq!(me["product"], "premium");
    assert_eq!(me["followers"]["total"], 12);
}

#[test]
fn shapes_can_be_switched_at_run_time() {
    let sb = start();
    let (access, _) = tokens(&sb, ALL);
    let (_, shows) = json(api_get(&sb, "/v1/me/shows", Some(&access)));
    let show = &shows["items"][0]["show"];
    assert_eq!(show["name"], "Talking Rust");
    assert!(show.get("publisher").is_none() && show.get("available_markets").is_none());
    let on = client()
        .post(format!("{}/__sandbox/extended-quota?on=true", sb.url()))
        .send()
        .unwrap();
    assert_eq!(on.status(), 200);
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert_eq!(me["country"], "SE");
    sb.set_extended_quota(false);
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert!(me.get("country").is_none());
}

fn not_registered() -> (u16, Value) {
    (
        403,
        json!({"error": {"status": 403, "message": "User not registered in the Developer Dashboard"}}),
    )
}

fn token_as(sb: &Sandbox, user: &str, scope: &str) -> String {
    let location = approve_consent_as(&authorize_url(sb, scope, "s"), user, true).unwrap();
    let code = param(&location, "code").unwrap();
    let (status, body) = json(exchange(sb, &code));
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

#[test]
fn a_user_off_the_allow_list_gets_403_on_every_call() {
    let sb = start_with(|o| o.allowed_users = Some(vec!["ada".into()]));
    let scope = "playlist-read-private user-library-read user-read-playback-state user-modify-playback-state";
    // The consent and the token exchange work; the Web API refuses.
    let (access, _) = tokens(&sb, scope);
    for path in [
        "/v1/me",
        "/v1/me/playlists",
        "/v1/me/shows",
        "/v1/me/player",
        "/v1/me/player/devices",
        "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF",
    ] {
        assert_eq!(
            json(api_get(&sb, path, Some(&access))),
            not_registered(),
            "{path}"
        );
    }
    let pause = client()
        .put(format!("{}/v1/me/player/pause", sb.url()))
        .bearer_auth(&access)
        .send()
        .unwrap();
    assert_eq!(json(pause), not_registered());
    // Ada is on the list.
    let ada = token_as(&sb, "ada", scope);
    assert_eq!(api_get(&sb, "/v1/me", Some(&ada)).status(), 200);
}

#[test]
fn the_allow_list_can_change_at_run_time() {
    let sb = start();
    let (access, _) = tokens(&sb, "");
    assert_eq!(api_get(&sb, "/v1/me", Some(&access)).status(), 200);
    let off = client()
        .post(format!("{}/__sandbox/allowed?on=false", sb.url()))
        .send()
        .unwrap();
    assert_eq!(off.status(), 200);
    assert_eq!(
        json(api_get(&sb, "/v1/me", Some(&access))),
        not_registered()
    );
    // The other built-in users stay allowed.
    let grace = token_as(&sb, "grace", "");
    assert_eq!(api_get(&sb, "/v1/me", Some(&grace)).status(), 200);
    sb.set_allowed(DEFAULT_USER_ID, true);
    assert_eq!(api_get(&sb, "/v1/me", Some(&access)).status(), 200);
    let (_, users) = json(api_get(&sb, "/__sandbox/users", None));
    let listed: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, USER_IDS);
    assert!(users["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["allowed"] == true));
}
