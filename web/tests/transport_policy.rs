//! The web app's async transport follows the core's HTTP policy
//! (`core::http_policy`), against the sandbox's faults: a 500 then a 200, a
//! 429 with `Retry-After`, a body over the cap, a deadline that runs out.

use spotify_auth::core::app_token::client_credentials_request;
use spotify_auth::{AccessToken, Config, Error};
use spotify_sandbox::{Fault, FaultKind, Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use web_app::ratelimit::RateLimits;
use web_app::spotify::{Answer, Spotify};

const PATH: &str = "/v1/artists/0OdUWJ0sBjDrqHygGUXeCF";

/// The app's transport against a new sandbox, with its own app-only token.
struct Bench {
    sandbox: Sandbox,
    spotify: Spotify,
    token: AccessToken,
}

/// `timeout_secs` bounds each call. The token comes through the same
/// transport (a token request: the accounts side of the policy).
fn bench(timeout_secs: u64) -> Bench {
    let sandbox = Sandbox::start(SandboxOptions::default()).unwrap();
    let mut vars: HashMap<&str, String> = sandbox.env_vars().into_iter().collect();
    vars.insert("SPOTIFY_HTTP_TIMEOUT_SECS", timeout_secs.to_string());
    let config = Config::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let request = client_credentials_request(&config).unwrap();
    let spotify = Spotify::new(config).unwrap();
    let token = run(spotify.send_token(&request)).unwrap().access_token;
    Bench {
        sandbox,
        spotify,
        token,
    }
}

fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

impl Bench {
    fn arm(&self, kind: FaultKind, count: u32) {
        let endpoint = PATH.to_string();
        self.sandbox.add_fault(Fault {
            endpoint,
            kind,
            count,
        });
    }

    /// `GET` the artist through the app's transport (a fresh one per
    /// runtime: the pause of a 429 is the app's, kept in `limits`).
    fn read(&self) -> Result<Answer, Error> {
        let limits = std::sync::Arc::new(RateLimits::new(None));
        let spotify = self.spotify.clone().with_limits(limits);
        run(spotify.api(reqwest::Method::GET, PATH, &self.token))
    }
}

#[test]
fn a_500_then_a_200_is_tried_again_after_the_back_off() {
    let bench = bench(10);
    bench.arm(FaultKind::Status(500), 1);
    let started = Instant::now();
    let answer = bench.read().unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("Band of Horses"), "{}", answer.body);
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(bench.sandbox.request_count(PATH), 2);
}

#[test]
fn a_429_with_retry_after_is_waited_within_the_deadline_and_refused_beyond_it() {
    let bench = bench(10);
    bench.arm(
        FaultKind::TooManyRequests {
            retry_after_secs: Some(1),
        },
        1,
    );
    let started = Instant::now();
    assert_eq!(bench.read().unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(bench.sandbox.request_count(PATH), 2);

    bench.arm(
        FaultKind::TooManyRequests {
            retry_after_secs: Some(3600),
        },
        1,
    );
    let started = Instant::now();
    let refused = bench.read();
    let waited = started.elapsed();
    let expected =
        "Retry-After 3600 s): Spotify asks to wait longer than this call's time limit of 10 s";
    let shown = refused.as_ref().map_err(ToString::to_string).unwrap_err();
    assert!(shown.contains(expected), "{shown}");
    assert!(waited < Duration::from_secs(2), "never slept on");
    assert_eq!(bench.sandbox.request_count(PATH), 3);

    bench.arm(FaultKind::QuotaExceeded, 1);
    assert!(matches!(bench.read(), Err(Error::QuotaExceeded)));
    assert_eq!(
        bench.sandbox.request_count(PATH),
        4,
        "a spent quota is not tried again"
    );
}

#[test]
fn a_body_over_the_cap_is_refused() {
    let bench = bench(10);
    bench.arm(FaultKind::Oversized, 1);
    match bench.read() {
        Err(Error::UnexpectedResponse(m)) => assert!(m.contains("larger than 1 MiB"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(bench.sandbox.request_count(PATH), 1);
}

#[test]
fn a_deadline_that_runs_out_ends_the_whole_call() {
    // Each try gets half of the 2 s; the sandbox answers after 3 s, twice.
    let bench = bench(2);
    bench.arm(FaultKind::Slow { secs: 3 }, 2);
    let started = Instant::now();
    match bench.read() {
        Err(Error::Timeout { secs: 2, tries, .. }) => assert!(tries >= 1, "{tries}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_millis(2900));
}
