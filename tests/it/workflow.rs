//! Simulation of the GitHub Action as this repository's `sync.yml` runs it (`uses: ./`): the
//! action's own shell steps, read from `action.yml` (not copied), run in order with GitHub's
//! bash flags and its expressions resolved, against a local bare repository as `origin`, a
//! stand-in `gh` on PATH that records what would be posted, a stand-in `cargo` that "builds"
//! the binary under test, a local server standing in for the GitHub release download, and
//! ctwatch talking to the loopback registry. `uses:` steps inside the action (the build cache)
//! are not run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::fixture;
use crate::server::{Reply, Server};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\n";
const STUDY: &str = "/api/v2/studies/NCT07038304";
const REPOSITORY: &str = "ctwatch-org/ctwatch";
/// The stand-in `gh`: issues, labels and comments as files under $GH_STATE.
const GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
state="$GH_STATE"
printf '%s\n' "$*" >> "$state/calls.log"
arg() { local want="$1"; shift; while (($#)); do if [[ $1 == "$want" ]]; then printf '%s' "$2"; return; fi; shift; done; }
case "$1 $2" in
  "label create") exit 0 ;;
  "issue list") [[ -f $state/issues.tsv ]] && head -n "$(arg --limit "$@")" "$state/issues.tsv"; exit 0 ;;
  "api --method")
    # GET repos/OWNER/REPO/issues --paginate: every issue, as the --jq filter prints them.
    [[ -f $state/issues.tsv ]] && cat "$state/issues.tsv"; exit 0 ;;
  "issue create")
    title=$(arg --title "$@")
    n=$(( $( [[ -f $state/issues.tsv ]] && wc -l < "$state/issues.tsv" || echo 0 ) + 1 ))
    printf '%s\t%s\n' "$n" "$title" >> "$state/issues.tsv"
    mkdir -p "$state/comments/$n"
    echo "https://github.com/sponsor/trials/issues/$n" ;;
  "issue comment")
    if [[ -f $state/fail-comment ]]; then echo "gh: HTTP 502: Bad Gateway" >&2; exit 1; fi
    n=$3
    k=$(ls "$state/comments/$n" | wc -l)
    cp "$(arg --body-file "$@")" "$state/comments/$n/$((k + 1)).md" ;;
  "api repos/"*)
    n=$(cut -d/ -f5 <<<"$2")
    for f in "$state/comments/$n"/*.md; do [[ -e $f ]] && { cat "$f"; echo; }; done
    exit 0 ;;
  *) echo "gh stub: unexpected: $*" >&2; exit 2 ;;
esac
"#;

/// The stand-in `cargo`: records its arguments and "installs" the binary under test.
const CARGO: &str = r#"#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >> "$GH_STATE/cargo.log"
root=""
while (($#)); do if [[ $1 == --root ]]; then root=$2; fi; shift; done
mkdir -p "$root/bin"
cp "$CTWATCH_UNDER_TEST" "$root/bin/ctwatch"
"#;

pub(crate) struct Sim {
    pub(crate) root: tempfile::TempDir,
    pub(crate) server: Server,
    releases: Server,
    steps: Vec<Yaml>,
    pub(crate) inputs: HashMap<String, String>,
    action_ref: String,
    /// The replayed clock (`CTWATCH_NOW`) of the next run.
    pub(crate) now: std::cell::RefCell<String>,
    /// Restore the build from the cache, as `actions/cache` does after the first run (the
    /// simulation runs no `uses:` step, so it plays that one).
    pub(crate) cached_build: bool,
}

pub(crate) struct JobResult {
    pub(crate) ok: bool,
    pub(crate) ran: Vec<String>,
    pub(crate) log: String,
    pub(crate) outputs: HashMap<String, HashMap<String, String>>,
    pub(crate) runner_temp: PathBuf,
    /// The folder the Pages upload step would upload, when it ran.
    pub(crate) uploaded: Option<PathBuf>,
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "sponsor")
        .env("GIT_AUTHOR_EMAIL", "sponsor@example.org")
        .env("GIT_COMMITTER_NAME", "sponsor")
        .env("GIT_COMMITTER_EMAIL", "sponsor@example.org")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

fn yaml(rel: &str) -> Yaml {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

impl Sim {
    /// A sponsor repository whose workflow runs the action at `action_ref`.
    fn new(action_ref: &str) -> Sim {
        Sim::with_config(action_ref, &format!("{}\n{TRIAL}", crate::FAST))
    }

    /// A sponsor repository with `config` as its ctwatch.toml.
    pub(crate) fn with_config(action_ref: &str, config: &str) -> Sim {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("seed")).unwrap();
        git(r, &["init", "--quiet", "--bare", "-b", "main", "origin.git"]);
        let seed = r.join("seed");
        git(&seed, &["init", "--quiet", "-b", "main"]);
        std::fs::write(seed.join("ctwatch.toml"), config).unwrap();
        std::fs::write(seed.join(".gitignore"), "/snapshots/.ctwatch.lock\n").unwrap();
        git(&seed, &["add", "."]);
        git(&seed, &["commit", "--quiet", "-m", "seed"]);
        git(&seed, &["push", "--quiet", r.join("origin.git").to_str().unwrap(), "main"]);
        git(r, &["clone", "--quiet", "origin.git", "work"]);
        std::fs::create_dir_all(r.join("bin")).unwrap();
        std::fs::create_dir_all(r.join("gh-state")).unwrap();
        executable(&r.join("bin/gh"), GH);
        executable(&r.join("bin/cargo"), CARGO);

        // The workflow: checkout, then this action with its `with:` inputs.
        let workflow = yaml(".github/workflows/sync.yml");
        let steps = workflow["jobs"]["sync"]["steps"].as_vec().unwrap();
        let ours = steps.iter().find(|s| s["uses"].as_str() == Some("./")).expect("sync.yml runs the action: uses: ./");
        let action = yaml("action.yml");
        assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
        let mut inputs: HashMap<String, String> = action["inputs"]
            .as_hash()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), v["default"].as_str().unwrap_or("").to_string()))
            .collect();
        if let Some(with) = ours["with"].as_hash() {
            for (k, v) in with {
                let v = match v.as_str().unwrap() {
                    "${{ vars.CTWATCH_ISSUE_LABEL || 'ctwatch' }}" => "ctwatch".to_string(),
                    other if other.contains("${{") => panic!("unknown expression {other}"),
                    other => other.to_string(),
                };
                inputs.insert(k.as_str().unwrap().to_string(), v);
            }
        }
        let server = Server::start();
        crate::serve_refreshing_version(&server);
        Sim {
            root,
            server,
            releases: Server::start(),
            steps: action["runs"]["steps"].as_vec().unwrap().clone(),
            inputs,
            action_ref: action_ref.to_string(),
            // A day on which the fixtures' registry duties are in order (v1 verified 2025-06).
            now: std::cell::RefCell::new("2026-04-01T06:17:00Z".into()),
            cached_build: false,
        }
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Publishes a release `tag` whose Linux x86-64 archive holds the binary under test, with
    /// SHA256SUMS as given (`None`: the archive's true checksum).
    fn publish(&self, tag: &str, sums: Option<&str>) {
        let dir = self.path("release");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_ctwatch"), dir.join("ctwatch")).unwrap();
        let archive = "ctwatch-x86_64-unknown-linux-musl.tar.gz";
        let ok = Command::new("tar").args(["-czf", archive, "ctwatch"]).current_dir(&dir).status().unwrap();
        assert!(ok.success());
        let bytes = std::fs::read(dir.join(archive)).unwrap();
        let sum = Command::new("sha256sum").arg(archive).current_dir(&dir).output().unwrap();
        let sums = sums.map_or_else(|| String::from_utf8_lossy(&sum.stdout).into_owned(), str::to_string);
        let base = format!("/{REPOSITORY}/releases/download/{tag}");
        self.releases.route(&format!("{base}/{archive}"), vec![Reply::new(200, "application/gzip", bytes)]);
        self.releases.route(&format!("{base}/SHA256SUMS"), vec![Reply::new(200, "text/plain", sums.into_bytes())]);
    }

    fn expression(&self, text: &str, outputs: &HashMap<String, HashMap<String, String>>) -> String {
        let inner = text.trim().strip_prefix("${{").and_then(|t| t.strip_suffix("}}")).map(str::trim);
        let Some(inner) = inner else { return text.to_string() };
        let parts: Vec<&str> = inner.split('.').collect();
        match parts.as_slice() {
            ["github", "action_ref"] => self.action_ref.clone(),
            ["github", "action_repository"] => REPOSITORY.into(),
            ["github", "ref_name"] => "main".into(),
            ["github", "token"] => "fake-token".into(),
            ["inputs", name] => self.inputs.get(*name).unwrap_or_else(|| panic!("no input {name}")).clone(),
            ["steps", id, "outputs", key] => outputs.get(*id).and_then(|o| o.get(*key)).cloned().unwrap_or_default(),
            _ => panic!("unknown expression {text}"),
        }
    }

    fn condition(&self, cond: Option<&str>, ok: bool, outputs: &HashMap<String, HashMap<String, String>>) -> bool {
        match cond {
            None => ok,
            Some("always()") => true,
            Some(cond) => {
                let (lhs, rhs) = cond.split_once(" == ").expect("supported condition");
                ok && self.expression(&format!("${{{{ {lhs} }}}}"), outputs) == rhs.trim_matches('\'')
            }
        }
    }

    /// A fresh checkout of origin as `work`, as every GitHub run starts from: nothing left
    /// by an earlier run (the store's state file, the lock) survives unless it was committed.
    pub(crate) fn fresh_checkout(&self) {
        let _ = std::fs::remove_dir_all(self.path("work"));
        git(self.root.path(), &["clone", "--quiet", "origin.git", "work"]);
    }

    /// Runs the action's shell steps as GitHub would.
    pub(crate) fn run_job(&self) -> JobResult {
        let r = self.root.path();
        let runner_temp = tempfile::tempdir_in(r).unwrap().keep();
        if self.cached_build {
            let bin = runner_temp.join("ctwatch-cargo/bin");
            std::fs::create_dir_all(&bin).unwrap();
            let exe = env!("CARGO_BIN_EXE_ctwatch");
            std::fs::hard_link(exe, bin.join("ctwatch"))
                .or_else(|_| std::fs::copy(exe, bin.join("ctwatch")).map(drop))
                .unwrap();
        }
        let mut outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
        let (mut ok, mut ran, mut log) = (true, Vec::new(), String::new());
        let mut uploaded = None;
        for (i, step) in self.steps.iter().enumerate() {
            let name = step["name"].as_str().unwrap_or("").to_string();
            let Some(script) = step["run"].as_str() else {
                // A `uses:` step is not run; an upload of the Pages artifact records the
                // folder it would upload.
                if step["uses"].as_str().is_some_and(|u| u.starts_with("actions/upload-pages-artifact@"))
                    && self.condition(step["if"].as_str(), ok, &outputs)
                {
                    let path = self.expression(step["with"]["path"].as_str().unwrap(), &outputs);
                    uploaded = Some(PathBuf::from(path));
                    ran.push(name);
                }
                continue;
            };
            if !self.condition(step["if"].as_str(), ok, &outputs) {
                continue;
            }
            let out_file = runner_temp.join(format!("output-{i}"));
            std::fs::write(&out_file, "").unwrap();
            let script_file = runner_temp.join(format!("step-{i}.sh"));
            std::fs::write(&script_file, script).unwrap();
            let env: Vec<(String, String)> = step["env"]
                .as_hash()
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.as_str().unwrap().to_string(), self.expression(v.as_str().unwrap(), &outputs)))
                        .collect()
                })
                .unwrap_or_default();
            let path = format!("{}:{}", r.join("bin").display(), std::env::var("PATH").unwrap_or_default());
            let step_started = std::time::Instant::now();
            let result = Command::new("bash")
                .args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(r.join("work"))
                .env_clear()
                .env("PATH", path)
                .env("HOME", r)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("CTWATCH_API_BASE", self.server.api())
                .env("CTWATCH_RELEASE_BASE", &self.releases.origin)
                .env("CTWATCH_UNDER_TEST", env!("CARGO_BIN_EXE_ctwatch"))
                .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("RUNNER_TEMP", &runner_temp)
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_STEP_SUMMARY", runner_temp.join("summary.md"))
                .env("GITHUB_REPOSITORY", "sponsor/trials")
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GH_STATE", r.join("gh-state"))
                .env("CTWATCH_NOW", self.now.borrow().as_str())
                .envs(env)
                .output()
                .unwrap();
            if std::env::var_os("CTWATCH_SIM_TIMES").is_some() {
                eprintln!("{name}: {:?}", step_started.elapsed());
            }
            log.push_str(&format!(
                "== {name} (exit {:?})\n{}{}",
                result.status.code(),
                String::from_utf8_lossy(&result.stdout),
                String::from_utf8_lossy(&result.stderr)
            ));
            ran.push(name.clone());
            if let Some(id) = step["id"].as_str() {
                let text = std::fs::read_to_string(&out_file).unwrap();
                // Like GitHub: the last value written for a key wins.
                let entry = outputs.entry(id.into()).or_default();
                for (k, v) in text.lines().filter_map(|l| l.split_once('=')) {
                    entry.insert(k.into(), v.into());
                }
            }
            ok &= result.status.success();
        }
        JobResult { ok, ran, log, outputs, runner_temp, uploaded }
    }

    pub(crate) fn origin_commits(&self) -> usize {
        git(&self.path("origin.git"), &["rev-list", "--count", "main"]).trim().parse().unwrap()
    }

    pub(crate) fn origin_files(&self) -> String {
        git(&self.path("origin.git"), &["ls-tree", "-r", "--name-only", "main"])
    }

    fn comments(&self) -> Vec<String> {
        let dir = self.path("gh-state/comments/1");
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
    }

    fn serve(&self, replies: Vec<Reply>) {
        self.server.route(STUDY, replies);
    }

    fn cargo_calls(&self) -> String {
        std::fs::read_to_string(self.path("gh-state/cargo.log")).unwrap_or_default()
    }
}

const FULL_RUN: [&str; 10] = [
    "Install ctwatch",
    "Build ctwatch from the action's source",
    "Verify the snapshot store",
    "Sync",
    "Accrual logs",
    "Reports",
    "Check registry duties",
    "Status digest",
    "Commit and push",
    "Post change notices",
];

#[test]
fn the_sync_workflow_commits_and_posts_exactly_once() {
    // A branch or commit ref has no release: the action builds from its own source.
    let sim = Sim::new("0123456789abcdef0123456789abcdef01234567");
    let seed_commits = sim.origin_commits();

    // 1. First run: a snapshot and a report are committed as the bot, the notice posted once.
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert_eq!(job.ran, [&FULL_RUN[..], &["Finish"]].concat());
    assert_eq!(
        sim.cargo_calls().trim(),
        format!(
            "install --locked --path {} --root {}/ctwatch-cargo",
            env!("CARGO_MANIFEST_DIR"),
            job.runner_temp.display()
        )
    );
    assert_eq!(job.outputs["sync"]["changed"], "true");
    assert_eq!(job.outputs["notices"]["notices-posted"], "1");
    assert!(job.outputs["check"]["findings-errors"].parse::<u32>().is_ok());
    assert_eq!(sim.origin_commits(), seed_commits + 1);
    let files = git(&sim.path("origin.git"), &["show", "--name-only", "--format=%an <%ae>%n%s", "main"]);
    assert!(
        files.starts_with(
            "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\nctwatch: registry snapshots"
        ),
        "{files}"
    );
    assert!(
        files.contains("snapshots/NCT07038304/2025-06-26.json") && files.contains("reports/NCT07038304/"),
        "{files}"
    );
    assert!(!files.contains(".ctwatch.lock"));
    let comments = sim.comments();
    assert_eq!(comments.len(), 1, "{}", job.log);
    assert!(comments[0].starts_with("<!-- ctwatch:NCT07038304:sha256:"));
    assert!(
        std::fs::read_to_string(sim.path("gh-state/issues.tsv"))
            .unwrap()
            .contains("1\tctwatch: NCT07038304 registry changes")
    );

    // 2. Unchanged rerun: reports regenerated but identical, so no commit; nothing posted.
    //    (The digest after the first one says it counts from the previous digest: that one
    //    commit, of the digest alone; from then on an unchanged rerun commits nothing.)
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    let files = git(&sim.path("origin.git"), &["show", "--name-only", "--format=", "main"]);
    assert!(files.lines().all(|f| f.starts_with("reports/status/latest.")), "{files}");
    let seed_commits = seed_commits + 1;
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert!(job.ran.contains(&"Reports".to_string()), "reports run every time");
    assert_eq!(sim.origin_commits(), seed_commits + 1);
    assert_eq!(sim.comments().len(), 1, "{}", job.log);
    assert_eq!(job.outputs["sync"]["changed"], "false");
    assert_eq!(job.outputs["notices"]["notices-posted"], "0");

    // 3. A change whose post is lost: committed, the run goes red; the next run posts it once.
    sim.serve(vec![Reply::json(fixture("v2"))]);
    std::fs::write(sim.path("gh-state/fail-comment"), "").unwrap();
    let job = sim.run_job();
    assert!(!job.ok, "the lost post turns the run red");
    assert_eq!(sim.origin_commits(), seed_commits + 2, "pushed before posting");
    assert_eq!(sim.comments().len(), 1);
    std::fs::remove_file(sim.path("gh-state/fail-comment")).unwrap();
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert_eq!(sim.origin_commits(), seed_commits + 2, "nothing new to commit");
    let comments = sim.comments();
    assert_eq!(comments.len(), 2, "{}", job.log);
    assert!(comments[1].contains("Radboud Umc, Nijmegen: not yet recruiting → recruiting"));
    let job = sim.run_job();
    assert!(job.ok);
    assert_eq!(sim.comments().len(), 2, "posted exactly once");

    // 4. A failing sync stores and posts nothing new, yet every later step runs (another
    //    trial would land); the digest records the failure, and the run ends red naming it.
    sim.serve(vec![Reply::text(503, "down")]);
    let job = sim.run_job();
    assert!(!job.ok);
    assert_eq!(job.ran, [&FULL_RUN[..], &["Finish"]].concat(), "{}", job.log);
    assert!(job.log.contains("ctwatch: error: NCT07038304:"));
    assert!(job.log.contains("::error::Could not sync: NCT07038304"), "{}", job.log);
    assert_eq!(job.outputs["sync"]["failed"].trim(), "NCT07038304");
    assert_eq!(sim.origin_commits(), seed_commits + 3, "only the digest, which keeps the failure");
    let files = git(&sim.path("origin.git"), &["show", "--name-only", "--format=", "main"]);
    assert!(files.lines().all(|f| f.starts_with("reports/status/latest.")), "{files}");
    assert_eq!(sim.comments().len(), 2);

    // 5. A race: someone pushed meanwhile; the job rebases once and pushes.
    let other = sim.path("other");
    git(sim.root.path(), &["clone", "--quiet", "origin.git", "other"]);
    std::fs::write(other.join("NOTES.md"), "office notes\n").unwrap();
    git(&other, &["add", "NOTES.md"]);
    git(&other, &["commit", "--quiet", "-m", "notes"]);
    git(&other, &["push", "--quiet", "origin", "main"]);
    sim.serve(vec![Reply::json(fixture("v3"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert!(job.log.contains("rebasing on the remote and retrying once"), "{}", job.log);
    assert_eq!(sim.origin_commits(), seed_commits + 5, "the office's commit and ours");
    assert_eq!(sim.comments().len(), 3);
    let calls = std::fs::read_to_string(sim.path("gh-state/calls.log")).unwrap();
    assert_eq!(calls.matches("issue create").count(), 1, "one issue per trial: {calls}");
}

#[test]
fn a_released_ref_installs_the_verified_binary_and_a_mismatch_runs_nothing() {
    let sim = Sim::new("v1");
    let version = env!("CARGO_PKG_VERSION");
    sim.publish(&format!("v{version}"), None);
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert!(
        job.log.contains(&format!("Installed ctwatch v{version} (x86_64-unknown-linux-musl), SHA-256")),
        "{}",
        job.log
    );
    assert_eq!(job.outputs["install"]["how"], "release");
    assert!(!job.ran.contains(&"Build ctwatch from the action's source".to_string()));
    assert_eq!(sim.cargo_calls(), "", "nothing built");
    assert_eq!(sim.comments().len(), 1);

    // A tampered archive (its checksum no longer matches) fails before anything runs.
    let sim = Sim::new("v1");
    sim.publish(
        &format!("v{version}"),
        Some(&format!("{} ctwatch-x86_64-unknown-linux-musl.tar.gz\n", "0".repeat(64))),
    );
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let commits = sim.origin_commits();
    let job = sim.run_job();
    assert!(!job.ok);
    assert_eq!(job.ran, ["Install ctwatch", "Finish"], "{}", job.log);
    assert!(
        job.log.contains("does not match the release's SHA256SUMS; not running an unverified binary"),
        "{}",
        job.log
    );
    assert_eq!(sim.origin_commits(), commits);
    assert!(sim.server.requests().is_empty(), "the registry was never asked");

    // A version tag without a release archive falls back to building from source.
    let sim = Sim::new("v9.9.9");
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert_eq!(job.outputs["install"]["how"], "source");
    assert!(sim.cargo_calls().starts_with("install --locked --path"), "{}", sim.cargo_calls());
}

#[test]
fn an_accrual_log_from_a_secret_is_used_and_never_committed() {
    let mut sim = Sim::new("0123456789abcdef0123456789abcdef01234567");
    let log =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv"))
            .unwrap()
            .replace("UMCG", "UMC Groningen");
    sim.inputs.insert("accrual-csv".into(), log);
    sim.inputs.insert("accrual-trial".into(), "NCT07038304".into());
    // After the log's last inclusion; the registry duties overdue by then are not this test's.
    *sim.now.borrow_mut() = "2026-11-26T06:17:00Z".into();
    sim.inputs.insert("fail-on".into(), "never".into());
    // An untracked file in the workspace (someone's local copy of the log) is never staged.
    std::fs::write(sim.path("work/accrual.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    sim.serve(vec![Reply::json(fixture("v2"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    let files = sim.origin_files();
    assert!(
        files.lines().all(|f| f.starts_with("snapshots/")
            || f.starts_with("reports/")
            || f == "ctwatch.toml"
            || f == ".gitignore"),
        "{files}"
    );
    assert!(!files.contains("accrual"), "{files}");
    let report = files.lines().find(|f| f.ends_with("/progress.json")).expect("a report");
    let json = git(&sim.path("origin.git"), &["show", &format!("main:{report}")]);
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(r["enrolled"].as_u64().unwrap() > 0, "the log was used: {r}");
    assert!(!job.runner_temp.join("ctwatch-accrual").exists(), "removed at the end");
    let all = git(&sim.path("origin.git"), &["log", "--all", "--format=", "--name-only"]);
    assert!(!all.contains("accrual"), "never in any commit: {all}");
}

#[test]
fn a_failed_report_turns_the_run_red_after_committing_and_posting() {
    let mut sim = Sim::new("0123456789abcdef0123456789abcdef01234567");
    // An accrual log naming a site the registry does not know: the report fails.
    sim.inputs
        .insert("accrual-csv".into(), "participant_id,site,enrolled_on,withdrawn_on\nP1,Nowhere,2025-03-01,\n".into());
    sim.inputs.insert("accrual-trial".into(), "NCT07038304".into());
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let commits = sim.origin_commits();
    let job = sim.run_job();
    assert!(!job.ok, "{}", job.log);
    assert_eq!(sim.origin_commits(), commits + 1, "snapshots committed first");
    assert_eq!(sim.comments().len(), 1, "notice posted first");
    assert!(job.log.contains("The progress report failed for: NCT07038304"), "{}", job.log);
}

#[test]
fn a_trial_among_more_than_500_issues_keeps_its_one_issue() {
    let sim = Sim::new("0123456789abcdef0123456789abcdef01234567");
    // 600 labelled issues already; the trial's own is number 577.
    let issues: String = (1..=600)
        .map(|n| {
            let title = if n == 577 {
                "ctwatch: NCT07038304 registry changes".to_string()
            } else {
                format!("ctwatch: NCT9{n:07} registry changes")
            };
            format!("{n}\t{title}\n")
        })
        .collect();
    std::fs::write(sim.path("gh-state/issues.tsv"), issues).unwrap();
    std::fs::create_dir_all(sim.path("gh-state/comments/577")).unwrap();
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    let calls = std::fs::read_to_string(sim.path("gh-state/calls.log")).unwrap();
    assert_eq!(calls.matches("issue create").count(), 0, "no second issue: {calls}");
    assert!(calls.contains("issue comment 577"), "{calls}");
    assert_eq!(std::fs::read_dir(sim.path("gh-state/comments/577")).unwrap().count(), 1);
    // The digest links the trial to its issue by its exact title.
    let digest = git(&sim.path("origin.git"), &["show", "main:reports/status/latest.md"]);
    assert!(
        digest.contains(
            "https://github.com/sponsor/trials/issues?q=is%3Aissue+%22ctwatch%3A+NCT07038304+registry+changes%22"
        ),
        "{digest}"
    );
}

#[test]
fn a_trial_not_started_yet_keeps_the_run_green() {
    let sim = Sim::new("0123456789abcdef0123456789abcdef01234567");
    let mut doc: serde_json::Value = serde_json::from_str(&fixture("v1")).unwrap();
    doc["protocolSection"]["statusModule"]["overallStatus"] = serde_json::json!("NOT_YET_RECRUITING");
    doc["protocolSection"]["statusModule"]["startDateStruct"] =
        serde_json::json!({"date": "2027-03-01", "type": "ESTIMATED"});
    sim.serve(vec![Reply::json(doc.to_string())]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert!(!job.log.contains("The progress report failed"), "{}", job.log);
    let report = git(&sim.path("origin.git"), &["show", "main:reports/NCT07038304/progress.md"]);
    assert!(report.contains("Not started: recruitment is planned to start on 2027-03-01"), "{report}");
    let digest = git(&sim.path("origin.git"), &["show", "main:reports/status/latest.md"]);
    assert!(digest.contains("not started (planned 2027-03-01)"), "{digest}");
}

#[test]
fn the_site_is_built_and_uploaded_when_asked_and_never_committed() {
    let mut sim = Sim::new("0123456789abcdef0123456789abcdef01234567");
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert!(job.uploaded.is_none() && !job.ran.iter().any(|s| s.contains("site")), "off by default: {:?}", job.ran);

    sim.inputs.insert("site".into(), "true".into());
    sim.serve(vec![Reply::json(fixture("v2"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert!(
        job.ran.iter().any(|s| s == "Portfolio site") && job.ran.iter().any(|s| s == "Upload the site"),
        "{:?}",
        job.ran
    );
    let site = job.uploaded.expect("the Pages artifact is uploaded");
    assert!(site.starts_with(&job.runner_temp), "the site is built outside the checkout: {}", site.display());
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("NCT07038304/index.html"), "{index}");
    let page = std::fs::read_to_string(site.join("NCT07038304/index.html")).unwrap();
    assert!(page.contains("2 versions stored"), "both versions on the trial's page");
    assert!(site.join("NCT07038304/reports/progress.html").is_file(), "the reports travel with the site");
    assert!(!sim.origin_files().contains("site/"), "the site is never committed:\n{}", sim.origin_files());
}
