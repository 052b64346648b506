//! The ethics report's model: every figure gathered from the inputs, with no wording.

#[allow(unused_imports)]
use super::*;

/// The reporting period: year `number` (1-based) from the METC decision date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// Who the study is and who reviews it.
#[derive(Debug, Clone, Serialize)]
pub struct Identification {
    /// The CCMO (NL) number: the registry's org study id.
    pub ccmo_number: Option<String>,
    /// ClinicalTrials.gov id.
    pub nct_id: String,
    /// Brief title.
    pub title: Option<String>,
    /// Official title.
    pub official_title: Option<String>,
    /// Lead sponsor (verrichter).
    pub sponsor: Option<String>,
    /// Principal investigator: ctwatch.toml's, else the registry's overall official(s).
    pub principal_investigator: Option<String>,
    /// `config` or `registry`.
    pub principal_investigator_source: &'static str,
    /// The reviewing METC (ctwatch.toml).
    pub metc: Option<String>,
    /// The METC's reference (ctwatch.toml).
    pub metc_reference: Option<String>,
    /// The record's page on ClinicalTrials.gov.
    pub registry_url: String,
}

/// The study's status.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The registry's overall status (enum value).
    pub registry_status: Option<String>,
    /// The registry says SUSPENDED.
    pub halted_on_registry: bool,
    /// The registry's last update posted.
    pub last_update: Option<String>,
    /// The snapshot used.
    pub snapshot: String,
}

/// The end of inclusion: reached, or expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EndOfInclusion {
    /// The target was reached on this date.
    TargetReached {
        /// The day the last needed participant was included.
        on: NaiveDate,
    },
    /// The registry says recruitment is closed; the last inclusion in the log.
    Closed {
        /// The last inclusion.
        last_inclusion: NaiveDate,
        /// The registry status saying so.
        registry_status: String,
    },
    /// The projection of the model the progress report leads with.
    Expected {
        /// Median date the target is reached.
        median: NaiveDate,
        /// 10th percentile.
        p10: NaiveDate,
        /// 90th percentile.
        p90: NaiveDate,
        /// P(target reached by the planned end).
        probability_on_time: f64,
    },
    /// No accrual log, or recruitment has not started: only the plan is known.
    Planned {
        /// The planned end of recruitment.
        on: NaiveDate,
    },
    /// Nothing is known.
    Unknown,
}

/// A registry date with its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryDate {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub date: String,
    /// True when the registry calls it ACTUAL.
    pub actual: bool,
}

/// The dates a METC asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyDates {
    /// The METC's decision (approval).
    pub metc_approval: NaiveDate,
    /// The study's start: the first informed consent (the log's `consented_on`), or the first
    /// inclusion when the log has no consent dates.
    pub start: Option<NaiveDate>,
    /// True when `start` is a consent date.
    pub start_is_consent: bool,
    /// The first inclusion.
    pub first_inclusion: Option<NaiveDate>,
    /// End of inclusion.
    pub end_of_inclusion: EndOfInclusion,
    /// End of the study: the registry's completion date.
    pub end_of_study: Option<RegistryDate>,
    /// Inclusions dated before the registry's start date (count, the first, that start): the
    /// progress report's plausibility rule, said here too.
    pub before_start: Option<(usize, NaiveDate, NaiveDate)>,
}

/// Inclusion figures at one site (or all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SiteCounts {
    /// Registry facility name; `None` for the total.
    pub facility: Option<String>,
    /// Included during the period.
    pub in_period: u32,
    /// Included since the start.
    pub total: u32,
    /// Of all included, left early.
    pub left_early: u32,
    /// Of all included, completed the study (`None` without a `completed_on` column).
    pub completed: Option<u32>,
}

/// Inclusions per site, leaving early and completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recruitment {
    /// Per site, registry order.
    pub sites: Vec<SiteCounts>,
    /// All sites.
    pub total: SiteCounts,
    /// Reasons for leaving early with their counts, most frequent first (`None` without a
    /// `withdrawal_reason` column); a withdrawal without a reason counts under "".
    pub withdrawal_reasons: Option<Vec<(String, u32)>>,
}

/// Planned against actual recruitment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanFigures {
    /// Figures at the end of the period (or the report date).
    Figures {
        /// The target used.
        target: u32,
        /// The linear plan's count.
        expected: f64,
        /// Included (`None` without a log).
        actual: Option<u32>,
        /// The planned end of recruitment.
        planned_end: NaiveDate,
        /// Where the plan and the registry disagree.
        disagreements: Disagreements,
    },
    /// Recruitment had not started by the end of the period.
    NotStarted {
        /// Planned start of recruitment.
        start: NaiveDate,
    },
    /// No plan can be made (the reason, in English).
    Unavailable {
        /// Why.
        reason: String,
    },
}

/// A registry change posted in the period.
#[derive(Debug, Clone, Serialize)]
pub struct DatedChange {
    /// The day the version was posted.
    pub posted: NaiveDate,
    /// The change.
    pub change: Change,
}

/// Everything the ethics report says, before any wording.
#[derive(Debug, Clone, Serialize)]
pub struct EthicsModel {
    /// The report date.
    pub as_of: NaiveDate,
    /// The reporting period.
    pub period: Period,
    /// Figures are counted up to this day: the period's end, or the report date before it.
    pub figures_at: NaiveDate,
    /// Identification.
    pub identification: Identification,
    /// Status.
    pub status: Status,
    /// Key dates.
    pub dates: KeyDates,
    /// Inclusions (`None` without an accrual log).
    pub recruitment: Option<Recruitment>,
    /// Participants included at a site before the committee approved it, oldest first.
    pub before_approval: Vec<EarlyInclusion>,
    /// Planned against actual.
    pub plan: PlanFigures,
    /// High and medium importance registry changes posted in the period.
    pub changes: Vec<DatedChange>,
    /// The investigator's sections.
    pub investigator: Local,
    /// The investigator's file was given.
    pub investigator_file: bool,
}

/// A participant included at a site before the ethics committee approved that site.
#[derive(Debug, Clone, Serialize)]
pub struct EarlyInclusion {
    /// The sponsor's pseudonym of the participant (the log's participant_id).
    pub pseudonym: String,
    /// The site.
    pub site: String,
    /// Included on.
    pub included: NaiveDate,
    /// The first day the site may include (the committee's approval).
    pub approved: NaiveDate,
}

/// Closed statuses: recruitment is over even when the target was not reached (a suspended
/// study is halted, not closed).
const CLOSED: [&str; 3] = ["ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED"];

/// The inclusion figures per site and in total at `at` (included since `from` as "in period"),
/// with the reasons for leaving early when the log records them; `None` without a log.
pub fn recruitment_at(loaded: &Loaded, from: NaiveDate, at: NaiveDate) -> Option<Recruitment> {
    let log = loaded.log.as_ref();
    let upto: Vec<&crate::accrual::Inclusion> =
        log.map(|l| l.inclusions.iter().filter(|i| i.enrolled_on <= at).collect()).unwrap_or_default();
    let site_rows = sites(&loaded.locations(), log, at);
    log.map(|l| {
        let count = |f: Option<&str>, keep: &dyn Fn(&crate::accrual::Inclusion) -> bool| {
            upto.iter().filter(|i| f.is_none_or(|f| i.facility == f) && keep(i)).count() as u32
        };
        let counts = |f: Option<&str>| SiteCounts {
            facility: f.map(str::to_string),
            in_period: count(f, &|i| i.enrolled_on >= from),
            total: count(f, &|_| true),
            left_early: count(f, &|i| i.withdrawn_on.is_some_and(|w| w <= at)),
            completed: l.columns.completed_on.then(|| count(f, &|i| i.completed_on.is_some_and(|c| c <= at))),
        };
        let sites = site_rows.iter().map(|x| counts(Some(&x.facility))).collect();
        let withdrawal_reasons = l.columns.withdrawal_reason.then(|| {
            let mut by: BTreeMap<String, u32> = BTreeMap::new();
            for i in upto.iter().filter(|i| i.withdrawn_on.is_some_and(|w| w <= at)) {
                *by.entry(i.withdrawal_reason.clone().unwrap_or_default()).or_default() += 1;
            }
            let mut v: Vec<(String, u32)> = by.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        });
        Recruitment { sites, total: counts(None), withdrawal_reasons }
    })
}

/// Gathers the ethics report's figures from loaded inputs (as-of = the report date).
pub fn model(loaded: &Loaded, local_override: Option<&Path>) -> anyhow::Result<EthicsModel> {
    let id = &loaded.id;
    let trial = loaded.trial;
    let decision = trial.and_then(|c| c.metc_decision_date).with_context(|| {
        format!("{id}: metc_decision_date is not set in ctwatch.toml; the ethics report's yearly periods count from the METC decision")
    })?;
    if decision > loaded.as_of {
        bail!("{id}: the METC decision date {decision} is after the report date {}", loaded.as_of);
    }
    let period = period(decision, loaded.as_of);
    let figures_at = period.end.min(loaded.as_of);
    let local_path = local_override.map(Path::to_path_buf).or_else(|| trial.and_then(|c| c.ethics.clone()));
    let investigator = match &local_path {
        Some(p) => read_local(p).with_context(|| id.to_string())?,
        None => Local::default(),
    };
    let study = loaded.study();
    let s = |p: &str| study.pointer(p).and_then(Value::as_str).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

    let officials: Vec<String> = study
        .pointer(study::OVERALL_OFFICIALS)
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter(|x| x["role"] == "PRINCIPAL_INVESTIGATOR")
                .filter_map(|x| {
                    let name = x["name"].as_str()?;
                    Some(match x["affiliation"].as_str() {
                        Some(a) => format!("{name} ({a})"),
                        None => name.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let configured_pi = trial.and_then(|c| c.principal_investigator.clone());
    let identification = Identification {
        ccmo_number: s(study::ORG_STUDY_ID),
        nct_id: id.to_string(),
        title: s(study::BRIEF_TITLE),
        official_title: s(study::OFFICIAL_TITLE),
        sponsor: s(study::LEAD_SPONSOR),
        principal_investigator_source: if configured_pi.is_some() { "config" } else { "registry" },
        principal_investigator: configured_pi.or_else(|| (!officials.is_empty()).then(|| officials.join("; "))),
        metc: trial.and_then(|c| c.metc.clone()),
        metc_reference: trial.and_then(|c| c.metc_reference.clone()),
        registry_url: format!("{}{id}", crate::config::STUDY_PAGE),
    };
    let registry_status = s(study::OVERALL_STATUS);
    let status = Status {
        halted_on_registry: registry_status.as_deref() == Some("SUSPENDED"),
        registry_status: registry_status.clone(),
        last_update: s(study::LAST_UPDATE),
        snapshot: loaded.versions[loaded.used].0.name.clone(),
    };

    let log = loaded.log.as_ref();
    let upto: Vec<&crate::accrual::Inclusion> =
        log.map(|l| l.inclusions.iter().filter(|i| i.enrolled_on <= figures_at).collect()).unwrap_or_default();
    let first_inclusion = upto.iter().map(|i| i.enrolled_on).min();
    let (start, start_is_consent) = match upto.iter().filter_map(|i| i.consented_on).min() {
        Some(consent) => (Some(consent), true),
        None => (first_inclusion, false),
    };
    let registry_start = study::date_at(loaded.study(), study::START_DATE).map(|d| d.first_day());
    let before_start = registry_start.and_then(|start| {
        let early: Vec<NaiveDate> = upto.iter().map(|i| i.enrolled_on).filter(|d| *d < start).collect();
        early.iter().min().map(|first| (early.len(), *first, start))
    });
    // Per-site figures at the period's end: the inclusion table and the site-aware projection.
    let site_rows = sites(&loaded.locations(), log, figures_at);

    let recruitment = recruitment_at(loaded, period.start, figures_at);

    let (plan, end_of_inclusion) = match plan_of(loaded) {
        Ok((plan, sources)) if figures_at >= plan.start => {
            let progress = plan.progress(log, figures_at).with_context(|| id.to_string())?;
            let closed = registry_status.as_deref().filter(|s| CLOSED.contains(s));
            let last = upto.iter().map(|i| i.enrolled_on).max();
            let end = match (progress.target_reached_on, closed, last, &progress.projection) {
                (Some(on), ..) => EndOfInclusion::TargetReached { on },
                (None, Some(status), Some(last_inclusion), _) => {
                    EndOfInclusion::Closed { last_inclusion, registry_status: status.to_string() }
                }
                (None, _, _, Some(p)) => {
                    // The model the progress report leads with (one rule: `Lead::of`): the
                    // site-aware one whenever it projects.
                    let lead = crate::report::progress::site_model(loaded, &plan, &site_rows, figures_at)
                        .project()
                        .map(|s| (s.p10, s.median, s.p90, s.probability_on_time))
                        .unwrap_or((p.p10, p.median, p.p90, p.probability_on_time));
                    EndOfInclusion::Expected { p10: lead.0, median: lead.1, p90: lead.2, probability_on_time: lead.3 }
                }
                (None, ..) => EndOfInclusion::Planned { on: plan.end },
            };
            let figures = PlanFigures::Figures {
                target: plan.target,
                expected: progress.expected_by_now,
                actual: progress.enrolled,
                planned_end: plan.end,
                disagreements: crate::report::progress::disagreements(loaded, &plan, &sources),
            };
            (figures, end)
        }
        Ok((plan, _)) => (PlanFigures::NotStarted { start: plan.start }, EndOfInclusion::Planned { on: plan.end }),
        Err(e) => (PlanFigures::Unavailable { reason: format!("{e:#}") }, EndOfInclusion::Unknown),
    };
    let end_of_study = s(study::COMPLETION_DATE)
        .map(|date| RegistryDate { date, actual: s(study::COMPLETION_DATE_TYPE).as_deref() == Some("ACTUAL") });

    // Posted on or after the first day of the period, up to its last.
    let changes = loaded
        .changes_posted(period.start - Duration::days(1), period.end)
        .into_iter()
        .filter(|(_, c)| c.importance != Importance::Low)
        .map(|(v, change)| DatedChange { posted: v.posted, change })
        .collect();

    let approvals = trial.map(|t| &t.site_approval);
    let mut before_approval: Vec<EarlyInclusion> = loaded
        .log
        .iter()
        .flat_map(|log| &log.inclusions)
        .filter(|i| i.enrolled_on <= figures_at)
        .filter_map(|i| {
            let (_, approved) = approvals?.iter().find(|(site, _)| site.eq_ignore_ascii_case(&i.facility))?;
            (i.enrolled_on < *approved).then(|| EarlyInclusion {
                pseudonym: i.pseudonym.clone(),
                site: i.facility.clone(),
                included: i.enrolled_on,
                approved: *approved,
            })
        })
        .collect();
    before_approval.sort_by(|a, b| (a.included, &a.pseudonym).cmp(&(b.included, &b.pseudonym)));

    Ok(EthicsModel {
        as_of: loaded.as_of,
        period,
        figures_at,
        identification,
        status,
        dates: KeyDates {
            metc_approval: decision,
            start,
            start_is_consent,
            first_inclusion,
            end_of_inclusion,
            end_of_study,
            before_start,
        },
        recruitment,
        before_approval,
        plan,
        changes,
        investigator,
        investigator_file: local_path.is_some(),
    })
}
