use std::time::Instant;
#[test]
fn timing() {
    let t = Instant::now();
    let sb = spotify_sandbox::Sandbox::start(Default::default()).unwrap();
    eprintln!("start {:?}", t.elapsed());
    let t = Instant::now();
    let c = reqwest::blocking::Client::new();
    let r = c.get(format!("{}/v1/me", sb.url())).send().unwrap();
    eprintln!("req1 {:?} {}", t.elapsed(), r.status());
    let t = Instant::now();
    let r = c.get(format!("{}/v1/me", sb.url())).send().unwrap();
    eprintln!("req2 {:?} {}", t.elapsed(), r.status());
    let t = Instant::now();
    sb.stop();
    eprintln!("stop {:?}", t.elapsed());
}
