//! The ethics report said in one language: the model as blocks for the Markdown, HTML and
//! Word renderers.

#[allow(unused_imports)]
use super::*;

/// The ethics report, ready for the renderers.
pub struct EthicsReport {
    /// The reporting period.
    pub period: Period,
    /// The report's blocks.
    pub blocks: Vec<Block>,
    /// Document title.
    pub title: String,
}

/// Builds the ethics report from loaded inputs in one language.
pub fn build(loaded: &Loaded, lang: Lang, local_override: Option<&Path>) -> anyhow::Result<EthicsReport> {
    let m = model(loaded, local_override)?;
    Ok(EthicsReport { period: m.period, title: title(&m, lang), blocks: blocks(&m, lang) })
}

/// The document's title: report, trial and period.
pub fn title(m: &EthicsModel, lang: Lang) -> String {
    let t = words(lang);
    let id = &m.identification.nct_id;
    format!("{} {id} {} – {}", t.title, lang.date(m.period.start), lang.date(m.period.end))
}

/// The identification section, shared by the committee's documents.
pub(super) fn identification(id: &Identification, lang: Lang) -> Vec<Block> {
    let t = words(lang);
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".to_string());
    let or_complete = |v: &Option<String>| v.clone().unwrap_or_else(|| t.to_complete_short.to_string());
    vec![
        Block::Heading(t.identification.into()),
        Block::Facts(vec![
            (t.ccmo.into(), or_dash(&id.ccmo_number)),
            (t.trial.into(), id.nct_id.clone()),
            (t.brief_title.into(), or_dash(&id.title)),
            (t.official_title.into(), or_dash(&id.official_title)),
            (t.sponsor.into(), or_dash(&id.sponsor)),
            (t.investigator.into(), or_complete(&id.principal_investigator)),
            (t.metc.into(), or_complete(&id.metc)),
            (t.metc_reference.into(), or_complete(&id.metc_reference)),
        ]),
        Block::Link(t.registry_record.into(), id.registry_url.clone(), id.registry_url.clone()),
    ]
}

/// Why participants left early: the reasons with their counts, that nobody did, or that the
/// log does not record them.
pub(super) fn reasons(r: &Recruitment, lang: Lang) -> Vec<Block> {
    let t = words(lang);
    let body = match &r.withdrawal_reasons {
        _ if r.total.left_early == 0 => Block::Para(t.nobody_left.into()),
        None => Block::ToComplete(t.reasons_missing.into()),
        Some(reasons) => Block::List(
            reasons.iter().map(|(why, n)| format!("{}: {n}", if why.is_empty() { t.no_reason } else { why })).collect(),
        ),
    };
    vec![Block::Subheading(t.reasons.into()), body]
}

/// The report in one language, in reading order.
pub fn blocks(m: &EthicsModel, lang: Lang) -> Vec<Block> {
    let t = words(lang);
    let dash = || "–".to_string();
    let status_text = |v: &str| match lang {
        Lang::En => humanize(v),
        Lang::Nl => dutch::status(v),
    };
    let local = |e: &Option<Entry>| e.as_ref().map(Entry::text).filter(|s| !s.is_empty());
    let section = |b: &mut Vec<Block>, e: &Option<Entry>| {
        b.push(local(e).map_or_else(|| Block::ToComplete(t.to_complete.into()), Block::Verbatim));
    };
    let id = &m.identification;

    let mut b = vec![Block::Title(format!("{}: {}", t.title, id.nct_id))];
    b.extend(identification(id, lang));

    b.push(Block::Heading(t.period.into()));
    let p = &m.period;
    b.push(Block::Para(format!("{} – {} ({} {})", lang.date(p.start), lang.date(p.end), t.year, p.number)));
    if !p.complete {
        b.push(Block::Para(t.incomplete.into()));
    }

    b.push(Block::Heading(t.status.into()));
    let halt = match (local(&m.investigator.temporary_halt), m.status.halted_on_registry) {
        (Some(text), _) => text,
        (None, true) => t.halted_on_registry.into(),
        (None, false) => t.no_halt.into(),
    };
    b.push(Block::Facts(vec![
        (t.registry_status.into(), m.status.registry_status.as_deref().map_or_else(dash, status_text)),
        (t.halt.into(), halt),
        (t.last_update.into(), m.status.last_update.as_deref().map_or_else(dash, |d| lang.date_text(d))),
        (
            t.snapshot.into(),
            m.status.last_update.as_deref().map_or_else(dash, |d| format!("{} {}", t.record_of, lang.date_text(d))),
        ),
    ]));

    b.push(Block::Heading(t.dates.into()));
    let d = &m.dates;
    let start = match (d.start, d.start_is_consent) {
        (Some(s), true) => lang.date(s),
        (Some(s), false) => format!("{} ({})", lang.date(s), t.start_from_inclusion),
        (None, _) if m.recruitment.is_none() => t.unknown.into(),
        (None, _) => t.not_started.into(),
    };
    let first = match (d.first_inclusion, &m.recruitment) {
        (Some(f), _) => lang.date(f),
        (None, None) => t.unknown.into(),
        (None, Some(_)) => t.not_started.into(),
    };
    let (expected, actual) = (t.expected_word, t.actual_word);
    let end_of_inclusion = match &d.end_of_inclusion {
        EndOfInclusion::TargetReached { on } => format!("{} ({actual})", lang.date(*on)),
        EndOfInclusion::Closed { last_inclusion, .. } => format!("{} ({actual})", lang.date(*last_inclusion)),
        EndOfInclusion::Expected { median, .. } => format!("{} ({expected})", lang.projected(*median)),
        EndOfInclusion::Planned { on } => format!("{} ({expected})", lang.date(*on)),
        EndOfInclusion::Unknown => t.to_complete_short.into(),
    };
    let end_of_study = match &d.end_of_study {
        Some(RegistryDate { date, actual: true }) => format!("{} ({actual})", lang.date_text(date)),
        Some(RegistryDate { date, actual: false }) => {
            format!("{} ({expected}, {})", lang.date_text(date), t.registry_completion)
        }
        None => t.to_complete_short.into(),
    };
    b.push(Block::Facts(vec![
        (t.approval.into(), lang.date(d.metc_approval)),
        (t.start_consent.into(), start),
        (t.first_inclusion.into(), first),
        (t.end_of_inclusion.into(), end_of_inclusion),
        (t.end_of_study.into(), end_of_study),
    ]));
    if let Some((n, first, start)) = d.before_start {
        b.push(Block::Para(match lang {
            Lang::En => format!(
                "Check: {n} inclusion{} in the accrual log {} dated before the study's start date on the registry ({}), the first on {}. Correct the log, or the start date on the registry.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" },
                lang.date(start),
                lang.date(first)
            ),
            Lang::Nl => format!(
                "Controleer: {n} inclusie{} in de inclusielijst {} gedateerd vóór de startdatum van het onderzoek in het register ({}), de eerste op {}. Corrigeer de inclusielijst, of de startdatum in het register.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "zijn" },
                lang.date(start),
                lang.date(first)
            ),
        }));
    }
    if let EndOfInclusion::Closed { registry_status, .. } = &d.end_of_inclusion {
        b.push(Block::Para(match lang {
            Lang::En => format!(
                "The registry lists the study as {}: inclusion ended with the last inclusion in the accrual log.",
                status_text(registry_status)
            ),
            Lang::Nl => format!(
                "Het register vermeldt het onderzoek als {}: de inclusie eindigde met de laatste inclusie in de inclusielijst.",
                status_text(registry_status)
            ),
        }));
    }

    b.push(Block::Heading(t.recruitment.into()));
    match &m.recruitment {
        None => b.push(Block::ToComplete(t.no_log.into())),
        Some(r) => {
            // A column the log has no data for says so in each row rather than disappearing.
            let row = |c: &SiteCounts| {
                vec![
                    c.facility.clone().unwrap_or_else(|| t.all_sites.into()),
                    c.in_period.to_string(),
                    c.total.to_string(),
                    c.left_early.to_string(),
                    c.completed.map_or_else(|| t.not_recorded.to_string(), |n| n.to_string()),
                ]
            };
            let header =
                vec![t.site.into(), t.in_period.into(), t.total.into(), t.left_early.into(), t.completed.into()];
            let rows = r.sites.iter().chain(std::iter::once(&r.total)).map(row).collect();
            b.push(Block::Table(header, rows));
            if !m.before_approval.is_empty() {
                b.push(Block::Subheading(t.before_approval.into()));
                b.push(Block::Lead(t.before_approval_note.into()));
                b.push(Block::Table(
                    t.before_approval_header.iter().map(|h| h.to_string()).collect(),
                    m.before_approval
                        .iter()
                        .map(|e| {
                            vec![e.pseudonym.clone(), e.site.clone(), lang.date(e.included), lang.date(e.approved)]
                        })
                        .collect(),
                ));
            }
            b.extend(reasons(r, lang));
        }
    }
    b.push(Block::Subheading(t.screen_failures.into()));
    section(&mut b, &m.investigator.screen_failures);

    b.push(Block::Heading(t.planned_vs_actual.into()));
    match &m.plan {
        PlanFigures::Figures { target, expected, actual, planned_end, disagreements } => {
            let mut facts = vec![
                (t.target.into(), target.to_string()),
                // People are counted whole; the fraction stays in the JSON.
                (t.expected.into(), format!("{:.0}", expected)),
                (t.actual.into(), actual.map_or_else(|| t.unknown.to_string(), |a| a.to_string())),
                (t.planned_end.into(), lang.date(*planned_end)),
            ];
            if let EndOfInclusion::Expected { median, p10, p90, probability_on_time } = &d.end_of_inclusion {
                let chance = percent(100.0 * probability_on_time);
                let (median, p10, p90, end) =
                    (lang.projected(*median), lang.projected(*p10), lang.projected(*p90), lang.date(*planned_end));
                let sentence = match lang {
                    Lang::En => format!(
                        "{median} (80 % interval {p10} – {p90}); probability of reaching {target} by {end}: {chance}"
                    ),
                    Lang::Nl => format!(
                        "{median} (80 %-interval {p10} – {p90}); kans om {target} proefpersonen te bereiken uiterlijk op {end}: {chance}"
                    ),
                };
                facts.push((t.expected_end.into(), sentence));
            }
            b.push(Block::Facts(facts));
            for sentence in disagreements.sentences(lang) {
                b.push(Block::Para(sentence));
            }
            // At least one participant behind the linear plan: what is being done about it.
            if actual.is_some_and(|a| f64::from(a) + 1.0 <= *expected) {
                b.push(Block::Subheading(t.measures.into()));
                let measures = local(&m.investigator.recruitment_measures);
                b.push(measures.map_or_else(|| Block::ToComplete(t.measures_expected.into()), Block::Verbatim));
            }
        }
        PlanFigures::NotStarted { start } => b.push(Block::Para(match lang {
            Lang::En => {
                format!("Recruitment had not started by the end of the period; planned start {}.", lang.date(*start))
            }
            Lang::Nl => format!(
                "De inclusie was aan het eind van de periode nog niet gestart; geplande start {}.",
                lang.date(*start)
            ),
        })),
        PlanFigures::Unavailable { reason } => b.push(Block::Para(match lang {
            Lang::En => format!("No plan can be shown: {reason}"),
            Lang::Nl => format!("Er kan geen planning worden getoond (toelichting in het Engels): {reason}"),
        })),
    }

    let l = &m.investigator;
    b.push(Block::Heading(t.safety.into()));
    for (heading, value) in
        [(t.safety_summary, &l.safety_summary), (t.sae, &l.serious_adverse_events), (t.susar, &l.susars)]
    {
        b.push(Block::Subheading(heading.into()));
        section(&mut b, value);
    }
    for (heading, value) in [
        (t.amendments, &l.amendments),
        (t.deviations, &l.protocol_deviations),
        (t.notifications, &l.other_notifications),
        (t.dsmb, &l.dsmb),
        (t.monitoring, &l.monitoring),
        (t.insurance, &l.insurance),
    ] {
        b.push(Block::Heading(heading.into()));
        section(&mut b, value);
    }

    b.push(Block::Heading(t.changes.into()));
    if m.changes.is_empty() {
        b.push(Block::Para(t.no_changes.into()));
    } else {
        b.push(Block::List(
            m.changes
                .iter()
                .map(|c| {
                    let summary = match lang {
                        Lang::En => c.change.summary.clone(),
                        Lang::Nl => dutch::change(&c.change),
                    };
                    format!("{}: {summary}", lang.date(c.posted))
                })
                .collect(),
        ));
    }

    for (heading, value) in [(t.objectives, &l.progress_on_objectives), (t.conclusion, &l.conclusion)] {
        b.push(Block::Heading(heading.into()));
        section(&mut b, value);
    }

    b.push(Block::Heading(t.signature.into()));
    let signer = id.principal_investigator.clone().unwrap_or_default();
    b.push(Block::Signature(vec![
        (t.name.into(), signer),
        (t.role.into(), t.pi_role.into()),
        (t.date.into(), String::new()),
        (t.sign.into(), String::new()),
    ]));
    b.push(Block::Footer(format!("{} {}.", t.generated, lang.date(m.as_of))));
    b
}
