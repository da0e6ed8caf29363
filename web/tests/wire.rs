//! The web app's async transport records the wire where the blocking one
//! does: each try as a `RecordedExchange`, the client secret left out, the
//! request as the sandbox received it.

use spotify_auth::core::app_token::client_credentials_request;
use spotify_auth::core::wire::RecordedExchange;
use spotify_auth::Config;
use spotify_sandbox::{Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use web_app::spotify::Spotify;

const CANARY: &str = "CANARY0secret0CANARY0secret00002";

#[test]
fn every_try_is_recorded_without_the_secret() {
    let sandbox = Sandbox::start(SandboxOptions {
        client_secret: CANARY.into(),
        ..SandboxOptions::default()
    })
    .unwrap();
    let vars: HashMap<&str, String> = sandbox.env_vars().into_iter().collect();
    let config = Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let request = client_credentials_request(&config).unwrap();
    let seen: Arc<Mutex<Vec<RecordedExchange>>> = Arc::default();
    let keep = seen.clone();
    let spotify =
        Spotify::new(config)
            .unwrap()
            .with_trace(Arc::new(move |e: &RecordedExchange| {
                keep.lock().unwrap().push(e.clone())
            }));
    let token = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(spotify.send_token(&request))
        .unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let exchange = &seen[0];
    assert!(!format!("{exchange:?}").contains(CANARY));
    assert_eq!(
        exchange.request.header("authorization"),
        Some(format!("Basic base64({}:<client secret>)", sandbox.client_id()).as_str())
    );
    let answer = exchange.answer.as_ref().unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer
        .body
        .contains(&token.access_token.secret().to_string()));
    let received = sandbox.last_received("/api/token").unwrap();
    let mut recorded: Vec<String> = exchange
        .request
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    let mut names = received.header_names.clone();
    recorded.sort();
    names.sort();
    assert_eq!(recorded, names);
    assert_eq!(exchange.request.form(), received.form);
}
