//! The order a trial's stored versions must be in: each a successor of the one before, no
//! replayed copy of an earlier version, no `_NNN` name without its predecessor.

use chrono::NaiveDate;

use super::{Snapshot, StoreError, StoredVersion};

/// Checks the stored versions of one trial, oldest first.
pub fn check(versions: &[(StoredVersion, Snapshot)]) -> Result<(), StoreError> {
    for pair in versions.windows(2) {
        let ((a, sa), (b, sb)) = (&pair[0], &pair[1]);
        check_successor((a, &sa.content_sha256), (b, &sb.content_sha256))?;
    }
    // A copy of any earlier version under a later same-date name (`_003` holding what
    // `DATE.json` holds) is a replay too, adjacent or not.
    let mut seen: std::collections::HashMap<(NaiveDate, &str), &StoredVersion> = Default::default();
    for (v, snap) in versions {
        if let Some(first) = seen.insert((v.posted, snap.content_sha256.as_str()), v) {
            return Err(replay(v, first));
        }
    }
    match versions.first() {
        Some((first, _)) if first.seq > 1 => Err(no_predecessor(first)),
        _ => Ok(()),
    }
}

/// `b` may follow `a` (each with its content hash): a `_NNN` name follows the version before it
/// in sequence, and a same-date successor holds other content.
pub(super) fn check_successor(a: (&StoredVersion, &str), b: (&StoredVersion, &str)) -> Result<(), StoreError> {
    let ((a, a_hash), (b, b_hash)) = (a, b);
    if b.seq > 1 && (a.posted != b.posted || a.seq + 1 != b.seq) {
        return Err(StoreError::Corrupt {
            path: b.path.clone(),
            reason: format!("{} follows {}, not the version before it in sequence", b.name, a.name),
        });
    }
    if a.posted == b.posted && a_hash == b_hash {
        return Err(StoreError::Corrupt {
            path: b.path.clone(),
            reason: format!("it holds the same content as {} (a copy, not a new version)", a.name),
        });
    }
    Ok(())
}

pub(super) fn replay(v: &StoredVersion, first: &StoredVersion) -> StoreError {
    StoreError::Corrupt {
        path: v.path.clone(),
        reason: format!("it holds the same content as {} (a replayed copy, not a new version)", first.name),
    }
}

pub(super) fn no_predecessor(v: &StoredVersion) -> StoreError {
    StoreError::Corrupt { path: v.path.clone(), reason: "a _NNN name without the version before it".into() }
}
