//! The sponsor's accrual log: who was included where and when, from their own CSV.
//!
//! The registry only knows the recruitment target until the trial ends; actual inclusions come
//! from the sponsor. The log is `participant_id,site,enrolled_on,withdrawn_on` (dates
//! `YYYY-MM-DD`, `withdrawn_on` may be empty). Three optional columns feed the ethics report:
//! `consented_on` (informed consent; on or before `enrolled_on`), `withdrawal_reason` (only
//! with `withdrawn_on`) and `completed_on` (the participant finished the study; never with
//! `withdrawn_on`). Other columns are ignored. Nothing is guessed:
//! every bad row is rejected with file, line and reason. Participant ids are read only to
//! catch duplicates and are never kept or printed — not even in error messages.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use similar::TextDiff;

/// One included participant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inclusion {
    /// The log's `participant_id`: the sponsor's pseudonym. Said only to the ethics committee
    /// (an inclusion before a site's approval); never written to a report that is committed.
    pub pseudonym: String,
    /// The registry facility name the log's site resolved to.
    pub facility: String,
    /// Date of inclusion.
    pub enrolled_on: NaiveDate,
    /// Date the participant left the study early, if so.
    pub withdrawn_on: Option<NaiveDate>,
    /// Date of informed consent (optional column `consented_on`).
    pub consented_on: Option<NaiveDate>,
    /// Why the participant left early (optional column `withdrawal_reason`).
    pub withdrawal_reason: Option<String>,
    /// Date the participant completed the study (optional column `completed_on`).
    pub completed_on: Option<NaiveDate>,
}

/// Which optional columns the log has: a report says "not recorded" rather than "none" for a
/// column that is missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptionalColumns {
    /// `consented_on`.
    pub consented_on: bool,
    /// `withdrawal_reason`.
    pub withdrawal_reason: bool,
    /// `completed_on`.
    pub completed_on: bool,
}

/// A validated accrual log.
#[derive(Debug, Clone, Default)]
pub struct AccrualLog {
    /// The file it came from.
    pub path: PathBuf,
    /// Inclusions in file order.
    pub inclusions: Vec<Inclusion>,
    /// The optional columns present.
    pub columns: OptionalColumns,
}

/// A rejected accrual log: names the file and, for row problems, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct AccrualError {
    /// The file.
    pub path: String,
    /// 1-based line, when a row is at fault.
    pub line: Option<u64>,
    /// What is wrong.
    pub reason: String,
}

const COLUMNS: [&str; 4] = ["participant_id", "site", "enrolled_on", "withdrawn_on"];
const OPTIONAL: [&str; 3] = ["consented_on", "withdrawal_reason", "completed_on"];

/// The largest accrual log read (a trial's log is kilobytes; this is far above any real one).
pub const MAX_LOG_BYTES: u64 = 64 << 20;

/// At most this much of a field is quoted in an error message.
const EXCERPT_CHARS: usize = 60;

/// A field as quoted in an error: its first [`EXCERPT_CHARS`] characters, "…" when cut.
fn excerpt(text: &str) -> String {
    crate::text::clip(text, EXCERPT_CHARS)
}

/// Resolves the log's site names to registry facilities.
#[derive(Debug, Clone)]
pub struct SiteNames {
    /// lower-cased name or alias → facility as the registry writes it.
    known: BTreeMap<String, String>,
}

impl SiteNames {
    /// From the registry's facility names and the config's aliases (alias → facility).
    ///
    /// Refused, with the alias named: an alias that is itself another registry facility's name
    /// (it would move that site's inclusions to another site and hide its findings), and two
    /// aliases that differ only by case but point to different sites.
    pub fn new(facilities: &[String], aliases: &BTreeMap<String, String>) -> Result<SiteNames, String> {
        let mut known = BTreeMap::new();
        for f in facilities {
            known.insert(f.trim().to_lowercase(), f.clone());
        }
        let mut from_alias: BTreeMap<String, (&String, String)> = BTreeMap::new();
        for (alias, facility) in aliases {
            let target = facilities.iter().find(|f| f.eq_ignore_ascii_case(facility.trim())).unwrap_or(facility);
            let key = alias.trim().to_lowercase();
            if let Some(own) = known.get(&key).filter(|own| !own.eq_ignore_ascii_case(target.trim())) {
                return Err(format!(
                    "site alias {alias:?} = {facility:?}: {own:?} is a site of its own on the registry; an alias may not move its inclusions to another site"
                ));
            }
            if let Some((other, earlier)) = from_alias.get(&key).filter(|(_, t)| !t.eq_ignore_ascii_case(target)) {
                return Err(format!(
                    "site aliases {other:?} and {alias:?} differ only by case but point to different sites ({earlier:?} and {target:?})"
                ));
            }
            from_alias.insert(key, (alias, target.clone()));
        }
        for (key, (_, target)) in from_alias {
            known.insert(key, target);
        }
        Ok(SiteNames { known })
    }

    fn resolve(&self, name: &str) -> Result<String, String> {
        if let Some(f) = self.known.get(&name.trim().to_lowercase()) {
            return Ok(f.clone());
        }
        let shown = excerpt(name);
        let name = shown.as_str();
        let lower = name.trim().to_lowercase();
        // Registry names are third-party text of any length: compared and quoted in part only,
        // so a megabyte-long name makes neither a slow comparison nor a megabyte error line.
        let short = |t: &str| crate::text::clip(t, 80);
        let nearest = self
            .known
            .iter()
            .map(|(k, f)| (TextDiff::from_chars(lower.as_str(), short(k).as_str()).ratio(), k, f))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let all: std::collections::BTreeSet<&String> = self.known.values().collect();
        let mut names: Vec<String> = all.iter().take(10).map(|n| short(n)).collect();
        if all.len() > 10 {
            names.push(format!("and {} more", all.len() - 10));
        }
        Err(match nearest {
            Some((score, key, facility)) if score >= 0.5 => {
                let (key, facility) = (short(key), short(facility));
                let hint = if key == facility.to_lowercase() { String::new() } else { format!(" (alias {key:?})") };
                format!(
                    "unknown site {name:?}; did you mean {facility:?}{hint}? Add an alias under [trial.site_aliases] if it is the same site"
                )
            }
            _ => {
                format!("unknown site {name:?}; the registry lists {names:?}; add an alias under [trial.site_aliases]")
            }
        })
    }
}

/// Reads and validates an accrual log as of `as_of`.
pub fn read(path: &Path, sites: &SiteNames, as_of: NaiveDate) -> Result<AccrualLog, AccrualError> {
    let shown = path.display().to_string();
    let fail = |line: Option<u64>, reason: String| AccrualError { path: shown.clone(), line, reason };
    let file = std::fs::File::open(path).map_err(|e| fail(None, format!("cannot read the accrual log: {e}")))?;
    if file.metadata().is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        return Err(fail(None, format!("larger than {} MiB; is this the accrual log?", MAX_LOG_BYTES >> 20)));
    }
    // A device or a growing file reports no useful length: never read more than the cap.
    let mut capped = std::io::Read::take(file, MAX_LOG_BYTES + 1);
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut capped, &mut bytes)
        .map_err(|e| fail(None, format!("cannot read the accrual log: {e}")))?;
    if bytes.len() as u64 > MAX_LOG_BYTES {
        return Err(fail(None, format!("larger than {} MiB; is this the accrual log?", MAX_LOG_BYTES >> 20)));
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes.as_slice());
    let header = reader.headers().map_err(|e| fail(Some(1), format!("unreadable header: {e}")))?.clone();
    // A column named twice would silently use the first: refused, naming it.
    let mut names: HashMap<String, usize> = HashMap::new();
    for h in header.iter() {
        let name = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        if !name.is_empty() && names.insert(name.clone(), 0).is_some() {
            return Err(fail(Some(1), format!("the column {:?} is named twice", crate::text::clip(&name, 40))));
        }
    }
    let mut index = [0usize; 4];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = header.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(column)).ok_or_else(
            || fail(Some(1), format!("missing column {column:?}; the header must name {}", COLUMNS.join(","))),
        )?;
    }
    let optional: Vec<Option<usize>> = OPTIONAL
        .iter()
        .map(|column| header.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(column)))
        .collect();
    let columns = OptionalColumns {
        consented_on: optional[0].is_some(),
        withdrawal_reason: optional[1].is_some(),
        completed_on: optional[2].is_some(),
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut inclusions = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            fail(line, format!("malformed CSV row: {}", e.kind_message()))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(index[i]).unwrap_or("");
        if record.iter().all(str::is_empty) {
            continue;
        }
        let id = field(0);
        if id.is_empty() {
            return Err(fail(Some(line), "empty participant_id".into()));
        }
        if let Some(first) = seen.insert(id.to_string(), line) {
            return Err(fail(Some(line), format!("duplicate participant_id (first on line {first})")));
        }
        let optional_field = |k: usize| optional[k].and_then(|i| record.get(i)).unwrap_or("");
        let parse_date = |name: &str, text: &str| -> Result<Option<NaiveDate>, AccrualError> {
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|_| text.len() == 10)
                .map(Some)
                .ok_or_else(|| fail(Some(line), format!("{name} {:?} is not a date (YYYY-MM-DD)", excerpt(text))))
        };
        let date = |i: usize| parse_date(COLUMNS[i], field(i));
        let enrolled_on = date(2)?.ok_or_else(|| fail(Some(line), "enrolled_on is empty".into()))?;
        let withdrawn_on = date(3)?;
        let consented_on = parse_date(OPTIONAL[0], optional_field(0))?;
        let withdrawal_reason = Some(optional_field(1)).filter(|r| !r.is_empty()).map(str::to_string);
        let completed_on = parse_date(OPTIONAL[2], optional_field(2))?;
        if let Some(c) = consented_on.filter(|c| *c > enrolled_on) {
            return Err(fail(Some(line), format!("consented_on {c} is after enrolled_on {enrolled_on}")));
        }
        if withdrawal_reason.is_some() && withdrawn_on.is_none() {
            return Err(fail(Some(line), "withdrawal_reason is given but withdrawn_on is empty".into()));
        }
        if let Some(c) = completed_on {
            if withdrawn_on.is_some() {
                return Err(fail(
                    Some(line),
                    "both withdrawn_on and completed_on are given; a participant does one".into(),
                ));
            }
            if c < enrolled_on {
                return Err(fail(Some(line), format!("completed_on {c} is before enrolled_on {enrolled_on}")));
            }
            if c > as_of {
                return Err(fail(Some(line), format!("completed_on {c} is after the report date {as_of}")));
            }
        }
        if enrolled_on > as_of {
            return Err(fail(Some(line), format!("enrolled_on {enrolled_on} is after the report date {as_of}")));
        }
        if let Some(w) = withdrawn_on {
            if w < enrolled_on {
                return Err(fail(Some(line), format!("withdrawn_on {w} is before enrolled_on {enrolled_on}")));
            }
            if w > as_of {
                return Err(fail(Some(line), format!("withdrawn_on {w} is after the report date {as_of}")));
            }
        }
        let facility = sites.resolve(field(1)).map_err(|why| fail(Some(line), why))?;
        inclusions.push(Inclusion {
            pseudonym: id.to_string(),
            facility,
            enrolled_on,
            withdrawn_on,
            consented_on,
            withdrawal_reason,
            completed_on,
        });
    }
    Ok(AccrualLog { path: path.to_path_buf(), inclusions, columns })
}

trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for csv::Error {
    /// The CSV error without the record contents (which could hold a participant id).
    fn kind_message(&self) -> String {
        match self.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".into(),
            _ => "unreadable".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> SiteNames {
        let aliases = BTreeMap::from([("UMCG".to_string(), "UMC Groningen".to_string())]);
        SiteNames::new(&["UMC Groningen".into(), "Radboud Umc".into()], &aliases).unwrap()
    }

    #[test]
    fn aliases_cannot_move_inclusions_between_sites() {
        let facilities = ["UMC Groningen".to_string(), "Radboud Umc".to_string()];
        let hijack = BTreeMap::from([("radboud umc".to_string(), "UMC Groningen".to_string())]);
        let e = SiteNames::new(&facilities, &hijack).unwrap_err();
        assert!(e.contains("\"radboud umc\"") && e.contains("site of its own"), "{e}");
        let cases = BTreeMap::from([
            ("x".to_string(), "UMC Groningen".to_string()),
            ("X".to_string(), "Radboud Umc".to_string()),
        ]);
        let e = SiteNames::new(&facilities, &cases).unwrap_err();
        assert!(e.contains("differ only by case"), "{e}");
        // The same alias spelled twice for the same site, and a facility aliased to itself, are fine.
        let fine = BTreeMap::from([
            ("umcg".to_string(), "UMC Groningen".to_string()),
            ("UMCG".to_string(), "umc groningen".to_string()),
            ("UMC GRONINGEN".to_string(), "UMC Groningen".to_string()),
        ]);
        assert!(SiteNames::new(&facilities, &fine).is_ok());
    }

    fn parse(text: &str) -> Result<AccrualLog, AccrualError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, &sites(), NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()).map_err(|mut e| {
            e.path = "log.csv".into();
            e
        })
    }

    const HEADER: &str = "participant_id,site,enrolled_on,withdrawn_on\n";

    #[test]
    fn reads_a_good_log_with_aliases_and_case() {
        let log = parse(&format!("{HEADER}P-001,UMCG,2025-02-01,\nP-002,radboud umc,2025-03-01,2025-04-01\n\"P-003\",\"UMC Groningen\",2025-05-01,\n")).unwrap();
        assert_eq!(log.inclusions.len(), 3);
        assert_eq!(log.inclusions[0].facility, "UMC Groningen");
        assert_eq!(log.inclusions[1].facility, "Radboud Umc");
        assert_eq!(log.inclusions[1].withdrawn_on, NaiveDate::from_ymd_opt(2025, 4, 1));
        // Column order and extra columns do not matter.
        let log = parse("site,enrolled_on,notes,withdrawn_on,participant_id\nUMCG,2025-02-01,x,,A\n").unwrap();
        assert_eq!(log.inclusions.len(), 1);
    }

    #[test]
    fn optional_columns_for_the_ethics_report() {
        let head = "participant_id,site,consented_on,enrolled_on,withdrawn_on,withdrawal_reason,completed_on\n";
        let log = parse(&format!(
            "{head}A,UMCG,2025-01-28,2025-02-01,2025-05-01,\"Moved abroad, no follow-up\",\nB,UMCG,,2025-03-01,,,2026-03-01\n"
        ))
        .unwrap();
        assert_eq!(log.columns, OptionalColumns { consented_on: true, withdrawal_reason: true, completed_on: true });
        let (a, b) = (&log.inclusions[0], &log.inclusions[1]);
        assert_eq!(a.consented_on, NaiveDate::from_ymd_opt(2025, 1, 28));
        assert_eq!(a.withdrawal_reason.as_deref(), Some("Moved abroad, no follow-up"));
        assert_eq!((b.consented_on, b.completed_on), (None, NaiveDate::from_ymd_opt(2026, 3, 1)));
        assert_eq!(parse(&format!("{HEADER}A,UMCG,2025-02-01,\n")).unwrap().columns, OptionalColumns::default());
        for (row, error) in [
            (
                "SECRET9,UMCG,2025-02-02,2025-02-01,,,",
                "log.csv:2: consented_on 2025-02-02 is after enrolled_on 2025-02-01",
            ),
            ("SECRET9,UMCG,,2025-02-01,,Moved,", "log.csv:2: withdrawal_reason is given but withdrawn_on is empty"),
            (
                "SECRET9,UMCG,,2025-02-01,2025-03-01,,2025-04-01",
                "log.csv:2: both withdrawn_on and completed_on are given",
            ),
            ("SECRET9,UMCG,,2025-02-01,,,2025-01-01", "log.csv:2: completed_on 2025-01-01 is before enrolled_on"),
            ("SECRET9,UMCG,,2025-02-01,,,2026-12-01", "log.csv:2: completed_on 2026-12-01 is after the report date"),
            ("SECRET9,UMCG,1-2-2025,2025-02-01,,,", "log.csv:2: consented_on \"1-2-2025\" is not a date"),
        ] {
            let e = parse(&format!("{head}{row}\n")).unwrap_err().to_string();
            assert!(e.starts_with(error), "{row}: {e}");
            assert!(!e.contains("SECRET9"), "no participant id: {e}");
        }
    }

    #[test]
    fn each_rejection_names_the_line_and_never_the_participant() {
        let cases = [
            (
                "participant_id,site,enrolled_on\nSECRET1,UMCG,2025-02-01\n",
                "log.csv:1: missing column \"withdrawn_on\"",
            ),
            (
                &format!("{HEADER}SECRET1,UMCG,2025-02-30,\n") as &str,
                "log.csv:2: enrolled_on \"2025-02-30\" is not a date",
            ),
            (&format!("{HEADER}SECRET1,UMCG,01-02-2025,\n"), "log.csv:2: enrolled_on \"01-02-2025\" is not a date"),
            (&format!("{HEADER}SECRET1,UMCG,2025-2-1,\n"), "log.csv:2: enrolled_on \"2025-2-1\" is not a date"),
            (
                &format!("{HEADER}SECRET1,UMCG,2026-12-01,\n"),
                "log.csv:2: enrolled_on 2026-12-01 is after the report date 2026-11-26",
            ),
            (
                &format!("{HEADER}SECRET1,UMCG,2025-02-01,2025-01-01\n"),
                "log.csv:2: withdrawn_on 2025-01-01 is before enrolled_on 2025-02-01",
            ),
            (
                &format!("{HEADER}SECRET1,UMCG,2025-02-01,\nSECRET2,UMCG,2025-03-01,\nSECRET1,UMCG,2025-04-01,\n"),
                "log.csv:4: duplicate participant_id (first on line 2)",
            ),
            (
                &format!("{HEADER}SECRET1,UMC Groningn,2025-02-01,\n"),
                "log.csv:2: unknown site \"UMC Groningn\"; did you mean \"UMC Groningen\"?",
            ),
            (&format!("{HEADER}SECRET1,Erasmus,2025-02-01,\n"), "log.csv:2: unknown site \"Erasmus\""),
            (&format!("{HEADER}SECRET1,UMCG,,\n"), "log.csv:2: enrolled_on is empty"),
            (&format!("{HEADER},UMCG,2025-02-01,\n"), "log.csv:2: empty participant_id"),
            (
                &format!("{HEADER}SECRET1,UMCG,2025-02-01\n"),
                "log.csv:2: malformed CSV row: 3 fields where the header has 4",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with(expected), "got {err:?}, expected {expected:?}");
            assert!(!err.contains("SECRET"), "participant id leaked: {err}");
        }
    }
}
