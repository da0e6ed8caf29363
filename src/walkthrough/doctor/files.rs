//! The listener port of the redirect URI, and the permissions of the auth
//! folder and its files (tightened when others could read them).

use super::{Checks, Status};
use crate::core::redirect_uri::{check_redirect_uri, is_portless_loopback, loopback_socket};
use crate::file_store::{effective_uid, folder_problem, mode_of, set_mode, AuthDir, TOKEN_FILE};
use std::path::{Path, PathBuf};

pub(super) fn check_listener_port(redirect: Option<&str>, out: &mut Checks) {
    let (status, detail) = listener_port(redirect);
    out.push(status, "listener port", detail);
}

fn listener_port(redirect: Option<&str>) -> (Status, String) {
    let Some(uri) = redirect else {
        return (
            Status::Note,
            "not checked: fix SPOTIFY_REDIRECT_URI first".into(),
        );
    };
    if is_portless_loopback(uri) {
        return (Status::Ok, "none to check: the redirect URI is loopback without a port: register exactly this in the dashboard; step 2 --listen will pick a free port chosen by the system (Spotify accepts any port for a loopback redirect URI registered without one)".into());
    }
    let Some(address) = check_redirect_uri(uri)
        .ok()
        .as_ref()
        .and_then(loopback_socket)
    else {
        let detail = "none needed: the redirect URI is not a loopback http URI";
        return (Status::Ok, detail.into());
    };
    let (ip, port) = (address.ip(), address.port());
    let why = match std::net::TcpListener::bind(address) {
        Ok(_) => return (Status::Ok, format!("port {port} of {ip} is free for the redirect")),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => format!("port {port} of {ip} is taken by another program, which would receive the redirect: stop it (`ss -ltnp 'sport = :{port}'` shows which), or pick another port in SPOTIFY_REDIRECT_URI and register that URI in the dashboard"),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => format!("cannot listen on port {port} of {ip} ({e}): ports below 1024 need privileges; use a port such as 8888 in SPOTIFY_REDIRECT_URI and register that URI in the dashboard"),
        Err(e) => format!("cannot listen on port {port} of {ip} ({e}): use http://127.0.0.1:8888/callback (or another free port) in SPOTIFY_REDIRECT_URI and the dashboard"),
    };
    (Status::Fail, why)
}

pub(super) fn check_permissions(dir: &AuthDir, out: &mut Checks) {
    const TOPIC: &str = "auth folder";
    let path = dir.path();
    let shown = path.display();
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let detail = format!("{shown} does not exist yet: step 1 creates it, private (0700)");
            return out.push(Status::Note, TOPIC, detail);
        }
        Err(e) => {
            let detail = format!("cannot look at {shown} ({e}): check SPOTIFY_AUTH_DIR");
            return out.push(Status::Fail, TOPIC, detail);
        }
    };
    if !metadata.is_dir() {
        let detail = format!(
            "{shown} is a file, not a folder: move it away or point SPOTIFY_AUTH_DIR elsewhere"
        );
        return out.push(Status::Fail, TOPIC, detail);
    }
    if !cfg!(unix) {
        let detail = format!("{shown} exists (permissions are not checked on this system)");
        return out.push(Status::Ok, TOPIC, detail);
    }
    // Whose it is comes first: another user's folder is reported, never
    // changed (a chmod there would act for its owner).
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if metadata.uid() != effective_uid() {
            let problem = folder_problem(path, metadata.uid(), metadata.mode()).unwrap_or_default();
            let detail = format!("{shown}: {problem}; nothing in it was touched");
            return out.push(Status::Fail, TOPIC, detail);
        }
    }
    let before = out.0.len();
    match mode_of(path) {
        Ok(0o700) => {}
        Ok(mode) if mode & 0o700 != 0o700 => {
            let detail = format!("{shown} is {mode:04o}: you cannot read, write or enter it; run `chmod 700 {shown}`");
            out.push(Status::Fail, TOPIC, detail);
        }
        Ok(mode) => {
            let why = if mode & 0o022 != 0 {
                "other users could plant files or links in it, and every step refuses it so; check what is in it"
            } else {
                "other users could list it"
            };
            tighten(out, path, mode, 0o700, TOPIC, why);
        }
        Err(e) => {
            let detail = format!("cannot read the permissions of {shown} ({e})");
            out.push(Status::Fail, TOPIC, detail);
        }
    }
    let mut entries: Vec<(PathBuf, std::fs::Metadata)> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.path(), e.path().symlink_metadata().ok()?)))
        .filter(|(_, m)| !m.is_dir())
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let files = entries.len();
    for (file, metadata) in entries {
        let topic = file
            .file_name()
            .map(|n| crate::core::error::printable(&n.to_string_lossy(), 80))
            .unwrap_or_default();
        // Links and other users' files are reported, never followed or changed.
        if !metadata.is_file() {
            let detail = format!(
                "{} is not a regular file (a symbolic link?): no file of this tool is; remove it",
                file.display()
            );
            out.push(Status::Fail, &topic, detail);
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if metadata.uid() != effective_uid() {
                let detail = format!(
                    "{} belongs to user id {}, not to you: someone else put it there; remove it",
                    file.display(),
                    metadata.uid()
                );
                out.push(Status::Fail, &topic, detail);
                continue;
            }
        }
        #[cfg(unix)]
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            metadata.permissions().mode() & 0o777
        };
        #[cfg(not(unix))]
        let mode = 0;
        if mode & 0o077 != 0 {
            let why = if topic == TOKEN_FILE {
                "other users could read the tokens; if someone may have, remove the app's access at https://www.spotify.com/account/apps and authorize again with step 1"
            } else {
                "other users could read it"
            };
            tighten(out, &file, mode, 0o600, &topic, why);
        }
    }
    // Fine when nothing above was reported.
    if out.0.len() == before {
        let detail = format!("{shown} is private (0700), its {files} file(s) 0600");
        out.push(Status::Ok, TOPIC, detail);
    }
}

/// Makes `path` private; the check says what was found and what was done.
fn tighten(out: &mut Checks, path: &Path, mode: u32, wanted: u32, topic: &str, why: &str) {
    let shown = path.display();
    match set_mode(path, wanted) {
        Ok(()) => out.push(
            Status::Warn,
            topic,
            format!("{shown} was {mode:04o} ({why}): tightened to {wanted:04o}"),
        ),
        Err(e) => out.push(
            Status::Fail,
            topic,
            format!("{shown} is {mode:04o} ({why}) and could not be changed ({e}): run `chmod {wanted:o} {shown}`"),
        ),
    }
}
