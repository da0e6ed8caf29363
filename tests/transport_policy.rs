//! The blocking transport follows the core's HTTP policy
//! (`core::http_policy`), against the sandbox's faults: a 500 then a 200, a
//! 429 with `Retry-After`, a body over the cap, a deadline that runs out.

use spotify_auth::core::accounts::RetryPolicy;
use spotify_auth::core::app_token::{client_credentials_request, parse_app_token_answer};
use spotify_auth::core::web_api::EXAMPLE_ARTIST_ID;
use spotify_auth::http::{Http, MAX_BODY_BYTES};
use spotify_auth::{Config, Endpoint, Error};
use spotify_sandbox::{Fault, FaultKind, Sandbox, SandboxOptions};
use std::time::{Duration, Instant};

struct Bench {
    sandbox: Sandbox,
    token: String,
    url: String,
}

/// A sandbox, an app-only token from it, and the artist URL to read with it.
fn bench() -> Bench {
    let sandbox = Sandbox::start(SandboxOptions::default()).unwrap();
    let vars = sandbox.env_vars();
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    let answer = Http::new(Duration::from_secs(10))
        .send_token_request(&client_credentials_request(&config).unwrap())
        .unwrap();
    let token = parse_app_token_answer(answer.status, &answer.body).unwrap();
    let id = spotify_auth::SpotifyId::parse(EXAMPLE_ARTIST_ID, "artist").unwrap();
    Bench {
        url: Endpoint::Artist(id).url(&config.api_url),
        token: token.access_token.secret().to_string(),
        sandbox,
    }
}

impl Bench {
    fn arm(&self, kind: FaultKind) {
        self.sandbox.add_fault(Fault {
            endpoint: self.url.trim_start_matches(&self.sandbox.url()).into(),
            kind,
            count: 1,
        });
    }

    fn read(&self, timeout_secs: u64) -> Result<spotify_auth::http::HttpAnswer, Error> {
        Http::new(Duration::from_secs(timeout_secs)).bearer(
            reqwest::Method::GET,
            &self.url,
            &self.token,
            RetryPolicy::Idempotent,
        )
    }

    fn requests(&self) -> u64 {
        self.sandbox
            .request_count(self.url.trim_start_matches(&self.sandbox.url()))
    }
}

#[test]
fn a_500_then_a_200_is_tried_again_after_the_back_off() {
    let bench = bench();
    bench.arm(FaultKind::Status(500));
    let started = Instant::now();
    let answer = bench.read(10).unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("Band of Horses"), "{}", answer.body);
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(bench.requests(), 2);
}

#[test]
fn a_429_with_retry_after_is_waited_within_the_deadline_and_refused_beyond_it() {
    let bench = bench();
    bench.arm(FaultKind::TooManyRequests {
        retry_after_secs: Some(1),
    });
    let started = Instant::now();
    assert_eq!(bench.read(10).unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(bench.requests(), 2);

    bench.arm(FaultKind::TooManyRequests {
        retry_after_secs: Some(3600),
    });
    let started = Instant::now();
    match bench.read(10) {
        Err(Error::RetryAfterTooLong {
            retry_after_secs: 3600,
            limit_secs: 10,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2), "never slept on");
    assert_eq!(bench.requests(), 3);

    bench.arm(FaultKind::QuotaExceeded);
    assert!(matches!(bench.read(10), Err(Error::QuotaExceeded)));
    assert_eq!(bench.requests(), 4, "a spent quota is not tried again");
}

#[test]
fn a_body_over_the_cap_is_refused() {
    let bench = bench();
    bench.arm(FaultKind::Oversized);
    match bench.read(10) {
        Err(Error::UnexpectedResponse(m)) => assert!(m.contains("larger than 1 MiB"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(bench.requests(), 1);
    assert_eq!(MAX_BODY_BYTES, 1024 * 1024);
}

#[test]
fn a_deadline_that_runs_out_ends_the_whole_call() {
    let bench = bench();
    // Each try gets half of the 2 s; the sandbox answers after 3 s twice.
    for _ in 0..2 {
        bench.arm(FaultKind::Slow { secs: 3 });
    }
    let started = Instant::now();
    match bench.read(2) {
        Err(Error::Timeout { secs: 2, tries, .. }) => assert!(tries >= 1, "{tries}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_millis(2900));
}
