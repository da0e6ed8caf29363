//! The README's sample outputs are what the binaries print today.
//!
//! One scripted run drives the real binaries the way the README tells a reader
//! to: `cargo run`, then the `sandbox` binary with its lines in `.env` and the
//! steps, step 5, `client_credentials` and `doctor` against it. Each output
//! belongs to the README block between `<!-- sample:NAME -->` and
//! `<!-- /sample:NAME -->`. With `README_SAMPLES=write` (what
//! `bash scripts/readme-samples.sh` sets) the blocks are rewritten; otherwise
//! they are compared, with what changes from run to run set aside.

#[path = "readme_samples/blocks.rs"]
mod blocks;
mod common;
#[path = "readme_samples/normalise.rs"]
mod normalise;

use blocks::{block, block_names, first_difference, rewrite};
use normalise::normalise;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where the README says the project folder is.
const SHOWN_FOLDER: &str = "/home/you/spotify-auth";
/// The address `cargo run --bin sandbox` listens on by default.
const SHOWN_SANDBOX_URL: &str = "http://127.0.0.1:8899";
const REGENERATE: &str = "bash scripts/readme-samples.sh";

#[test]
fn readme_samples_are_what_the_binaries_print() {
    let samples = scripted_run();
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    if std::env::var("README_SAMPLES").as_deref() == Ok("write") {
        let rewritten = rewrite(&readme, &samples).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&readme_path, rewritten).unwrap();
        eprintln!("rewrote {} sample blocks of README.md", samples.len());
        return;
    }
    let mut problems = Vec::new();
    for (name, printed) in &samples {
        match block(&readme, name) {
            None => problems.push(format!("README.md has no `<!-- sample:{name} -->` block")),
            Some(shown) => {
                if let Some(diff) = first_difference(&normalise(shown), &normalise(printed)) {
                    problems.push(format!("sample `{name}`: {diff}"));
                }
            }
        }
    }
    for name in block_names(&readme) {
        if !samples.contains_key(&name) {
            problems.push(format!(
                "README.md has a `<!-- sample:{name} -->` block that the scripted run does not make"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the README's samples are not what the binaries print today; run `{REGENERATE}` to regenerate them (and read the diff):\n{}",
        problems.join("\n")
    );
}

/// Runs everything the README shows; sample name to printed text (stdout,
/// then stderr), with the folders and the sandbox's port as the README shows them.
fn scripted_run() -> BTreeMap<String, String> {
    let mut samples = BTreeMap::new();
    let base = std::env::temp_dir().join(format!("spotify-auth-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);

    // `cargo run` with nothing configured: its own sandbox on a free port.
    let tour = base.join("tour");
    std::fs::create_dir_all(&tour).unwrap();
    let run = Runner { dir: tour.clone() };
    let tour = run.shown(&run.output("walkthrough", &[]), "");
    let diagram = tour
        .find("== The run as a sequence diagram ==")
        .map(|at| tour[at..].to_string())
        .unwrap_or_default();
    samples.insert("diagram".into(), diagram);
    samples.insert("walkthrough".into(), tour);

    // `cargo run --bin sandbox`, its lines in `.env`, then each step.
    let sandbox = SandboxProcess::start();
    let dir = base.join("spotify-auth");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".env"), sandbox.dotenv_lines()).unwrap();
    let run = Runner { dir };
    let url = sandbox.url.clone();
    let step1 = run.output("step1_auth_url", &[]);
    samples.insert("step1".into(), run.shown(&step1, &url));
    let redirected = consent(&step1);
    let mut take = |name: &str, bin: &str, args: &[&str]| {
        samples.insert(name.into(), run.shown(&run.output(bin, args), &url));
    };
    take("step2", "step2_get_tokens", &[&redirected]);
    take("step3", "step3_refresh", &[]);
    take("step4", "step4_call_api", &[]);
    sandbox.control("playing?on=true");
    take("step5-devices", "step5_control_playback", &["devices"]);
    take("step5-pause", "step5_control_playback", &["pause"]);
    sandbox.control("active-device?on=false");
    take("step5-no-device", "step5_control_playback", &["next"]);
    take("client-credentials", "client_credentials", &["--me"]);
    let again = run.output("step1_auth_url", &[]);
    take(
        "step2-http",
        "step2_get_tokens",
        &["--http", &consent(&again)],
    );

    // `doctor` with a `localhost` redirect URI, a token lacking a scope and a
    // token file others can read.
    let narrower =
        "user-read-private user-library-read user-read-playback-state user-modify-playback-state";
    let step1 = run.output("step1_auth_url", &["--scope", narrower]);
    let step2 = run.output("step2_get_tokens", &[&consent(&step1)]);
    assert!(
        step2.status.success(),
        "{}",
        String::from_utf8_lossy(&step2.stderr)
    );
    set_mode(&run.dir.join(".spotify-auth/token.json"), 0o644);
    let dotenv = std::fs::read_to_string(run.dir.join(".env")).unwrap();
    let localhost = dotenv.replace(
        "SPOTIFY_REDIRECT_URI=http://127.0.0.1:8888/callback",
        "SPOTIFY_REDIRECT_URI=http://localhost:8888/callback",
    );
    assert_ne!(dotenv, localhost, "the sandbox printed its redirect URI");
    std::fs::write(run.dir.join(".env"), localhost).unwrap();
    samples.insert("doctor".into(), run.shown(&run.output("doctor", &[]), &url));

    samples.insert("sandbox".into(), sandbox.stop(&url));
    let _ = std::fs::remove_dir_all(&base);
    samples
}

/// Presses Agree on the consent page of the URL step 1 printed.
fn consent(step1: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&step1.stdout);
    let url = stdout
        .lines()
        .find(|l| l.starts_with("http") && l.contains("/authorize?"))
        .unwrap_or_else(|| panic!("step 1 printed no authorize URL:\n{stdout}"));
    spotify_sandbox::approve_consent(url, true).expect("the consent page works")
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// Runs the binaries in one folder with a clean environment, as a reader would
/// with only `.env` set.
struct Runner {
    dir: PathBuf,
}

impl Runner {
    fn command(&self, bin: &str, args: &[&str]) -> Command {
        let mut command = Command::new(common::bin_path(bin));
        command
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null());
        command
    }

    fn output(&self, bin: &str, args: &[&str]) -> std::process::Output {
        self.command(bin, args).output().unwrap()
    }

    /// The output as the README shows it: this folder as the reader's project
    /// folder, the sandbox at its default address.
    fn shown(&self, output: &std::process::Output, sandbox_url: &str) -> String {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        shown_as_in_readme(&text, &self.dir, sandbox_url)
    }
}

fn shown_as_in_readme(text: &str, folder: &Path, sandbox_url: &str) -> String {
    let mut text = text.replace(&folder.display().to_string(), SHOWN_FOLDER);
    if !sandbox_url.is_empty() {
        text = text.replace(sandbox_url, SHOWN_SANDBOX_URL);
    }
    text
}

/// The `sandbox` binary, its output collected while it runs.
struct SandboxProcess {
    child: common::Running,
    url: String,
    printed: Arc<Mutex<Vec<String>>>,
    reader: std::thread::JoinHandle<()>,
}

impl SandboxProcess {
    fn start() -> SandboxProcess {
        let (child, lines) = common::sandbox_binary(&[]);
        let printed = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&printed);
        let reader = std::thread::spawn(move || {
            for line in lines {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let found = printed
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.strip_prefix("SPOTIFY_ACCOUNTS_URL=").map(String::from));
            let scopes_printed = printed
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.starts_with("SPOTIFY_SCOPES="));
            match found {
                Some(url) if scopes_printed => break url,
                _ if Instant::now() > deadline => panic!("the sandbox binary printed no address"),
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        SandboxProcess {
            child,
            url,
            printed,
            reader,
        }
    }

    /// Its `SPOTIFY_...` lines, the README's `.env`.
    fn dotenv_lines(&self) -> String {
        let printed = self.printed.lock().unwrap();
        let lines: Vec<&str> = printed
            .iter()
            .filter(|l| l.starts_with("SPOTIFY_"))
            .map(String::as_str)
            .collect();
        lines.join("\n") + "\n"
    }

    /// `curl -X POST http://127.0.0.1:8899/__sandbox/SWITCH`.
    fn control(&self, switch: &str) {
        let status = common::http()
            .post(format!("{}/__sandbox/{switch}", self.url))
            .send()
            .unwrap()
            .status();
        assert!(status.is_success(), "{switch}: {status}");
    }

    /// Stops it; everything it printed, as the README shows it.
    fn stop(self, sandbox_url: &str) -> String {
        drop(self.child);
        self.reader.join().unwrap();
        let printed = self.printed.lock().unwrap().join("\n") + "\n";
        shown_as_in_readme(&printed, Path::new("/nonexistent-folder"), sandbox_url)
    }
}
