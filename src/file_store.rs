//! The file store: private files under `SPOTIFY_AUTH_DIR`, directory 0700,
//! files 0600 whatever the umask, each written atomically (a new temporary
//! file with an unpredictable name, rename, fsync), so a crash leaves the
//! previous file whole or the new one. The folder is trusted only when it is
//! the user's own and no one else may write in it; files are created with
//! `O_EXCL | O_NOFOLLOW` and their modes set on the open file, so a link
//! planted in the folder is never followed.

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
/// `pending_authorization.json` in one private folder, with a lock file
/// (`FileStore::new(path)`: the store in the folder `path`, created on first write).
pub type FileStore = AuthDir;

impl TokenStore for AuthDir {
    fn load_pending(&self) -> Result<Option<PendingAuthorization>> {
        self.read_json(PENDING_FILE)
    }
    fn save_pending(&self, pending: &PendingAuthorization) -> Result<()> {
        // Losing it costs only a new step 1: no fsync.
        self.write_json_fast(PENDING_FILE, pending)
    }
    fn remove_pending(&self) -> Result<()> {
        self.remove(PENDING_FILE)
    }
    fn load_token(&self) -> Result<Option<SavedToken>> {
        self.read_json(TOKEN_FILE)
    }
    fn save_token(&self, token: &SavedToken) -> Result<()> {
        self.write_json(TOKEN_FILE, token)
    }
    fn remove_token(&self) -> Result<()> {
        self.remove(TOKEN_FILE)
    }
    fn lock(&self) -> Result<StoreLock> {
        // Held around a refresh: its save then costs a write and a rename.
        Ok(Box::new(self.lock_for(TOKEN_FILE)?))
    }
    fn token_location(&self) -> String {
        self.absolute_file(TOKEN_FILE).display().to_string()
    }
    fn pending_location(&self) -> String {
        self.absolute_file(PENDING_FILE).display().to_string()
    }
}

/// The folder every file of the tool goes to.
#[derive(Debug, Clone)]
pub struct AuthDir {
    path: PathBuf,
    prepared: Prepared,
}

/// A temporary file created while the lock is taken, before the request, so
/// that saving the answer is only a write and a rename: (file name, path, file).
type Prepared = std::sync::Arc<std::sync::Mutex<Option<(String, PathBuf, File)>>>;

/// Held while a process reads, refreshes and rewrites the token, so two
/// refreshes at once cannot interleave. Released on drop (with the temporary
/// file prepared for the save, if it was not used).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    prepared: Prepared,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Some((_, path, _)) = self.prepared.lock().ok().and_then(|mut p| p.take()) {
            let _ = fs::remove_file(path);
        }
    }
}

impl AuthDir {
    /// The folder at `path` (created on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuthDir {
            path: path.into(),
            prepared: Prepared::default(),
        }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of one file in it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The absolute path of one file in it, for messages (the default folder
    /// is relative to where the command runs).
    pub fn absolute_file(&self, name: &str) -> PathBuf {
        let file = self.file(name);
        std::path::absolute(&file).unwrap_or(file)
    }

    /// Creates the folder if needed, refuses one that is not safe (owned by
    /// another user, or writable by group or others), makes it private (0700),
    /// and removes temporary files left by earlier saves that were killed.
    pub fn ensure(&self) -> Result<()> {
        self.ensure_private()?;
        self.remove_stale_temporaries();
        Ok(())
    }

    /// [`AuthDir::ensure`] without the clean-up (the save of a token, where
    /// every microsecond counts: see SECURITY.md on rotation).
    fn ensure_private(&self) -> Result<()> {
        create_dirs(&self.path).map_err(|e| self.io_error("create", &self.path, e))?;
        self.check_folder()
    }

    /// Looks at the folder through an open handle (so the checks and the
    /// `chmod` are about the same folder): refuses it when another user owns
    /// it or others may write in it, else tightens it to 0700.
    fn check_folder(&self) -> Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
            let folder = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(&self.path)
                .map_err(|e| self.io_error("open", &self.path, e))?;
            let metadata = folder
                .metadata()
                .map_err(|e| self.io_error("inspect", &self.path, e))?;
            // Named absolutely: the default folder is relative to where the command runs.
            let path = std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone());
            if let Some(problem) = folder_problem(&path, metadata.uid(), metadata.mode()) {
                return Err(Error::UnsafeAuthDir { path, problem });
            }
            if metadata.mode() & 0o777 != 0o700 {
                set_file_mode(&folder, 0o700)
                    .map_err(|e| self.io_error("restrict", &self.path, e))?;
            }
        }
        Ok(())
    }

    /// Removes this store's temporary files (`.NAME.tmp-PID-...`) left by a
    /// save that was killed: each holds a live token. Stale means its process
    /// is gone or it is older than a minute (a save takes milliseconds).
    /// Best effort: a file that cannot be removed is left for the next time.
    pub fn remove_stale_temporaries(&self) {
        let Ok(entries) = fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = temporary_pid(&name.to_string_lossy()) else {
                continue;
            };
            let Ok(metadata) = entry.path().symlink_metadata() else {
                continue;
            };
            let old = metadata
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age > STALE_TEMPORARY_AGE);
            if pid != std::process::id() && (old || !process_alive(pid)) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Writes `value` as JSON to `name`, atomically and privately (0600), and
    /// durably: synced to disk after the rename.
    ///
    /// The order (write, rename, then sync) puts the new file in place as soon
    /// as possible: a process killed after the rename leaves the new file, one
    /// killed before it leaves the old one. The syncs then make it survive a
    /// power cut (on ext4, a file replaced by rename is flushed anyway).
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        self.write_json_with(name, value, true)
    }

    /// Like [`AuthDir::write_json`] without the syncs: still atomic (a crash
    /// leaves the old file or the new one), but a power cut may lose it. For
    /// files that are cheap to make again (step 1's pending authorization),
    /// where two fsyncs would be most of the step's time.
    pub fn write_json_fast<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        self.ensure()?;
        self.write_json_with(name, value, false)
    }

    fn write_json_with<T: Serialize>(&self, name: &str, value: &T, durable: bool) -> Result<()> {
        let target = self.file(name);
        let mut json = serde_json::to_vec_pretty(value)
            .map_err(|e| self.io_error("encode", &target, std::io::Error::other(e)))?;
        json.push(b'\n');
        let (temporary, mut file) = match self.take_prepared(name) {
            Some(prepared) => prepared,
            None => {
                if durable {
                    self.ensure_private()?;
                }
                let temporary = self
                    .file(&temporary_name(name).map_err(|e| self.io_error("write", &target, e))?);
                let file =
                    private_create(&temporary).map_err(|e| self.io_error("write", &target, e))?;
                (temporary, file)
            }
        };
        let mut renamed = false;
        let written = (|| -> std::io::Result<()> {
            file.write_all(&json)?;
            fail_point("before-rename")?;
            fs::rename(&temporary, &target)?;
            renamed = true;
            if durable {
                file.sync_all()?;
                // Make the rename itself durable.
                File::open(&self.path)?.sync_all()?;
            }
            Ok(())
        })();
        if let Err(e) = written {
            if !renamed {
                let _ = fs::remove_file(&temporary);
            }
            return Err(self.io_error("write", &target, e));
        }
        Ok(())
    }

    /// The temporary file [`AuthDir::lock_for`] prepared for `name`, if any.
    fn take_prepared(&self, name: &str) -> Option<(PathBuf, File)> {
        let mut prepared = self.prepared.lock().ok()?;
        match prepared.take() {
            Some((for_name, path, file)) if for_name == name => Some((path, file)),
            other => {
                *prepared = other;
                None
            }
        }
    }

    /// Reads `name` as JSON; `None` when the file does not exist. A symbolic
    /// link in its place is refused, not followed.
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>> {
        let path = self.file(name);
        let read = (|| -> std::io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut no_follow().read(true).open(&path)?, &mut bytes)?;
            Ok(bytes)
        })();
        let bytes = match read {
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
        Ok(DirLock {
            _file: file,
            prepared: self.prepared.clone(),
        })
    }

    /// [`AuthDir::lock`], and the temporary file of the next save of `name`
    /// created now: a refresh under rotation then saves its answer with a
    /// write and a rename only (see SECURITY.md). Unused, it is removed when
    /// the lock is released.
    pub fn lock_for(&self, name: &str) -> Result<DirLock> {
        let lock = self.lock()?;
        if let Ok(file_name) = temporary_name(name) {
            let path = self.file(&file_name);
            if let (Ok(file), Ok(mut prepared)) = (private_create(&path), self.prepared.lock()) {
                if let Some((_, old, _)) = prepared.replace((name.to_string(), path, file)) {
                    let _ = fs::remove_file(old);
                }
            }
        }
        Ok(lock)
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

/// A temporary file older than this is a leftover, whoever made it.
const STALE_TEMPORARY_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// `.NAME.tmp-PID-RANDOM`: the process that writes it, and 64 random bits so
/// no one can guess the name and plant a file or link there first.
fn temporary_name(name: &str) -> std::io::Result<String> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
    let random = u64::from_le_bytes(random);
    Ok(format!(".{name}.tmp-{}-{random:016x}", std::process::id()))
}

/// The PID in a temporary file's name (`.NAME.tmp-PID` or `.NAME.tmp-PID-RANDOM`).
fn temporary_pid(file_name: &str) -> Option<u32> {
    if !file_name.starts_with('.') {
        return None;
    }
    let (_, rest) = file_name.rsplit_once(".tmp-")?;
    rest.split('-').next()?.parse().ok()
}

/// True unless the process `pid` surely no longer exists.
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: kill with signal 0 sends nothing; it only checks the PID.
        let result = unsafe { libc::kill(pid, 0) };
        result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// The effective user id (0 off Unix).
pub fn effective_uid() -> u32 {
    #[cfg(unix)]
    // SAFETY: geteuid cannot fail and touches no memory.
    return unsafe { libc::geteuid() };
    #[cfg(not(unix))]
    return 0;
}

/// What makes a folder unsafe for tokens (owned by `uid`, with `mode`), with
/// the fix; `None` when it is fine (or only readable by others: tightened).
pub fn folder_problem(path: &Path, uid: u32, mode: u32) -> Option<String> {
    let (me, shown, mode) = (effective_uid(), path.display(), mode & 0o7777);
    if uid != me {
        return Some(format!(
            "it belongs to user id {uid}, not to you (user id {me}), so its owner could replace the files in it: use a folder of your own, or take it over with `chown {me} {shown}`"
        ));
    }
    if mode & 0o022 != 0 {
        return Some(format!(
            "it is {mode:04o}, writable by other users, who could plant files or links in it: run `chmod 700 {shown}` (and look at what is in it)"
        ));
    }
    None
}

/// Creates the missing folders of `path` private (0700 whatever the umask)
/// and refuses `path` when it is unsafe ([`folder_problem`], with the fix).
/// Unlike [`AuthDir::ensure`] an existing folder keeps its mode: it may be a
/// folder of yours that holds other things too (a database's folder).
pub fn create_private_folders(path: &Path) -> std::result::Result<(), String> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute.display();
    create_dirs(path).map_err(|e| format!("cannot create the folder {shown}: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let metadata =
            fs::metadata(path).map_err(|e| format!("cannot inspect the folder {shown}: {e}"))?;
        if let Some(problem) = folder_problem(&absolute, metadata.uid(), metadata.mode()) {
            return Err(format!("refusing the folder {shown}: {problem}"));
        }
    }
    Ok(())
}

/// Creates `path` and its missing parents, each private (0700) whatever the umask.
fn create_dirs(path: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// What makes a file that holds secrets (a key, a database) unsafe, with the
/// fix: another user owns it, it is not a regular file, or other users may
/// read or write it. `None` when it is fine, or missing. Links are not followed.
pub fn secret_file_problem(path: &Path) -> Option<String> {
    let metadata = fs::symlink_metadata(path).ok()?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute.display();
    if !metadata.is_file() {
        return Some(format!(
            "{shown} is not a regular file (a link or a folder): remove it"
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (me, owner, mode) = (effective_uid(), metadata.uid(), metadata.mode() & 0o7777);
        if owner != me {
            return Some(format!(
                "{shown} belongs to user id {owner}, not to you (user id {me}): take it over with `chown {me} {shown}`, or remove it"
            ));
        }
        if mode & 0o077 != 0 {
            return Some(format!(
                "{shown} is {mode:04o}, open to other users: run `chmod 600 {shown}` (and treat what it holds as seen)"
            ));
        }
    }
    None
}

/// Tests set `SPOTIFY_AUTH_FAIL_AT=before-rename` to stop a save between the
/// write of the temporary file and its rename, as a crash would.
fn fail_point(name: &str) -> std::io::Result<()> {
    if std::env::var("SPOTIFY_AUTH_FAIL_AT").is_ok_and(|point| point == name) {
        return Err(std::io::Error::other(format!("injected failure at {name}")));
    }
    Ok(())
}

/// Creates a new file, 0600: never an existing file, never through a
/// symbolic link (`O_EXCL | O_NOFOLLOW`); the mode is set on the open file.
fn private_create(path: &Path) -> std::io::Result<File> {
    let file = no_follow().write(true).create_new(true).open(path)?;
    // The umask may have removed bits but never adds any; set 0600 exactly anyway.
    set_file_mode(&file, 0o600)?;
    Ok(file)
}

/// Opens (creating if needed) a file of ours, 0600, never through a symbolic
/// link; refuses one owned by another user.
fn private_open(path: &Path) -> std::io::Result<File> {
    let file = no_follow()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let metadata = file.metadata()?;
        if !metadata.is_file() || metadata.uid() != effective_uid() {
            return Err(std::io::Error::other(format!(
                "not a regular file of yours (owner user id {}): remove it",
                metadata.uid()
            )));
        }
        if metadata.mode() & 0o777 != 0o600 {
            set_file_mode(&file, 0o600)?;
        }
    }
    Ok(file)
}

/// Open options that never follow a symbolic link (`O_NOFOLLOW`), and create
/// a file 0600.
fn no_follow() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    options
}

/// Sets the permission bits of an open file (no-op off Unix).
pub fn set_file_mode(file: &File, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// Sets the permission bits of `path` (no-op off Unix), never through a
/// symbolic link: the file is opened with `O_NOFOLLOW` and changed through
/// its handle. For a folder, use it with a folder path.
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(path)?;
        set_file_mode(&file, mode)
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
        assert!(err.contains("t.json is damaged"), "{err}");
        fs::remove_dir_all(dir.path()).unwrap();
    }

    #[cfg(unix)]
    #[cfg(unix)]
    #[test]
    fn secret_files_and_created_folders() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("secret-files");
        let deep = dir.path().join("a/b");
        create_private_folders(&deep).unwrap();
        assert_eq!(mode_of(&dir.path().join("a")).unwrap(), 0o700);
        assert_eq!(mode_of(&deep).unwrap(), 0o700);
        let key = deep.join("key");
        assert_eq!(secret_file_problem(&key), None, "missing is fine");
        fs::write(&key, "k").unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let problem = secret_file_problem(&key).unwrap();
        assert!(
            problem.contains(&format!("chmod 600 {}", key.display())),
            "{problem}"
        );
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(secret_file_problem(&key), None);
        fs::set_permissions(&deep, fs::Permissions::from_mode(0o777)).unwrap();
        let refused = create_private_folders(&deep).unwrap_err();
        assert!(
            refused.contains(&format!("chmod 700 {}", deep.display())),
            "{refused}"
        );
        fs::set_permissions(&deep, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_folders(&deep).unwrap();
        assert_eq!(
            mode_of(&deep).unwrap(),
            0o755,
            "an existing folder keeps its mode"
        );
        fs::remove_dir_all(dir.path()).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// A link planted where the temporary file, the lock or the token goes is
    /// never followed: the file it points to keeps its content and mode.
    #[cfg(unix)]
    #[test]
    fn planted_links_are_not_followed() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = temp_dir("links");
        dir.ensure().unwrap();
        let victim =
            std::env::temp_dir().join(format!("spotify-auth-victim-{}", std::process::id()));
        fs::write(&victim, "precious\n").unwrap();
        fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
        // The temporary name of old was `.NAME.tmp-PID`: guessable.
        symlink(
            &victim,
            dir.file(&format!(".x.json.tmp-{}", std::process::id())),
        )
        .unwrap();
        symlink(&victim, dir.file(".lock")).unwrap();
        symlink(&victim, dir.file("x.json")).unwrap();
        dir.write_json("x.json", &serde_json::json!({"a": 1}))
            .unwrap();
        assert!(dir.lock().is_err(), "a linked .lock is refused");
        assert!(dir.read_json::<serde_json::Value>(".lock").is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(mode(&victim), 0o644);
        // The link at x.json was replaced by the file itself.
        assert_eq!(mode(&dir.file("x.json")), 0o600);
        assert!(!fs::symlink_metadata(dir.file("x.json"))
            .unwrap()
            .file_type()
            .is_symlink());
        // set_mode (doctor's fixes) does not follow a link either.
        assert!(set_mode(&dir.file(".lock"), 0o600).is_err());
        assert_eq!(mode(&victim), 0o644);
        assert!(private_create(&dir.file(".lock")).is_err(), "O_EXCL");
        // A save prepared under the lock: used once, the rest removed on release.
        fs::remove_file(dir.file(".lock")).unwrap();
        let lock = dir.lock_for("x.json").unwrap();
        dir.write_json("x.json", &2).unwrap();
        dir.write_json("x.json", &3).unwrap();
        drop(lock);
        assert_eq!(dir.read_json::<u32>("x.json").unwrap(), Some(3));
        drop(dir.lock_for("x.json").unwrap());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        // Only the link planted above is left.
        assert_eq!(names, [format!(".x.json.tmp-{}", std::process::id())]);
        fs::remove_file(&victim).unwrap();
        fs::remove_dir_all(dir.path()).unwrap();
    }

    #[test]
    fn temporary_names_are_unpredictable() {
        let a = temporary_name("token.json").unwrap();
        let b = temporary_name("token.json").unwrap();
        assert_ne!(a, b);
        assert!(
            a.starts_with(&format!(".token.json.tmp-{}-", std::process::id())),
            "{a}"
        );
        assert_eq!(temporary_pid(&a), Some(std::process::id()));
        assert_eq!(temporary_pid(".token.json.tmp-42"), Some(42));
        assert_eq!(temporary_pid("token.json"), None);
    }

    /// A folder others may write in, or another user's, is refused with the fix.
    #[cfg(unix)]
    #[test]
    fn unsafe_folders_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("open-folder");
        fs::create_dir_all(dir.path()).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let err = dir.write_json("x.json", &1).unwrap_err().to_string();
        assert!(
            err.contains(&format!("chmod 700 {}", dir.path().display())),
            "{err}"
        );
        assert!(dir.lock().is_err());
        assert!(!dir.file("x.json").exists());
        assert_eq!(mode(dir.path()), 0o777, "not silently changed");
        // Readable by others but writable by no one else: tightened.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        dir.write_json("x.json", &1).unwrap();
        assert_eq!(mode(dir.path()), 0o700);
        if effective_uid() == 0 {
            std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).unwrap();
            let err = dir.write_json("x.json", &2).unwrap_err().to_string();
            assert!(
                err.contains("belongs to user id 65534") && err.contains("chown"),
                "{err}"
            );
            assert_eq!(dir.read_json::<u32>("x.json").unwrap(), Some(1));
        }
        fs::remove_dir_all(dir.path()).unwrap();
    }

    /// Temporary files of killed saves are removed at the next start: those of
    /// dead processes and old ones; a live process's fresh one is kept.
    #[test]
    fn stale_temporaries_are_removed() {
        let dir = temp_dir("stale");
        dir.ensure().unwrap();
        let dead = dir.file(".token.json.tmp-2147483000");
        let dead_new_style = dir.file(".token.json.tmp-2147483001-0123456789abcdef");
        let live = dir.file(&format!(".token.json.tmp-{}-00", std::process::id()));
        let parent = dir.file(&format!(
            ".token.json.tmp-{}-00",
            std::os::unix::process::parent_id()
        ));
        let old = dir.file(&format!(
            ".token.json.tmp-{}-01",
            std::os::unix::process::parent_id()
        ));
        for f in [&dead, &dead_new_style, &live, &parent, &old] {
            fs::write(f, "{}").unwrap();
        }
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        fs::write(dir.file("other.tmp-1"), "").unwrap();
        dir.ensure().unwrap();
        assert!(!dead.exists() && !dead_new_style.exists() && !old.exists());
        assert!(live.exists() && parent.exists());
        assert!(dir.file("other.tmp-1").exists(), "not a file of this store");
        fs::remove_dir_all(dir.path()).unwrap();
    }
}
