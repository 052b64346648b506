//! The registry's version history (undocumented `/api/int` endpoints used by its website).
//!
//! `GET /studies/{id}/history` lists versions (`{"changes": [{version, date, status?, …}]}`),
//! with `GET /studies/{id}?history=true` (`{"study", "history": {"changes"}}`) as fallback;
//! `GET /studies/{id}/history/{n}` serves one version (`{"studyVersion": n, "study": {…}}`).
//! Undocumented means unannounced changes: every answer is checked (versions contiguous from
//! 0, required keys present, the study in v2 shape for the asked-for id) and anything
//! unexpected is an error naming the endpoint and what was wrong.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::Url;
use serde_json::Value;

use super::RegistryError;
use super::client::{expect_ok, json_body};
use super::http::Endpoint;
use super::retry::{Sleeper, TokioSleeper};
use crate::config::RegistrySettings;
use crate::nct::NctId;

/// One entry of the version list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 0-based version number.
    pub version: u32,
    /// The version's date as listed.
    pub date: NaiveDate,
    /// Overall status of that version, when listed.
    pub status: Option<String>,
}

/// One fetched version.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its number.
    pub version: u32,
    /// The study document as served (HTML markup in free text).
    pub study: Value,
    /// The URL that served it.
    pub source: Url,
}

/// The version-history client.
pub struct History {
    endpoint: Endpoint,
}

impl History {
    /// A client for the history API at `base` (e.g. `https://clinicaltrials.gov/api/int`).
    pub fn new(base: Url, settings: RegistrySettings) -> anyhow::Result<History> {
        Self::with_sleeper(base, settings, Arc::new(TokioSleeper))
    }

    /// With an injected sleeper.
    pub fn with_sleeper(base: Url, settings: RegistrySettings, sleeper: Arc<dyn Sleeper>) -> anyhow::Result<History> {
        Ok(History { endpoint: Endpoint::new(base, settings, sleeper)? })
    }

    /// Requests sent so far.
    pub fn requests_made(&self) -> u64 {
        self.endpoint.http().requests_made()
    }

    fn url(&self, path: &str) -> Url {
        self.endpoint.url(path)
    }

    /// The version list, from `/history` or, when that is not found, `?history=true`.
    pub async fn list(&self, id: &NctId) -> Result<(Vec<Entry>, Url), RegistryError> {
        let url = self.url(&format!("/studies/{id}/history"));
        match self.endpoint.http().get(&url).await.and_then(expect_ok).and_then(json_body) {
            Ok(doc) => Ok((parse_list(&doc, &url)?, url)),
            Err(RegistryError::NotFound { .. }) => {
                let mut alt = self.url(&format!("/studies/{id}"));
                alt.set_query(Some("history=true"));
                let doc = json_body(expect_ok(self.endpoint.http().get(&alt).await?)?)?;
                let history = doc.get("history").ok_or_else(|| RegistryError::Invalid {
                    url: alt.clone(),
                    reason: "the answer has no \"history\" object".into(),
                })?;
                Ok((parse_list(history, &alt)?, alt))
            }
            Err(e) => Err(e),
        }
    }

    /// One version, checked to be that version of that trial.
    pub async fn version(&self, id: &NctId, n: u32) -> Result<Version, RegistryError> {
        let url = self.url(&format!("/studies/{id}/history/{n}"));
        let answer = match expect_ok(self.endpoint.http().get(&url).await?) {
            // The list names the version, so a 404 here is a missing body, not a missing trial.
            Err(RegistryError::NotFound { url }) => {
                return Err(RegistryError::Invalid {
                    url,
                    reason: format!(
                        "version {n} is in the version list but the history API has no body for it (HTTP 404)"
                    ),
                });
            }
            other => other?,
        };
        let doc = json_body(answer)?;
        let invalid = |reason: String| RegistryError::Invalid { url: url.clone(), reason };
        match doc.get("studyVersion").and_then(Value::as_u64) {
            Some(v) if v == n as u64 => {}
            Some(v) => return Err(invalid(format!("asked for version {n} but got studyVersion {v}"))),
            None => return Err(invalid("the answer has no studyVersion".into())),
        }
        let study = doc
            .get("study")
            .filter(|s| s.get("protocolSection").is_some_and(Value::is_object))
            .ok_or_else(|| invalid("the answer has no study in API v2 shape (study.protocolSection)".into()))?;
        let got = study.pointer(super::study::NCT_ID).and_then(Value::as_str).unwrap_or("(none)");
        if NctId::parse(got).ok().as_ref() != Some(id) {
            return Err(RegistryError::WrongId { url, asked: id.to_string(), got: got.to_string() });
        }
        super::study::check_depth(study).map_err(|e| invalid(e.to_string()))?;
        Ok(Version { version: n, study: study.clone(), source: url })
    }
}

/// Checks and parses `{"changes": [...]}`.
fn parse_list(doc: &Value, url: &Url) -> Result<Vec<Entry>, RegistryError> {
    let invalid = |reason: String| RegistryError::Invalid { url: url.clone(), reason };
    let changes = doc
        .get("changes")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("the answer has no \"changes\" array".into()))?;
    if changes.is_empty() {
        return Err(invalid("the version list is empty".into()));
    }
    let mut out = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        let version = c
            .get("version")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| invalid(format!("entry {i} has no numeric \"version\"")))?;
        let date_text = c
            .get("date")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("version {version} has no \"date\"")))?;
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
            .map_err(|_| invalid(format!("version {version} has date {date_text:?}, not YYYY-MM-DD")))?;
        out.push(Entry { version, date, status: c.get("status").and_then(Value::as_str).map(str::to_string) });
    }
    out.sort_by_key(|e| e.version);
    for (expected, e) in out.iter().enumerate() {
        if e.version as usize != expected {
            return Err(invalid(format!(
                "versions are not contiguous from 0: expected version {expected}, found {} (a gap or a duplicate)",
                e.version
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_excerpt_shape_parses_and_gaps_are_refused() {
        let url = Url::parse("http://127.0.0.1/h").unwrap();
        let ok = json!({"changes": [
            {"version": 1, "date": "2018-10-16", "status": "RECRUITING", "moduleLabels": ["Study Status"]},
            {"version": 0, "date": "2018-09-27", "status": "NOT_YET_RECRUITING", "moduleLabels": []}]});
        let list = parse_list(&ok, &url).unwrap();
        assert_eq!(list.iter().map(|e| e.version).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(list[1].status.as_deref(), Some("RECRUITING"));
        for (bad, needle) in [
            (
                json!({"changes": [{"version": 0, "date": "2018-09-27"}, {"version": 2, "date": "2018-10-16"}]}),
                "expected version 1, found 2",
            ),
            (
                json!({"changes": [{"version": 0, "date": "2018-09-27"}, {"version": 0, "date": "2018-10-16"}]}),
                "expected version 1, found 0",
            ),
            (json!({"changes": [{"date": "2018-09-27"}]}), "entry 0 has no numeric \"version\""),
            (json!({"changes": [{"version": 0}]}), "version 0 has no \"date\""),
            (json!({"changes": [{"version": 0, "date": "27-09-2018"}]}), "not YYYY-MM-DD"),
            (json!({"changes": []}), "empty"),
            (json!({"versions": []}), "no \"changes\" array"),
        ] {
            let e = parse_list(&bad, &url).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
