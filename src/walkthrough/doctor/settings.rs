//! `.env` and each variable: the client id, the secret, the redirect URI and
//! the ones with no rule of their own.

use super::{Check, Checks, Inputs, Status};
use crate::core::config::{Config, VARIABLES};
use crate::core::redirect_uri::DEFAULT_REDIRECT_URI;
use crate::settings::dotenv_above;
use std::collections::HashMap;

/// `.env` checked line by line: the values the tool would use.
pub(super) fn check_dotenv(inputs: &Inputs, out: &mut Checks) -> HashMap<String, String> {
    let path = &inputs.dotenv_path;
    let first = out.0.len();
    let mut bad_lines = 0;
    let text = match std::fs::read(path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let searched = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let searched = searched.display();
            let (status, detail) = match dotenv_above(path) {
                Some(above) => {
                    let folder = above.parent().unwrap_or(&above).display();
                    let detail = format!("no {searched}: settings come from the environment only; {} is not read from here (.env is read from the current folder only): run from {folder}", above.display());
                    (Status::Warn, detail)
                }
                None => (Status::Note, format!("no {searched}: settings come from the environment only (copy .env.example to .env to keep them in one place)")),
            };
            out.push(status, ".env", detail);
            None
        }
        Err(e) => {
            let detail = format!("cannot read {} ({e}): fix its permissions", path.display());
            out.push(Status::Fail, ".env", detail);
            None
        }
    };
    let present = text.is_some();
    let text = text.unwrap_or_default();
    let mut values = HashMap::new();
    let mut lines_of: HashMap<String, usize> = HashMap::new();
    // Line by line, so every bad line is reported (and none is echoed: a bad
    // line may hold the secret).
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let name = trimmed
            .trim_start_matches("export ")
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let parsed: Result<Vec<(String, String)>, _> =
            dotenvy::from_read_iter(std::io::Cursor::new(format!("{line}\n"))).collect();
        match parsed {
            Ok(pairs) => {
                for (key, value) in pairs {
                    let raw = line.split_once('=').map_or("", |(_, v)| v).trim();
                    let ours = key.starts_with("SPOTIFY_");
                    // Quotes around a value with spaces are needed; around
                    // others they are harmless here, but worth knowing.
                    let needless_quotes = raw.starts_with(['"', '\''])
                        && !value.starts_with(['"', '\''])
                        && !value.contains(char::is_whitespace);
                    for (dropped, what) in [
                        (needless_quotes, "is in quotes; they are removed"),
                        (
                            has_spaces_dropped_when_read(line),
                            "has spaces around `=` or around its value; they are dropped",
                        ),
                    ] {
                        if ours && dropped {
                            let detail = format!("line {number}: {key} {what} when read, which is fine here (but other tools, e.g. docker --env-file, keep them)");
                            out.push(Status::Note, ".env", detail);
                        }
                    }
                    if let Some(first) = lines_of.insert(key.clone(), number) {
                        let detail = format!("line {number}: {key} is set again (first on line {first}); the last one wins: keep one");
                        out.push(Status::Warn, ".env", detail);
                    }
                    values.insert(key, value);
                }
            }
            Err(_) => {
                bad_lines += 1;
                let hint = if line.matches('"').count() % 2 == 1
                    || line.matches('\'').count() % 2 == 1
                {
                    "a quote is not closed: remove the quotes or close them"
                } else if line.contains('=') {
                    "a space or special character in an unquoted value: wrap the value in double quotes"
                } else {
                    "no `=`: write NAME=value"
                };
                let name = if name.is_empty() { "?".into() } else { name };
                let detail = format!("line {number} ({name}) cannot be read ({hint}); every step refuses to start until it is fixed");
                out.push(Status::Fail, ".env", detail);
            }
        }
    }
    if present && bad_lines == 0 {
        let mut names: Vec<&str> = values.keys().map(String::as_str).collect();
        names.retain(|k| k.starts_with("SPOTIFY_"));
        names.sort();
        let names = if names.is_empty() {
            "no SPOTIFY_ variables".to_string()
        } else {
            names.join(", ")
        };
        // The summary before the notes about single lines.
        out.0.insert(
            first,
            Check {
                status: Status::Ok,
                topic: ".env".into(),
                detail: format!("read {}: {names}", path.display()),
            },
        );
    }
    // Names this tool does not read: a typo leaves the real one unset.
    let mut unknown: Vec<(&str, &str)> = values
        .keys()
        .map(|k| (k.as_str(), ".env"))
        .chain(inputs.env.keys().map(|k| (k.as_str(), "the environment")))
        .filter(|(k, _)| k.starts_with("SPOTIFY_") && !VARIABLES.contains(k))
        .filter(|(k, _)| !k.starts_with("SPOTIFY_AUTH_FAIL") && !k.starts_with("SPOTIFY_NOTEBOOK"))
        .collect();
    unknown.sort();
    unknown.dedup_by_key(|(k, _)| *k);
    for (name, place) in unknown {
        let closest = VARIABLES
            .iter()
            .map(|v| (crate::core::scopes::edit_distance(name, v), *v))
            .min()
            .filter(|(d, _)| *d <= 4);
        let detail = match closest {
            Some((_, real)) => {
                format!("set in {place} but not read by this tool: did you mean {real}?")
            }
            None => format!(
                "set in {place} but not read by this tool (it reads {})",
                VARIABLES.join(", ")
            ),
        };
        out.push(Status::Warn, name, detail);
    }
    // The environment wins: say so when both disagree.
    let mut both: Vec<&String> = values
        .keys()
        .filter(|k| VARIABLES.contains(&k.as_str()))
        .filter(|k| {
            inputs
                .env
                .get(*k)
                .is_some_and(|v| Some(v) != values.get(*k))
        })
        .collect();
    both.sort();
    for name in both {
        let line = lines_of.get(name).copied().unwrap_or(0);
        let detail = format!("set in the environment and on line {line} of .env with another value: the environment's wins");
        out.push(Status::Note, name, detail);
    }
    values
}

/// True for a line that reads fine but only because `.env` parsing drops
/// spaces: around `=`, or around a value outside its quotes (a space before a
/// ` # comment` is part of the comment).
fn has_spaces_dropped_when_read(line: &str) -> bool {
    let Some((name, value)) = line.split_once('=') else {
        return false;
    };
    let value = match value.trim_start().starts_with(['"', '\'']) {
        true => value,
        false => value.split(" #").next().unwrap_or(value),
    };
    name.ends_with(char::is_whitespace)
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace)
}

/// Checks one variable alone with the same rules as [`Config::from_lookup`]
/// (a valid client id stands in for the others), so each is reported.
pub(super) fn alone(name: &str, value: &str) -> Result<Config, String> {
    const STAND_IN_ID: &str = "00000000000000000000000000000000";
    Config::from_lookup(|n| {
        if n == name {
            Some(value.to_string())
        } else if n == "SPOTIFY_CLIENT_ID" {
            Some(STAND_IN_ID.to_string())
        } else if n == "HOME" {
            std::env::var("HOME").ok()
        } else {
            None
        }
    })
    .map_err(|e| e.to_string())
}

pub(super) fn check_client_id(value: Option<(String, &str)>, out: &mut Checks) {
    const NAME: &str = "SPOTIFY_CLIENT_ID";
    let Some((value, source)) = value else {
        return out.push(Status::Fail, NAME, "not set: copy the client id of your app at https://developer.spotify.com/dashboard into .env (SPOTIFY_CLIENT_ID=...), or run `cargo run` to try the offline sandbox");
    };
    let length = value.chars().count();
    let (status, detail) = match alone(NAME, &value) {
        Err(message) => (Status::Fail, message),
        // The steps' rule: a space, quote or non-ASCII character fails (above);
        // another length or alphabet is a warning, in the steps as here.
        Ok(_) if !is_32_hex(&value) => (Status::Warn, format!("`{value}` ({length} characters, {source}) is not 32 hex characters like the dashboard's client ids: copy it again, whole")),
        Ok(_) => (Status::Ok, format!("{value} (32 hex characters, {source})")),
    };
    out.push(status, NAME, detail);
}

/// The shape of the dashboard's client ids and secrets.
fn is_32_hex(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn check_client_secret(value: Option<(String, &str)>, out: &mut Checks) {
    const NAME: &str = "SPOTIFY_CLIENT_SECRET";
    let Some((value, source)) = value else {
        return out.push(Status::Note, NAME, "not set: steps 2 and 3 ask for it (hidden) when they need it; PKCE (step 1 --pkce) needs none");
    };
    let length = value.chars().count();
    // The messages below name the variable and the length, never the value.
    let (status, detail) = match alone(NAME, &value) {
        Err(message) => (Status::Fail, message),
        Ok(_) if !is_32_hex(&value) => (Status::Warn, format!("set ({length} characters, {source}), but Spotify's secrets are 32 hex characters: copy it again from the dashboard (View client secret)")),
        Ok(_) => (Status::Ok, format!("set ({length} characters, {source}; never shown)")),
    };
    out.push(status, NAME, detail);
}

/// The redirect URI when it passes.
pub(super) fn check_redirect(value: Option<(String, &str)>, out: &mut Checks) -> Option<String> {
    const NAME: &str = "SPOTIFY_REDIRECT_URI";
    let (value, source) = value.unwrap_or_else(|| (DEFAULT_REDIRECT_URI.into(), "default"));
    // Config's checks include check_redirect_uri.
    let config = match alone(NAME, &value) {
        Err(message) => {
            out.push(Status::Fail, NAME, message);
            return None;
        }
        Ok(config) => config,
    };
    // The same warnings as the steps print (trailing slash, https loopback).
    let warnings: Vec<String> = config
        .warnings
        .into_iter()
        .filter(|w| w.starts_with(NAME))
        .collect();
    if warnings.is_empty() {
        let detail = format!("{value} ({source}): register exactly this string in the app's dashboard (Redirect URIs)");
        out.push(Status::Ok, NAME, detail);
    }
    for warning in warnings {
        out.push(Status::Warn, NAME, warning);
    }
    Some(value)
}

/// A variable with no rule beyond [`Config`]'s: its value when it passes.
pub(super) fn check_simple(
    name: &str,
    value: Option<(String, &str)>,
    out: &mut Checks,
    describe: impl Fn(&str, &str) -> String,
    unset: &str,
) -> Option<String> {
    let Some((value, source)) = value else {
        out.push(Status::Ok, name, unset);
        return None;
    };
    match alone(name, &value) {
        Err(message) => {
            out.push(Status::Fail, name, message);
            None
        }
        Ok(_) => {
            out.push(Status::Ok, name, describe(&value, source));
            Some(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_secs;
    use crate::walkthrough::doctor::{must_fix, run, Check};
    use std::path::{Path, PathBuf};

    fn inputs(dir: &Path, env: &[(&str, &str)]) -> Inputs {
        Inputs {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            env_not_unicode: Vec::new(),
            dotenv_path: dir.join(".env"),
            now: now_secs(),
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("spotify-auth-doctor-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn find<'a>(checks: &'a [Check], topic: &str) -> Vec<&'a Check> {
        checks.iter().filter(|c| c.topic == topic).collect()
    }

    #[test]
    fn every_bad_variable_is_reported_and_the_secret_never_shown() {
        let dir = temp("vars");
        let auth = dir.join("auth");
        let checks = run(&inputs(
            &dir,
            &[
                ("SPOTIFY_CLIENT_ID", "ab c"),
                ("SPOTIFY_CLIENT_SECRET", " s3cr3t-value"),
                ("SPOTIFY_REDIRECT_URI", "http://localhost:8888/callback"),
                ("SPOTIFY_SCOPES", "user-read-privat"),
                ("SPOTIFY_AUTH_DIR", auth.to_str().unwrap()),
                ("SPOTIFY_CLIENTSECRET", "x"),
            ],
        ));
        let text: Vec<String> = checks.iter().map(ToString::to_string).collect();
        let text = text.join("\n");
        assert!(!text.contains("s3cr3t"), "{text}");
        for topic in [
            "SPOTIFY_CLIENT_ID",
            "SPOTIFY_CLIENT_SECRET",
            "SPOTIFY_REDIRECT_URI",
            "SPOTIFY_SCOPES",
        ] {
            assert_eq!(find(&checks, topic)[0].status, Status::Fail, "{text}");
        }
        assert!(
            text.contains("use http://127.0.0.1:8888/callback instead"),
            "{text}"
        );
        assert!(text.contains("did you mean `user-read-private`"), "{text}");
        assert!(
            text.contains("did you mean SPOTIFY_CLIENT_SECRET?"),
            "{text}"
        );
        assert!(must_fix(&checks));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// One rule for the steps and doctor: a client id with typographic quotes
    /// or a space fails both; one of another length only warns in both; an
    /// unusual redirect URI warns in both.
    #[test]
    fn doctor_and_the_steps_agree() {
        let dir = temp("agree");
        let auth = dir.join("auth");
        let auth = auth.to_str().unwrap();
        let cases: &[(&str, &str, Status)] = &[
            (
                "SPOTIFY_CLIENT_ID",
                "\u{201c}0123456789abcdef0123456789abcdef\u{201d}",
                Status::Fail,
            ),
            (
                "SPOTIFY_CLIENT_ID",
                "01234567 89abcdef0123456789abcdef",
                Status::Fail,
            ),
            ("SPOTIFY_CLIENT_ID", "abc", Status::Warn),
            (
                "SPOTIFY_REDIRECT_URI",
                "http://127.0.0.1:8888/callback/",
                Status::Warn,
            ),
            (
                "SPOTIFY_REDIRECT_URI",
                "https://127.0.0.1:8888/callback",
                Status::Warn,
            ),
        ];
        for (name, value, status) in cases {
            let mut env = vec![("SPOTIFY_AUTH_DIR", auth), (*name, *value)];
            if *name != "SPOTIFY_CLIENT_ID" {
                env.push(("SPOTIFY_CLIENT_ID", "0123456789abcdef0123456789abcdef"));
            }
            let checks = run(&inputs(&dir, &env));
            assert_eq!(
                find(&checks, name)[0].status,
                *status,
                "{value}: {checks:?}"
            );
            let steps = Config::from_lookup(|n| {
                env.iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            });
            match status {
                Status::Fail => assert!(steps.is_err(), "{value}"),
                _ => assert!(!steps.unwrap().warnings.is_empty(), "{value}"),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn spaces_dropped_when_read_are_recognised() {
        for line in [
            "SPOTIFY_CLIENT_ID = abc",
            "SPOTIFY_CLIENT_ID =abc",
            "SPOTIFY_CLIENT_ID= abc",
            "SPOTIFY_CLIENT_ID=abc ",
            "SPOTIFY_CLIENT_ID=\"abc\" ",
        ] {
            assert!(has_spaces_dropped_when_read(line), "{line:?}");
        }
        for line in [
            "SPOTIFY_CLIENT_ID=abc",
            "SPOTIFY_CLIENT_ID=abc # the dashboard's",
            "SPOTIFY_CLIENT_ID=\"abc\"",
            "SPOTIFY_SCOPES=\"a b\"",
            "export SPOTIFY_CLIENT_ID=abc",
        ] {
            assert!(!has_spaces_dropped_when_read(line), "{line:?}");
        }
    }

    #[test]
    fn bad_dotenv_lines_are_named_without_their_content() {
        let dir = temp("dotenv");
        std::fs::write(
            dir.join(".env"),
            "SPOTIFY_CLIENT_ID=\"5a5db0c1d2e3f4a5b6c7d8e9f0a1b2c3\"\nSPOTIFY_CLIENT_SECRET='s3cr3t\nSPOTIFY_SCOPES=user-read-private user-read-email\n",
        )
        .unwrap();
        let checks = run(&inputs(
            &dir,
            &[("SPOTIFY_AUTH_DIR", dir.join("a").to_str().unwrap())],
        ));
        let text: Vec<String> = checks.iter().map(ToString::to_string).collect();
        let text = text.join("\n");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            text.contains("line 2 (SPOTIFY_CLIENT_SECRET) cannot be read (a quote is not closed"),
            "{text}"
        );
        assert!(
            text.contains("line 3 (SPOTIFY_SCOPES) cannot be read (a space"),
            "{text}"
        );
        assert!(
            text.contains("line 1: SPOTIFY_CLIENT_ID is in quotes"),
            "{text}"
        );
        assert_eq!(
            find(&checks, "SPOTIFY_CLIENT_ID")[0].status,
            Status::Ok,
            "{text}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
