//! Reading a scenario file within a size limit, and turning a toml/serde error in a text into
//! one problem with a place and a fix. Below [`super::compose`] and [`super::load`], which
//! both read files and report parse errors through it.

use super::error::{Problem, line_col};
use super::locate;
use super::names::schema_message;
use std::path::Path;

/// The largest scenario file read: the baseline is about 25 KB, and parsing takes about a
/// hundred times a file's size in memory, so a 50 MB file would take gigabytes to reject.
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// A scenario file's text, refused unread when it is not a regular file (a pipe would hang
/// the command) or larger than [`MAX_SCENARIO_BYTES`] (read through a limit, so a file that
/// grows is cut off too).
pub(crate) fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let too_large = || {
        std::io::Error::other(format!(
            "it is larger than {} MB, the most a scenario file may be",
            MAX_SCENARIO_BYTES >> 20
        ))
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // A FIFO opens without waiting for a writer; it is refused below, unread.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a folder, a device or a pipe)",
        ));
    }
    if file.metadata()?.len() > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    let mut text = String::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Turns a toml/serde error into one problem with a place and a fix.
pub(crate) fn parse_problem(text: &str, e: &toml::de::Error) -> Problem {
    let at = e.span().map(|s| line_col(text, s.start));
    let raw = e.message().trim().to_string();
    let (table, key) = e
        .span()
        .map(|s| locate::key_at(text, s.start))
        .unwrap_or_default();
    let within = if table.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in [{}]", table.join("."))
    };
    let full_key = || {
        let mut path = table.clone();
        path.extend(key.clone());
        path.join(".")
    };
    let message = if toml::de::DeTable::parse(text).is_err() {
        format!("invalid TOML: {raw}; fix the syntax on this line")
    } else {
        schema_message(&raw, &within, &full_key())
    };
    Problem {
        file: None,
        at,
        message,
    }
}
