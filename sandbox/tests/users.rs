//! Many users: the consent page lets the person choose who signs in, tokens are
//! bound to that user, and every /v1 endpoint answers for them.

mod common;

use common::*;
use spotify_sandbox::{approve_consent_as, Sandbox, USER_IDS};

const SCOPES: &str = "playlist-read-private user-library-read user-read-playback-state";

fn tokens_as(sb: &Sandbox, user: &str) -> (String, String) {
    let location = approve_consent_as(&authorize_url(sb, SCOPES, "s"), user, true).unwrap();
    let (status, body) = json(exchange(sb, &param(&location, "code").unwrap()));
    assert_eq!(status, 200, "{body}");
    (
        body["access_token"].as_str().unwrap().to_string(),
        body["refresh_token"].as_str().unwrap().to_string(),
    )
}

#[test]
fn the_consent_page_offers_every_user_and_a_text_field() {
    let sb = start();
    let page = client()
        .get(authorize_url(&sb, SCOPES, "s"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(USER_IDS.len(), 5);
    for id in USER_IDS {
        assert!(
            page.contains(&format!("name=\"user\" value=\"{id}\"")),
            "{id}"
        );
    }
    assert!(page.contains("value=\"sandbox-user\" checked"));
    assert!(page.contains("name=\"other_user\""));
    assert!(page.contains("Ada Lovelace"));
}

#[test]
fn each_user_sees_their_own_profile_playlists_and_shows() {
    let sb = start();
    let (default, _) = tokens(&sb, SCOPES);
    let (ada, _) = tokens_as(&sb, "ada");
    let (grace, _) = tokens_as(&sb, "grace");
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&ada)));
    assert_eq!(me["id"], "ada");
    assert_eq!(me["display_name"], "Ada Lovelace");
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&default)));
    assert_eq!(me["id"], "sandbox-user");

    let (_, ada_lists) = json(api_get(&sb, "/v1/me/playlists", Some(&ada)));
    let (_, grace_lists) = json(api_get(&sb, "/v1/me/playlists", Some(&grace)));
    assert_eq!(ada_lists["total"], 2);
    assert_eq!(grace_lists["total"], 3);
    assert_eq!(ada_lists["items"][0]["owner"]["id"], "ada");
    assert_eq!(grace_lists["items"][0]["name"], "Nanoseconds");
    let (_, shows) = json(api_get(&sb, "/v1/me/shows", Some(&grace)));
    assert_eq!(shows["total"], 2);
}

#[test]
fn the_player_is_per_user() {
    let sb = start();
    let (ada, _) = tokens_as(&sb, "ada");
    let (default, _) = tokens(&sb, SCOPES);
    sb.set_playing("ada", true);
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&ada)).status(), 200);
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&default)).status(), 204);
    let on = client()
        .post(format!(
            "{}/__sandbox/playing?on=true&user=sandbox-user",
            sb.url()
        ))
        .send()
        .unwrap();
    assert_eq!(on.status(), 200);
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&default)).status(), 200);
}

#[test]
fn a_typed_unknown_id_creates_a_fresh_user() {
    let sb = start();
    let (access, refresh_token) = tokens_as(&sb, "new.listener");
    let (_, me) = json(api_get(&sb, "/v1/me", Some(&access)));
    assert_eq!(me["id"], "new.listener");
    assert_eq!(me["display_name"], "new.listener");
    let (_, lists) = json(api_get(&sb, "/v1/me/playlists", Some(&access)));
    assert_eq!(lists["total"], 1);
    assert!(lists["items"][0]["items"]["total"].as_u64().unwrap() > 0);
    assert!(sb.user_ids().contains(&"new.listener".to_string()));
    // The next consent page lists them too.
    let page = client()
        .get(authorize_url(&sb, "", "s"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("value=\"new.listener\""));
    // A refreshed token acts for the same user.
    let (_, body) = json(refresh(&sb, &refresh_token));
    let fresh = body["access_token"].as_str().unwrap();
    let (_, me) = json(api_get(&sb, "/v1/me", Some(fresh)));
    assert_eq!(me["id"], "new.listener");
}

#[test]
fn a_malformed_user_id_is_refused_and_the_request_stays_open() {
    let sb = start();
    let url = authorize_url(&sb, "", "s");
    let err = approve_consent_as(&url, "no spaces", true).unwrap_err();
    assert!(err.contains("user id"), "{err}");
    // approve_consent_as fetched a new page; this one still works.
    let location = approve_consent_as(&url, "ok-id", true).unwrap();
    assert!(param(&location, "code").is_some());
}

/// Typed ids become users, but the consent page lists only the built-in ones
/// and the last few typed: it must not grow with every login.
#[test]
fn the_consent_page_lists_a_bounded_number_of_users() {
    let sb = start();
    for i in 0..8 {
        tokens_as(&sb, &format!("typed{i}"));
    }
    let page = client()
        .get(authorize_url(&sb, "", "s"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("value=\"ada\"") && page.contains("value=\"typed7\""));
    assert!(
        !page.contains("value=\"typed2\""),
        "the oldest typed ids are left out"
    );
    assert_eq!(page.matches("type=\"radio\"").count(), 5 + 5);
}
