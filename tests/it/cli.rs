//! The command line explains itself: every help page (insta snapshots), the completion scripts
//! and the man page, all generated from the same clap definitions.

use std::process::Command;

const SUBCOMMANDS: [&str; 13] = [
    "sync",
    "diff",
    "history",
    "report",
    "check",
    "status",
    "discover",
    "site",
    "backfill",
    "verify",
    "demo",
    "completions",
    "man",
];

fn ctwatch(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ctwatch")).env_clear().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_help_page_is_stable_and_lists_only_what_the_command_uses() {
    let (code, top, _) = ctwatch(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", top);
    for sub in SUBCOMMANDS {
        let (code, help, _) = ctwatch(&[sub, "--help"]);
        assert_eq!(code, 0, "{sub}");
        insta::assert_snapshot!(format!("help_{sub}"), help);
        let online = ["sync", "diff", "discover"].contains(&sub);
        assert_eq!(help.contains("--api-base"), online, "{sub}: --api-base only where ctwatch goes online");
        assert_eq!(help.contains("--history-base"), sub == "backfill", "{sub}");
        assert_eq!(help.contains("--reports"), ["report", "status", "site"].contains(&sub), "{sub}");
        if !["completions", "man"].contains(&sub) {
            assert!(help.contains("Exit status:"), "{sub}: says its exit status");
            assert!(help.contains("Example"), "{sub}: has an example");
        }
    }
    let (_, check, _) = ctwatch(&["check", "--help"]);
    assert!(check.contains("1 at least one error finding"));
}

#[test]
fn completions_and_the_man_page_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, script, err) = ctwatch(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let (code, man, _) = ctwatch(&["man"]);
    assert_eq!(code, 0);
    assert!(man.starts_with(".ie") || man.contains(".TH ctwatch"), "{}", &man[..200.min(man.len())]);
    for sub in SUBCOMMANDS {
        assert!(
            man.contains(&format!("ctwatch\\-{sub}")) || man.contains(&format!("\\fB{sub}\\fR")),
            "man page lacks {sub}"
        );
    }
}

#[test]
fn options_before_the_subcommand_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ctwatch"))
        .env_clear()
        .current_dir(dir.path())
        .args(["--snapshots", "elsewhere", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let after = Command::new(env!("CARGO_BIN_EXE_ctwatch"))
        .env_clear()
        .current_dir(dir.path())
        .args(["verify", "--snapshots", "elsewhere"])
        .output()
        .unwrap();
    assert_eq!(after.status.code(), Some(0));
}
