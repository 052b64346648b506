//! The snapshot store: `snapshots/<NCT>/<lastUpdatePostDate>[_NNN].json`, append-only.
//!
//! Guarantees, in the order a reader relies on them:
//! - a file, once written, is never rewritten or deleted by ctwatch (new files are linked into
//!   place with `link(2)`, which fails rather than replace an existing name);
//! - a file is either absent or complete: it is written to a hidden temp file in the same
//!   folder, fsynced, linked into place, and the folder is fsynced;
//! - two ctwatch processes never write one store at once (an OS file lock on
//!   `snapshots/.ctwatch.lock`, released when the process ends, even by a crash);
//! - file names sort chronologically: the record's `lastUpdatePostDate`, with `_002`, `_003`…
//!   when the registry changed content without posting a new date.
//!
//! Readers skip hidden files, so a temp file left by a crash is invisible.

mod error;
mod files;
pub mod markup;
mod sequence;
pub mod snapshot;
use sequence::{check_successor, no_predecessor, replay};
mod state;
pub mod version;

pub use error::StoreError;
use error::io_err;
pub use files::temp_name;
use files::{create_dir_durably, refuse_symlink, replace_json, sync_dir};
pub use state::{LastRun, SyncState};

use std::fs::{self, File, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use snapshot::{Origin, Snapshot, canonical, content_sha256};

pub use crate::bounded::{read_bounded, read_text_bounded};

use chrono::NaiveDate;

use crate::nct::NctId;
use crate::partial_date::PartialDate;
use crate::registry::study::{LAST_UPDATE, date_at};

/// Largest index or state file ctwatch reads (its own files are a few KiB; 100,000 history
/// versions would be about 5 MiB).
const INDEX_LIMIT: u64 = 16 << 20;

/// Name of the lock file at the store root.
pub const LOCK_FILE: &str = ".ctwatch.lock";
/// Hidden per-trial index: registry history version → the snapshot file holding its content.
pub const HISTORY_INDEX: &str = ".history-index.json";
/// Hidden file at the store root: what the last fully successful sync saw.
pub const SYNC_STATE: &str = ".ctwatch-state.json";

/// A stored version: its file name, full path, and what the name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    /// e.g. `2025-06-26.json`.
    pub name: String,
    /// `snapshots/<NCT>/<name>`.
    pub path: PathBuf,
    /// The posted date the name gives (the record's `lastUpdatePostDate`).
    pub posted: NaiveDate,
    /// 1 for `DATE.json`, N for `DATE_00N.json`.
    pub seq: u16,
}

/// Parses a snapshot file name: `YYYY-MM-DD.json` or `YYYY-MM-DD_NNN.json` (NNN 002–999).
pub fn parse_snapshot_name(name: &str) -> Option<(NaiveDate, u16)> {
    let stem = name.strip_suffix(".json")?;
    let (date, seq) = match stem.split_once('_') {
        Some((d, n)) if n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()) => (d, n.parse::<u16>().ok()?),
        Some(_) => return None,
        None => (stem, 1),
    };
    if date.len() != 10 || (seq < 2 && stem.contains('_')) {
        return None;
    }
    let posted = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some((posted, seq))
}

/// The index of the version current at `date`: the newest posted on or before it.
pub fn current_at(versions: &[StoredVersion], date: NaiveDate) -> Option<usize> {
    versions.iter().rposition(|v| v.posted <= date)
}

/// Proof that this process holds the store's write lock; dropping it releases the lock.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// The snapshot store rooted at a folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    #[cfg(test)]
    fail_before_link: bool,
}

impl Store {
    /// A store at `root`; nothing is created until the first write.
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store {
            root: root.into(),
            #[cfg(test)]
            fail_before_link: false,
        }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of one trial.
    pub fn trial_dir(&self, id: &NctId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Takes the write lock, waiting up to `timeout` for another ctwatch to finish.
    pub fn lock(&self, timeout: Duration) -> Result<StoreLock, StoreError> {
        create_dir_durably(&self.root)?;
        let path = self.root.join(LOCK_FILE);
        refuse_symlink(&path)?;
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(io_err(&path))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    let lock = StoreLock { _file: file };
                    self.remove_leftovers()?;
                    return Ok(lock);
                }
                Err(TryLockError::WouldBlock) if started.elapsed() < timeout => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked { path, waited_secs: started.elapsed().as_secs() });
                }
                Err(TryLockError::Error(source)) => return Err(StoreError::Io { path, source }),
            }
        }
    }

    /// Removes temp files a killed ctwatch left behind (hidden `*.tmp` at the root and in
    /// each trial folder). Called with the lock held: no other ctwatch is writing, so every
    /// temp file is a leftover.
    fn remove_leftovers(&self) -> Result<(), StoreError> {
        let is_tmp = |name: &str| name.starts_with('.') && name.ends_with(".tmp");
        let mut dirs = vec![self.root.clone()];
        for entry in fs::read_dir(&self.root).map_err(io_err(&self.root))?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                dirs.push(entry.path());
            }
        }
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name();
                if entry.file_type().is_ok_and(|t| t.is_file()) && name.to_str().is_some_and(is_tmp) {
                    fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
                }
            }
        }
        Ok(())
    }

    /// The stored versions of a trial, oldest first. Hidden files are skipped; anything that
    /// is not a regular file is skipped with a warning; a JSON file whose name is not a
    /// snapshot name is an error naming it.
    pub fn versions(&self, id: &NctId) -> Result<Vec<StoredVersion>, StoreError> {
        let dir = self.trial_dir(id);
        refuse_symlink(&dir)?;
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&dir))?;
            let Ok(name) = entry.file_name().into_string() else { continue };
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                eprintln!(
                    "ctwatch: warning: {}: not a regular file; ignored",
                    crate::text::terminal_safe(&dir.join(&name).display().to_string())
                );
                continue;
            }
            let path = dir.join(&name);
            let (posted, seq) = parse_snapshot_name(&name).ok_or_else(|| StoreError::Corrupt {
                path: path.clone(),
                reason: "not a snapshot name (YYYY-MM-DD.json or YYYY-MM-DD_NNN.json); move it out of the store".into(),
            })?;
            out.push(StoredVersion { path, name, posted, seq });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Reads and verifies one stored version: well-formed, for this trial, hash intact.
    pub fn read(&self, id: &NctId, version: &StoredVersion) -> Result<Snapshot, StoreError> {
        let path = &version.path;
        let bytes = read_bounded(path, SNAPSHOT_LIMIT).map_err(io_err(path))?;
        let corrupt = |reason: String| StoreError::Corrupt { path: path.clone(), reason };
        let snap: Snapshot = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if &snap.nct_id != id {
            return Err(corrupt(format!("it holds {} instead of {id}", snap.nct_id)));
        }
        let actual = content_sha256(&snap.study);
        if actual != snap.content_sha256 {
            return Err(corrupt(format!(
                "content_sha256 says {} but the study hashes to {actual}",
                snap.content_sha256
            )));
        }
        // The name is not covered by the hash: it must agree with the content it names.
        match date_at(&snap.study, LAST_UPDATE).and_then(|d| d.as_day()) {
            Some(posted) if posted != version.posted => {
                return Err(corrupt(format!(
                    "the name says posted {} but the record was posted {posted} (renamed or copied?)",
                    version.posted
                )));
            }
            None if snap.origin == Origin::Api => {
                return Err(corrupt("the record has no lastUpdatePostDate".into()));
            }
            _ => {}
        }
        Ok(snap)
    }

    /// Checks that a same-date successor (`_002`, `_003`…) follows its predecessor and differs
    /// from it: a copy of a stored version under the next name is a replay, not a version.
    pub fn check_sequence(versions: &[(StoredVersion, Snapshot)]) -> Result<(), StoreError> {
        sequence::check(versions)
    }

    /// The newest stored version of a trial, read and verified.
    pub fn latest(&self, id: &NctId) -> Result<Option<(StoredVersion, Snapshot)>, StoreError> {
        let mut all = self.versions(id)?;
        let Some(v) = all.pop() else { return Ok(None) };
        let snap = self.read(id, &v)?;
        if v.seq > 1 {
            // The newest is a same-date successor: it must follow a different predecessor, and
            // hold none of the earlier same-date versions' content (a replay).
            let before = all.pop().filter(|b| b.posted == v.posted).ok_or_else(|| no_predecessor(&v))?;
            let prev = self.read(id, &before)?;
            check_successor((&before, &prev.content_sha256), (&v, &snap.content_sha256))?;
            for earlier in all.iter().rev().take_while(|e| e.posted == v.posted) {
                if self.read(id, earlier)?.content_sha256 == snap.content_sha256 {
                    return Err(replay(&v, earlier));
                }
            }
        }
        Ok(Some((v, snap)))
    }

    /// Every stored version of a trial, oldest first, each read and verified.
    pub fn read_all(&self, id: &NctId) -> Result<Vec<(StoredVersion, Snapshot)>, StoreError> {
        let all = self
            .versions(id)?
            .into_iter()
            .map(|v| {
                let snap = self.read(id, &v)?;
                Ok((v, snap))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Self::check_sequence(&all)?;
        Ok(all)
    }

    /// Which registry history versions are already in the store (version → snapshot file).
    pub fn history_index(&self, id: &NctId) -> Result<std::collections::BTreeMap<u32, String>, StoreError> {
        let path = self.trial_dir(id).join(HISTORY_INDEX);
        match read_bounded(&path, INDEX_LIMIT) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt { path, reason: e.to_string() })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Default::default()),
            Err(e) => Err(StoreError::Io { path, source: e }),
        }
    }

    /// The state of the last fully successful sync (`None` before the first, or when the file
    /// is unreadable: then the next sync simply does the full work).
    pub fn sync_state(&self) -> Option<SyncState> {
        let bytes = read_bounded(&self.root.join(SYNC_STATE), INDEX_LIMIT).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Records the state of a sync run, atomically.
    pub fn write_sync_state(&self, _lock: &StoreLock, state: &SyncState) -> Result<(), StoreError> {
        let path = self.root.join(SYNC_STATE);
        refuse_symlink(&path)?;
        replace_json(&self.root, SYNC_STATE, state)
    }

    /// Replaces the history index atomically (it is an index, not a snapshot).
    pub fn write_history_index(
        &self,
        _lock: &StoreLock,
        id: &NctId,
        index: &std::collections::BTreeMap<u32, String>,
    ) -> Result<(), StoreError> {
        let dir = self.trial_dir(id);
        create_dir_durably(&dir)?;
        replace_json(&dir, HISTORY_INDEX, index)
    }

    /// Writes a new version durably under a name no other file has; never replaces a file.
    pub fn write_new(
        &self,
        _lock: &StoreLock,
        snap: &Snapshot,
        last_update: PartialDate,
    ) -> Result<StoredVersion, StoreError> {
        let dir = self.trial_dir(&snap.nct_id);
        create_dir_durably(&dir)?;
        refuse_symlink(&dir)?;
        let bytes = snap.to_canonical_bytes();
        // Whatever is stored must read back: refuse here what a later read would reject.
        if let Err(e) = serde_json::from_slice::<Snapshot>(&bytes) {
            return Err(StoreError::Unreadable { path: dir.clone(), reason: e.to_string() });
        }
        let base = last_update.first_day().format("%Y-%m-%d").to_string();
        let name = (1..=999)
            .map(|n| if n == 1 { format!("{base}.json") } else { format!("{base}_{n:03}.json") })
            .find(|name| fs::symlink_metadata(dir.join(name)).is_err())
            .ok_or_else(|| StoreError::NoFreeName { path: dir.clone() })?;
        // A folder or a link under one of this date's names would make this version take the
        // name after it (`_002` with no version before it): refused before anything is written.
        if let Some(odd) = (1..=999)
            .map(|n| if n == 1 { format!("{base}.json") } else { format!("{base}_{n:03}.json") })
            .take_while(|n| *n != name)
            .map(|n| dir.join(n))
            .find(|p| fs::symlink_metadata(p).is_ok_and(|m| !m.is_file()))
        {
            return Err(StoreError::Corrupt {
                path: odd,
                reason:
                    "a snapshot name that is not a regular file (a folder or a symbolic link); move it out of the store"
                        .into(),
            });
        }
        let path = dir.join(&name);
        let tmp = dir.join(temp_name(&name));
        let result = self.write_then_link(&tmp, &path, &bytes);
        // The temp name is ours alone (hidden, per process); it is never a snapshot.
        let _ = fs::remove_file(&tmp);
        result?;
        sync_dir(&dir)?;
        let (posted, seq) = parse_snapshot_name(&name).expect("a name made above");
        Ok(StoredVersion { name, path, posted, seq })
    }

    fn write_then_link(&self, tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let mut file = File::create_new(tmp).map_err(io_err(tmp))?;
        file.write_all(bytes).map_err(io_err(tmp))?;
        file.sync_all().map_err(io_err(tmp))?;
        drop(file);
        #[cfg(test)]
        if self.fail_before_link {
            return Err(io_err(tmp)(io::Error::other("injected failure before link")));
        }
        // link(2) fails with EEXIST instead of replacing: no path can overwrite a snapshot.
        fs::hard_link(tmp, path).map_err(io_err(path))
    }
}

/// Largest snapshot file read (a record is capped at 256 MB as served; its canonical form is
/// about as large).
const SNAPSHOT_LIMIT: u64 = 1 << 30;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap(id: &str, x: i64) -> Snapshot {
        snap_on(id, x, "2025-06-26")
    }

    fn snap_on(id: &str, x: i64, posted: &str) -> Snapshot {
        let study =
            json!({"protocolSection": {"x": x, "statusModule": {"lastUpdatePostDateStruct": {"date": posted}}}});
        Snapshot {
            api_version: Some("2.0.5".into()),
            content_sha256: content_sha256(&study),
            data_timestamp: None,
            fetched_at: "2026-11-26T00:00:00Z".into(),
            history_version: None,
            nct_id: NctId::parse(id).unwrap(),
            origin: Origin::Api,
            requested_as: None,
            source: "http://127.0.0.1/".into(),
            study,
        }
    }

    fn day(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn same_date_gets_sorted_suffixes_and_nothing_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path());
        let lock = store.lock(Duration::from_secs(1)).unwrap();
        let id = NctId::parse("NCT1").unwrap();
        let a = store.write_new(&lock, &snap("NCT1", 1), day("2025-06-26")).unwrap();
        let b = store.write_new(&lock, &snap("NCT1", 2), day("2025-06-26")).unwrap();
        let c = store.write_new(&lock, &snap_on("NCT1", 3, "2025-07-01"), day("2025-07-01")).unwrap();
        assert_eq!(
            (a.name.as_str(), b.name.as_str(), c.name.as_str()),
            ("2025-06-26.json", "2025-06-26_002.json", "2025-07-01.json")
        );
        let names: Vec<String> = store.versions(&id).unwrap().into_iter().map(|v| v.name).collect();
        assert_eq!(names, ["2025-06-26.json", "2025-06-26_002.json", "2025-07-01.json"]);
        assert_eq!(store.latest(&id).unwrap().unwrap().1.study["protocolSection"]["x"], 3);
        assert_eq!(store.read(&id, &a).unwrap(), snap("NCT1", 1));
    }

    #[test]
    fn failure_between_temp_write_and_link_leaves_the_store_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = Store::new(tmp.path());
        let lock = store.lock(Duration::from_secs(1)).unwrap();
        let id = NctId::parse("NCT1").unwrap();
        store.write_new(&lock, &snap("NCT1", 1), day("2025-06-26")).unwrap();
        let before = fs::read(store.trial_dir(&id).join("2025-06-26.json")).unwrap();
        store.fail_before_link = true;
        let err = store.write_new(&lock, &snap_on("NCT1", 2, "2025-06-27"), day("2025-06-27")).unwrap_err();
        assert!(err.to_string().contains("injected failure"), "{err}");
        let entries: Vec<_> = fs::read_dir(store.trial_dir(&id)).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(entries, ["2025-06-26.json"], "no temp file, no partial snapshot");
        assert_eq!(fs::read(store.trial_dir(&id).join("2025-06-26.json")).unwrap(), before);
    }

    #[test]
    fn hidden_temp_files_are_invisible_and_corruption_is_detected() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path());
        let id = NctId::parse("NCT1").unwrap();
        let dir = store.trial_dir(&id);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".2025-06-27.json.999.tmp"), "{half").unwrap();
        assert!(store.versions(&id).unwrap().is_empty());
        let mut bad = snap("NCT1", 1);
        bad.study["protocolSection"]["x"] = json!(9);
        fs::write(dir.join("2025-06-26.json"), bad.to_canonical_bytes()).unwrap();
        let err = store.latest(&id).unwrap_err().to_string();
        assert!(err.contains("2025-06-26.json") && err.contains("content_sha256"), "{err}");
        fs::write(dir.join("2025-06-28.json"), snap("NCT2", 1).to_canonical_bytes()).unwrap();
        assert!(store.latest(&id).unwrap_err().to_string().contains("holds NCT00000002"));
    }

    #[test]
    fn snapshot_names_are_strict() {
        assert_eq!(parse_snapshot_name("2025-06-26.json"), Some((NaiveDate::from_ymd_opt(2025, 6, 26).unwrap(), 1)));
        assert_eq!(parse_snapshot_name("2025-06-26_002.json").map(|x| x.1), Some(2));
        for bad in ["zzz.json", "2025-06-26_001.json", "2025-06-26_2.json", "2025-13-01.json", "2025-06-26.json.bak"] {
            assert_eq!(parse_snapshot_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn lock_is_exclusive_between_handles() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path());
        let held = store.lock(Duration::from_secs(1)).unwrap();
        let err = store.lock(Duration::from_millis(120)).unwrap_err();
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        drop(held);
        store.lock(Duration::from_millis(120)).unwrap();
    }
}
