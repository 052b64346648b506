//! What ctwatch tells a GitHub Actions runner, when it runs in one.
//!
//! `GITHUB_OUTPUT` gets exactly `changed=true|false` — our own words, never registry text, so
//! no registry content can forge a step output (GitHub's "workflow command injection" class).
//! `GITHUB_STEP_SUMMARY` gets Markdown that has already been defused.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

fn append(var: &str, text: &str) -> anyhow::Result<()> {
    let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return Ok(());
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open ${var} file {}", path.display()))?;
    file.write_all(text.as_bytes()).with_context(|| format!("cannot write ${var} file {}", path.display()))
}

/// Appends `changed=true|false` to `$GITHUB_OUTPUT` when it is set.
pub fn write_changed(changed: bool) -> anyhow::Result<()> {
    append("GITHUB_OUTPUT", &format!("changed={changed}\n"))
}

/// Appends defused Markdown to `$GITHUB_STEP_SUMMARY` when it is set.
pub fn write_summary(markdown: &str) -> anyhow::Result<()> {
    append("GITHUB_STEP_SUMMARY", markdown)
}
