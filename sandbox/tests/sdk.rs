//! The Web Playback SDK stand-in: its script, a browser device registered
//! with the user's token, the transfer to it, its state and commands, and the
//! refusals the real SDK turns into `authentication_error` and `account_error`.

mod common;

use common::*;
use reqwest::blocking::Response;
use serde_json::{json, Value};
use spotify_sandbox::{approve_consent_as, Sandbox};

const SDK: &str = "streaming user-read-email user-read-private user-read-playback-state user-modify-playback-state";

fn token_of(sb: &Sandbox, user: &str, scope: &str) -> (String, String) {
    let location = approve_consent_as(&authorize_url(sb, scope, "s"), user, true).unwrap();
    let (status, body) = json(exchange(sb, &param(&location, "code").unwrap()));
    assert_eq!(status, 200, "{body}");
    (
        body["access_token"].as_str().unwrap().to_string(),
        body["refresh_token"].as_str().unwrap().to_string(),
    )
}

/// Ada's access and refresh tokens, and Grace's access token, with the SDK's scopes.
fn ada_and_grace(sb: &Sandbox) -> ((String, String), String) {
    (token_of(sb, "ada", SDK), token_of(sb, "grace", SDK).0)
}

fn send(sb: &Sandbox, method: &str, path: &str, token: &str, body: Option<Value>) -> Response {
    let url = format!("{}{path}", sb.url());
    let request = match method {
        "PUT" => client().put(url),
        "POST" => client().post(url),
        "DELETE" => client().delete(url),
        _ => client().get(url),
    };
    let request = request.bearer_auth(token);
    match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .body(body.to_string()),
        None => request.header("Content-Length", "0"),
    }
    .send()
    .unwrap()
}

fn register(sb: &Sandbox, token: &str, name: &str) -> (u16, Value) {
    json(send(
        sb,
        "POST",
        "/sdk/v1/devices",
        token,
        Some(json!({ "name": name })),
    ))
}

fn transfer(sb: &Sandbox, token: &str, device: &str) -> Response {
    send(
        sb,
        "PUT",
        "/v1/me/player",
        token,
        Some(json!({"device_ids": [device], "play": true})),
    )
}

fn header_has(response: &Response, name: &str, part: &str) -> bool {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(part))
}

#[test]
fn the_script_has_the_sdk_interface_and_cors_headers() {
    let sb = start();
    let response = client()
        .get(format!("{}/sdk/spotify-player.js", sb.url()))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(header_has(&response, "content-type", "javascript"));
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let script = response.text().unwrap();
    for name in [
        "onSpotifyWebPlaybackSDKReady",
        "connect",
        "disconnect",
        "addListener",
        "removeListener",
        "getCurrentState",
        "togglePlay",
        "pause",
        "resume",
        "nextTrack",
        "previousTrack",
        "getOAuthToken",
    ] {
        assert!(script.contains(name), "{name}");
    }
    let preflight = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/sdk/v1/devices", sb.url()),
        )
        .send()
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(header_has(
        &preflight,
        "access-control-allow-headers",
        "Authorization"
    ));
}

#[test]
fn a_browser_device_is_registered_transferred_to_and_played() {
    let sb = start();
    let ((ada, _), grace) = ada_and_grace(&sb);
    let (status, body) = register(&sb, &ada, "spotify-auth web app (Chrome)");
    assert_eq!(status, 200, "{body}");
    let device = body["device_id"].as_str().unwrap().to_string();
    assert_eq!(device.len(), 40);
    assert!(body["expires_in"].as_u64().unwrap() > 3500);

    let (_, devices) = json(api_get(&sb, "/v1/me/player/devices", Some(&ada)));
    let mine = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == device.as_str())
        .cloned()
        .expect("the browser is one of ada's devices");
    assert_eq!(mine["name"], "spotify-auth web app (Chrome)");
    assert_eq!(mine["is_active"], false);
    // Not grace's: she neither sees nor reaches it.
    let (_, theirs) = json(api_get(&sb, "/v1/me/player/devices", Some(&grace)));
    assert!(!theirs.to_string().contains(&device));
    assert_eq!(transfer(&sb, &grace, &device).status(), 404);
    let state_path = format!("/sdk/v1/devices/{device}/state");
    assert_eq!(send(&sb, "GET", &state_path, &grace, None).status(), 404);

    // Not the active device yet: no state for it.
    assert_eq!(
        json(send(&sb, "GET", &state_path, &ada, None)),
        (200, Value::Null)
    );
    assert_eq!(transfer(&sb, &ada, &device).status(), 204);
    let (_, player) = json(api_get(&sb, "/v1/me/player", Some(&ada)));
    assert_eq!(player["device"]["id"], device.as_str());
    assert_eq!(player["is_playing"], true);
    let (status, state) = json(send(&sb, "GET", &state_path, &ada, None));
    assert_eq!(status, 200);
    assert_eq!(state["paused"], false);
    let first = state["track_window"]["current_track"]["name"].clone();
    assert!(first.is_string());

    let toggle = format!("/sdk/v1/devices/{device}/toggle");
    let (_, paused) = json(send(&sb, "POST", &toggle, &ada, None));
    assert_eq!(paused["paused"], true);
    let next = format!("/sdk/v1/devices/{device}/next");
    let (_, next) = json(send(&sb, "POST", &next, &ada, None));
    assert_ne!(next["track_window"]["current_track"]["name"], first);
    assert_eq!(next["paused"], false);

    // Disconnected: the device is gone, and so is the playback on it.
    let gone = send(
        &sb,
        "DELETE",
        &format!("/sdk/v1/devices/{device}"),
        &ada,
        None,
    );
    assert_eq!(gone.status(), 204);
    assert_eq!(send(&sb, "GET", &state_path, &ada, None).status(), 404);
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&ada)).status(), 204);
    assert_eq!(sb.devices("ada").len(), 2);
}

#[test]
fn refusals_the_sdk_reports_as_errors() {
    let sb = start();
    // Without the SDK's scopes: authentication_error's "Invalid token scopes.".
    let (narrow, _) = token_of(&sb, "ada", "user-read-playback-state");
    let (status, body) = register(&sb, &narrow, "browser");
    assert_eq!(status, 403);
    assert_eq!(body["error"]["reason"], "INVALID_TOKEN_SCOPES");
    // Without Premium: account_error.
    let (alan, _) = token_of(&sb, "alan", SDK);
    let (status, body) = register(&sb, &alan, "browser");
    assert_eq!(status, 403);
    assert_eq!(body["error"]["reason"], "PREMIUM_REQUIRED");
    // A bad name, an unknown token.
    let (ada, _) = token_of(&sb, "ada", SDK);
    assert_eq!(register(&sb, &ada, "").0, 400);
    assert_eq!(register(&sb, &ada, "a\u{7}b").0, 400);
    assert_eq!(register(&sb, "nope", "browser").0, 401);
    // A transfer to nowhere, or to two devices at once.
    assert_eq!(transfer(&sb, &ada, "no-such-device").status(), 404);
    let two = json!({"device_ids": ["sandbox-device-0001", "sandbox-device-0002"]});
    let response = send(&sb, "PUT", "/v1/me/player", &ada, Some(two));
    assert_eq!(response.status(), 400);
}

#[test]
fn an_expired_token_is_refused_and_each_refresh_is_counted_for_its_user() {
    let sb = start();
    let ((ada, ada_refresh), grace) = ada_and_grace(&sb);
    let (_, body) = register(&sb, &ada, "browser");
    let state_path = format!(
        "/sdk/v1/devices/{}/state",
        body["device_id"].as_str().unwrap()
    );
    sb.expire_access_tokens("ada");
    assert_eq!(send(&sb, "GET", &state_path, &ada, None).status(), 401);
    assert_eq!(api_get(&sb, "/v1/me", Some(&grace)).status(), 200);
    assert_eq!(sb.refresh_count("ada"), 0);
    let (_, fresh) = json(refresh(&sb, &ada_refresh));
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_eq!(send(&sb, "GET", &state_path, fresh, None).status(), 200);
    assert_eq!((sb.refresh_count("ada"), sb.refresh_count("grace")), (1, 0));
    let users = body_json(
        client()
            .get(format!("{}/__sandbox/users", sb.url()))
            .send()
            .unwrap(),
    );
    let ada_row = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "ada")
        .unwrap()
        .clone();
    assert_eq!(ada_row["refreshes"], 1);
    let expire = client()
        .post(format!("{}/__sandbox/expire-tokens?user=grace", sb.url()))
        .send()
        .unwrap();
    assert_eq!(expire.status(), 200);
    assert_eq!(api_get(&sb, "/v1/me", Some(&grace)).status(), 401);
}
