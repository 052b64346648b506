//! A registry stand-in on the loopback server for many trials: `GET /studies/{id}` and
//! `GET /studies?filter.ids=…` with `pageSize`, `pageToken` and `fields=` honoured the way the
//! registry does it (a `fields=` answer holds only the asked-for fields, and its date structs
//! lose their `type`, as in the recorded trimmed answers), counting requests and bytes sent.
//! Shared with the benchmark (`benches/ctwatch.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::server::{Reply, Server};

/// The records and the counters.
#[derive(Default)]
pub struct Records {
    /// id → full record.
    pub studies: Mutex<BTreeMap<String, Value>>,
    /// Body bytes sent for study requests (single and bulk).
    pub bytes: AtomicUsize,
    /// Study requests answered (single and bulk).
    pub requests: AtomicUsize,
    /// Ids a `fields=` answer leaves out (a probe answer that is missing a trial).
    pub omit_from_probe: Mutex<Vec<String>>,
    /// When set, probe pages after the first fail with 503 (a probe failing mid-way).
    pub fail_probe_after_first_page: Mutex<bool>,
    /// Largest page the stand-in serves (the registry's own limit is 1,000).
    pub page_size: Mutex<usize>,
    /// Ids the registry no longer answers (404 alone, left out of bulk answers and searches).
    pub gone: Mutex<Vec<String>>,
    /// An outage: every study request answers 503.
    pub down: std::sync::atomic::AtomicBool,
}

impl Records {
    /// Sets a trial's posted date (a new version on the registry).
    pub fn post(&self, id: &str, date: &str) {
        let mut studies = self.studies.lock().unwrap();
        let s = studies.get_mut(id).expect("known trial");
        s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = json!(date);
        s["protocolSection"]["statusModule"]["statusVerifiedDate"] = json!(&date[..7]);
    }

    /// Bytes and requests so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.requests.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }
}

/// Installs the stand-in on `server` for `ids`, each a copy of `template` (a full record of
/// NCT07038304) under its own id.
pub fn install(server: &Server, template: &str, ids: &[String]) -> Arc<Records> {
    let records = Arc::new(Records { page_size: Mutex::new(1000), ..Records::default() });
    for id in ids {
        add(server, &records, id, template);
    }
    let r = records.clone();
    server.handle("/api/v2/studies", move |req| {
        r.requests.fetch_add(1, Ordering::Relaxed);
        if r.down.load(Ordering::Relaxed) {
            return Reply::text(503, "Service Unavailable");
        }
        if req.param("query.spons").is_some() || req.param("query.lead").is_some() {
            return search(&r, req);
        }
        let wanted: Vec<&str> = req.param("filter.ids").unwrap_or("").split(',').filter(|s| !s.is_empty()).collect();
        let fields = req.param("fields");
        let page: usize =
            req.param("pageToken").and_then(|t| t.strip_prefix("page-")).and_then(|n| n.parse().ok()).unwrap_or(0);
        if fields.is_some() && page > 0 && *r.fail_probe_after_first_page.lock().unwrap() {
            return Reply::text(503, "busy");
        }
        let size = (*r.page_size.lock().unwrap()).min(req.param("pageSize").and_then(|p| p.parse().ok()).unwrap_or(10));
        let studies = r.studies.lock().unwrap();
        let omitted = r.omit_from_probe.lock().unwrap();
        let gone = r.gone.lock().unwrap();
        let found: Vec<Value> = wanted
            .iter()
            .filter(|id| !gone.iter().any(|g| g == *id))
            .filter_map(|id| studies.get(*id))
            .filter(|s| {
                fields.is_none()
                    || !omitted.iter().any(|o| s["protocolSection"]["identificationModule"]["nctId"] == o.as_str())
            })
            .cloned()
            .collect();
        let chunk: Vec<Value> = found.iter().skip(page * size).take(size).map(|s| trim(s, fields)).collect();
        let mut body = json!({ "studies": chunk });
        if (page + 1) * size < found.len() {
            body["nextPageToken"] = json!(format!("page-{}", page + 1));
        }
        let text = body.to_string();
        r.bytes.fetch_add(text.len(), Ordering::Relaxed);
        Reply::json(text)
    });
    records
}

/// Adds a trial to the stand-in (a copy of `template` under `id`), answered at its own URL.
pub fn add(server: &Server, records: &Arc<Records>, id: &str, template: &str) {
    let doc: Value = serde_json::from_str(&template.replace("NCT07038304", id)).unwrap();
    records.studies.lock().unwrap().insert(id.to_string(), doc);
    let r = records.clone();
    let id = id.to_string();
    server.handle(&format!("/api/v2/studies/{id}"), move |_| {
        r.requests.fetch_add(1, Ordering::Relaxed);
        if r.down.load(Ordering::Relaxed) {
            return Reply::text(503, "Service Unavailable");
        }
        if r.gone.lock().unwrap().contains(&id) {
            return Reply::text(404, "Not Found");
        }
        let body = r.studies.lock().unwrap()[&id].to_string();
        r.bytes.fetch_add(body.len(), Ordering::Relaxed);
        Reply::json(body)
    });
}

/// A sponsor search (`query.spons` or `query.lead`): the trials whose lead sponsor's name
/// contains the words, as the listing's fields, in one page.
fn search(r: &Records, req: &crate::server::Request) -> Reply {
    let want = req.param("query.spons").or(req.param("query.lead")).unwrap_or("").to_lowercase();
    let studies = r.studies.lock().unwrap();
    let gone = r.gone.lock().unwrap();
    let found: Vec<Value> = studies
        .iter()
        .filter(|(id, _)| !gone.contains(id))
        .map(|(_, s)| s)
        .filter(|s| {
            s["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains(&want))
        })
        .map(|s| {
            let p = &s["protocolSection"];
            json!({"protocolSection": {
                "identificationModule": {"nctId": p["identificationModule"]["nctId"], "briefTitle": p["identificationModule"]["briefTitle"]},
                "statusModule": {"overallStatus": p["statusModule"]["overallStatus"],
                    "lastUpdatePostDateStruct": {"date": p["statusModule"]["lastUpdatePostDateStruct"]["date"]}},
                "sponsorCollaboratorsModule": {"leadSponsor": {"name": p["sponsorCollaboratorsModule"]["leadSponsor"]["name"]}}
            }})
        })
        .collect();
    Reply::json(json!({ "studies": found }).to_string())
}

/// The record as a `fields=` answer holds it: only the asked-for pieces (NCTId and
/// LastUpdatePostDate are all ctwatch asks for), date structs without `type`.
fn trim(study: &Value, fields: Option<&str>) -> Value {
    let Some(fields) = fields else { return study.clone() };
    let mut out = json!({"protocolSection": {}});
    for field in fields.split(',') {
        match field {
            "NCTId" => {
                out["protocolSection"]["identificationModule"] =
                    json!({"nctId": study["protocolSection"]["identificationModule"]["nctId"]})
            }
            "LastUpdatePostDate" => {
                out["protocolSection"]["statusModule"] = json!({"lastUpdatePostDateStruct":
                    {"date": study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]}})
            }
            other => panic!("the stand-in does not know the field {other}"),
        }
    }
    out
}
