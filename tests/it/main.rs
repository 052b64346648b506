//! ctwatch's one integration-test binary: the real `ctwatch` executable and the library's
//! registry client against a real HTTP server on 127.0.0.1, in temp folders, with a scrubbed
//! environment so nothing from the developer's machine (or the live registry) leaks in.

mod backfill;
mod cli;
mod compliance;
mod corpus;
mod demo;
mod diff;
mod discover;
mod docs;
mod ethics;
mod fake_registry;
mod hardening;
mod hostile;
mod portfolio;
mod print;
mod probe;
mod progress;
mod projection;
mod props;
mod real;
mod registry;
mod report;
mod server;
mod site;
mod states;
mod sync;
mod widths;
mod workflow;
mod year;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use server::{Reply, Server};

/// Registry settings that keep the suite fast: no pacing, short backoff and timeouts.
pub const FAST: &str = "[registry]
min_interval_ms = 0
retry_base_ms = 20
retries = 2
retry_budget_secs = 5
timeout_secs = 2
connect_timeout_secs = 2
lock_timeout_secs = 30
";

/// [`FAST`] with some keys replaced by `overrides` (TOML lines for the `[registry]` table).
pub fn fast_with(overrides: &str) -> String {
    let keys: Vec<&str> = overrides.lines().filter_map(|l| l.split('=').next()).map(str::trim).collect();
    let kept: String = FAST
        .lines()
        .filter(|l| !keys.contains(&l.split('=').next().unwrap_or("").trim()))
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{kept}{overrides}")
}

pub const VERSION: &str = r#"{"apiVersion":"2.0.5","dataTimestamp":"2026-11-25T09:00:05"}"#;

/// Serves `/api/v2/version` as a registry that refreshes its data between any two requests:
/// `dataTimestamp` 2026-11-25T09:00:05 first, one second later on each request after. (Tests of
/// the "unchanged dataTimestamp" shortcut serve a fixed [`VERSION`] instead.)
pub fn serve_refreshing_version(server: &Server) {
    let n = std::sync::atomic::AtomicU32::new(5);
    server.handle("/api/v2/version", move |_| {
        let s = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Reply::json(format!(
            r#"{{"apiVersion":"2.0.5","dataTimestamp":"2026-11-25T09:{:02}:{:02}"}}"#,
            (s / 60) % 60,
            s % 60
        ))
    });
}

/// The hand-made NCT07038304 fixture `name` (see tests/fixtures/README.md).
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/NCT07038304/{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture with its nctId (and nothing else) replaced.
pub fn fixture_as(name: &str, id: &str) -> String {
    fixture(name).replace("NCT07038304", id)
}

/// A folder of the recorded registry responses beside the repository (`../shared/ctgov/REL`).
///
/// Tests that call this carry `#[cfg_attr(ctwatch_no_shared, ignore = …)]`: the build script
/// sets `ctwatch_no_shared` when the data is missing outside CI, so the skip is visible in the
/// test summary. Under `CI=true` the tests always run, and a missing folder fails here.
pub fn shared_dir(rel: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/ctgov").join(rel);
    assert!(
        dir.is_dir(),
        "{}: the recorded registry responses are missing; CI must have them (outside CI this test is ignored when they are)",
        dir.display()
    );
    dir
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A temp working folder with a config and a loopback registry.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub server: Server,
}

impl Workspace {
    /// A workspace whose config has the fast registry settings and `trials` (TOML) appended.
    pub fn new(trials: &str) -> Workspace {
        let ws = Workspace { dir: tempfile::tempdir().unwrap(), server: Server::start() };
        serve_refreshing_version(&ws.server);
        ws.write_config(&format!("{FAST}\n{trials}"));
        ws
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("ctwatch.toml"), text).unwrap();
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Serves `body` at `/api/v2/studies/{id}`.
    pub fn serve(&self, id: &str, replies: Vec<Reply>) {
        self.server.route(&format!("/api/v2/studies/{id}"), replies);
    }

    /// Runs `ctwatch --api-base <loopback> args…` in the workspace.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = self.command(args, env).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctwatch"));
        cmd.env_clear().env("HOME", self.dir.path()).env("NO_COLOR", "1").current_dir(self.dir.path());
        if !args.contains(&"--api-base") {
            cmd.arg("--api-base").arg(self.server.api());
        }
        cmd.args(args).envs(env.iter().copied());
        cmd
    }

    /// Every file under `snapshots/` with its bytes, for byte-for-byte comparisons (not the
    /// lock file nor the sync state, which are not content).
    pub fn store(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        walk(&self.path("snapshots"), &self.path("snapshots"), &mut out);
        out
    }

    /// The snapshot file names of one trial (visible ones).
    pub fn versions(&self, id: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(&format!("snapshots/{id}")))
            .map(|rd| rd.map(|e| e.unwrap().file_name().into_string().unwrap()).collect())
            .unwrap_or_default();
        names.retain(|n| !n.starts_with('.'));
        names.sort();
        names
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if ![".ctwatch.lock", ".ctwatch-state.json"].contains(&path.file_name().unwrap().to_str().unwrap()) {
            out.insert(path.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&path).unwrap());
        }
    }
}
