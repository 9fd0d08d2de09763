//! The files of a result folder as files: written whole or not at all ([`AtomicFile`]),
//! never through a link, never over what no livemarket run wrote, durable once committed;
//! and which of a folder's files are livemarket's to replace ([`clear`]).

use super::names::calibration;
use super::names::{
    COMPARE_CSV, COMPARE_XLSX, CREATORS_CSV, DRAWS_CSV, EVENTS_CSV, HEADLINE_CSV, MANIFEST_JSON,
    PARQUET_DIR, POINTS_CSV, REPORT_HTML, REPORT_XLSX, SENSITIVITY_CSV, STORE, SUMMARY_CSV,
    TABLE_CSV, TRIALS_CSV, WEEKLY_CSV, WEEKLY_TRIALS_CSV,
};
use crate::error::UserError;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A whole file written under a temporary name in the same folder and renamed on
/// [`commit`](AtomicFile::commit), so a reader never sees half a file; dropped uncommitted,
/// the temporary file is removed.
///
/// The temporary name is the file's own name with a random middle, `.summary.csv.Xy3q9a.tmp`
/// (see [`is_temporary`]): no two files, and no two processes writing the same file (two
/// `report`s of one folder), can share one. It is created exclusively, so it is never an
/// existing file or a link planted in its place.
pub(crate) struct AtomicFile {
    pub writer: BufWriter<File>,
    tmp: tempfile::TempPath,
    path: PathBuf,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let (dir, name) = split(path);
        if !dir.is_dir() {
            return Err(UserError(format!(
                "cannot write {}: the folder {} does not exist; create it first, or name \
                 another",
                path.display(),
                dir.display()
            ))
            .into());
        }
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(TEMPORARY_SUFFIX);
        // What `File::create` gives a new file, readable by all as the umask allows:
        // tempfile's own default (owner only) would hide result files from colleagues.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let (file, tmp) = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file for {}", path.display()))?
            .into_parts();
        Ok(AtomicFile {
            writer: BufWriter::new(file),
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        self.writer
            .flush()
            .and_then(|()| self.writer.get_ref().sync_all())
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        let shown = self.tmp.display().to_string();
        self.tmp
            .persist(&self.path)
            .with_context(|| format!("cannot rename {shown} to {}", self.path.display()))?;
        sync_folder_of(&self.path);
        Ok(())
    }
}

/// Every file livemarket writes into a result folder under a name of its own (the report's
/// charts in `report/` aside): what `--force` removes before starting over.
const WRITTEN: [&str; 17] = [
    MANIFEST_JSON,
    TRIALS_CSV,
    WEEKLY_TRIALS_CSV,
    STORE,
    SUMMARY_CSV,
    WEEKLY_CSV,
    EVENTS_CSV,
    CREATORS_CSV,
    DRAWS_CSV,
    POINTS_CSV,
    REPORT_HTML,
    REPORT_XLSX,
    COMPARE_CSV,
    SENSITIVITY_CSV,
    COMPARE_XLSX,
    HEADLINE_CSV,
    TABLE_CSV,
];

/// The files a run writes into its folder: what its manifest lists.
pub(crate) fn files_of_run(
    sweep: bool,
    weekly_trials: bool,
    creators: bool,
    shard: bool,
    uncertain: bool,
) -> Vec<&'static str> {
    let mut f = vec![MANIFEST_JSON, TRIALS_CSV, STORE];
    if weekly_trials {
        f.push(WEEKLY_TRIALS_CSV);
    }
    if sweep {
        f.push(POINTS_CSV);
    }
    if uncertain {
        f.push(DRAWS_CSV);
    }
    // Written with the summaries, from trials.bin: not by a shard.
    if !shard {
        f.extend([SUMMARY_CSV, WEEKLY_CSV, HEADLINE_CSV, EVENTS_CSV]);
        if creators {
            f.push(CREATORS_CSV);
        }
    }
    f
}

/// Where commands that write into a finished result folder (`report`, `compare` and
/// `sensitivity` without --out) record what they wrote, one name a line, appended: readers
/// share the folder, so none may rewrite the manifest, and an appended line is whole.
pub const OUTPUTS: &str = ".livemarket-outputs";

/// Records `path` as livemarket's when it is one of the result names and its folder holds a
/// livemarket manifest (a file written elsewhere is the user's business, not recorded).
pub fn record_output(path: &Path) -> Result<()> {
    let (mut dir, mut name) = split(path);
    // A table of `export --parquet` is recorded as `parquet/NAME.parquet` in the folder above.
    if dir.file_name().is_some_and(|d| d == PARQUET_DIR) {
        name = format!("{PARQUET_DIR}/{name}");
        dir = dir.parent().unwrap_or(Path::new("."));
    }
    if !is_ours_by_name(&name) || !super::ResultDir::new(dir).manifest_json().is_file() {
        return Ok(());
    }
    let list = dir.join(OUTPUTS);
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut f = options
        .open(&list)
        .with_context(|| format!("cannot record {name} in {}", list.display()))?;
    std::io::Write::write_all(&mut f, format!("{name}\n").as_bytes())
        .with_context(|| format!("cannot record {name} in {}", list.display()))
}

/// A name livemarket may write in a result folder: one of [`WRITTEN`], or an exported table
/// `parquet/NAME.parquet` (NAME of letters, digits and `_`).
fn is_ours_by_name(name: &str) -> bool {
    WRITTEN.contains(&name)
        || name
            .strip_prefix(PARQUET_DIR)
            .and_then(|n| n.strip_prefix('/'))
            .and_then(|n| n.strip_suffix(".parquet"))
            .is_some_and(|t| {
                !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
}

/// The names in `dir` that livemarket wrote and may remove: those its manifest lists (every
/// result name for a manifest from before the list), those recorded in [`OUTPUTS`], the
/// manifest itself; each one of [`WRITTEN`], whatever a damaged list says.
fn ours(dir: &Path) -> Vec<String> {
    // A manifest that cannot be read vouches for nothing but itself.
    let manifest: Option<serde_json::Value> =
        std::fs::read_to_string(super::ResultDir::new(dir).manifest_json())
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
    let listed: Vec<String> = match manifest {
        None => Vec::new(),
        Some(m) => match m.get("files") {
            None => WRITTEN.iter().map(|s| s.to_string()).collect(),
            Some(files) => files
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect(),
        },
    };
    let recorded = std::fs::read_to_string(dir.join(OUTPUTS)).unwrap_or_default();
    listed
        .into_iter()
        .chain(recorded.lines().map(str::to_string))
        .chain([MANIFEST_JSON.to_string()])
        .filter(|n| is_ours_by_name(n))
        .collect()
}

/// Creates the output folder `dir` (and its parents) if missing; a file in its place is the
/// user's mistake, said in their words.
pub(crate) fn create_folder(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(UserError(format!(
            "--out {} is a file, not a folder; name a folder (it is created if missing)",
            dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))
}

/// A subfolder of a result folder (`report/`, `parquet/`, `shards/`), held open: its files
/// are reached through the open folder, never through its name again, so a link swapped in
/// for the name while a command runs is never followed (on Linux, through
/// `/proc/self/fd/N`, the folder the descriptor holds; elsewhere by name, which keeps out
/// every link made before the command).
#[derive(Debug)]
pub(crate) struct Subfolder {
    /// The folder as the user names it, for messages.
    shown: PathBuf,
    /// The path its files are reached by.
    via: PathBuf,
    /// The open folder, kept open while `via` names it through the descriptor.
    _open: Option<File>,
}

impl Subfolder {
    /// The path to read or write `name` in the folder by.
    pub(crate) fn join(&self, name: &str) -> PathBuf {
        self.via.join(name)
    }

    /// `name` in the folder as the user names it, for messages.
    pub(crate) fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// The folder as the user names it.
    pub(crate) fn path(&self) -> &Path {
        &self.shown
    }

    /// Opens the existing folder `path`, never through a link; None when it is missing or
    /// is not a folder.
    pub(crate) fn open(path: &Path) -> Option<Subfolder> {
        if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        Subfolder::hold(path)
    }

    /// Holds the folder at `path` (checked to be a folder, not a link) open, and names its
    /// files through the descriptor where the system allows it; None when what is there
    /// now is not a folder (a link swapped in since the check).
    fn hold(path: &Path) -> Option<Subfolder> {
        let by_name = || Subfolder {
            shown: path.to_path_buf(),
            via: path.to_path_buf(),
            _open: None,
        };
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
            let Ok(dir) = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
                .open(path)
            else {
                return None;
            };
            let via = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
            // Only when /proc is there and names this very folder.
            let same = match (dir.metadata(), std::fs::metadata(&via)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if same {
                return Some(Subfolder {
                    shown: path.to_path_buf(),
                    via,
                    _open: Some(dir),
                });
            }
        }
        Some(by_name())
    }
}

/// Creates the subfolder `path` of a result folder (`report/`, `parquet/`, `shards/`) if it
/// is missing, or checks the one there, never through a link: a link in its place (to a
/// folder anywhere) would have livemarket write, replace and remove files outside the result
/// folder. The folder above must exist. The folder is returned held open ([`Subfolder`]), so
/// a link swapped in for it afterwards is not followed either.
pub(crate) fn create_subfolder(path: &Path) -> Result<Subfolder> {
    let refuse_link = || -> anyhow::Error {
        UserError(format!(
            "{} is a link; livemarket writes nothing through a link, so it would not stay in \
             the result folder. Remove the link, then run this again",
            path.display()
        ))
        .into()
    };
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(refuse_link()),
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(UserError(format!(
            "{} is a file where livemarket writes a folder; move it, then run this again",
            path.display()
        ))
        .into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::create_dir(path) {
            Ok(()) => Ok(()),
            // Made meanwhile (by a second reader writing the same report): check it again.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
                    Ok(())
                } else {
                    Err(refuse_link())
                }
            }
            Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
        },
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }?;
    // Opened with O_NOFOLLOW: a link swapped in since the check above fails here.
    Subfolder::open(path).ok_or_else(refuse_link)
}

/// Removes the temporary files of livemarket's result files that a killed command left in
/// `dir` (hidden `.summary.csv.Xy3q9a.tmp`): never anything else, never through a link.
pub(crate) fn remove_temporaries(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if WRITTEN.iter().any(|f| is_temporary(&name, f))
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Whether `name` (as `parquet/summary.parquet`) in the result folder `dir` is one
/// livemarket wrote: its manifest lists it or a command recorded it.
pub(crate) fn is_recorded(dir: &Path, name: &str) -> bool {
    ours(dir).iter().any(|n| n == name)
}

/// Refuses a folder that holds files with result names but no manifest.json: no livemarket
/// run recorded them (a user's own, or another program's), so none is replaced or removed,
/// not even with `--force`.
pub(crate) fn refuse_unrecorded(dir: &Path) -> Result<()> {
    if super::ResultDir::new(dir).manifest_json().exists() {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| WRITTEN.contains(&name.as_str()))
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    Err(UserError(format!(
        "{} holds {} but no manifest.json: no livemarket run wrote them, so livemarket will \
         not replace them (not even with --force). Move them, or write elsewhere with --out",
        dir.display(),
        found.join(", ")
    ))
    .into())
}

/// Refuses a `manifest.json` that another program wrote (JSON whose `tool` is not
/// livemarket): it is not livemarket's to replace, not even with `--force`.
fn refuse_foreign_manifest(dir: &Path) -> Result<()> {
    let path = super::ResultDir::new(dir).manifest_json();
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(());
    };
    if value.get("tool").and_then(|t| t.as_str()) == Some("livemarket") {
        return Ok(());
    }
    Err(UserError(format!(
        "{} was not written by livemarket (it does not say `\"tool\": \"livemarket\"`), so \
         livemarket will not replace it (not even with --force). Move it, or write elsewhere \
         with --out",
        path.display()
    ))
    .into())
}

/// Creates `dir` if needed and removes what an earlier run wrote there: the files of
/// [`WRITTEN`] and their temporaries, nothing else.
pub(crate) fn clear(dir: &Path) -> Result<()> {
    create_folder(dir)?;
    refuse_foreign_manifest(dir)?;
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mine = if super::ResultDir::new(dir).manifest_json().exists() {
        ours(dir)
    } else {
        Vec::new()
    };
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if mine.contains(&name) || name == OUTPUTS || WRITTEN.iter().any(|f| is_temporary(&name, f))
        {
            ours.push((entry.path(), entry.file_type()));
        } else if WRITTEN.contains(&name.as_str()) {
            theirs.push(name);
        }
    }
    if !theirs.is_empty() {
        theirs.sort();
        return Err(UserError(format!(
            "{} holds {}, which its manifest.json does not list as written by livemarket, so \
             livemarket will not remove or replace it (not even with --force). Move it, or \
             write elsewhere with --out",
            dir.display(),
            theirs.join(", ")
        ))
        .into());
    }
    // Every check before the first removal: a refused folder is left as it was.
    if let Some((link, _)) = ours
        .iter()
        .find(|(_, kind)| kind.as_ref().is_ok_and(|t| t.is_symlink()))
    {
        return Err(UserError(format!(
            "{} is a link; livemarket writes no result through a link. Remove it, or write \
             elsewhere with --out",
            link.display()
        ))
        .into());
    }
    for (path, kind) in ours {
        if kind.is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    // The report's charts, as the chart folder's index lists them (the folder itself only
    // once empty, and never through a link): a --force run must not show the old run's
    // charts beside its own report.
    let charts = super::ResultDir::new(dir).report_dir();
    if std::fs::symlink_metadata(&charts).is_ok_and(|m| m.is_dir()) {
        let index = charts.join(super::CHART_INDEX);
        let indexed = std::fs::symlink_metadata(&index).is_ok_and(|m| m.is_file());
        let listed = if indexed {
            std::fs::read_to_string(&index).unwrap_or_default()
        } else {
            String::new()
        };
        for name in listed.lines() {
            if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                continue;
            }
            let p = charts.join(format!("{name}.svg"));
            if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
            }
        }
        if indexed {
            std::fs::remove_file(&index)
                .with_context(|| format!("cannot remove {}", index.display()))?;
            let _ = std::fs::remove_dir(&charts);
        }
    }
    // Exported tables recorded as ours; the parquet folder goes only once it is empty (and
    // is not a link: a recorded name is never followed out of the folder).
    let parquet = super::ResultDir::new(dir).parquet_dir();
    if std::fs::symlink_metadata(&parquet).is_ok_and(|m| m.is_dir()) {
        for name in mine.iter().filter(|n| n.starts_with(PARQUET_DIR)) {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
        let _ = std::fs::remove_dir(&parquet);
    }
    Ok(())
}

/// Opens a result file for writing without ever following a link. `new`: creates it, and
/// fails if anything (a file or a link) is already there; otherwise it must exist and not be
/// a link. A link planted in a result folder could otherwise make livemarket write,
/// truncate or extend a file anywhere.
pub(crate) fn open_for_writing(path: &Path, new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if new {
        // O_CREAT | O_EXCL: never follows a link, on every platform.
        options.create_new(true);
    } else {
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        #[cfg(not(unix))]
        if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
            return Err(std::io::Error::other("it is a link"));
        }
    }
    options.open(path)
}

/// The text of a regular file: a FIFO, a device or a folder is refused without being read
/// (opening a FIFO does not wait for a writer), so a file named by mistake can neither hang
/// nor flood the command.
pub(crate) fn read_regular(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut f = options.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    Ok(text)
}

/// Makes a rename in `path`'s folder durable (the folder's entry is data too). Only Unix
/// can open a folder to sync it; elsewhere the file system orders it. Best effort: the
/// file itself is already synced, and a folder that cannot be opened still has it.
fn sync_folder_of(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The suffix of every temporary file livemarket writes.
const TEMPORARY_SUFFIX: &str = ".tmp";

/// Whether `name` is one of the temporary files [`AtomicFile`] writes for `file` (left
/// behind only when the process was killed mid-write), so cleanups can remove exactly those.
pub(crate) fn is_temporary(name: &str, file: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.strip_prefix(file))
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(TEMPORARY_SUFFIX))
        .is_some_and(|middle| {
            !middle.is_empty() && middle.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// The folder and the file name of a path to a file.
fn split(path: &Path) -> (&Path, String) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    (dir, name)
}

/// Writes a whole file through an [`AtomicFile`].
pub(crate) fn write_atomically(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    body(&mut f.writer).with_context(|| format!("cannot write {}", path.display()))?;
    f.commit()
}

/// Refuses a calibration's folder given to a command that reads a run's result folder
/// (`report`, `compare`, `summarize`, `targets`, `export`, `sensitivity`), saying what the
/// folder is and what to do with it, instead of that command's words for a broken run folder.
pub fn refuse_as_run_folder(dir: &Path) -> Result<()> {
    if !dir.join(calibration::CALIBRATION_JSON).is_file()
        || super::ResultDir::new(dir).manifest_json().exists()
    {
        return Ok(());
    }
    Err(UserError(format!(
        "{} is a calibration's folder (`livemarket calibrate` wrote it), not a run's result \
         folder: its report is {}, its posterior {}. To run the scenario with the calibrated \
         values, `livemarket run SCENARIO --posterior {}`, then give that run's folder",
        dir.display(),
        dir.join(calibration::REPORT_HTML).display(),
        dir.join(calibration::POSTERIOR_CSV).display(),
        dir.display()
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::REPORT_DIR;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_held_subfolder_is_written_even_after_a_link_replaces_its_name() {
        // The race a check-then-write leaves open: `report/` is checked, then swapped for a
        // link to a folder outside before the charts are written. Through the held folder
        // the chart still lands in the folder that was checked, and nothing outside.
        let tmp = tempfile::tempdir().unwrap();
        let (sub, moved, outside) = (
            tmp.path().join("report"),
            tmp.path().join("report-moved"),
            tmp.path().join("outside"),
        );
        std::fs::create_dir(&outside).unwrap();
        let held = create_subfolder(&sub).unwrap();
        std::fs::rename(&sub, &moved).unwrap();
        std::os::unix::fs::symlink(&outside, &sub).unwrap();
        write_atomically(&held.join("chart.svg"), |w| Ok(w.write_all(b"<svg/>")?)).unwrap();
        assert_eq!(std::fs::read(moved.join("chart.svg")).unwrap(), b"<svg/>");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        // Messages still name the folder as the user does.
        assert_eq!(held.shown("chart.svg"), sub.join("chart.svg"));
        // Removal goes through the held folder too; a new check of the name refuses the link.
        std::fs::write(outside.join("theirs.svg"), b"x").unwrap();
        assert!(std::fs::remove_file(held.join("theirs.svg")).is_err());
        assert!(outside.join("theirs.svg").is_file());
        assert!(create_subfolder(&sub).is_err() && Subfolder::open(&sub).is_none());
    }

    #[test]
    fn temporaries_are_named_after_their_file_and_no_other() {
        assert!(is_temporary(".summary.csv.a1B2c3.tmp", SUMMARY_CSV));
        assert!(!is_temporary(".summary.csv.a1B2c3.tmp", WEEKLY_CSV));
        assert!(!is_temporary(".summary.csv..tmp", SUMMARY_CSV));
        assert!(!is_temporary("summary.csv.a1B2c3.tmp", SUMMARY_CSV));
        assert!(!is_temporary(".summary.csv.a/b.tmp", SUMMARY_CSV));
        // The name a commit-less AtomicFile really uses matches, and it is gone when dropped.
        let dir = tempfile::tempdir().unwrap();
        let f = AtomicFile::create(&dir.path().join(SUMMARY_CSV)).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1);
        assert!(is_temporary(&names[0], SUMMARY_CSV), "{names:?}");
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn two_files_of_one_stem_get_distinct_temporaries() {
        // `summary.csv` and `summary.json` shared `summary.tmp` when temporaries were named
        // by replacing the extension.
        let dir = tempfile::tempdir().unwrap();
        let mut a = AtomicFile::create(&dir.path().join("summary.csv")).unwrap();
        let mut b = AtomicFile::create(&dir.path().join("summary.json")).unwrap();
        a.writer.write_all(b"a").unwrap();
        b.writer.write_all(b"b").unwrap();
        a.commit().unwrap();
        b.commit().unwrap();
        assert_eq!(std::fs::read(dir.path().join("summary.csv")).unwrap(), b"a");
        assert_eq!(
            std::fs::read(dir.path().join("summary.json")).unwrap(),
            b"b"
        );
    }

    #[test]
    fn clearing_removes_what_livemarket_wrote_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // The manifest lists the run's files; report.html was recorded by `report`.
        std::fs::write(
            d.join(MANIFEST_JSON),
            r#"{"tool": "livemarket", "files": ["manifest.json", "trials.csv", "trials.bin"]}"#,
        )
        .unwrap();
        std::fs::write(d.join(OUTPUTS), "report.html\n").unwrap();
        for name in [
            TRIALS_CSV,
            REPORT_HTML,
            ".weekly.csv.Zq81Lm.tmp",
            "notes.txt",
            "summary.tmp",
            "mine.csv",
        ] {
            std::fs::write(d.join(name), name).unwrap();
        }
        std::fs::create_dir(d.join(REPORT_DIR)).unwrap();
        let names = |d: &Path| {
            let mut left: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            left
        };
        // A result-named file the lists do not hold is the user's: nothing is removed.
        std::fs::write(d.join(SUMMARY_CSV), "mine").unwrap();
        let before = names(d);
        let e = clear(d).unwrap_err().to_string();
        assert!(
            e.contains("holds summary.csv, which its manifest.json does not list"),
            "{e}"
        );
        assert_eq!(names(d), before);
        std::fs::remove_file(d.join(SUMMARY_CSV)).unwrap();
        clear(d).unwrap();
        assert_eq!(names(d), ["mine.csv", "notes.txt", "report", "summary.tmp"]);
    }

    #[test]
    fn a_manifest_that_cannot_be_read_vouches_for_nothing_but_itself() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(MANIFEST_JSON), "{ damaged").unwrap();
        std::fs::write(d.join(TRIALS_CSV), "rows").unwrap();
        assert!(clear(d).is_err());
        assert!(d.join(TRIALS_CSV).is_file() && d.join(MANIFEST_JSON).is_file());
    }
}
