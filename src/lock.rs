//! One writer per result folder.
//!
//! Every command that writes a result folder holds an exclusive advisory lock on
//! `DIR/.livemarket.lock` while it works; commands that only read a finished folder hold a
//! shared one, so readers never block each other but never read a folder mid-write. The
//! operating system releases the lock when the process ends, however it ends (a `kill -9`
//! leaves no stale lock to clean up). The file also says who holds it (pid and command), so
//! a second writer can name the first. It is never removed: removing it would let two
//! processes lock two different files of the same name.

use crate::error::UserError;
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside a result folder.
pub const LOCK_FILE: &str = ".livemarket.lock";

/// Whether the holder may change the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Writes the folder: no other reader or writer at the same time.
    Write,
    /// Reads a finished folder: other readers welcome, no writer.
    Read,
}

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct FolderLock {
    file: File,
    path: PathBuf,
    access: Access,
}

impl Drop for FolderLock {
    /// A writer that ends normally empties the file (it is released when the file closes,
    /// right after), so two folders of the same run compare equal file by file; one that is
    /// killed leaves its line, which is harmless: the next writer overwrites it.
    fn drop(&mut self) {
        if self.access == Access::Write {
            let _ = self.file.set_len(0);
        }
    }
}

impl FolderLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Locks `dir` (which must exist) for `access`, at once or not at all: when another
/// livemarket holds a conflicting lock, the error names its pid and command and nothing in
/// the folder has changed. `command` is what this process records as the holder.
pub fn lock(dir: &Path, access: Access, command: &str) -> Result<FolderLock> {
    let path = dir.join(LOCK_FILE);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    // A link in the lock file's place would have the lock written elsewhere.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    let taken = match access {
        Access::Write => file.try_lock(),
        Access::Read => file.try_lock_shared(),
    };
    match taken {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            // The holder wrote its line under its lock; a reader that cannot read it still
            // refuses, naming the folder.
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another livemarket".to_string()
            } else {
                format!("another livemarket ({holder})")
            };
            let message = match access {
                Access::Write => format!(
                    "{} is in use by {who}; writing it now could mix two runs' results. Wait \
                     for that command to finish, or use another folder (--out)",
                    dir.display()
                ),
                Access::Read => format!(
                    "{} is being written by {who}, so its files are not finished. Wait for \
                     that command to finish, then run this again",
                    dir.display()
                ),
            };
            return Err(UserError(message).into());
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    if access == Access::Write {
        // Only the one writer records itself; readers leave the line of the last writer.
        let line = format!("pid {}: {command}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(line.as_bytes()))
            .with_context(|| format!("cannot write the lock file {}", path.display()))?;
    }
    Ok(FolderLock { file, path, access })
}

/// The lock a command holds on a folder it names, if the folder exists: a command that
/// finds no folder says so in its own words, and a reader that cannot create the lock file
/// (a read-only share) reads unlocked rather than not at all.
pub fn hold(dir: &Path, access: Access) -> Result<Option<FolderLock>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    match lock(dir, access, &command) {
        Err(e) if access == Access::Read && e.downcast_ref::<UserError>().is_none() => Ok(None),
        other => other.map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn a_second_writer_is_refused_naming_the_first() {
        let d = dir();
        let _first = lock(d.path(), Access::Write, "livemarket run a.toml").unwrap();
        let e = lock(d.path(), Access::Write, "livemarket run --force a.toml").unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains(&format!(
                "in use by another livemarket (pid {}: livemarket run a.toml)",
                std::process::id()
            )),
            "{msg}"
        );
        assert!(e.downcast_ref::<UserError>().is_some());
    }

    #[test]
    fn readers_share_and_exclude_a_writer() {
        let d = dir();
        let r1 = lock(d.path(), Access::Read, "livemarket report").unwrap();
        let _r2 = lock(d.path(), Access::Read, "livemarket compare").unwrap();
        assert!(lock(d.path(), Access::Write, "livemarket run").is_err());
        drop(r1);
        assert!(lock(d.path(), Access::Write, "livemarket run").is_err());
    }

    #[test]
    fn a_released_lock_can_be_taken_again_and_is_left_empty() {
        let d = dir();
        let first = lock(d.path(), Access::Write, "livemarket run").unwrap();
        let path = first.path().to_path_buf();
        drop(first);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        let again = lock(d.path(), Access::Write, "livemarket summarize").unwrap();
        let text = std::fs::read_to_string(again.path()).unwrap();
        assert_eq!(
            text,
            format!("pid {}: livemarket summarize\n", std::process::id())
        );
        assert!(lock(d.path(), Access::Read, "livemarket report").is_err());
    }
}
