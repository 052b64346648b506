//! Registry-friendly sync: an unchanged `dataTimestamp` stops after one request; otherwise the
//! posted dates are asked for first (`fields=`) and only newer records are fetched in full.
//! Every test checks that a changed trial is never missed.

use serde_json::Value;

use crate::fake_registry::{self, Records};
use crate::server::{Reply, Server};
use crate::{FAST, fixture};

struct Office {
    dir: tempfile::TempDir,
    server: Server,
    records: std::sync::Arc<Records>,
    ids: Vec<String>,
}

impl Office {
    /// `n` trials, all served; the registry's `dataTimestamp` is `timestamp` until changed.
    fn new(n: usize) -> Office {
        let ids: Vec<String> = (0..n).map(|i| format!("NCT{:08}", 20_000_000 + i)).collect();
        let server = Server::start();
        let records = fake_registry::install(&server, &fixture("v1"), &ids);
        let office = Office { dir: tempfile::tempdir().unwrap(), server, records, ids };
        office.set_timestamp("2026-11-25T09:00:05");
        office.config(&office.ids.clone());
        office
    }

    fn config(&self, ids: &[String]) {
        let trials: String = ids.iter().map(|id| format!("[[trial]]\nnct_id = \"{id}\"\n")).collect();
        std::fs::write(self.dir.path().join("ctwatch.toml"), format!("{FAST}\n{trials}")).unwrap();
    }

    fn set_timestamp(&self, ts: &str) {
        let body = format!(r#"{{"apiVersion":"2.0.5","dataTimestamp":"{ts}"}}"#);
        self.server.route("/api/v2/version", vec![Reply::json(body)]);
    }

    /// Runs `ctwatch sync --format json …`; returns the exit code, the output and the study
    /// requests and bytes this run caused.
    fn sync(&self, extra: &[&str]) -> (i32, Value, usize, usize) {
        let (req0, bytes0) = self.records.counts();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
            .current_dir(self.dir.path())
            .env_clear()
            .args(["--api-base", &self.server.api(), "sync", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let json: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        let (req1, bytes1) = self.records.counts();
        (out.status.code().unwrap(), json, req1 - req0, bytes1 - bytes0)
    }

    fn state(&self) -> Option<Value> {
        let text = std::fs::read(self.dir.path().join("snapshots/.ctwatch-state.json")).ok()?;
        // What the shortcut relies on; `last_run` records every run and is the digest's.
        let mut state: Value = serde_json::from_slice(&text).ok()?;
        state.as_object_mut()?.remove("last_run");
        Some(state)
    }
}

fn results(out: &Value) -> Vec<(String, String)> {
    out["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["nct_id"].as_str().unwrap().to_string(), t["result"].as_str().unwrap().to_string()))
        .collect()
}

fn count(out: &Value, result: &str) -> usize {
    results(out).iter().filter(|(_, r)| r == result).count()
}

#[test]
fn an_unchanged_data_timestamp_costs_one_request_and_a_new_one_a_probe() {
    let o = Office::new(5);
    let (code, first, _, _) = o.sync(&[]);
    assert_eq!((code, count(&first, "new")), (0, 5), "{first}");
    assert_eq!(first["fetch"]["mode"], "full");
    assert_eq!(o.state().unwrap()["data_timestamp"], "2026-11-25T09:00:05");

    // Same dataTimestamp: /version only.
    let (code, out, study_requests, _) = o.sync(&[]);
    assert_eq!((code, count(&out, "unchanged")), (0, 5), "{out}");
    assert_eq!(
        (out["fetch"]["mode"].as_str(), out["fetch"]["requests"].as_u64(), study_requests),
        (Some("unchanged"), Some(1), 0)
    );

    // A refreshed registry where nothing changed: one small probe, no full record.
    o.set_timestamp("2026-11-26T09:00:05");
    let (code, out, study_requests, _) = o.sync(&[]);
    assert_eq!((code, count(&out, "unchanged")), (0, 5), "{out}");
    assert_eq!(
        (out["fetch"]["mode"].as_str(), out["fetch"]["fetched"].as_u64(), study_requests),
        (Some("probe"), Some(0), 1)
    );
    assert_eq!(o.state().unwrap()["data_timestamp"], "2026-11-26T09:00:05");
}

#[test]
fn a_newer_date_is_fetched_and_nothing_else() {
    let o = Office::new(5);
    o.sync(&[]);
    o.records.post(&o.ids[2], "2025-09-15");
    o.set_timestamp("2026-11-26T09:00:05");
    let (code, out, study_requests, _) = o.sync(&["--exit-code"]);
    assert_eq!(code, 1, "{out}");
    let changed: Vec<String> = results(&out).into_iter().filter(|(_, r)| r == "changed").map(|(id, _)| id).collect();
    assert_eq!(changed, [o.ids[2].clone()]);
    assert_eq!(
        (out["fetch"]["probed"].as_u64(), out["fetch"]["fetched"].as_u64(), study_requests),
        (Some(5), Some(1), 2)
    );
}

#[test]
fn a_new_trial_in_the_config_is_fetched_even_with_an_unchanged_timestamp() {
    let o = Office::new(4);
    o.config(&o.ids[..3]);
    o.sync(&[]);
    o.config(&o.ids);
    let (code, out, _, _) = o.sync(&[]);
    assert_eq!(code, 0);
    assert_eq!(results(&out)[3], (o.ids[3].clone(), "new".to_string()), "{out}");
    assert_ne!(out["fetch"]["mode"], "unchanged");
}

#[test]
fn a_trial_missing_from_the_probe_answer_is_fetched_in_full() {
    let o = Office::new(4);
    o.sync(&[]);
    o.records.post(&o.ids[1], "2025-09-15");
    o.records.omit_from_probe.lock().unwrap().push(o.ids[1].clone());
    o.set_timestamp("2026-11-26T09:00:05");
    let (code, out, _, _) = o.sync(&[]);
    assert_eq!(code, 0);
    assert_eq!(results(&out)[1].1, "changed", "{out}");
    assert_eq!(out["fetch"]["fetched"], 1);
}

#[test]
fn a_probe_failing_midway_misses_nothing() {
    let o = Office::new(6);
    o.sync(&[]);
    // Probe pages of two trials; every page after the first fails.
    *o.records.page_size.lock().unwrap() = 2;
    *o.records.fail_probe_after_first_page.lock().unwrap() = true;
    o.records.post(&o.ids[0], "2025-09-15");
    o.records.post(&o.ids[5], "2025-09-15");
    o.set_timestamp("2026-11-26T09:00:05");
    let (code, out, _, _) = o.sync(&[]);
    assert_eq!(code, 0, "{out}");
    let r = results(&out);
    assert_eq!((r[0].1.as_str(), r[5].1.as_str()), ("changed", "changed"), "{out}");
    assert_eq!(out["fetch"]["fetched"], 5, "the first page's unchanged trial was not refetched: {out}");
}

#[test]
fn a_partial_failure_leaves_the_recorded_timestamp_and_full_fetches_everything() {
    let o = Office::new(3);
    o.sync(&[]);
    let before = o.state().unwrap();
    o.set_timestamp("2026-11-26T09:00:05");
    o.records.post(&o.ids[0], "2025-09-15");
    // That trial's record now fails validation: the run is partial.
    o.server.route(&format!("/api/v2/studies/{}", o.ids[0]), vec![Reply::text(500, "boom")]);
    *o.records.page_size.lock().unwrap() = 1000;
    o.records.studies.lock().unwrap().get_mut(&o.ids[0]).unwrap()["protocolSection"]["statusModule"]
        .as_object_mut()
        .unwrap()
        .remove("lastUpdatePostDateStruct");
    let (code, out, _, _) = o.sync(&[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(o.state().unwrap(), before, "a partial failure never records the new timestamp");

    // --full: every full record, whatever the probe would say.
    let o = Office::new(3);
    o.sync(&[]);
    let (code, out, study_requests, _) = o.sync(&["--full"]);
    assert_eq!((code, out["fetch"]["mode"].as_str(), out["fetch"]["fetched"].as_u64()), (0, Some("full"), Some(3)));
    assert_eq!(study_requests, 1, "one bulk request for the three");
}
