//! For scripts/bench-web.sh: the sandbox with a loopback redirect URI
//! registered without a port (any replica's port matches) and rotated refresh
//! tokens; prints `export SPOTIFY_...=...` lines for a shell (all but the
//! redirect URI, each app's own), then serves until killed.

use spotify_sandbox::{Sandbox, SandboxOptions};

fn main() {
    let sandbox = Sandbox::start(SandboxOptions {
        redirect_uris: vec!["http://127.0.0.1/callback".into()],
        rotate_refresh_tokens: true,
        ..SandboxOptions::default()
    })
    .expect("cannot start the sandbox");
    for (name, value) in sandbox.env_vars() {
        if name != "SPOTIFY_REDIRECT_URI" {
            println!("export {name}='{value}'");
        }
    }
    loop {
        std::thread::park();
    }
}
