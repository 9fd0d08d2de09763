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
    _file: File,
    path: PathBuf,
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
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
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
            let what = match access {
                Access::Write => "writing",
                Access::Read => "reading",
            };
            return Err(UserError(format!(
                "{} is in use by {who}; {what} it now could mix two runs' results. Wait for \
                 that command to finish, or use another folder (--out)",
                dir.display()
            ))
            .into());
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
    Ok(FolderLock { _file: file, path })
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
    fn a_released_lock_can_be_taken_again() {
        let d = dir();
        drop(lock(d.path(), Access::Write, "livemarket run").unwrap());
        let again = lock(d.path(), Access::Write, "livemarket summarize").unwrap();
        let text = std::fs::read_to_string(again.path()).unwrap();
        assert_eq!(
            text,
            format!("pid {}: livemarket summarize\n", std::process::id())
        );
        assert!(lock(d.path(), Access::Read, "livemarket report").is_err());
    }
}
