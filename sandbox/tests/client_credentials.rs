//! The Client Credentials grant (app-only tokens) and `GET /v1/artists/{id}`.

mod common;

use common::*;
use serde_json::json;
use spotify_sandbox::Sandbox;

fn app_token(sb: &Sandbox) -> String {
    let response = token_request(sb, &[("grant_type", "client_credentials")]);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let (status, body) = json(response);
    assert_eq!(status, 200, "{body}");
    let object = body.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["access_token", "expires_in", "token_type"],
        "no refresh token, no scope"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_string()
}

#[test]
fn client_credentials_give_an_app_only_token() {
    let sb = start();
    let token = app_token(&sb);
    let (status, artist) = json(api_get(
        &sb,
        "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF",
        Some(&token),
    ));
    assert_eq!(status, 200);
    assert_eq!(artist["name"], "Band of Horses");
    assert_eq!(artist["id"], "0OdUWJ0sBjDrqHygGUXeCF");
    assert_eq!(artist["type"], "artist");
    assert_eq!(artist["uri"], "spotify:artist:0OdUWJ0sBjDrqHygGUXeCF");
    assert!(!artist["genres"].as_array().unwrap().is_empty());
    assert!(artist["external_urls"]["spotify"].is_string());
    // Development mode: no followers, no popularity.
    assert!(artist.get("followers").is_none() && artist.get("popularity").is_none());
}

#[test]
fn app_only_tokens_cannot_reach_user_endpoints() {
    let sb = start();
    let token = app_token(&sb);
    let expected = (
        401,
        json!({"error": {"status": 401, "message": "This request requires user authentication."}}),
    );
    for path in [
        "/v1/me",
        "/v1/me/playlists",
        "/v1/me/shows",
        "/v1/me/player",
        "/v1/me/player/devices",
    ] {
        assert_eq!(json(api_get(&sb, path, Some(&token))), expected, "{path}");
    }
    let pause = client()
        .put(format!("{}/v1/me/player/pause", sb.url()))
        .bearer_auth(&token)
        .header("Content-Length", "0")
        .send()
        .unwrap();
    assert_eq!(json(pause), expected);
}

#[test]
fn client_credentials_need_the_right_secret() {
    let sb = start();
    let wrong = client()
        .post(format!("{}/api/token", sb.url()))
        .basic_auth(sb.client_id(), Some("0".repeat(32)))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(
        oauth_error(wrong),
        (400, "invalid_client".into(), "Invalid client secret".into())
    );
    let none = client()
        .post(format!("{}/api/token", sb.url()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(
        oauth_error(none),
        (400, "invalid_client".into(), "Invalid client".into())
    );
    let id_only = client()
        .post(format!("{}/api/token", sb.url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", sb.client_id()),
        ])
        .send()
        .unwrap();
    assert_eq!(oauth_error(id_only).1, "invalid_client");
}

#[test]
fn app_only_tokens_expire_too() {
    let sb = start();
    let token = app_token(&sb);
    sb.advance_clock(3601);
    let (status, body) = json(api_get(
        &sb,
        "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF",
        Some(&token),
    ));
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "The access token expired");
}

#[test]
fn artists_unknown_malformed_and_with_a_user_token() {
    let sb = start();
    let token = app_token(&sb);
    assert_eq!(
        json(api_get(
            &sb,
            "/v1/artists/0AAAAAAAAAAAAAAAAAAAAA",
            Some(&token)
        )),
        (
            404,
            json!({"error": {"status": 404, "message": "Resource not found"}})
        )
    );
    for bad in ["short", "0OdUWJ0sBjDrqHygGUXeCF0", "0OdUWJ0sBjDrqHygGUXe-F"] {
        assert_eq!(
            json(api_get(&sb, &format!("/v1/artists/{bad}"), Some(&token))),
            (
                400,
                json!({"error": {"status": 400, "message": "invalid id"}})
            ),
            "{bad}"
        );
    }
    assert_eq!(
        api_get(&sb, "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF", None).status(),
        401
    );
    let (user, _) = tokens(&sb, "");
    let (status, artist) = json(api_get(
        &sb,
        "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF",
        Some(&user),
    ));
    assert_eq!(
        (status, artist["name"].as_str()),
        (200, Some("Band of Horses"))
    );

    let sb = start_with(|o| o.extended_quota = true);
    let token = app_token(&sb);
    let (_, artist) = json(api_get(
        &sb,
        "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF",
        Some(&token),
    ));
    assert!(artist["followers"]["total"].is_u64());
    assert!(artist["popularity"].is_u64());
}
