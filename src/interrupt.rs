//! Ctrl-C (SIGINT) and SIGTERM during `run`: the run stops after the trial it is writing,
//! keeps every finished trial, marks its manifest `interrupted` and says how to continue.
//!
//! The handler only sets a flag (all a signal handler may safely do); the run checks it as
//! each trial's results are written. A second signal ends the process at once (exit 128 +
//! the signal), for a user who cannot wait for the trials in progress; `--resume` then
//! continues from the last whole trial, as after a `kill -9`.

use std::sync::atomic::{AtomicBool, Ordering};

static ASKED: AtomicBool = AtomicBool::new(false);

/// The error a run returns when it was interrupted, with what is kept and how to go on;
/// `main` exits 130 on it.
#[derive(Debug, Default, thiserror::Error)]
#[error("interrupted (Ctrl-C or SIGTERM){0}")]
pub struct Interrupted(pub String);

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    if ASKED.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
}

/// Installs the handler for SIGINT and SIGTERM (Unix; elsewhere a signal ends the process
/// as before, and `--resume` continues it).
pub fn install() {
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler is async-signal-safe (an atomic swap, or _exit).
        unsafe {
            libc::signal(
                signal,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}

/// Whether a signal asked the process to stop.
pub fn asked() -> bool {
    ASKED.load(Ordering::SeqCst)
}
