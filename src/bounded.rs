//! Bounded file reads, at the bottom of the house: every file ctwatch reads is read with a
//! limit, and a file it wrote itself is never read through a link, so `/dev/zero`, a named
//! pipe or a planted gigabyte is an error naming the path, not an exhausted memory or a hang.

use std::fs::{self, File};
use std::io;
use std::path::Path;

/// Reads a small file ctwatch wrote (an index, a state, a digest), never through a symbolic
/// link and never more than `limit` bytes: a link to `/dev/zero` or a huge file is an error
/// naming the path, not an exhausted memory.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_capped(path, fs::symlink_metadata(path)?, limit, "(a link or a folder)")
}

/// Reads a small text file the user names (the config, the investigator's file), through a
/// link if it is one, never more than `limit` bytes: `/dev/zero` or a huge file is an error
/// naming the path, not a hang.
pub fn read_text_bounded(path: &Path, limit: u64) -> io::Result<String> {
    let bytes = read_capped(path, fs::metadata(path)?, limit, "(a device or a folder)")?;
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The bytes of `path` when `meta` says it is a regular file of at most `limit` bytes.
fn read_capped(path: &Path, meta: fs::Metadata, limit: u64, what_else: &str) -> io::Result<Vec<u8>> {
    use std::io::Read;
    if !meta.is_file() {
        return Err(io::Error::other(format!("{}: not a regular file {what_else}; not read", path.display())));
    }
    let mut bytes = Vec::new();
    File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::other(format!("{}: larger than {} MiB; not read", path.display(), limit >> 20)));
    }
    Ok(bytes)
}
