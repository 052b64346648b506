//! Tells the tests whether the recorded registry responses (`../shared/ctgov`) are beside the
//! repository. Tests that read them are marked `ignore` with the reason when they are missing,
//! so a skip shows in `cargo test`'s summary; under `CI=true` they are never ignored and fail
//! with a clear message instead (CI must have the data).

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ctwatch_no_shared)");
    println!("cargo::rerun-if-env-changed=CI");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let shared = Path::new(&manifest).join("../shared/ctgov");
    println!("cargo::rerun-if-changed={}", shared.display());
    let present = ["records", "versions", "more-records"].iter().all(|d| shared.join(d).is_dir());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !present && !ci {
        println!("cargo::rustc-cfg=ctwatch_no_shared");
    }
}
