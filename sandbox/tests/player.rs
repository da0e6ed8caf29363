//! The player: devices, the queue, pause/play/next/previous, and their errors.

mod common;

use common::*;
use reqwest::blocking::Response;
use serde_json::{json, Value};
use spotify_sandbox::{approve_consent_as, Sandbox};

const READ: &str = "user-read-playback-state";
const BOTH: &str = "user-read-playback-state user-modify-playback-state";

fn send(sb: &Sandbox, method: &str, path: &str, token: &str) -> Response {
    let url = format!("{}{path}", sb.url());
    let request = match method {
        "PUT" => client().put(url),
        "POST" => client().post(url),
        _ => client().get(url),
    };
    request
        .bearer_auth(token)
        .header("Content-Length", "0")
        .send()
        .unwrap()
}

fn state(sb: &Sandbox, token: &str) -> Value {
    let (status, body) = json(api_get(sb, "/v1/me/player", Some(token)));
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn devices_list_one_active_device_by_default() {
    let sb = start();
    let (access, _) = tokens(&sb, READ);
    let (status, body) = json(api_get(&sb, "/v1/me/player/devices", Some(&access)));
    assert_eq!(status, 200);
    let devices = body["devices"].as_array().unwrap();
    assert!(!devices.is_empty());
    let active: Vec<&Value> = devices.iter().filter(|d| d["is_active"] == true).collect();
    assert_eq!(active.len(), 1);
    for key in ["id", "name", "type", "volume_percent"] {
        assert!(!active[0][key].is_null(), "{key}");
    }
    assert_eq!(active[0]["name"], "Sandbox Speaker");
}

#[test]
fn commands_drive_the_player() {
    let sb = start();
    let (access, _) = tokens(&sb, BOTH);
    // Nothing loaded yet: 204.
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&access)).status(), 204);
    let play = send(&sb, "PUT", "/v1/me/player/play", &access);
    assert_eq!(play.status(), 204);
    let playing = state(&sb, &access);
    assert_eq!(playing["is_playing"], true);
    assert_eq!(playing["device"]["is_active"], true);
    assert!(playing["progress_ms"].is_u64());
    let first = playing["item"]["id"].clone();
    assert_eq!(playing["item"]["name"], "Authorization Code");

    assert_eq!(
        send(&sb, "PUT", "/v1/me/player/pause", &access).status(),
        204
    );
    assert_eq!(state(&sb, &access)["is_playing"], false);

    assert_eq!(
        send(&sb, "POST", "/v1/me/player/next", &access).status(),
        204
    );
    let next = state(&sb, &access);
    assert_ne!(next["item"]["id"], first);
    assert_eq!(next["is_playing"], true);
    let (_, queue) = json(api_get(&sb, "/v1/me/player/queue", Some(&access)));
    assert_eq!(queue["currently_playing"]["id"], next["item"]["id"]);
    assert!(!queue["queue"].as_array().unwrap().is_empty());

    assert_eq!(
        send(&sb, "POST", "/v1/me/player/previous", &access).status(),
        204
    );
    assert_eq!(state(&sb, &access)["item"]["id"], first);
}

#[test]
fn device_id_targets_a_device() {
    let sb = start();
    let (access, _) = tokens(&sb, BOTH);
    let play = send(
        &sb,
        "PUT",
        "/v1/me/player/play?device_id=sandbox-device-0002",
        &access,
    );
    assert_eq!(play.status(), 204);
    assert_eq!(state(&sb, &access)["device"]["name"], "Sandbox Phone");
    let unknown = send(&sb, "PUT", "/v1/me/player/play?device_id=nope", &access);
    assert_eq!(
        json(unknown),
        (
            404,
            json!({"error": {"status": 404, "message": "Device not found"}})
        )
    );
}

fn no_active_device() -> (u16, Value) {
    (
        404,
        json!({"error": {"status": 404, "message": "Player command failed: No active device found", "reason": "NO_ACTIVE_DEVICE"}}),
    )
}

#[test]
fn without_an_active_device_commands_are_404_and_the_state_204() {
    let sb = start_with(|o| o.active_device = false);
    let (access, _) = tokens(&sb, BOTH);
    for (method, path) in [
        ("PUT", "/v1/me/player/pause"),
        ("PUT", "/v1/me/player/play"),
        ("POST", "/v1/me/player/next"),
        ("POST", "/v1/me/player/previous"),
    ] {
        assert_eq!(
            json(send(&sb, method, path, &access)),
            no_active_device(),
            "{path}"
        );
    }
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&access)).status(), 204);
    let (_, devices) = json(api_get(&sb, "/v1/me/player/devices", Some(&access)));
    assert!(devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["is_active"] == false));
    // Switched at run time.
    let on = client()
        .post(format!("{}/__sandbox/active-device?on=true", sb.url()))
        .send()
        .unwrap();
    assert_eq!(on.status(), 200);
    assert_eq!(
        send(&sb, "PUT", "/v1/me/player/play", &access).status(),
        204
    );
    sb.set_active_device("sandbox-user", false);
    assert_eq!(
        json(send(&sb, "PUT", "/v1/me/player/pause", &access)),
        no_active_device()
    );
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&access)).status(), 204);
}

fn premium_required() -> (u16, Value) {
    (
        403,
        json!({"error": {"status": 403, "message": "Player command failed: Premium required", "reason": "PREMIUM_REQUIRED"}}),
    )
}

#[test]
fn users_without_premium_get_403_premium_required() {
    let sb = start_with(|o| o.premium = false);
    let (access, _) = tokens(&sb, BOTH);
    assert_eq!(
        json(send(&sb, "PUT", "/v1/me/player/play", &access)),
        premium_required()
    );
    // Reading still works.
    assert_eq!(api_get(&sb, "/v1/me/player", Some(&access)).status(), 204);
    sb.set_premium("sandbox-user", true);
    assert_eq!(
        send(&sb, "PUT", "/v1/me/player/play", &access).status(),
        204
    );
    client()
        .post(format!("{}/__sandbox/premium?on=false", sb.url()))
        .send()
        .unwrap();
    assert_eq!(
        json(send(&sb, "POST", "/v1/me/player/next", &access)),
        premium_required()
    );

    // The built-in user alan has no Premium.
    let location = approve_consent_as(&authorize_url(&sb, BOTH, "s"), "alan", true).unwrap();
    let (_, body) = json(exchange(&sb, &param(&location, "code").unwrap()));
    let alan = body["access_token"].as_str().unwrap();
    assert_eq!(
        json(send(&sb, "PUT", "/v1/me/player/pause", alan)),
        premium_required()
    );
}

#[test]
fn scopes_are_checked_first() {
    let sb = start_with(|o| o.premium = false);
    let insufficient = (
        403,
        json!({"error": {"status": 403, "message": "Insufficient client scope"}}),
    );
    let (read_only, _) = tokens(&sb, READ);
    assert_eq!(
        json(send(&sb, "PUT", "/v1/me/player/play", &read_only)),
        insufficient
    );
    let (modify_only, _) = tokens(&sb, "user-modify-playback-state");
    assert_eq!(
        json(api_get(&sb, "/v1/me/player/devices", Some(&modify_only))),
        insufficient
    );
    assert_eq!(
        json(api_get(&sb, "/v1/me/player", Some(&modify_only))),
        insufficient
    );
}

#[test]
fn wrong_methods_are_405() {
    let sb = start();
    let (access, _) = tokens(&sb, BOTH);
    assert_eq!(
        send(&sb, "GET", "/v1/me/player/pause", &access).status(),
        405
    );
    assert_eq!(
        send(&sb, "PUT", "/v1/me/player/next", &access).status(),
        405
    );
}
