//! The crash loop of SECURITY.md ("Refresh-token rotation and crashes"): with
//! refresh-token rotation on, `step3_refresh` is killed (`kill -9`) at a random
//! moment of its run, 60 times; after each kill the saved refresh token must
//! still work. A lost session is a kill that fell between the service rotating
//! the refresh token and our durable save of the new one.
//!
//! Slow and timing-dependent, so run by hand:
//! `cargo test --test rotation_crash -- --ignored --nocapture`
//! (`ROTATION_CRASH_RUNS=N` changes the number of runs).

mod common;

use common::World;
use spotify_sandbox::SandboxOptions;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn random_below(limit: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random source");
    u64::from_le_bytes(bytes) % limit.max(1)
}

#[test]
#[ignore = "a measurement: 60 kill -9 runs, run by hand"]
fn rotation_survives_kill_9_during_step3() {
    let runs: u32 = std::env::var("ROTATION_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let world = World::with(SandboxOptions {
        rotate_refresh_tokens: true,
        ..Default::default()
    });
    world.obtain_token();
    // How long a whole step 3 takes here: the kills fall uniformly within it.
    let mut total = Duration::ZERO;
    for _ in 0..5 {
        let started = Instant::now();
        let run = world.run("step3_refresh", &[]);
        assert!(run.ok(), "{}", run.stderr);
        total += started.elapsed();
    }
    let runtime = total / 5;
    let (mut lost, mut finished, mut killed) = (0, 0, 0);
    for _ in 0..runs {
        let delay = Duration::from_micros(random_below(runtime.as_micros() as u64));
        let mut child = world
            .command("step3_refresh", &[])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // SIGKILL, as `kill -9`.
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        } else {
            killed += 1;
        }
        let check = world.run("step3_refresh", &[]);
        if !check.ok() {
            assert!(
                check.stderr.contains("Refresh token revoked"),
                "unexpected failure: {}",
                check.stderr
            );
            lost += 1;
            world.obtain_token();
        }
    }
    println!(
        "rotation crash loop: {runs} runs (step 3 takes about {} ms here; {killed} killed, {finished} finished before the kill): {lost} lost the session",
        runtime.as_millis()
    );
}
