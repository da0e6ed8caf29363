//! The command line's folder rules for the web app's files (the library's
//! `file_store` checks, not a copy): the auth folder 0700 whatever the umask
//! and refused when another user owns it or others may write in it; the
//! folders of a SQLite file created 0700; the key and the database refused
//! when other users may read them, with the `chmod`/`chown` that fixes it.

use spotify_auth::file_store::{create_private_folders, secret_file_problem};
use spotify_auth::AuthDir;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Makes `auth_dir` and `dir` (the app's folder in it) private, or refuses them.
pub fn private_dirs(auth_dir: &Path, dir: &Path) -> Result<(), String> {
    for folder in [auth_dir, dir] {
        AuthDir::new(folder).ensure().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Refuses a file holding secrets that others may read (missing is fine).
pub fn secret_file(path: &Path) -> Result<(), String> {
    secret_file_problem(path).map_or(Ok(()), |problem| Err(format!("refusing {problem}")))
}

/// The file of a `sqlite:` database URL (`None` for another database, or in memory).
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let in_memory = database_url.contains(":memory:") || database_url.contains("mode=memory");
    if !database_url.starts_with("sqlite:") || in_memory {
        return None;
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(database_url).ok()?;
    let path = options.get_filename();
    (!path.as_os_str().is_empty()).then(|| path.to_path_buf())
}

/// Before a SQLite database is opened: its missing folders created private,
/// its folder and the file itself (when it exists) checked.
pub fn sqlite_before_open(database_url: &str) -> Result<(), String> {
    let Some(file) = sqlite_file(database_url) else {
        return Ok(());
    };
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty()) {
        create_private_folders(folder)?;
    }
    sqlite_files(&file)
}

/// The database and its journal files, each refused when others may read it.
pub fn sqlite_files(file: &Path) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        secret_file(Path::new(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_of_urls() {
        assert_eq!(
            sqlite_file("sqlite:///tmp/a/web.sqlite"),
            Some(PathBuf::from("/tmp/a/web.sqlite"))
        );
        assert_eq!(
            sqlite_file("sqlite://data/web.sqlite?mode=rwc"),
            Some(PathBuf::from("data/web.sqlite"))
        );
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}
