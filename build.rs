//! Tells the tests whether what some of them need is here: the recorded registry responses
//! (`../shared/ctgov`) beside the repository, python-docx (the independent Word reader) and
//! headless Chromium with poppler's `pdftotext` (the print checks). Tests that need a missing
//! one are marked `ignore` with the reason, so a skip shows in `cargo test`'s summary; under
//! `CI=true` they are never ignored and fail with a clear message instead (`.ci/run` installs
//! the tools).

use std::path::Path;
use std::process::{Command, Stdio};

/// True when `program args…` runs and exits 0.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ctwatch_no_shared)");
    println!("cargo::rustc-check-cfg=cfg(ctwatch_no_python_docx)");
    println!("cargo::rustc-check-cfg=cfg(ctwatch_no_chromium)");
    for var in ["CI", "PATH", "CTWATCH_PYTHON", "CTWATCH_CHROMIUM"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let shared = Path::new(&manifest).join("../shared/ctgov");
    println!("cargo::rerun-if-changed={}", shared.display());
    let present = ["records", "versions", "more-records"].iter().all(|d| shared.join(d).is_dir());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !present && !ci {
        println!("cargo::rustc-cfg=ctwatch_no_shared");
    }
    if ci {
        return;
    }
    let python = std::env::var("CTWATCH_PYTHON").unwrap_or_else(|_| "python3".into());
    if !runs(&python, &["-c", "import docx"]) {
        println!("cargo::rustc-cfg=ctwatch_no_python_docx");
    }
    let chromium = std::env::var("CTWATCH_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    if !runs(&chromium, &["--version"]) || !runs("pdftotext", &["-v"]) {
        println!("cargo::rustc-cfg=ctwatch_no_chromium");
    }
}
