//! A typed, lenient view over one study document as the registry serves it.
//!
//! We keep the raw JSON (fields come and go between API versions, and the snapshot must hold
//! the record exactly as served) and read the few fields ctwatch reasons about through
//! accessors. Validation is deliberately narrow: a document is accepted when it has what a
//! snapshot needs — an object with `protocolSection.identificationModule.nctId` and a full
//! `statusModule.lastUpdatePostDateStruct.date` — so an HTML error page, a truncated body or a
//! `fields=`-trimmed answer can never replace a snapshot. Unknown enum values stay text.

use serde_json::Value;

use crate::nct::NctId;
use crate::partial_date::PartialDate;

/// One study record, validated for storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    doc: Value,
    nct_id: NctId,
    last_update: PartialDate,
}

/// Why a document is not a usable study record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidStudy(String);

impl Study {
    /// Checks that `doc` is a study record complete enough to store.
    pub fn from_value(doc: Value) -> Result<Study, InvalidStudy> {
        let bad = |why: &str| InvalidStudy(why.to_string());
        if !doc.is_object() {
            return Err(bad("the study is not a JSON object"));
        }
        check_depth(&doc)?;
        if !doc.get("protocolSection").is_some_and(Value::is_object) {
            return Err(bad("the study has no protocolSection"));
        }
        let raw_id = doc
            .pointer(NCT_ID)
            .and_then(Value::as_str)
            .ok_or_else(|| bad("the study has no protocolSection.identificationModule.nctId"))?;
        let nct_id =
            NctId::parse(raw_id).map_err(|_| InvalidStudy(format!("the study's nctId {raw_id:?} is not an NCT id")))?;
        if !doc.pointer("/protocolSection/statusModule").is_some_and(Value::is_object) {
            return Err(bad("the study has no protocolSection.statusModule"));
        }
        let last_update = text_at(&doc, LAST_UPDATE).ok_or_else(|| {
            bad("the study has no statusModule.lastUpdatePostDateStruct.date (was it requested with fields=?)")
        })?;
        let last_update = PartialDate::parse(last_update)
            .filter(|d| d.as_day().is_some())
            .ok_or_else(|| InvalidStudy(format!("lastUpdatePostDate {last_update:?} is not a YYYY-MM-DD date")))?;
        if last_update.first_day() < EARLIEST_POSTED {
            return Err(InvalidStudy(format!(
                "lastUpdatePostDate {last_update} is before {EARLIEST_POSTED}, before the registry existed: refused"
            )));
        }
        Ok(Study { doc, nct_id, last_update })
    }

    /// The record's own id (after an alias redirect, the canonical one).
    pub fn nct_id(&self) -> &NctId {
        &self.nct_id
    }

    /// The date the registry posted this version (`lastUpdatePostDateStruct.date`).
    pub fn last_update(&self) -> PartialDate {
        self.last_update
    }

    /// Older ids that now point to this record (`identificationModule.nctIdAliases`).
    pub fn aliases(&self) -> Vec<NctId> {
        self.doc
            .pointer("/protocolSection/identificationModule/nctIdAliases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).filter_map(|s| NctId::parse(s).ok()).collect())
            .unwrap_or_default()
    }

    /// `statusModule.overallStatus` as served (unknown values are kept as text).
    pub fn overall_status(&self) -> Option<&str> {
        overall_status(&self.doc)
    }

    /// A string field by JSON pointer.
    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        self.doc.pointer(pointer).and_then(Value::as_str)
    }

    /// The raw document.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// The raw document, by value.
    pub fn into_value(self) -> Value {
        self.doc
    }
}

/// Deepest nesting of a record ctwatch stores. Real records nest about 10 levels; the snapshot
/// envelope adds one and serde_json reads at most 128, so anything deeper than this could be
/// stored but never read back.
pub const MAX_DEPTH: usize = 100;

/// No registry version was posted before this date (ClinicalTrials.gov opened in 2000).
pub const EARLIEST_POSTED: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(1999, 1, 1).expect("a valid date");

/// Refuses a document nested deeper than [`MAX_DEPTH`] (iterative: no recursion of our own).
pub fn check_depth(doc: &Value) -> Result<(), InvalidStudy> {
    let mut stack = vec![(doc, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(InvalidStudy(format!(
                "the record is nested more than {MAX_DEPTH} levels deep (real records nest about 10): refused, as it could not be read back"
            )));
        }
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, depth + 1))),
            Value::Object(m) => stack.extend(m.values().map(|x| (x, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// A string field of any study document by JSON pointer (lenient: `None` when absent or not a
/// string). The one accessor reports, checks and timelines use on stored documents.
pub fn text_at<'a>(doc: &'a Value, pointer: &str) -> Option<&'a str> {
    doc.pointer(pointer).and_then(Value::as_str)
}

/// Where a record keeps the date the registry posted this version.
pub const LAST_UPDATE: &str = "/protocolSection/statusModule/lastUpdatePostDateStruct/date";
/// `identificationModule.briefTitle`.
pub const BRIEF_TITLE: &str = "/protocolSection/identificationModule/briefTitle";
/// `identificationModule.officialTitle`.
pub const OFFICIAL_TITLE: &str = "/protocolSection/identificationModule/officialTitle";
/// `statusModule.overallStatus`.
pub const OVERALL_STATUS: &str = "/protocolSection/statusModule/overallStatus";
/// `identificationModule.nctId`.
pub const NCT_ID: &str = "/protocolSection/identificationModule/nctId";
/// `identificationModule.orgStudyIdInfo.id` (for Dutch trials often the CCMO number).
pub const ORG_STUDY_ID: &str = "/protocolSection/identificationModule/orgStudyIdInfo/id";
/// `statusModule.startDateStruct.date`.
pub const START_DATE: &str = "/protocolSection/statusModule/startDateStruct/date";
/// `ACTUAL` or `ESTIMATED`.
pub const START_DATE_TYPE: &str = "/protocolSection/statusModule/startDateStruct/type";
/// `statusVerifiedDate` (YYYY-MM).
pub const STATUS_VERIFIED: &str = "/protocolSection/statusModule/statusVerifiedDate";
/// Why the study stopped (terminated, withdrawn, suspended).
pub const WHY_STOPPED: &str = "/protocolSection/statusModule/whyStopped";
/// `statusModule.completionDateStruct.date`.
pub const COMPLETION_DATE: &str = "/protocolSection/statusModule/completionDateStruct/date";
/// The completion date's type (ESTIMATED, ACTUAL).
pub const COMPLETION_DATE_TYPE: &str = "/protocolSection/statusModule/completionDateStruct/type";
/// `designModule.enrollmentInfo.type` (`ESTIMATED` while the count is the target).
pub const ENROLLMENT_TYPE: &str = "/protocolSection/designModule/enrollmentInfo/type";
/// `contactsLocationsModule.overallOfficials`.
pub const OVERALL_OFFICIALS: &str = "/protocolSection/contactsLocationsModule/overallOfficials";
/// `contactsLocationsModule.centralContacts`.
pub const CENTRAL_CONTACTS: &str = "/protocolSection/contactsLocationsModule/centralContacts";
/// `statusModule`.
pub const STATUS_MODULE: &str = "/protocolSection/statusModule";
/// `sponsorCollaboratorsModule.leadSponsor.name`.
pub const LEAD_SPONSOR: &str = "/protocolSection/sponsorCollaboratorsModule/leadSponsor/name";
/// `contactsLocationsModule.locations`.
pub const LOCATIONS: &str = "/protocolSection/contactsLocationsModule/locations";
/// `statusModule.lastKnownStatus` (shown while the registry says UNKNOWN).
pub const LAST_KNOWN_STATUS: &str = "/protocolSection/statusModule/lastKnownStatus";
/// `statusModule.startDateStruct` (date and type).
pub const START_STRUCT: &str = "/protocolSection/statusModule/startDateStruct";
/// `statusModule.primaryCompletionDateStruct` (date and type).
pub const PRIMARY_COMPLETION_STRUCT: &str = "/protocolSection/statusModule/primaryCompletionDateStruct";
/// `statusModule.completionDateStruct` (date and type).
pub const COMPLETION_STRUCT: &str = "/protocolSection/statusModule/completionDateStruct";
/// `statusModule.studyFirstPostDateStruct`.
pub const FIRST_POSTED_STRUCT: &str = "/protocolSection/statusModule/studyFirstPostDateStruct";
/// `statusModule.lastUpdatePostDateStruct`.
pub const LAST_UPDATE_STRUCT: &str = "/protocolSection/statusModule/lastUpdatePostDateStruct";
/// `designModule.enrollmentInfo` (count and type).
pub const ENROLLMENT_INFO: &str = "/protocolSection/designModule/enrollmentInfo";
/// `derivedSection`: what the registry derives itself (MeSH terms), rebuilt on every refresh.
pub const DERIVED_SECTION: &str = "/derivedSection";
/// `derivedSection.miscInfoModule`.
pub const MISC_INFO: &str = "/derivedSection/miscInfoModule";
/// `derivedSection.miscInfoModule.versionHolder`: rewritten on every data refresh.
pub const VERSION_HOLDER: &str = "/derivedSection/miscInfoModule/versionHolder";

/// The record's brief title.
pub fn brief_title(doc: &Value) -> Option<&str> {
    text_at(doc, BRIEF_TITLE)
}

/// The record's overall status as served (`RECRUITING`, …; unknown values kept as text).
pub fn overall_status(doc: &Value) -> Option<&str> {
    text_at(doc, OVERALL_STATUS)
}

/// One site (location) as the registry lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// `facility` (empty when the registry gives none).
    pub facility: String,
    /// `city`.
    pub city: Option<String>,
    /// `country`.
    pub country: Option<String>,
    /// The site's recruitment status. Most completed and active-not-recruiting records list
    /// their sites without one: `None` then means "listed, status not given", never "not listed".
    pub status: Option<String>,
}

/// The sites a record lists, in the registry's order.
pub fn sites(doc: &Value) -> Vec<Site> {
    doc.pointer(LOCATIONS)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .map(|s| Site {
                    facility: text_at(s, "/facility").unwrap_or_default().to_string(),
                    city: text_at(s, "/city").map(str::to_string),
                    country: text_at(s, "/country").map(str::to_string),
                    status: text_at(s, "/status").map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `enrollmentInfo.count` when the registry uses it as "unknown".
pub const ENROLLMENT_UNKNOWN: u64 = 99_999_999;

/// `designModule.enrollmentInfo.count`, unless it is the "unknown" sentinel.
pub fn enrollment_count(doc: &Value) -> Option<u64> {
    doc.pointer("/protocolSection/designModule/enrollmentInfo/count")
        .and_then(Value::as_u64)
        .filter(|c| *c != ENROLLMENT_UNKNOWN)
}

/// A registry date field (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) by JSON pointer.
pub fn date_at(doc: &Value, pointer: &str) -> Option<PartialDate> {
    text_at(doc, pointer).and_then(PartialDate::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({"protocolSection": {
            "identificationModule": {"nctId": "NCT07038304", "nctIdAliases": ["NCT00000042", "junk"]},
            "statusModule": {"overallStatus": "SOMETHING_NEW", "lastUpdatePostDateStruct": {"date": "2025-06-26", "type": "ACTUAL"}}
        }})
    }

    #[test]
    fn accepts_a_minimal_record_and_keeps_unknown_enums() {
        let s = Study::from_value(minimal()).unwrap();
        assert_eq!(s.nct_id().as_str(), "NCT07038304");
        assert_eq!(s.overall_status(), Some("SOMETHING_NEW"));
        assert_eq!(s.last_update().to_string(), "2025-06-26");
        assert_eq!(s.aliases(), vec![NctId::parse("NCT42").unwrap()]);
    }

    #[test]
    fn rejects_what_cannot_be_stored() {
        let mut cases = vec![json!([]), json!({"studies": []}), json!("<html>")];
        let mut no_date = minimal();
        no_date["protocolSection"]["statusModule"].as_object_mut().unwrap().remove("lastUpdatePostDateStruct");
        cases.push(no_date);
        let mut month = minimal();
        month["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = json!("2025-06");
        cases.push(month);
        let mut ancient = minimal();
        ancient["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = json!("1970-01-01");
        cases.push(ancient);
        let mut deep = minimal();
        let mut nest = json!("x");
        for _ in 0..MAX_DEPTH {
            nest = json!([nest]);
        }
        deep["protocolSection"]["deep"] = nest;
        cases.push(deep);
        let mut bad_id = minimal();
        bad_id["protocolSection"]["identificationModule"]["nctId"] = json!("../../etc");
        cases.push(bad_id);
        for case in cases {
            assert!(Study::from_value(case.clone()).is_err(), "{case}");
        }
    }
}
