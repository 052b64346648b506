//! The registry endpoints ctwatch uses: `/version`, `/studies/{id}` and the bulk
//! `/studies?filter.ids=…` (ClinicalTrials.gov API v2, spec 2.0.5).
//!
//! Tracking many trials must not cost one request each (the registry asks for one request
//! per second): ids go in `filter.ids` chunks whose URL stays under 8 KB, with
//! `pageSize=1000`, following `nextPageToken`. Public clients report a `nextPageToken` on an
//! exactly full last page, so we stop as soon as every id of a chunk is answered, and never
//! follow a token twice. A trial absent from the answer is an error for that trial.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use reqwest::Url;
use serde_json::Value;

use super::http::{Answer, Endpoint};
use super::retry::{Sleeper, TokioSleeper};
use super::{RegistryError, Study};
use crate::config::RegistrySettings;
use crate::nct::NctId;
use crate::partial_date::PartialDate;

/// Longest bulk URL we build; proxies and CDNs commonly cap request lines at 8 KB.
pub const MAX_URL_LEN: usize = 8000;
/// The API's largest page.
const PAGE_SIZE: usize = 1000;
/// What a search asks for: enough to list a trial, nothing more.
const SEARCH_FIELDS: &str = "NCTId,BriefTitle,OverallStatus,LeadSponsorName,LastUpdatePostDate";
/// A search stops after this many pages (1,000 trials each).
pub const MAX_SEARCH_PAGES: usize = 50;

/// A registry search.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// `query.lead`: the lead sponsor's name (Essie syntax).
    pub lead: Option<String>,
    /// `query.spons`: lead sponsor or collaborator.
    pub sponsor_or_collaborator: Option<String>,
    /// `filter.overallStatus`: statuses such as `RECRUITING`.
    pub statuses: Vec<String>,
}

/// One trial a search found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Found {
    /// The trial.
    pub nct_id: NctId,
    /// Brief title.
    pub title: Option<String>,
    /// Overall status.
    pub overall_status: Option<String>,
    /// Lead sponsor.
    pub lead_sponsor: Option<String>,
    /// Last update posted.
    pub last_update: Option<String>,
}

/// What the probe asks for: the id and the posted date, nothing else.
const PROBE_FIELDS: &str = "NCTId,LastUpdatePostDate";

/// `GET /version`: which API and which data refresh answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    /// e.g. `2.0.5`.
    pub api_version: String,
    /// The registry's data refresh, UTC without zone suffix, e.g. `2026-03-25T09:00:05`.
    pub data_timestamp: String,
}

/// A study fetched for a requested id.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The id asked for.
    pub requested: NctId,
    /// The validated record; its id differs from `requested` when that was an alias.
    pub study: Study,
    /// The URL that served it.
    pub source: Url,
}

impl Fetched {
    /// The requested id when the registry served the record under another (canonical) id.
    pub fn alias(&self) -> Option<&NctId> {
        (self.study.nct_id() != &self.requested).then_some(&self.requested)
    }
}

/// The ClinicalTrials.gov API v2 client.
pub struct Registry {
    endpoint: Endpoint,
}

impl Registry {
    /// A client for the API at `base` (e.g. `https://clinicaltrials.gov/api/v2`).
    pub fn new(base: Url, settings: RegistrySettings) -> anyhow::Result<Registry> {
        Self::with_sleeper(base, settings, Arc::new(TokioSleeper))
    }

    /// As [`Registry::new`], with an injected sleeper (tests record waits instead of taking them).
    pub fn with_sleeper(base: Url, settings: RegistrySettings, sleeper: Arc<dyn Sleeper>) -> anyhow::Result<Registry> {
        Ok(Registry { endpoint: Endpoint::new(base, settings, sleeper)? })
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests_made(&self) -> u64 {
        self.endpoint.http().requests_made()
    }

    fn url(&self, path: &str) -> Url {
        self.endpoint.url(path)
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<ApiVersion, RegistryError> {
        let url = self.url("/version");
        let answer = self.endpoint.http().get(&url).await?;
        let doc = json_body(expect_ok(answer)?)?;
        let field = |key: &str| doc.get(key).and_then(Value::as_str).map(str::to_string);
        match (field("apiVersion"), field("dataTimestamp")) {
            (Some(api_version), Some(data_timestamp)) => Ok(ApiVersion { api_version, data_timestamp }),
            _ => Err(RegistryError::Invalid {
                url,
                reason: "the /version answer lacks apiVersion or dataTimestamp".into(),
            }),
        }
    }

    /// `GET /studies/{id}`, following one 301 when `id` is an alias of another record.
    pub async fn study(&self, id: &NctId) -> Result<Fetched, RegistryError> {
        let url = self.url(&format!("/studies/{id}"));
        let answer = self.endpoint.http().get(&url).await?;
        if matches!(answer.status, 301 | 302 | 307 | 308) {
            let target_id = self.alias_target(&answer, id)?;
            let target = self.url(&format!("/studies/{target_id}"));
            let second = self.endpoint.http().get(&target).await?;
            if matches!(second.status, 301 | 302 | 307 | 308) {
                return Err(RegistryError::Redirect { url: target, reason: "the registry redirected twice".into() });
            }
            let study = study_body(expect_ok(second)?, &target)?;
            if study.nct_id() != &target_id {
                return Err(wrong_id(&target, &target_id, &study));
            }
            return Ok(Fetched { requested: id.clone(), study, source: target });
        }
        let study = study_body(expect_ok(answer)?, &url)?;
        if study.nct_id() != id && !study.aliases().contains(id) {
            return Err(wrong_id(&url, id, &study));
        }
        Ok(Fetched { requested: id.clone(), study, source: url })
    }

    /// The canonical id a 301 points to; only same-origin `/studies/{id}` targets are followed.
    fn alias_target(&self, answer: &Answer, requested: &NctId) -> Result<NctId, RegistryError> {
        let fail = |reason: String| RegistryError::Redirect { url: answer.url.clone(), reason };
        let location =
            answer.location.as_deref().ok_or_else(|| fail(format!("HTTP {} without Location", answer.status)))?;
        let target = answer.url.join(location).map_err(|_| fail(format!("unusable Location {location:?}")))?;
        let prefix = format!("{}/studies/", self.endpoint.base().path());
        let same_origin = target.origin() == self.endpoint.base().origin();
        let id = target.path().strip_prefix(&prefix).and_then(|rest| NctId::parse(rest).ok());
        match id {
            Some(id) if same_origin && &id != requested => Ok(id),
            _ => Err(fail(format!("redirect to {target} is not another study of this registry"))),
        }
    }

    /// Fetches many trials with `filter.ids`, in as few requests as the URL limit allows.
    /// One result per requested id, in the order given (duplicates removed).
    pub async fn studies(&self, ids: &[NctId]) -> Vec<(NctId, Result<Fetched, RegistryError>)> {
        let mut unique = Vec::new();
        let mut seen = HashSet::new();
        for id in ids {
            if seen.insert(id.clone()) {
                unique.push(id.clone());
            }
        }
        let mut results = BTreeMap::new();
        for chunk in self.chunks(&unique) {
            results.extend(self.fetch_chunk(chunk).await);
            crate::feedback::inc(chunk.len() as u64, "");
        }
        unique
            .into_iter()
            .map(|id| {
                let result = results.remove(&id).expect("every id of a chunk gets a result");
                (id, result)
            })
            .collect()
    }

    /// Searches the registry (`GET /studies` with `query.lead`, `query.spons` and
    /// `filter.overallStatus`), asking only for the fields a listing needs and following
    /// `nextPageToken` (each token once, at most [`MAX_SEARCH_PAGES`] pages).
    pub async fn search(&self, query: &Search) -> Result<Vec<Found>, RegistryError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = HashSet::new();
        let mut progress: Option<crate::feedback::Progress> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let mut url = self.url("/studies");
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("format", "json").append_pair("pageSize", &PAGE_SIZE.to_string());
                q.append_pair("fields", SEARCH_FIELDS);
                if let Some(lead) = &query.lead {
                    q.append_pair("query.lead", lead);
                }
                if let Some(spons) = &query.sponsor_or_collaborator {
                    q.append_pair("query.spons", spons);
                }
                if !query.statuses.is_empty() {
                    q.append_pair("filter.overallStatus", &query.statuses.join("|"));
                }
                match &token {
                    Some(t) => q.append_pair("pageToken", t),
                    None => q.append_pair("countTotal", "true"),
                };
            }
            let page = json_body(expect_ok(self.endpoint.http().get(&url).await?)?)?;
            let studies = page.get("studies").and_then(Value::as_array).ok_or_else(|| RegistryError::Invalid {
                url: url.clone(),
                reason: "the answer has no \"studies\" array".into(),
            })?;
            if let Some(total) = page.get("totalCount").and_then(Value::as_u64).filter(|_| progress.is_none()) {
                progress = Some(crate::feedback::start("discover", total, "trials", true));
            }
            if let Some(p) = &progress {
                p.inc(studies.len() as u64, "");
            }
            for s in studies {
                let text = |p: &str| s.pointer(p).and_then(Value::as_str).map(str::to_string);
                let Some(id) = text(super::study::NCT_ID).and_then(|t| NctId::parse(&t).ok()) else {
                    continue;
                };
                out.push(Found {
                    nct_id: id,
                    title: text(super::study::BRIEF_TITLE),
                    overall_status: text(super::study::OVERALL_STATUS),
                    lead_sponsor: text(super::study::LEAD_SPONSOR),
                    last_update: text(super::study::LAST_UPDATE),
                });
            }
            match page.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                Some(next) if seen.insert(next.to_string()) => token = Some(next.to_string()),
                _ => return Ok(out),
            }
        }
        Ok(out)
    }

    /// Asks for the posted date of every id (`fields=NCTId,LastUpdatePostDate`: a few bytes a
    /// trial instead of the whole record), in the same `filter.ids` chunks as [`Self::studies`].
    /// `Ok(Some(date))` when the registry answered for the id, `Ok(None)` when the answer left it
    /// out (an alias, or an id the registry does not know), `Err` when its chunk failed.
    pub async fn probe(&self, ids: &[NctId]) -> BTreeMap<NctId, Result<Option<PartialDate>, RegistryError>> {
        let mut results = BTreeMap::new();
        for chunk in self.chunks(ids) {
            results.extend(self.probe_chunk(chunk).await);
            crate::feedback::inc(chunk.len() as u64, "");
        }
        results
    }

    async fn probe_chunk(&self, ids: &[NctId]) -> BTreeMap<NctId, Result<Option<PartialDate>, RegistryError>> {
        let wanted: HashSet<&NctId> = ids.iter().collect();
        let mut found: BTreeMap<NctId, Result<Option<PartialDate>, RegistryError>> = BTreeMap::new();
        let mut token: Option<String> = None;
        let mut tokens_seen = HashSet::new();
        loop {
            let mut url = self.bulk_url(ids, token.as_deref());
            url.query_pairs_mut().append_pair("fields", PROBE_FIELDS);
            let page = match self.endpoint.http().get(&url).await.and_then(expect_ok).and_then(json_body) {
                Ok(page) => page,
                Err(e) => {
                    for id in ids {
                        found.entry(id.clone()).or_insert_with(|| Err(e.clone()));
                    }
                    return found;
                }
            };
            for doc in page.get("studies").and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
                let id = doc.pointer(super::study::NCT_ID).and_then(Value::as_str).and_then(|s| NctId::parse(s).ok());
                let date = doc
                    .pointer(super::study::LAST_UPDATE)
                    .and_then(Value::as_str)
                    .and_then(PartialDate::parse)
                    .filter(|d| d.as_day().is_some());
                if let (Some(id), Some(date)) = (id, date)
                    && wanted.contains(&id)
                {
                    found.entry(id).or_insert(Ok(Some(date)));
                }
            }
            match page.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                Some(next) if found.len() < ids.len() && tokens_seen.insert(next.to_string()) => {
                    token = Some(next.to_string())
                }
                _ => break,
            }
        }
        for id in ids {
            found.entry(id.clone()).or_insert(Ok(None));
        }
        found
    }

    fn bulk_url(&self, ids: &[NctId], token: Option<&str>) -> Url {
        let list: Vec<&str> = ids.iter().map(NctId::as_str).collect();
        let mut url = self.url("/studies");
        // Commas are legal in a query (RFC 3986 sub-delims) and ids are [A-Z0-9], so the list
        // is written literally; the opaque page token is percent-encoded.
        url.set_query(Some(&format!("format=json&pageSize={PAGE_SIZE}&filter.ids={}", list.join(","))));
        if let Some(token) = token {
            url.query_pairs_mut().append_pair("pageToken", token);
        }
        url
    }

    /// Splits ids so that each bulk URL (with room for a page token) stays under [`MAX_URL_LEN`].
    fn chunks<'a>(&self, ids: &'a [NctId]) -> Vec<&'a [NctId]> {
        const TOKEN_ROOM: usize = 300;
        let fixed = self.bulk_url(&[], None).as_str().len() + TOKEN_ROOM;
        let per_chunk = ((MAX_URL_LEN.saturating_sub(fixed)) / 12).clamp(1, PAGE_SIZE);
        ids.chunks(per_chunk).collect()
    }

    async fn fetch_chunk(&self, ids: &[NctId]) -> BTreeMap<NctId, Result<Fetched, RegistryError>> {
        let wanted: HashSet<&NctId> = ids.iter().collect();
        let mut found: BTreeMap<NctId, Result<Fetched, RegistryError>> = BTreeMap::new();
        let first_url = self.bulk_url(ids, None);
        let mut token: Option<String> = None;
        let mut tokens_seen = HashSet::new();
        let fail_rest = |found: &mut BTreeMap<NctId, Result<Fetched, RegistryError>>, e: RegistryError| {
            for id in ids {
                found.entry(id.clone()).or_insert_with(|| Err(e.clone()));
            }
        };
        loop {
            let url = self.bulk_url(ids, token.as_deref());
            let page = match self.endpoint.http().get(&url).await.and_then(expect_ok).and_then(json_body) {
                Ok(page) => page,
                Err(e) => {
                    fail_rest(&mut found, e);
                    break;
                }
            };
            let Some(studies) = page.get("studies").and_then(Value::as_array) else {
                fail_rest(
                    &mut found,
                    RegistryError::Invalid { url, reason: "the answer has no \"studies\" array".into() },
                );
                break;
            };
            for doc in studies {
                match Study::from_value(doc.clone()) {
                    Ok(study) => {
                        let matched = if wanted.contains(study.nct_id()) {
                            Some(study.nct_id().clone())
                        } else {
                            study.aliases().into_iter().find(|a| wanted.contains(a))
                        };
                        if let Some(requested) = matched {
                            found.entry(requested.clone()).or_insert(Ok(Fetched {
                                requested,
                                study,
                                source: url.clone(),
                            }));
                        }
                    }
                    Err(why) => {
                        // Attribute an invalid record to its trial when its id is readable.
                        let id = doc
                            .pointer(super::study::NCT_ID)
                            .and_then(Value::as_str)
                            .and_then(|s| NctId::parse(s).ok())
                            .filter(|id| wanted.contains(id));
                        if let Some(id) = id {
                            found.entry(id).or_insert_with(|| {
                                Err(RegistryError::Invalid { url: url.clone(), reason: why.to_string() })
                            });
                        }
                    }
                }
            }
            let next = page.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty());
            match next {
                Some(next) if found.len() < ids.len() && tokens_seen.insert(next.to_string()) => {
                    token = Some(next.to_string())
                }
                _ => break,
            }
        }
        for id in ids {
            found
                .entry(id.clone())
                .or_insert_with(|| Err(RegistryError::Absent { url: first_url.clone(), id: id.to_string() }));
        }
        found
    }
}

fn wrong_id(url: &Url, asked: &NctId, study: &Study) -> RegistryError {
    RegistryError::WrongId { url: url.clone(), asked: asked.to_string(), got: study.nct_id().to_string() }
}

/// Maps the final status to an error unless it is 200.
pub(crate) fn expect_ok(answer: Answer) -> Result<Answer, RegistryError> {
    let url = answer.url.clone();
    match answer.status {
        200 => Ok(answer),
        404 => Err(RegistryError::NotFound { url }),
        400 => Err(RegistryError::BadRequest { url, message: plain_text(&answer.body) }),
        status => Err(RegistryError::Status { url, status }),
    }
}

/// A registry error body, made safe for a one-line terminal message.
fn plain_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.chars().count() > 200 { format!("{}…", clean.chars().take(200).collect::<String>()) } else { clean }
}

/// Parses a 200 body as JSON, refusing HTML error pages (served with 200 by the CDN).
pub(crate) fn json_body(answer: Answer) -> Result<Value, RegistryError> {
    let url = answer.url;
    let not_json = |reason: String| RegistryError::NotJson { url: url.clone(), reason };
    let first = answer.body.iter().find(|b| !b.is_ascii_whitespace());
    if answer.content_type.as_deref().is_some_and(|t| t.contains("html")) || first == Some(&b'<') {
        return Err(not_json("the registry served an HTML page instead of JSON".into()));
    }
    if first.is_none() {
        return Err(not_json("the registry served an empty body".into()));
    }
    serde_json::from_slice(&answer.body).map_err(|e| not_json(format!("invalid JSON ({e})")))
}

fn study_body(answer: Answer, url: &Url) -> Result<Study, RegistryError> {
    let doc = json_body(answer)?;
    Study::from_value(doc).map_err(|why| RegistryError::Invalid { url: url.clone(), reason: why.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::new(Url::parse("https://clinicaltrials.gov/api/v2").unwrap(), RegistrySettings::default()).unwrap()
    }

    #[test]
    fn bulk_urls_stay_under_the_limit() {
        let r = registry();
        let ids: Vec<NctId> = (0..1000).map(|i| NctId::parse(&format!("NCT{:08}", 10_000_000 + i)).unwrap()).collect();
        let chunks = r.chunks(&ids);
        assert_eq!(chunks.len(), 2, "1,000 ids fit in two URLs");
        for chunk in chunks {
            let url = r.bulk_url(chunk, Some(&"x".repeat(200)));
            assert!(url.as_str().len() <= MAX_URL_LEN, "{}", url.as_str().len());
        }
    }

    #[test]
    fn html_and_garbage_are_not_json() {
        let answer = |ct: &str, body: &str| Answer {
            url: Url::parse("http://127.0.0.1/x").unwrap(),
            status: 200,
            location: None,
            content_type: Some(ct.into()),
            body: body.as_bytes().to_vec(),
        };
        assert!(json_body(answer("text/html", "{}")).is_err());
        assert!(json_body(answer("application/json", "  <!doctype html>")).is_err());
        assert!(json_body(answer("application/json", "")).is_err());
        let e = json_body(answer("application/json", "{\"a\": [1, 2")).unwrap_err().to_string();
        assert!(e.contains("invalid JSON") && e.contains("line 1"), "{e}");
        assert!(json_body(answer("application/json", "{\"a\": 1}")).is_ok());
    }

    #[test]
    fn error_text_is_one_safe_line() {
        assert_eq!(plain_text(b"bad\r\n\x1b[31mid\tformat"), "bad [31mid format");
        assert!(plain_text(&[b'x'; 500]).ends_with('…'));
    }
}
