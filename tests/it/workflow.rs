//! Simulation of `.github/workflows/sync.yml`: the workflow's own shell steps, read from the
//! YAML (not copied), run in order with GitHub's bash flags against a local bare repository as
//! `origin`, a stand-in `gh` on PATH that records what would be posted, and ctwatch talking
//! to the loopback registry. The toolchain and build steps are replaced by the binary under
//! test; `uses:` steps (checkout, cache, artifact upload) are not run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::fixture;
use crate::server::{Reply, Server};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\n";
const STUDY: &str = "/api/v2/studies/NCT07038304";

/// The stand-in `gh`: issues, labels and comments as files under $GH_STATE.
const GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
state="$GH_STATE"
printf '%s\n' "$*" >> "$state/calls.log"
arg() { local want="$1"; shift; while (($#)); do if [[ $1 == "$want" ]]; then printf '%s' "$2"; return; fi; shift; done; }
case "$1 $2" in
  "label create") exit 0 ;;
  "issue list") [[ -f $state/issues.tsv ]] && cat "$state/issues.tsv"; exit 0 ;;
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

struct Sim {
    root: tempfile::TempDir,
    server: Server,
    steps: Vec<Yaml>,
    job_env: Vec<(String, String)>,
}

struct JobResult {
    ok: bool,
    ran: Vec<String>,
    log: String,
}

fn git(dir: &Path, args: &[&str]) -> String {
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

impl Sim {
    fn new() -> Sim {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("seed")).unwrap();
        git(r, &["init", "--quiet", "--bare", "-b", "main", "origin.git"]);
        let seed = r.join("seed");
        git(&seed, &["init", "--quiet", "-b", "main"]);
        std::fs::write(seed.join("ctwatch.toml"), format!("{}\n{TRIAL}", crate::FAST)).unwrap();
        std::fs::write(seed.join(".gitignore"), "/snapshots/.ctwatch.lock\n").unwrap();
        git(&seed, &["add", "."]);
        git(&seed, &["commit", "--quiet", "-m", "seed"]);
        git(&seed, &["push", "--quiet", r.join("origin.git").to_str().unwrap(), "main"]);
        git(r, &["clone", "--quiet", "origin.git", "work"]);
        std::fs::create_dir_all(r.join("bin")).unwrap();
        std::fs::create_dir_all(r.join("gh-state")).unwrap();
        let gh = r.join("bin/gh");
        std::fs::write(&gh, GH).unwrap();
        std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(&gh).unwrap().permissions(), 0o755);
        std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

        let yaml =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/sync.yml")).unwrap();
        let doc = YamlLoader::load_from_str(&yaml).unwrap().remove(0);
        let job = &doc["jobs"]["sync"];
        let steps = job["steps"].as_vec().unwrap().clone();
        let expressions: HashMap<&str, &str> = HashMap::from([
            ("${{ vars.CTWATCH_ISSUE_LABEL || 'ctwatch' }}", "ctwatch"),
            ("${{ github.ref_name }}", "main"),
            ("${{ github.token }}", "fake-token"),
        ]);
        let job_env = job["env"]
            .as_hash()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let v = v.as_str().unwrap();
                let v = if v.contains("${{") {
                    *expressions.get(v).unwrap_or_else(|| panic!("unknown expression {v}"))
                } else {
                    v
                };
                (k.as_str().unwrap().to_string(), v.to_string())
            })
            .collect();
        let server = Server::start();
        server.route("/api/v2/version", vec![Reply::json(crate::VERSION)]);
        Sim { root, server, steps, job_env }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Runs the sync job's shell steps as GitHub would.
    fn run_job(&self) -> JobResult {
        let r = self.root.path();
        let runner_temp = tempfile::tempdir_in(r).unwrap();
        let mut outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
        let (mut ok, mut ran, mut log) = (true, Vec::new(), String::new());
        for (i, step) in self.steps.iter().enumerate() {
            let Some(script) = step["run"].as_str() else { continue };
            let name = step["name"].as_str().unwrap_or("").to_string();
            if name == "Toolchain" || name == "Build" {
                continue; // The binary under test stands in for the build.
            }
            let run = match step["if"].as_str() {
                Some("always()") => true,
                Some(cond) => {
                    // steps.<id>.outputs.<key> == 'value'
                    let (lhs, rhs) = cond.split_once(" == ").expect("supported condition");
                    let parts: Vec<&str> = lhs.split('.').collect();
                    ok && outputs.get(parts[1]).and_then(|o| o.get(parts[3])).map(String::as_str)
                        == Some(rhs.trim_matches('\''))
                }
                None => ok,
            };
            if !run {
                continue;
            }
            let out_file = runner_temp.path().join(format!("output-{i}"));
            std::fs::write(&out_file, "").unwrap();
            let script_file = runner_temp.path().join(format!("step-{i}.sh"));
            std::fs::write(&script_file, script).unwrap();
            let path = format!("{}:{}", r.join("bin").display(), std::env::var("PATH").unwrap_or_default());
            let result = Command::new("bash")
                .args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(r.join("work"))
                .env_clear()
                .envs(self.job_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env("CTWATCH", env!("CARGO_BIN_EXE_ctwatch"))
                .env("CTWATCH_API_BASE", self.server.api())
                .env("PATH", path)
                .env("HOME", r)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("RUNNER_TEMP", runner_temp.path())
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_STEP_SUMMARY", runner_temp.path().join("summary.md"))
                .env("GITHUB_REPOSITORY", "sponsor/trials")
                .env("GH_STATE", r.join("gh-state"))
                .output()
                .unwrap();
            log.push_str(&format!(
                "== {name} (exit {:?})\n{}{}",
                result.status.code(),
                String::from_utf8_lossy(&result.stdout),
                String::from_utf8_lossy(&result.stderr)
            ));
            ran.push(name.clone());
            if let Some(id) = step["id"].as_str() {
                let text = std::fs::read_to_string(&out_file).unwrap();
                outputs.insert(
                    id.into(),
                    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect(),
                );
            }
            ok &= result.status.success();
        }
        JobResult { ok, ran, log }
    }

    fn origin_commits(&self) -> usize {
        git(&self.path("origin.git"), &["rev-list", "--count", "main"]).trim().parse().unwrap()
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
}

#[test]
fn the_sync_workflow_commits_and_posts_exactly_once() {
    let sim = Sim::new();
    let seed_commits = sim.origin_commits();

    // 1. First run: a snapshot and a report are committed as the bot, the notice posted once.
    sim.serve(vec![Reply::json(fixture("v1"))]);
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert_eq!(job.ran, ["Sync", "Reports", "Commit and push", "Post change notices"]);
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

    // 2. Unchanged rerun: no commit, nothing posted.
    let job = sim.run_job();
    assert!(job.ok, "{}", job.log);
    assert_eq!(job.ran, ["Sync", "Commit and push", "Post change notices"], "no reports without a change");
    assert_eq!(sim.origin_commits(), seed_commits + 1);
    assert_eq!(sim.comments().len(), 1, "{}", job.log);

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

    // 4. A failing sync commits nothing and posts nothing, and the run is red.
    sim.serve(vec![Reply::text(503, "down")]);
    let job = sim.run_job();
    assert!(!job.ok);
    assert_eq!(job.ran, ["Sync"], "{}", job.log);
    assert!(job.log.contains("ctwatch: error: NCT07038304:"));
    assert_eq!(sim.origin_commits(), seed_commits + 2);
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
    assert_eq!(sim.origin_commits(), seed_commits + 4, "the office's commit and ours");
    assert_eq!(sim.comments().len(), 3);
    let calls = std::fs::read_to_string(sim.path("gh-state/calls.log")).unwrap();
    assert_eq!(calls.matches("issue create").count(), 1, "one issue per trial: {calls}");
}
