//! The README's sample outputs are what the binaries print today.
//!
//! One scripted run drives the real binaries the way the README tells a reader
//! to: `cargo run`, then the `sandbox` binary with its lines in `.env` and the
//! steps, step 5, `client_credentials` and `doctor` against it. Each output
//! belongs to the README block between `<!-- sample:NAME -->` and
//! `<!-- /sample:NAME -->`. With `README_SAMPLES=write` (what
//! `bash scripts/readme-samples.sh` sets) the blocks are rewritten; otherwise
//! they are compared, with what changes from run to run set aside.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
    samples.insert(
        "walkthrough".into(),
        run.shown(&run.output("walkthrough", &[]), ""),
    );

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
    child: Child,
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
        let status = reqwest::blocking::Client::new()
            .post(format!("{}/__sandbox/{switch}", self.url))
            .send()
            .unwrap()
            .status();
        assert!(status.is_success(), "{switch}: {status}");
    }

    /// Stops it; everything it printed, as the README shows it.
    fn stop(mut self, sandbox_url: &str) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.reader.join().unwrap();
        let printed = self.printed.lock().unwrap().join("\n") + "\n";
        shown_as_in_readme(&printed, Path::new("/nonexistent-folder"), sandbox_url)
    }
}

/// The text of the block `name`: what is between its fences.
fn block<'a>(readme: &'a str, name: &str) -> Option<&'a str> {
    let (start, end) = block_span(readme, name)?;
    Some(&readme[start..end])
}

/// Byte range of the block's text inside its ```` ```text ```` fence.
fn block_span(readme: &str, name: &str) -> Option<(usize, usize)> {
    let open = format!("<!-- sample:{name} -->\n```text\n");
    let close = format!("```\n<!-- /sample:{name} -->");
    let start = readme.find(&open)? + open.len();
    let end = start + readme[start..].find(&close)?;
    Some((start, end))
}

fn block_names(readme: &str) -> Vec<String> {
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("<!-- sample:")?.strip_suffix(" -->"))
        .map(String::from)
        .collect()
}

/// The README with each block's text replaced by `samples`.
fn rewrite(readme: &str, samples: &BTreeMap<String, String>) -> Result<String, String> {
    let mut text = readme.to_string();
    for (name, printed) in samples {
        let (start, end) = block_span(&text, name).ok_or_else(|| {
            format!("README.md has no `<!-- sample:{name} -->` block followed by a ```text fence: add one")
        })?;
        let mut printed = printed.clone();
        if !printed.ends_with('\n') {
            printed.push('\n');
        }
        text.replace_range(start..end, &printed);
    }
    Ok(text)
}

/// Where two normalised texts part, or `None` when they are equal.
fn first_difference(shown: &str, printed: &str) -> Option<String> {
    if shown == printed {
        return None;
    }
    let shown_lines: Vec<&str> = shown.lines().collect();
    let printed_lines: Vec<&str> = printed.lines().collect();
    let at = shown_lines
        .iter()
        .zip(&printed_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(shown_lines.len().min(printed_lines.len()));
    Some(format!(
        "line {}: README shows {:?}, the binary prints {:?}",
        at + 1,
        shown_lines.get(at).copied().unwrap_or("(nothing)"),
        printed_lines.get(at).copied().unwrap_or("(nothing)")
    ))
}

/// What changes from run to run, set aside: times and dates, minutes left,
/// playback progress, ports other than the redirect URI's and the sandbox's
/// default, and long random strings (tokens, codes, states, ids).
fn normalise(text: &str) -> String {
    let text = replace_shape(text, "dddd-dd-dd dd:dd:dd UTC", "<time>");
    let text = replace_shape(&text, "dddd-dd-dd", "<date>");
    let text = replace_shape(&text, "d:dd of d:dd", "<progress>");
    let text = replace_number_before(&text, " min left", "N");
    let text = replace_number_before(&text, " days left", "N");
    let text = replace_ports(&text);
    replace_random_words(&text)
}

/// Replaces every match of `shape`, where `d` stands for one ASCII digit and
/// any other character for itself.
fn replace_shape(text: &str, shape: &str, with: &str) -> String {
    let shape = shape.as_bytes();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                s => s == b,
            });
        if fits {
            out.push_str(with);
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `12 min left` → `N min left`.
fn replace_number_before(text: &str, suffix: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(suffix) {
        let head = &rest[..at];
        let number_start = head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&head[..number_start]);
        out.push_str(if number_start < head.len() { with } else { "" });
        out.push_str(suffix);
        rest = &rest[at + suffix.len()..];
    }
    out.push_str(rest);
    out
}

/// `127.0.0.1:41234` → `127.0.0.1:PORT`, except the redirect URI's 8888 and the
/// sandbox's 8899, which the README means literally.
fn replace_ports(text: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(HOST) {
        out.push_str(&rest[..at + HOST.len()]);
        rest = &rest[at + HOST.len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let port = &rest[..digits];
        out.push_str(if port.is_empty() || port == "8888" || port == "8899" {
            port
        } else {
            "PORT"
        });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Runs of 20 or more letters, digits, `-` and `_` holding a digit (tokens,
/// codes, states, ids) → `<random>`.
fn replace_random_words(text: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 20 && word.chars().any(|c| c.is_ascii_digit()) {
            out.push_str("<random>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[test]
fn normalising_sets_aside_what_changes_between_runs() {
    let a = "expires at 2026-11-25 07:44:41 UTC (60 min left, 182 days left), state=JOgReopvOjGu0sgHLVUD3W8wkIq7yID3 at http://127.0.0.1:42131/authorize, back to http://127.0.0.1:8888/callback, progress: 0:01 of 4:14";
    let b = "expires at 2027-01-02 11:00:09 UTC (59 min left, 181 days left), state=wXsgkIyHCVEeQ7GLhRStJlgRCl7vkcmd at http://127.0.0.1:39541/authorize, back to http://127.0.0.1:8888/callback, progress: 0:00 of 4:14";
    assert_eq!(normalise(a), normalise(b));
    assert_ne!(
        normalise("http://127.0.0.1:8899/v1/me"),
        normalise("http://127.0.0.1:38575/v1/me"),
        "a sample showing another port than the sandbox's default is caught"
    );
    assert_ne!(normalise("42 tracks"), normalise("0 tracks"));
    assert_ne!(
        normalise("Saved the token to /home/you/spotify-auth/.spotify-auth/token.json"),
        normalise("Saved the token to .spotify-auth/token.json")
    );
}

#[test]
fn blocks_are_found_and_rewritten_between_their_markers() {
    let readme = "intro\n<!-- sample:a -->\n```text\nold\n```\n<!-- /sample:a -->\nend\n";
    assert_eq!(block(readme, "a"), Some("old\n"));
    assert_eq!(block_names(readme), ["a"]);
    let samples = BTreeMap::from([("a".to_string(), "new\nlines".to_string())]);
    assert_eq!(
        rewrite(readme, &samples).unwrap(),
        "intro\n<!-- sample:a -->\n```text\nnew\nlines\n```\n<!-- /sample:a -->\nend\n"
    );
    let missing = BTreeMap::from([("b".to_string(), String::new())]);
    assert!(rewrite(readme, &missing).unwrap_err().contains("sample:b"));
}
