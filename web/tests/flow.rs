//! Signing in and out through the routes, as a browser does, against the sandbox.

mod common;

use common::*;

#[test]
fn login_rotates_the_session_and_logout_forgets_it() {
    let app = start();
    let client = browser();
    let (status, body) = get_json(&client, &format!("{}/api/me", app.url));
    assert_eq!(status, 401);
    assert_eq!(body["login"], "/login");

    let login = client.get(format!("{}/login", app.url)).send().unwrap();
    let first = set_cookie(&login).expect("a session cookie at /login");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(first.contains(flag), "{first}");
    }
    assert!(!first.contains("Secure"), "http: no Secure flag: {first}");
    let authorize = location(&login);
    let callback = spotify_sandbox::approve_consent_as(&authorize, "ada", true).unwrap();
    let answer = client.get(&callback).send().unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), "/");
    let second = set_cookie(&answer).expect("a new cookie at login");
    let id = |c: &str| c.split(';').next().unwrap().to_string();
    assert_ne!(
        id(&first),
        id(&second),
        "the session id is rotated at login"
    );

    // The id known before login is worth nothing now.
    let stale = common::http_builder()
        .build()
        .unwrap()
        .get(format!("{}/api/me", app.url))
        .header("Cookie", id(&first))
        .send()
        .unwrap();
    assert_eq!(stale.status(), 401);

    let (status, me) = get_json(&client, &format!("{}/api/me", app.url));
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], "ada");
    assert!(me["display_name"].is_string());
    let (status, token) = get_json(&client, &format!("{}/api/token", app.url));
    assert_eq!(status, 200);
    assert!(token["access_token"].as_str().unwrap().len() > 20);
    assert!(token["expires_at"].as_u64().unwrap() > spotify_auth::now_secs() + 3000);
    let page = client.get(&app.url).send().unwrap().text().unwrap();
    assert!(page.contains("id=\"display-name\""), "{page}");
    assert!(!page.contains(token["access_token"].as_str().unwrap()));

    // The replayed callback is refused and changes nothing.
    let replay = client.get(&callback).send().unwrap();
    assert_eq!(replay.status(), 403);
    assert_eq!(get_json(&client, &format!("{}/api/me", app.url)).0, 200);

    let out = client.post(format!("{}/logout", app.url)).send().unwrap();
    assert_eq!(out.status(), 200);
    assert!(set_cookie(&out).unwrap().contains("Max-Age=0"));
    let (status, body) = get_json(&client, &format!("{}/api/token", app.url));
    assert_eq!((status, body["login"].as_str()), (401, Some("/login")));
    let held = block_on(app.state.store.load_token("ada")).unwrap();
    assert!(held.is_none(), "the tokens held for the session are gone");
}

#[test]
fn two_users_each_see_their_own_data_and_keep_tokens_apart() {
    let app = start();
    let (ada, grace) = (browser(), browser());
    sign_in(&app, &ada, "ada");
    sign_in(&app, &grace, "grace");
    let me = |c| get_json(c, &format!("{}/api/me", app.url)).1;
    assert_eq!(me(&ada)["id"], "ada");
    assert_eq!(me(&grace)["id"], "grace");
    let lists = |c| {
        get_json(c, &format!("{}/api/playlists", app.url))
            .1
            .to_string()
    };
    assert_ne!(lists(&ada), lists(&grace));

    // A second browser of ada shares her token row; logging one out keeps the other.
    let ada2 = browser();
    sign_in(&app, &ada2, "ada");
    assert_eq!(
        ada2.post(format!("{}/logout", app.url))
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(me(&ada)["id"], "ada");
    assert_eq!(me(&grace)["id"], "grace");
}

#[test]
fn secure_cookie_when_the_public_url_is_https() {
    let app = start_with(
        Default::default(),
        &[("SPOTIFY_REDIRECT_URI", "https://app.example.test/callback")],
    );
    let login = browser().get(format!("{}/login", app.url)).send().unwrap();
    let cookie = set_cookie(&login).unwrap();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[test]
fn cross_site_posts_are_refused() {
    let app = start();
    let client = browser();
    sign_in(&app, &client, "ada");
    for path in ["/logout", "/api/player/pause", "/api/player/next"] {
        let answer = client
            .post(format!("{}{path}", app.url))
            .header("Origin", "http://evil.example")
            .send()
            .unwrap();
        assert_eq!(answer.status(), 403, "{path}");
        let answer = client
            .post(format!("{}{path}", app.url))
            .header("Sec-Fetch-Site", "cross-site")
            .send()
            .unwrap();
        assert_eq!(answer.status(), 403, "{path}");
    }
    assert_eq!(
        get_json(&client, &format!("{}/api/me", app.url)).0,
        200,
        "still signed in"
    );
}

#[test]
fn player_commands_and_state() {
    let app = start();
    let client = browser();
    sign_in(&app, &client, "sandbox-user");
    let (status, player) = get_json(&client, &format!("{}/api/player", app.url));
    assert_eq!(status, 200, "{player}");
    for command in ["pause", "play", "next", "previous"] {
        let answer = client
            .post(format!("{}/api/player/{command}", app.url))
            .header("Origin", &app.url)
            .send()
            .unwrap();
        let status = answer.status().as_u16();
        let body: serde_json::Value = serde_json::from_str(&answer.text().unwrap()).unwrap();
        assert!(
            status == 200 || body["error"].is_string(),
            "{command}: {status} {body}"
        );
    }
    // A form (JavaScript off) gets a page back.
    let form = client
        .post(format!("{}/api/player/pause", app.url))
        .header("Accept", "text/html")
        .send()
        .unwrap();
    assert!(
        form.status() == 303
            || form.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
    );
    let unknown = client
        .post(format!("{}/api/player/stop", app.url))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        get_json(&browser(), &format!("{}/api/player", app.url)).0,
        401
    );
    assert_eq!(
        browser()
            .get(format!("{}/health", app.url))
            .send()
            .unwrap()
            .status(),
        200
    );
}
