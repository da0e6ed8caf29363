//! The file store: private files under `SPOTIFY_AUTH_DIR`, directory 0700,
//! files 0600 whatever the umask, each written atomically (temporary file,
//! fsync, rename), so a crash leaves the previous file whole.

use crate::core::error::{Error, Result};
use crate::core::step1::PendingAuthorization;
use crate::core::token::SavedToken;
use crate::store::{StoreLock, TokenStore};
use serde::{de::DeserializeOwned, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file under `SPOTIFY_AUTH_DIR` holding the saved token.
pub const TOKEN_FILE: &str = "token.json";
/// The file under `SPOTIFY_AUTH_DIR` holding the pending authorization.
pub const PENDING_FILE: &str = "pending_authorization.json";

/// The [`TokenStore`] of the binaries and notebooks: `token.json` and
/// `pending_authorization.json` in one private folder, with a lock file.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: AuthDir,
}

impl FileStore {
    /// The store in the folder `path` (created on first write).
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore {
            dir: AuthDir::new(path),
        }
    }

    /// Its folder.
    pub fn dir(&self) -> &AuthDir {
        &self.dir
    }
}

impl TokenStore for FileStore {
    fn load_pending(&self) -> Result<Option<PendingAuthorization>> {
        self.dir.read_json(PENDING_FILE)
    }
    fn save_pending(&self, pending: &PendingAuthorization) -> Result<()> {
        // Losing it costs only a new step 1: no fsync.
        self.dir.write_json_fast(PENDING_FILE, pending)
    }
    fn remove_pending(&self) -> Result<()> {
        self.dir.remove(PENDING_FILE)
    }
    fn load_token(&self) -> Result<Option<SavedToken>> {
        self.dir.read_json(TOKEN_FILE)
    }
    fn save_token(&self, token: &SavedToken) -> Result<()> {
        self.dir.write_json(TOKEN_FILE, token)
    }
    fn remove_token(&self) -> Result<()> {
        self.dir.remove(TOKEN_FILE)
    }
    fn lock(&self) -> Result<StoreLock> {
        Ok(Box::new(self.dir.lock()?))
    }
    fn token_location(&self) -> String {
        self.dir.file(TOKEN_FILE).display().to_string()
    }
    fn pending_location(&self) -> String {
        self.dir.file(PENDING_FILE).display().to_string()
    }
}

/// The folder every file of the tool goes to.
#[derive(Debug, Clone)]
pub struct AuthDir {
    path: PathBuf,
}

/// Held while a process reads, refreshes and rewrites the token, so two
/// refreshes at once cannot interleave. Released on drop.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl AuthDir {
    /// The folder at `path` (created on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuthDir { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of one file in it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Creates the folder if needed and makes it private (0700).
    pub fn ensure(&self) -> Result<()> {
        // Parents created here are private too, whatever the umask.
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.path)
            .map_err(|e| self.io_error("create", &self.path, e))?;
        set_mode(&self.path, 0o700).map_err(|e| self.io_error("restrict", &self.path, e))
    }

    /// Writes `value` as JSON to `name`, atomically and privately (0600), and
    /// durably: synced to disk before and after the rename.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        self.write_json_with(name, value, true)
    }

    /// Like [`AuthDir::write_json`] without the syncs: still atomic (a crash
    /// leaves the old file or the new one), but a power cut may lose it. For
    /// files that are cheap to make again (step 1's pending authorization),
    /// where two fsyncs would be most of the step's time.
    pub fn write_json_fast<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        self.write_json_with(name, value, false)
    }

    fn write_json_with<T: Serialize>(&self, name: &str, value: &T, durable: bool) -> Result<()> {
        self.ensure()?;
        let target = self.file(name);
        let temporary = self.file(&format!(".{name}.tmp-{}", std::process::id()));
        let json = serde_json::to_vec_pretty(value).map_err(|e| Error::Storage {
            action: "encode",
            path: target.clone(),
            dir: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        let written = (|| -> std::io::Result<()> {
            let mut file = private_create(&temporary)?;
            file.write_all(&json)?;
            file.write_all(b"\n")?;
            if durable {
                file.sync_all()?;
            }
            fail_point("before-rename")?;
            fs::rename(&temporary, &target)?;
            if durable {
                // Make the rename itself durable.
                File::open(&self.path)?.sync_all()?;
            }
            Ok(())
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(self.io_error("write", &target, e));
        }
        Ok(())
    }

    /// Reads `name` as JSON; `None` when the file does not exist.
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let path = self.file(name);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", &path, e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| Error::DamagedFile { path, source })
    }

    /// Removes `name`; a missing file is fine.
    pub fn remove(&self, name: &str) -> Result<()> {
        let path = self.file(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(self.io_error("remove", &path, e))
            }
            _ => Ok(()),
        }
    }

    /// Takes the folder's lock (blocking until another process releases it).
    pub fn lock(&self) -> Result<DirLock> {
        self.ensure()?;
        let path = self.file(".lock");
        let file = private_open(&path).map_err(|e| self.io_error("open", &path, e))?;
        file.lock().map_err(|e| self.io_error("lock", &path, e))?;
        Ok(DirLock { _file: file })
    }

    fn io_error(&self, action: &'static str, path: &Path, source: std::io::Error) -> Error {
        Error::Storage {
            action,
            path: path.to_path_buf(),
            dir: self.path.clone(),
            source,
        }
    }
}

/// Tests set `SPOTIFY_AUTH_FAIL_AT=before-rename` to stop a save between the
/// write of the temporary file and its rename, as a crash would.
fn fail_point(name: &str) -> std::io::Result<()> {
    match std::env::var("SPOTIFY_AUTH_FAIL_AT") {
        Ok(point) if point == name => {
            Err(std::io::Error::other(format!("injected failure at {name}")))
        }
        _ => Ok(()),
    }
}

fn private_create(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    // The umask may have removed bits but never adds any; set 0600 exactly anyway.
    set_mode(path, 0o600)?;
    Ok(file)
}

fn private_open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    set_mode(path, 0o600)?;
    Ok(file)
}

/// Sets the permission bits (no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// The permission bits of a file (0 off Unix).
pub fn mode_of(path: &Path) -> std::io::Result<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(fs::metadata(path)?.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> AuthDir {
        let path = std::env::temp_dir().join(format!("spotify-auth-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        AuthDir::new(path)
    }

    #[test]
    fn round_trip_is_private() {
        let dir = temp_dir("storage");
        dir.write_json("x.json", &serde_json::json!({"a": 1}))
            .unwrap();
        let back: serde_json::Value = dir.read_json("x.json").unwrap().unwrap();
        assert_eq!(back["a"], 1);
        assert_eq!(mode_of(dir.path()).unwrap(), 0o700);
        assert_eq!(mode_of(&dir.file("x.json")).unwrap(), 0o600);
        dir.remove("x.json").unwrap();
        dir.remove("x.json").unwrap();
        assert!(dir
            .read_json::<serde_json::Value>("x.json")
            .unwrap()
            .is_none());
        fs::remove_dir_all(dir.path()).unwrap();
    }

    #[test]
    fn damaged_file_says_what_to_do() {
        let dir = temp_dir("damaged");
        dir.ensure().unwrap();
        fs::write(dir.file("t.json"), "{not json").unwrap();
        let err = dir
            .read_json::<serde_json::Value>("t.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("damaged") && err.contains("step 1"), "{err}");
        fs::remove_dir_all(dir.path()).unwrap();
    }
}
