//! Every bad answer to `/callback`: a page saying what happened, never a
//! panic, and nobody signed in. Login CSRF included.

mod common;

use common::*;

fn assert_refused_page(response: reqwest::blocking::Response, what: &str) {
    let status = response.status().as_u16();
    assert!((200..500).contains(&status), "{what}: {status}");
    assert_ne!(status, 303, "{what}: must not sign in");
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with("text/html"), "{what}: {kind}");
    assert!(response.headers().get("set-cookie").is_none(), "{what}");
    let page = response.text().unwrap();
    assert!(
        page.contains("Nobody was signed in") || page.contains("nobody was signed in"),
        "{what}: {page}"
    );
}

#[test]
fn login_csrf_the_attackers_callback_in_the_victims_browser() {
    let app = start();
    let attacker = browser();
    // The attacker stops at the callback URL and sends it to the victim.
    let forged = consent(&app, &attacker, "mallory", true);

    let victim = browser();
    assert_refused_page(
        victim.get(&forged).send().unwrap(),
        "victim without a session",
    );
    assert_eq!(get_json(&victim, &format!("{}/api/me", app.url)).0, 401);

    // A victim in the middle of their own login: the state differs.
    let _own = consent(&app, &victim, "ada", true);
    assert_refused_page(
        victim.get(&forged).send().unwrap(),
        "victim with a login in progress",
    );
    assert_eq!(get_json(&victim, &format!("{}/api/me", app.url)).0, 401);
    assert!(block_on(app.state.store.load_token("mallory"))
        .unwrap()
        .is_none());
}

#[test]
fn refusal_and_bad_parameters_give_a_page() {
    let app = start();
    let client = browser();
    let cancelled = consent(&app, &client, "ada", false);
    assert!(cancelled.contains("error=access_denied"), "{cancelled}");
    let page = client.get(&cancelled).send().unwrap();
    assert_eq!(page.status(), 200);
    let text = page.text().unwrap();
    assert!(text.contains("You did not allow access"), "{text}");
    assert_eq!(get_json(&client, &format!("{}/api/me", app.url)).0, 401);

    let callback = format!("{}/callback", app.url);
    let long = "A".repeat(9 * 1024);
    let huge = "B".repeat(60 * 1024);
    let cases = [
        String::new(),
        "?".into(),
        "?code=".into(),
        "?state=".into(),
        "?code=AQabc".into(),
        "?state=forged".into(),
        "?code=AQabc&state=forged".into(),
        "?code=AQa&code=AQb&state=x".into(),
        "?state=a&state=b&code=AQa".into(),
        "?error=access_denied&error=x".into(),
        format!("?code={long}&state=x"),
        format!("?state={huge}"),
        "?code=%00%01&state=%FF%FE".into(),
        "?code=AQ%E2%80%AE&state=%3Cscript%3E".into(),
        "?%=%%&&&==".into(),
        "?code=http://x/?code=1&state=http://y".into(),
        "?error=%3Cb%3Ebold%3C/b%3E".into(),
    ];
    for query in &cases {
        // Each with a login in progress (its pending state is then used up) and without.
        let _ = consent(&app, &client, "ada", true);
        assert_refused_page(
            client.get(format!("{callback}{query}")).send().unwrap(),
            query,
        );
        assert_refused_page(
            browser().get(format!("{callback}{query}")).send().unwrap(),
            query,
        );
        assert_eq!(
            get_json(&client, &format!("{}/api/me", app.url)).0,
            401,
            "{query}"
        );
    }
    // Text from the query is escaped on the page, never markup.
    let _ = consent(&app, &client, "ada", true);
    let page = client
        .get(format!("{callback}?error=%3Cb%3Ebold"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!page.contains("<b>bold"), "{page}");
    assert_eq!(
        browser()
            .get(format!("{}/health", app.url))
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn a_failed_exchange_signs_nobody_in() {
    let app = start();
    let client = browser();
    let callback = consent(&app, &client, "ada", true);
    // Someone else tries the code first.
    let url = url::Url::parse(&callback).unwrap();
    let code: String = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let stolen = common::http_builder()
        .build()
        .unwrap()
        .post(format!("{}/api/token", app.sandbox.url()))
        .basic_auth(app.sandbox.client_id(), Some(app.sandbox.client_secret()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "authorization_code")
                .append_pair("code", &code)
                .append_pair("redirect_uri", &format!("{}/callback", app.url))
                .finish(),
        )
        .send()
        .unwrap();
    // With the secret but without this session's PKCE verifier, the code is useless.
    assert_eq!(stolen.status(), 400);
    assert!(stolen.text().unwrap().contains("code_verifier required"));
    // The exchange fails at Spotify instead.
    app.sandbox.add_fault(spotify_sandbox::Fault {
        endpoint: "/api/token".into(),
        kind: spotify_sandbox::FaultKind::Status(500),
        count: 5,
    });
    let page = client.get(&callback).send().unwrap();
    assert_eq!(page.status(), 502);
    assert!(page
        .text()
        .unwrap()
        .contains("Spotify did not accept the sign-in"));
    assert_eq!(get_json(&client, &format!("{}/api/me", app.url)).0, 401);
}
