//! Reports: the documents ctwatch writes, each a model built from the store, the config and
//! the accrual log, turned into blocks and rendered by [`crate::format`].
//!
//! - [`progress`]: recruitment against the target, with the projection and its chart;
//! - [`ethics`]: the annual progress report for the ethics committee (English and Dutch);
//! - [`status`]: the weekly digest of every watched trial;
//! - [`changes`] and [`notice`]: a version's change list, and the change notice posted to GitHub;
//! - [`site`]: the portfolio site, a page for the portfolio and one per trial.

pub mod changes;
pub mod dutch;
pub mod ethics;
pub mod notice;
pub mod progress;
pub mod site;
pub mod status;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Writes a set of report files all or nothing: every file goes to a uniquely named hidden temp
/// file first (a failure there, e.g. a full disk, removes them all and leaves the folder as it
/// was), then each is renamed into place, so a reader never sees half a file or half a set.
/// A report folder that is a symbolic link is refused.
pub fn write_files(files: &[(PathBuf, &[u8])]) -> anyhow::Result<()> {
    let mut temps: Vec<(PathBuf, &Path)> = Vec::with_capacity(files.len());
    let result = (|| -> anyhow::Result<()> {
        for (path, contents) in files {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
                bail!("{}: is a symbolic link; ctwatch does not write reports through links", dir.display());
            }
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
            // A file whose content is already there is left alone: reports at stable names
            // change (and are committed) only when their content does.
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
                && std::fs::metadata(path).is_ok_and(|m| m.len() == contents.len() as u64)
                && std::fs::read(path).is_ok_and(|old| old == *contents)
            {
                continue;
            }
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("report");
            let tmp = dir.join(crate::store::temp_name(name));
            temps.push((tmp.clone(), path));
            std::fs::write(&tmp, contents).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    })();
    // Every destination must take a file: a folder or a link where a report goes fails the
    // whole set before any file is replaced.
    let result = result.and_then(|()| {
        for (_, path) in &temps {
            if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
                bail!("{}: is not a regular file (a folder or a link); move it away", path.display());
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e.context("no report file was written"));
    }
    for (i, (tmp, path)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            // Nothing of this run is left behind: the temp files not yet renamed go.
            for (tmp, _) in &temps[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
    }
    Ok(())
}
