//! The end-of-study notification to the ethics committee (CCMO "melding einde onderzoek"), in
//! English or Dutch: identification, the planned and the actual end, an early end and its
//! reason, inclusions per site and in total (completed, left early, with reasons), and what
//! comes next (the notification's and the results summary's deadlines). The same model as the
//! annual report; the same renderers.

use chrono::{Duration, Months, NaiveDate};

use super::blocks::{identification, reasons};
use super::words::words;
use super::{EthicsModel, Recruitment, SiteCounts, dutch};
use crate::diff::humanize;
use crate::format::Block;
use crate::lang::Lang;
use crate::partial_date::PartialDate;

struct Words {
    title: &'static str,
    end: &'static str,
    planned_end: &'static str,
    actual_end: &'static str,
    not_ended: &'static str,
    registry_status: &'static str,
    early: &'static str,
    early_yes: &'static str,
    early_no: &'static str,
    reason: &'static str,
    no_reason: &'static str,
    inclusions: &'static str,
    header: [&'static str; 4],
    next: &'static str,
    notify_by: &'static str,
    results_by: &'static str,
    first_version: &'static str,
}

const EN: Words = Words {
    title: "End-of-study notification to the METC",
    end: "End of the study",
    planned_end: "Planned end of the study",
    actual_end: "Actual end of the study",
    not_ended: "The registry does not record the study as ended: this notification is made before the end is on the record.",
    registry_status: "Status on the registry",
    early: "Ended early",
    early_yes: "yes",
    early_no: "no",
    reason: "Reason for ending early",
    no_reason: "The registry gives no reason. To be completed by the investigator.",
    inclusions: "Inclusions",
    header: ["Site", "Included", "Completed the study", "Left the study early"],
    next: "What comes next",
    notify_by: "This notification is due at the METC by",
    results_by: "The summary of the results is due at the METC by",
    first_version: "the registry record as first watched",
};

const NL: Words = Words {
    title: "Melding einde onderzoek aan de METC",
    end: "Einde van het onderzoek",
    planned_end: "Gepland einde van het onderzoek",
    actual_end: "Werkelijk einde van het onderzoek",
    not_ended: "Het register vermeldt het onderzoek (nog) niet als beëindigd: deze melding wordt gedaan voordat het einde in de registratie staat.",
    registry_status: "Status in het register",
    early: "Voortijdig beëindigd",
    early_yes: "ja",
    early_no: "nee",
    reason: "Reden voor voortijdige beëindiging",
    no_reason: "Het register vermeldt geen reden. In te vullen door de onderzoeker.",
    inclusions: "Inclusie",
    header: ["Centrum", "Geïncludeerd", "Onderzoek afgerond", "Voortijdig gestopt"],
    next: "Vervolg",
    notify_by: "Deze melding moet uiterlijk binnen zijn bij de METC op",
    results_by: "De samenvatting van de resultaten moet uiterlijk binnen zijn bij de METC op",
    first_version: "de registratie zoals eerst gevolgd",
};

/// The end of the study as the notification states it.
#[derive(Debug, Clone, Default)]
pub struct End {
    /// The completion date of the earliest stored version: the end as first planned.
    pub planned: Option<String>,
    /// The registry's actual completion date, once it has one.
    pub actual: Option<NaiveDate>,
    /// The registry's overall status.
    pub status: Option<String>,
    /// Terminated or withdrawn.
    pub early: bool,
    /// The registry's reason for stopping (`whyStopped`).
    pub why_stopped: Option<String>,
    /// The inclusions at the report date (all of them, not a year's).
    pub recruitment: Option<Recruitment>,
}

/// Reads the end from the stored versions: the first version's planned completion and the
/// current version's status, actual completion and reason.
pub fn end(loaded: &crate::inputs::Loaded) -> End {
    use crate::registry::study::{self, text_at};
    let first = &loaded.versions[0].1.study;
    let now = loaded.study();
    let status = study::overall_status(now).map(str::to_string);
    let actual = (text_at(now, study::COMPLETION_DATE_TYPE) == Some("ACTUAL"))
        .then(|| text_at(now, study::COMPLETION_DATE).and_then(PartialDate::parse).map(|d| d.last_day()))
        .flatten();
    End {
        planned: text_at(first, study::COMPLETION_DATE).map(str::to_string),
        actual,
        early: matches!(status.as_deref(), Some("TERMINATED" | "WITHDRAWN")),
        status,
        why_stopped: text_at(now, study::WHY_STOPPED).map(str::to_string).filter(|w| !w.trim().is_empty()),
        recruitment: super::recruitment_at(loaded, NaiveDate::MIN, loaded.as_of),
    }
}

/// The notification's title: document and trial.
pub fn title(m: &EthicsModel, lang: Lang) -> String {
    let w = if lang == Lang::En { &EN } else { &NL };
    format!("{} {}", w.title, m.identification.nct_id)
}

/// The notification in one language, in reading order.
pub fn blocks(m: &EthicsModel, e: &End, lang: Lang) -> Vec<Block> {
    let (w, t) = (if lang == Lang::En { &EN } else { &NL }, words(lang));
    let status_text = |v: &str| if lang == Lang::En { humanize(v) } else { dutch::status(v) };
    let mut b = vec![Block::Title(format!("{}: {}", w.title, m.identification.nct_id))];
    b.extend(identification(&m.identification, lang));

    b.push(Block::Heading(w.end.into()));
    let planned =
        e.planned.as_deref().map_or_else(|| "–".into(), |p| format!("{} ({})", lang.date_text(p), w.first_version));
    let mut facts = vec![
        (w.planned_end.into(), planned),
        (w.actual_end.into(), e.actual.map_or_else(|| "–".into(), |d| lang.date(d))),
        (w.registry_status.into(), e.status.as_deref().map_or_else(|| "–".into(), status_text)),
        (w.early.into(), if e.early { w.early_yes } else { w.early_no }.into()),
    ];
    if e.early {
        facts.push((w.reason.into(), e.why_stopped.clone().unwrap_or_else(|| w.no_reason.into())));
    }
    b.push(Block::Facts(facts));
    if e.actual.is_none() {
        b.push(Block::Para(w.not_ended.into()));
    }

    b.push(Block::Heading(w.inclusions.into()));
    match &e.recruitment {
        None => b.push(Block::ToComplete(t.no_log.into())),
        Some(r) => {
            let row = |c: &SiteCounts| {
                vec![
                    c.facility.clone().unwrap_or_else(|| t.all_sites.into()),
                    c.total.to_string(),
                    c.completed.map_or_else(|| t.not_recorded.to_string(), |n| n.to_string()),
                    c.left_early.to_string(),
                ]
            };
            b.push(Block::Table(
                w.header.iter().map(|h| h.to_string()).collect(),
                r.sites.iter().chain(std::iter::once(&r.total)).map(row).collect(),
            ));
            b.extend(reasons(r, lang));
        }
    }

    b.push(Block::Heading(w.next.into()));
    match e.actual {
        Some(end) => {
            let notify = if e.early { end + Duration::days(15) } else { end + Duration::weeks(8) };
            let results = end.checked_add_months(Months::new(12)).unwrap_or(end);
            b.push(Block::List(vec![
                format!("{} {}.", w.notify_by, lang.date(notify)),
                format!("{} {}.", w.results_by, lang.date(results)),
            ]));
        }
        None => b.push(Block::ToComplete(t.to_complete.into())),
    }

    b.push(Block::Heading(t.signature.into()));
    b.push(Block::Signature(vec![
        (t.name.into(), m.identification.principal_investigator.clone().unwrap_or_default()),
        (t.role.into(), t.pi_role.into()),
        (t.date.into(), String::new()),
        (t.sign.into(), String::new()),
    ]));
    b.push(Block::Footer(format!("{} {}.", t.generated, lang.date(m.as_of))));
    b
}

/// The day the notification's files are named after: the actual end, else the report date.
pub fn file_day(e: &End, as_of: NaiveDate) -> NaiveDate {
    e.actual.unwrap_or(as_of)
}
