//! What can go wrong in the store; every message names the path.

use std::io;
use std::path::{Path, PathBuf};

/// What can go wrong in the store. Every message names the path.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A stored snapshot cannot be read back or does not match its own hash.
    #[error("{path}: corrupt snapshot: {reason}")]
    Corrupt {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another ctwatch held the lock for longer than `lock_timeout`.
    #[error("{path}: another ctwatch is writing this store (waited {waited_secs} s for the lock)")]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// Seconds waited.
        waited_secs: u64,
    },
    /// What ctwatch would store could not be read back (e.g. nested too deep).
    #[error("{path}: the record cannot be stored as a snapshot that reads back ({reason}); nothing was stored")]
    Unreadable {
        /// The trial folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A symbolic link where the store keeps its own files.
    #[error("{path}: is a symbolic link; ctwatch does not follow links in its store (writes could land outside it)")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// A file where the store needs a folder.
    #[error("{path}: is a file, not a folder; ctwatch needs a folder here for its snapshots")]
    NotAFolder {
        /// The file.
        path: PathBuf,
    },
    /// Every file name for this date is taken.
    #[error("{path}: no free snapshot name left for this date")]
    NoFreeName {
        /// The folder.
        path: PathBuf,
    },
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}
