//! One writer per result folder.
//!
//! Every command that writes a result folder holds an exclusive advisory lock on the folder
//! while it works; commands that only read a finished folder hold a shared one, so readers
//! never block each other but never read a folder mid-write. The operating system releases
//! the lock when the process ends, however it ends (a `kill -9` leaves no stale lock to clean
//! up).
//!
//! On Unix the lock is taken on the folder itself (`flock` of an open descriptor of the
//! folder), not on a file in it: a lock file can be deleted while its holder runs, and the
//! next command would then lock a new file of the same name and write the folder alongside
//! the first (a run and a `run --force` both exited 0 that way, the manifest counting 60
//! trials over 40 runs of data). A folder cannot be swapped under its holder's descriptor:
//! whatever is done to its entries, the two commands lock the same folder. Elsewhere the lock
//! is on the file.
//!
//! `DIR/.livemarket.lock` says who holds the lock (pid and command), so a second writer can
//! name the first; it is a label only, and a missing one costs nothing but the name.

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
    /// The open folder the lock is on (Unix), kept open as long as the lock is held.
    #[cfg(unix)]
    _folder: File,
    /// The label: the holder's line (the lock itself on other systems).
    file: Option<File>,
    path: PathBuf,
    access: Access,
}

impl Drop for FolderLock {
    /// A writer that ends normally empties the file (it is released when the file closes,
    /// right after), so two folders of the same run compare equal file by file; one that is
    /// killed leaves its line, which is harmless: the next writer overwrites it.
    fn drop(&mut self) {
        if let (Access::Write, Some(f)) = (self.access, &self.file) {
            let _ = f.set_len(0);
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
    let open_label = || {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // A link in the lock file's place would have the line written elsewhere.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        options
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))
    };
    #[cfg(unix)]
    let (held, label) = (
        File::open(dir).with_context(|| format!("cannot open {} to lock it", dir.display()))?,
        None::<File>,
    );
    #[cfg(not(unix))]
    let (held, label) = {
        let f = open_label()?;
        (f.try_clone()?, Some(f))
    };
    let taken = match access {
        Access::Write => held.try_lock(),
        Access::Read => held.try_lock_shared(),
    };
    match taken {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            // The holder wrote its line under its lock; a reader that cannot read it (or
            // finds it deleted) still refuses, naming the folder.
            let mut options = OpenOptions::new();
            options.read(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::custom_flags(
                &mut options,
                libc::O_NOFOLLOW | libc::O_NONBLOCK,
            );
            if let Ok(f) = options.open(&path)
                && f.metadata().is_ok_and(|m| m.is_file())
            {
                let _ = f.take(4096).read_to_string(&mut holder);
            }
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
            return Err(e).with_context(|| format!("cannot lock {}", dir.display()));
        }
    }
    let mut label = label;
    if access == Access::Write {
        // Only the one writer records itself; readers leave the line of the last writer.
        let mut file = match label.take() {
            Some(f) => f,
            None => open_label()?,
        };
        let line = format!("pid {}: {command}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(line.as_bytes()))
            .with_context(|| format!("cannot write the lock file {}", path.display()))?;
        label = Some(file);
    } else if label.is_none() {
        // Readers create the label too when they can (a read-only share cannot), so a folder
        // looks the same whichever command touched it first.
        label = open_label().ok();
    }
    Ok(FolderLock {
        #[cfg(unix)]
        _folder: held,
        file: label,
        path,
        access,
    })
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
