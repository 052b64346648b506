//! The annual progress report for the Dutch ethics committee (METC/CCMO
//! "voortgangsrapportage"), in English or Dutch.
//!
//! What the registry and the sponsor's log know is filled in: identification (the CCMO number
//! is the record's org study id), the reporting period (yearly from the METC decision date),
//! status, first inclusion, inclusions in the period and in total per site including those who
//! left early, planned versus actual recruitment and the expected end of inclusion (the
//! progress model at the end of the period), registry changes during the period and the
//! registry compliance findings. What only the investigator knows (adverse events, amendments,
//! deviations, progress on the objectives) comes from a local TOML file; without it those
//! sections say plainly that they are to be completed. No figure is invented.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, Months, NaiveDate};
use serde::Deserialize;
use serde_json::Value;

use super::Lang;
use super::blocks::Block;
use super::{Loaded, count, percent, plan_of};
use crate::diff::{Importance, humanize};
use crate::progress::sites;
use crate::registry::study;

/// The investigator's local file (TOML); every key optional, unknown keys rejected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Local {
    /// Serious adverse events (SAEs) in the period.
    pub serious_adverse_events: Option<String>,
    /// Suspected unexpected serious adverse reactions (SUSARs).
    pub susars: Option<String>,
    /// Other notifications to the METC (e.g. temporary halts).
    pub other_notifications: Option<String>,
    /// Amendments submitted or approved.
    pub amendments: Option<String>,
    /// Protocol deviations.
    pub protocol_deviations: Option<String>,
    /// Progress on the study's objectives.
    pub progress_on_objectives: Option<String>,
}

/// Reads the local file, naming it and the line on errors.
pub fn read_local(path: &Path) -> anyhow::Result<Local> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the ethics file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        anyhow::anyhow!("{}:{}: {}", path.display(), line.unwrap_or(1), e.message().trim().replace('\n', "; "))
    })
}

/// The reporting period: year `number` (1-based) from the METC decision date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// 1 for the first year after the decision.
    pub number: u32,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// False while the year has not ended at the report date.
    pub complete: bool,
}

/// The latest year from `decision` that has ended on or before `as_of`; the first year while
/// none has.
pub fn period(decision: NaiveDate, as_of: NaiveDate) -> Period {
    let year = |k: u32| decision.checked_add_months(Months::new(12 * k)).unwrap_or(decision);
    let mut k = 0u32;
    while year(k + 2) - Duration::days(1) <= as_of {
        k += 1;
    }
    let end = year(k + 1) - Duration::days(1);
    Period { number: k + 1, start: year(k), end, complete: end <= as_of }
}

struct Text {
    title: &'static str,
    identification: &'static str,
    ccmo: &'static str,
    trial: &'static str,
    brief_title: &'static str,
    official_title: &'static str,
    sponsor: &'static str,
    investigator: &'static str,
    decision: &'static str,
    period: &'static str,
    year: &'static str,
    incomplete: &'static str,
    status: &'static str,
    registry_status: &'static str,
    last_update: &'static str,
    snapshot: &'static str,
    recruitment: &'static str,
    first_inclusion: &'static str,
    none_yet: &'static str,
    in_period: &'static str,
    total: &'static str,
    left_early: &'static str,
    site: &'static str,
    unknown: &'static str,
    planned_vs_actual: &'static str,
    target: &'static str,
    expected: &'static str,
    actual: &'static str,
    planned_end: &'static str,
    expected_end: &'static str,
    reached_on: &'static str,
    no_log: &'static str,
    changes: &'static str,
    no_changes: &'static str,
    compliance: &'static str,
    no_findings: &'static str,
    findings_language: &'static str,
    to_complete: &'static str,
    sae: &'static str,
    susar: &'static str,
    notifications: &'static str,
    amendments: &'static str,
    deviations: &'static str,
    objectives: &'static str,
    generated: &'static str,
}

const EN: Text = Text {
    title: "Annual progress report to the ethics committee",
    identification: "Identification",
    ccmo: "CCMO number (org study id)",
    trial: "ClinicalTrials.gov id",
    brief_title: "Title",
    official_title: "Official title",
    sponsor: "Sponsor",
    investigator: "Principal investigator / contact",
    decision: "METC decision date",
    period: "Reporting period",
    year: "year",
    incomplete: "This year has not ended yet: figures are up to the report date.",
    status: "Status",
    registry_status: "Status on the registry",
    last_update: "Last registry update",
    snapshot: "Registry version used",
    recruitment: "Recruitment",
    first_inclusion: "Date of first inclusion",
    none_yet: "no inclusions yet",
    in_period: "Included in this period",
    total: "Included in total",
    left_early: "of whom left the study early",
    site: "Site",
    unknown: "unknown (no accrual log)",
    planned_vs_actual: "Planned versus actual recruitment",
    target: "Target",
    expected: "Expected by the end of the period (linear plan)",
    actual: "Actual by the end of the period",
    planned_end: "Planned end of inclusion",
    expected_end: "Expected end of inclusion (median)",
    reached_on: "Target reached on",
    no_log: "No accrual log was given: inclusion figures are unknown and must be completed by the investigator.",
    changes: "Registry changes during the period",
    no_changes: "No high or medium importance changes to the registry record in this period.",
    compliance: "Registry compliance",
    no_findings: "No registry duties are due or overdue.",
    findings_language: "",
    to_complete: "To be completed by the investigator: the registry does not hold this information.",
    sae: "Serious adverse events (SAEs)",
    susar: "Suspected unexpected serious adverse reactions (SUSARs)",
    notifications: "Other notifications to the METC",
    amendments: "Amendments",
    deviations: "Protocol deviations",
    objectives: "Progress on the objectives",
    generated: "Generated by ctwatch from the ClinicalTrials.gov record and the sponsor's accrual log; report date",
};

const NL: Text = Text {
    title: "Jaarlijkse voortgangsrapportage aan de METC",
    identification: "Identificatie",
    ccmo: "CCMO-nummer (NL-nummer)",
    trial: "ClinicalTrials.gov-nummer",
    brief_title: "Titel",
    official_title: "Officiële titel",
    sponsor: "Verrichter",
    investigator: "Hoofdonderzoeker / contactpersoon",
    decision: "Datum METC-besluit",
    period: "Verslagperiode",
    year: "jaar",
    incomplete: "Dit jaar is nog niet afgelopen: de cijfers lopen tot de rapportagedatum.",
    status: "Status",
    registry_status: "Status in het register",
    last_update: "Laatste wijziging in het register",
    snapshot: "Gebruikte registerversie",
    recruitment: "Inclusie",
    first_inclusion: "Datum eerste inclusie",
    none_yet: "nog geen inclusies",
    in_period: "Geïncludeerd in deze periode",
    total: "Totaal geïncludeerd",
    left_early: "waarvan voortijdig gestopt",
    site: "Centrum",
    unknown: "onbekend (geen inclusielijst)",
    planned_vs_actual: "Geplande versus werkelijke inclusie",
    target: "Beoogd aantal proefpersonen",
    expected: "Verwacht aan het eind van de periode (lineaire planning)",
    actual: "Werkelijk aan het eind van de periode",
    planned_end: "Gepland einde inclusie",
    expected_end: "Verwacht einde inclusie (mediaan)",
    reached_on: "Beoogd aantal bereikt op",
    no_log: "Er is geen inclusielijst opgegeven: de inclusiecijfers zijn onbekend en moeten door de onderzoeker worden ingevuld.",
    changes: "Wijzigingen in het register in deze periode",
    no_changes: "Geen belangrijke wijzigingen in de registratie in deze periode.",
    compliance: "Registerverplichtingen",
    no_findings: "Er zijn geen registerverplichtingen verlopen of binnenkort verschuldigd.",
    findings_language: "De toelichting per bevinding is in het Engels.",
    to_complete: "In te vullen door de onderzoeker: het register bevat deze gegevens niet.",
    sae: "Ernstige ongewenste voorvallen (SAE's)",
    susar: "Vermoedens van onverwachte ernstige bijwerkingen (SUSAR's)",
    notifications: "Overige meldingen aan de METC",
    amendments: "Amendementen",
    deviations: "Protocolafwijkingen",
    objectives: "Voortgang ten aanzien van de doelstellingen",
    generated: "Gemaakt met ctwatch uit de ClinicalTrials.gov-registratie en de inclusielijst van de verrichter; rapportagedatum",
};

fn status_nl(s: &str) -> String {
    match s {
        "RECRUITING" => "werving loopt".into(),
        "NOT_YET_RECRUITING" => "werving nog niet gestart".into(),
        "ACTIVE_NOT_RECRUITING" => "actief, werving gesloten".into(),
        "ENROLLING_BY_INVITATION" => "inclusie op uitnodiging".into(),
        "COMPLETED" => "afgerond".into(),
        "SUSPENDED" => "tijdelijk stilgelegd".into(),
        "TERMINATED" => "voortijdig beëindigd".into(),
        "WITHDRAWN" => "ingetrokken".into(),
        "UNKNOWN" => "onbekend".into(),
        other => humanize(other),
    }
}

/// The ethics report: its period and its blocks.
pub struct EthicsReport {
    /// The reporting period.
    pub period: Period,
    /// The report, ready for the Markdown and HTML renderers.
    pub blocks: Vec<Block>,
    /// Document title.
    pub title: String,
}

/// Builds the ethics report from loaded inputs (as-of = the report date).
pub fn build(loaded: &Loaded, lang: Lang, local_override: Option<&Path>) -> anyhow::Result<EthicsReport> {
    let t = match lang {
        Lang::En => &EN,
        Lang::Nl => &NL,
    };
    let id = &loaded.id;
    let decision = loaded.trial.and_then(|c| c.metc_decision_date).with_context(|| {
        format!("{id}: metc_decision_date is not set in ctwatch.toml; the ethics report's yearly periods count from the METC decision")
    })?;
    if decision > loaded.as_of {
        bail!("{id}: the METC decision date {decision} is after the report date {}", loaded.as_of);
    }
    let period = period(decision, loaded.as_of);
    let local_path = local_override.map(Path::to_path_buf).or_else(|| loaded.trial.and_then(|c| c.ethics.clone()));
    let local = match &local_path {
        Some(p) => Some(read_local(p).with_context(|| id.to_string())?),
        None => None,
    };
    let study = loaded.study();
    let s = |p: &str| study.pointer(p).and_then(Value::as_str).map(str::to_string);
    let status_text = |v: &str| match lang {
        Lang::En => humanize(v),
        Lang::Nl => status_nl(v),
    };
    let dash = || "–".to_string();

    let mut b = vec![Block::Title(format!("{}: {id}", t.title))];
    b.push(Block::Heading(t.identification.into()));
    let officials: Vec<String> = study
        .pointer(study::OVERALL_OFFICIALS)
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter(|x| x["role"] == "PRINCIPAL_INVESTIGATOR")
                .map(|x| match x["affiliation"].as_str() {
                    Some(a) => format!("{} ({a})", x["name"].as_str().unwrap_or("")),
                    None => x["name"].as_str().unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let contacts: Vec<String> = study
        .pointer(study::CENTRAL_CONTACTS)
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(|x| x["name"].as_str()).map(str::to_string).collect())
        .unwrap_or_default();
    let people = if officials.is_empty() { contacts } else { officials };
    b.push(Block::Facts(vec![
        (t.ccmo.into(), s(study::ORG_STUDY_ID).unwrap_or_else(dash)),
        (t.trial.into(), id.to_string()),
        (t.brief_title.into(), s(study::BRIEF_TITLE).unwrap_or_else(dash)),
        (t.official_title.into(), s(study::OFFICIAL_TITLE).unwrap_or_else(dash)),
        (t.sponsor.into(), s(study::LEAD_SPONSOR).unwrap_or_else(dash)),
        (t.investigator.into(), if people.is_empty() { dash() } else { people.join("; ") }),
        (t.decision.into(), lang.date(decision)),
    ]));

    b.push(Block::Heading(t.period.into()));
    b.push(Block::Para(format!(
        "{} – {} ({} {})",
        lang.date(period.start),
        lang.date(period.end),
        t.year,
        period.number
    )));
    if !period.complete {
        b.push(Block::Para(t.incomplete.into()));
    }
    let figures_at = period.end.min(loaded.as_of);

    b.push(Block::Heading(t.status.into()));
    b.push(Block::Facts(vec![
        (t.registry_status.into(), s(study::OVERALL_STATUS).map_or_else(dash, |v| status_text(&v))),
        (t.last_update.into(), s(study::LAST_UPDATE).map_or_else(dash, |d| lang.date_text(&d))),
        (t.snapshot.into(), loaded.versions[loaded.used].0.name.clone()),
    ]));

    b.push(Block::Heading(t.recruitment.into()));
    let log = loaded.log.as_ref();
    match log {
        None => b.push(Block::Para(t.no_log.into())),
        Some(log) => {
            let upto: Vec<_> = log.inclusions.iter().filter(|i| i.enrolled_on <= figures_at).collect();
            let first = upto.iter().map(|i| i.enrolled_on).min();
            b.push(Block::Facts(vec![(
                t.first_inclusion.into(),
                first.map_or_else(|| t.none_yet.to_string(), |d| lang.date(d)),
            )]));
            let site_rows = sites(&loaded.locations(), Some(log), figures_at);
            let in_period = |f: Option<&str>| {
                upto.iter().filter(|i| i.enrolled_on >= period.start && f.is_none_or(|f| i.facility == f)).count()
            };
            let left = |f: Option<&str>| {
                upto.iter()
                    .filter(|i| i.withdrawn_on.is_some_and(|w| w <= figures_at) && f.is_none_or(|f| i.facility == f))
                    .count()
            };
            let mut rows: Vec<Vec<String>> = site_rows
                .iter()
                .map(|x| {
                    vec![
                        x.facility.clone(),
                        in_period(Some(&x.facility)).to_string(),
                        x.enrolled.unwrap_or(0).to_string(),
                        left(Some(&x.facility)).to_string(),
                    ]
                })
                .collect();
            rows.push(vec!["Σ".into(), in_period(None).to_string(), upto.len().to_string(), left(None).to_string()]);
            b.push(Block::Table(vec![t.site.into(), t.in_period.into(), t.total.into(), t.left_early.into()], rows));
        }
    }

    b.push(Block::Heading(t.planned_vs_actual.into()));
    match plan_of(loaded) {
        Ok((plan, sources)) if figures_at >= plan.start => {
            let disagreements = super::plan_disagreements(loaded, &plan, &sources, lang);
            let progress = plan.progress(log, figures_at).with_context(|| id.to_string())?;
            let mut facts = vec![
                (t.target.into(), plan.target.to_string()),
                (t.expected.into(), lang.decimal(&count(progress.expected_by_now))),
                (t.actual.into(), progress.enrolled.map_or_else(|| t.unknown.to_string(), |m| m.to_string())),
                (t.planned_end.into(), lang.date(plan.end)),
            ];
            match (progress.target_reached_on, &progress.projection) {
                (Some(d), _) => facts.push((t.reached_on.into(), lang.date(d))),
                (None, Some(p)) => {
                    // The model the progress report leads with: site-aware with two or more sites.
                    let rows = sites(&loaded.locations(), log, figures_at);
                    let lead = (rows.len() >= 2)
                        .then(|| super::site_model(loaded, &plan, &rows, figures_at).project())
                        .flatten()
                        .map(|s| (s.p10, s.median, s.p90, s.probability_on_time))
                        .unwrap_or((p.p10, p.median, p.p90, p.probability_on_time));
                    let (p10, median, p90, on_time) = lead;
                    let chance = percent(100.0 * on_time);
                    let (n, end) = (plan.target, lang.date(plan.end));
                    let (p10, median, p90) = (lang.date(p10), lang.date(median), lang.date(p90));
                    let sentence = match lang {
                        Lang::En => {
                            format!("80 % interval {p10} – {p90}); probability of reaching {n} by {end}: {chance}")
                        }
                        Lang::Nl => format!(
                            "80 %-interval {p10} – {p90}); kans om {n} proefpersonen te bereiken uiterlijk op {end}: {chance}"
                        ),
                    };
                    facts.push((t.expected_end.into(), format!("{median} ({sentence}")));
                }
                (None, None) => facts.push((t.expected_end.into(), t.unknown.into())),
            }
            b.push(Block::Facts(facts));
            for sentence in disagreements {
                b.push(Block::Para(sentence));
            }
        }
        Ok((plan, _)) => b.push(Block::Para(format!("{} {}", t.first_inclusion, lang.date(plan.start)))),
        Err(e) => b.push(Block::Para(format!("{e:#}"))),
    }

    b.push(Block::Heading(t.changes.into()));
    // Posted on or after the first day of the period, up to its last.
    let changes: Vec<String> = loaded
        .changes_posted(period.start - chrono::Duration::days(1), period.end)
        .into_iter()
        .filter(|(_, c)| c.importance != Importance::Low)
        .map(|(v, c)| format!("{}: {}", lang.date(v.posted), c.summary))
        .collect();
    if changes.is_empty() {
        b.push(Block::Para(t.no_changes.into()));
    } else {
        b.push(Block::List(changes));
    }

    b.push(Block::Heading(t.compliance.into()));
    let findings = loaded.findings();
    if findings.is_empty() {
        b.push(Block::Para(t.no_findings.into()));
    } else {
        if !t.findings_language.is_empty() {
            b.push(Block::Para(t.findings_language.into()));
        }
        b.push(Block::List(
            findings
                .iter()
                .map(|f| {
                    format!("{} ({}): {}", f.severity.as_str(), f.due.map_or_else(dash, |d| d.to_string()), f.message)
                })
                .collect(),
        ));
    }

    let l = local.unwrap_or_default();
    for (heading, value) in [
        (t.sae, &l.serious_adverse_events),
        (t.susar, &l.susars),
        (t.notifications, &l.other_notifications),
        (t.amendments, &l.amendments),
        (t.deviations, &l.protocol_deviations),
        (t.objectives, &l.progress_on_objectives),
    ] {
        b.push(Block::Heading(heading.into()));
        b.push(Block::Para(value.clone().unwrap_or_else(|| t.to_complete.into())));
    }
    b.push(Block::Para(format!("{} {}.", t.generated, loaded.as_of)));
    let title = format!("{} {id} {} – {}", t.title, lang.date(period.start), lang.date(period.end));
    Ok(EthicsReport { period, blocks: b, title })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_years_from_the_decision() {
        let p = period(d("2024-10-01"), d("2026-11-26"));
        assert_eq!((p.number, p.start, p.end, p.complete), (2, d("2025-10-01"), d("2026-09-30"), true));
        let p = period(d("2024-10-01"), d("2025-09-30"));
        assert_eq!((p.number, p.end, p.complete), (1, d("2025-09-30"), true), "the last day completes year 1");
        let p = period(d("2024-10-01"), d("2025-09-29"));
        assert_eq!((p.number, p.complete), (1, false));
        let p = period(d("2024-02-29"), d("2025-03-01"));
        assert_eq!((p.start, p.end), (d("2024-02-29"), d("2025-02-27")), "leap-day decisions roll to 28 Feb");
    }
}
