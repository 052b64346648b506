//! The recorded API responses in ../shared/ctgov/records as a conformance corpus (read from
//! there when the folder exists; never copied into the repository).

use ctwatch::registry::Study;
use ctwatch::store::{canonical, content_sha256};
use serde_json::Value;

use crate::Workspace;
use crate::server::Reply;

fn corpus() -> Vec<(String, Value)> {
    let dir = crate::shared_dir("records");
    let entries = std::fs::read_dir(&dir).unwrap();
    let mut files: Vec<_> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

/// Every study in the corpus, wrappers unpacked.
fn studies(docs: &[(String, Value)]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (name, doc) in docs {
        match doc.get("studies").and_then(Value::as_array) {
            Some(list) => out.extend(list.iter().cloned().map(|s| (name.clone(), s))),
            None => out.push((name.clone(), doc.clone())),
        }
    }
    out
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn every_recorded_study_canonicalises_to_a_fixed_point_and_hashes_stably() {
    let docs = corpus();
    let all = studies(&docs);
    assert!(all.len() >= 30, "{} studies", all.len());
    for (name, study) in &all {
        let once = canonical(study);
        let reparsed: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(canonical(&reparsed), once, "{name}: fixed point");
        assert_eq!(content_sha256(study), content_sha256(&reparsed), "{name}: stable hash");
        // Full records validate for storage; fields=-trimmed answers (biomcp_*) must not.
        let valid = Study::from_value(study.clone());
        if name.starts_with("biomcp") {
            let err = valid.unwrap_err().to_string();
            assert!(err.contains("lastUpdatePostDateStruct"), "{name}: {err}");
        } else {
            assert!(valid.is_ok(), "{name}: {:?}", valid.err());
        }
    }
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn recorded_bulk_pages_are_accepted_by_the_bulk_path() {
    let docs = corpus();
    for (name, page) in docs.iter().filter(|(n, d)| d.get("studies").is_some() && !n.starts_with("biomcp")) {
        let ids: Vec<String> = page["studies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap().to_string())
            .collect();
        let ws = Workspace::new("");
        let mut body = page.clone();
        body.as_object_mut().unwrap().remove("nextPageToken");
        let body = serde_json::to_string(&body).unwrap();
        ws.server.route("/api/v2/studies", vec![Reply::json(body)]);
        let mut args = vec!["sync", "--format", "json"];
        let extra = "NCT00000001";
        args.extend(ids.iter().map(String::as_str));
        if ids.len() == 1 {
            // A single id takes the single-study path; add a second (absent) one to force bulk.
            args.push(extra);
        }
        let run = ws.run(&args);
        let out: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{name}: {run:?}"));
        for id in &ids {
            let t = out["trials"].as_array().unwrap().iter().find(|t| t["nct_id"] == id.as_str()).unwrap();
            assert_eq!(t["result"], "new", "{name} {id}: {t}");
            assert_eq!(ws.versions(id).len(), 1, "{name} {id}");
        }
        assert_eq!(ws.server.hits("/api/v2/studies"), 1, "{name}");
    }
}
