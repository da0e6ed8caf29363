//! A stolen authorization code (RFC 9700 section 4.5): every web login
//! carries a PKCE challenge, and the verifier stays with the session that
//! asked, so a code leaked from one browser's login cannot sign another in.

mod common;

use common::*;
use spotify_sandbox::SandboxOptions;

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

#[test]
fn a_leaked_code_does_not_sign_the_attacker_in_as_the_victim() {
    let app = start();
    let victim = browser();
    // The victim consents; the redirect (code and state) leaks.
    let leaked = consent(&app, &victim, "ada", true);
    let code = param(&leaked, "code");

    // The attacker starts a login in their own browser and brings the
    // victim's code with their own state.
    let attacker = browser();
    let login = attacker.get(format!("{}/login", app.url)).send().unwrap();
    assert_eq!(login.status(), 303);
    let authorize = location(&login);
    let own_state = param(&authorize, "state");
    let mut injected_url = url::Url::parse(&format!("{}/callback", app.url)).unwrap();
    injected_url
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &own_state);
    let injected = attacker.get(injected_url.as_str()).send().unwrap();
    assert_ne!(injected.status(), 303, "the attacker was signed in");
    let page = injected.text().unwrap();
    assert!(page.contains("Nobody was signed in"), "{page}");
    assert_eq!(get_json(&attacker, &format!("{}/api/me", app.url)).0, 401);
    assert_eq!(
        get_json(&attacker, &format!("{}/api/token", app.url)).0,
        401
    );

    // The victim's own callback still works.
    let answer = victim.get(&leaked).send().unwrap();
    assert_eq!(answer.status(), 303, "{:?}", answer.text());
    let (status, me) = get_json(&victim, &format!("{}/api/me", app.url));
    assert_eq!((status, me["id"].as_str()), (200, Some("ada")), "{me}");
    assert_eq!(param(&authorize, "code_challenge_method"), "S256");
    assert_eq!(param(&authorize, "code_challenge").len(), 43);
}

#[test]
fn a_refused_verifier_with_the_secret_is_named_and_pkce_alone_works() {
    let refusing = SandboxOptions {
        refuse_pkce_with_secret: true,
        ..SandboxOptions::default()
    };
    let app = start_with(refusing.clone(), &[]);
    let client = browser();
    let callback = consent(&app, &client, "ada", true);
    let answer = client.get(callback).send().unwrap();
    assert_eq!(answer.status(), 502);
    let page = answer.text().unwrap();
    assert!(
        page.contains("PKCE") && page.contains("without the secret"),
        "{page}"
    );
    assert!(!page.contains("WEB_APP_"), "no variable on a page: {page}");

    let app = start_with(refusing, &[("WEB_APP_PKCE_ONLY", "1")]);
    let client = browser();
    sign_in(&app, &client, "ada");
    let row = block_on(app.state.store.load_token("ada"))
        .unwrap()
        .unwrap();
    assert!(row.token.pkce, "refreshed without the secret too");
    assert_eq!(get_json(&client, &format!("{}/api/me", app.url)).0, 200);
}
