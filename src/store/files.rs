//! The store's file primitives: unique temp names, atomic replacement of its index files,
//! folders created and fsynced, symbolic links refused.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use super::error::{StoreError, io_err};

/// A hidden temp-file name unique to this write: process id, time and a random number, so a
/// repeated process id (PID 1 in containers) never meets a leftover of an earlier run.
pub fn temp_name(for_name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!(".{for_name}.{}.{nanos:x}.{:08x}.tmp", std::process::id(), fastrand::u32(..))
}

/// Replaces `dir/name` with `value` as pretty JSON, atomically: a fsynced temp file renamed
/// over it, then the folder fsynced. For the store's own index files, never for snapshots
/// (those are never replaced).
pub(super) fn replace_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> Result<(), StoreError> {
    let path = dir.join(name);
    let tmp = dir.join(temp_name(name));
    let mut text = serde_json::to_vec_pretty(value).expect("serialisable");
    text.push(b'\n');
    let result = File::create(&tmp)
        .and_then(|mut f| f.write_all(&text).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, &path))
        .map_err(io_err(&path));
    let _ = fs::remove_file(&tmp);
    result?;
    sync_dir(dir)
}

/// Refuses a symbolic link where the store expects its own file or folder: writes must never
/// land outside the store's folder.
pub(super) fn refuse_symlink(path: &Path) -> Result<(), StoreError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(StoreError::Symlink { path: path.to_path_buf() }),
        _ => Ok(()),
    }
}

pub(super) fn create_dir_durably(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(existing) = dir.ancestors().find(|a| a.exists()).filter(|a| !a.is_dir()) {
        return Err(StoreError::NotAFolder { path: existing.to_path_buf() });
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(())
}

/// fsync a folder so a new entry in it survives a crash (POSIX: the file's own fsync does not
/// persist its directory entry).
pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}
