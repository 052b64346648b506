//! The progress report's content, as blocks for the Markdown and HTML renderers.

use super::{ProgressReport, count, percent};
use crate::diff::humanize;
use crate::format::Block;

fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "–".into())
}

fn num(v: Option<u32>) -> String {
    v.map_or_else(|| "unknown".into(), |n| n.to_string())
}

/// The report's blocks, in reading order.
pub fn blocks(r: &ProgressReport) -> Vec<Block> {
    let mut b = vec![Block::Title(format!("Recruitment progress: {}", r.nct_id))];
    if let Some(title) = &r.trial.title {
        b.push(Block::Para(title.clone()));
    }
    b.push(Block::Facts(vec![
        ("Trial".into(), r.nct_id.to_string()),
        ("Sponsor".into(), or_dash(r.trial.sponsor.clone())),
        ("Org study id (CCMO)".into(), or_dash(r.trial.org_study_id.clone())),
        ("Registry status".into(), r.trial.overall_status.as_deref().map_or_else(|| "–".into(), humanize)),
        ("Last registry update".into(), or_dash(r.trial.last_update.clone())),
        ("Snapshot used".into(), r.trial.snapshot.clone()),
        ("As of".into(), r.as_of.to_string()),
    ]));
    b.push(Block::Link("Registry record".into(), r.trial.registry_url.clone(), r.trial.registry_url.clone()));
    b.push(Block::Lead(r.headline.clone()));
    // The chart right under the headline: on screen and on the first printed page.
    b.push(Block::Chart(format!(
        "Cumulative inclusions of {} against the linear plan to {} participants by {}, with the projected date the target is reached",
        r.nct_id, r.target, r.recruitment_end
    )));

    b.push(Block::Heading("Progress".into()));
    let included = match (r.enrolled, r.percent_of_target) {
        (Some(m), Some(p)) => format!("{m} ({})", percent(p)),
        _ => "unknown (no accrual log)".into(),
    };
    let plan_gap = r.ahead_of_plan.map_or_else(
        || "unknown".into(),
        |g| {
            if g.abs() < 0.05 {
                "on plan".into()
            } else if g > 0.0 {
                format!("{} participants ahead", count(g))
            } else {
                format!("{} participants behind", count(-g))
            }
        },
    );
    b.push(Block::Facts(vec![
        ("Target".into(), format!("{} (from {})", r.target, r.sources.target)),
        ("Included".into(), included),
        ("Left the study early".into(), num(r.withdrawn)),
        (
            "Recruitment period".into(),
            format!("{} – {} (end from {})", r.start_date, r.recruitment_end, r.sources.recruitment_end),
        ),
        ("Period elapsed".into(), percent(100.0 * r.elapsed_fraction)),
        ("Expected by now (linear plan)".into(), count(r.expected_by_now)),
        ("Against the linear plan".into(), plan_gap),
    ]));

    b.push(Block::Heading("Projection".into()));
    match (&r.projection, r.target_reached_on) {
        (_, Some(reached)) => {
            b.push(Block::Para(format!("The target was reached on {reached}; no projection is needed.")))
        }
        (Some(p), None) => {
            let mut rows = Vec::new();
            if let Some(sp) = &r.site_projection {
                rows.push(vec![
                    "Site-aware (a rate per site)".into(),
                    crate::progress::show(sp.p10),
                    crate::progress::show(sp.median),
                    crate::progress::show(sp.p90),
                    percent(100.0 * sp.probability_on_time),
                ]);
            }
            rows.push(vec![
                "Constant rate (one rate for the trial)".into(),
                crate::progress::show(p.p10),
                crate::progress::show(p.median),
                crate::progress::show(p.p90),
                percent(100.0 * p.probability_on_time),
            ]);
            b.push(Block::Para(format!(
                "The date the target of {} is reached, projected by two Bayesian models: 10 % of the time sooner than the first date, half the time sooner than the median, 90 % of the time sooner than the last. Both weigh the plan ({} participants in {} days) with a prior certainty of {} and update it with the {} inclusions so far.",
                r.target,
                r.target,
                (r.recruitment_end - r.start_date).num_days(),
                p.prior_certainty,
                r.enrolled.unwrap_or(0)
            )));
            b.push(Block::Table(
                [
                    "Model".to_string(),
                    "10 %".into(),
                    "Median".into(),
                    "90 %".into(),
                    format!("Reached by {}", r.recruitment_end),
                ]
                .to_vec(),
                rows,
            ));
            if !r.leading_reason.is_empty() {
                b.push(Block::Para(format!("The headline uses the {} model. {}", r.leading_model, r.leading_reason)));
            }
            if let Some(pace) = r.pace {
                let mut facts = Vec::new();
                if let Some(needed) = pace.needed_per_month {
                    facts.push((
                        "Needed from now".to_string(),
                        format!("{} a month to reach {} by {}", crate::lang::rate(needed), r.target, r.recruitment_end),
                    ));
                }
                facts.push((
                    "Observed recently".to_string(),
                    format!("{} a month since {}", crate::lang::rate(pace.recent_per_month), pace.recent_since),
                ));
                if let (Some(risk), Some(lead)) = (r.at_risk, r.lead()) {
                    let on_time = percent(100.0 * lead.probability_on_time);
                    let threshold = percent(100.0 * r.at_risk_below);
                    facts.push((
                        "At risk".to_string(),
                        if risk {
                            format!(
                                "yes: {on_time} chance of reaching the target on time, under the {threshold} threshold"
                            )
                        } else {
                            format!("no: {on_time} chance of reaching the target on time; the threshold is {threshold}")
                        },
                    ));
                }
                b.push(Block::Facts(facts));
            }
            if let Some(sp) = &r.site_projection {
                if sp.plan_check.conflict {
                    b.push(Block::Para(super::plan_conflict_sentence(sp.plan_check.rate_vs_plan)));
                }
                b.push(Block::Para(
                    "Where each site's opening comes from, in this order: the opening date the sponsor office set; for the site that started the study, the registry's actual start date; the first registry version that lists it as recruiting (a site recruiting without inclusions counts that time with none); its first inclusion. A site not yet recruiting opens after an uncertain delay, or never.".into(),
                ));
                b.push(Block::Table(
                    ["Site", "Included", "Projected by the planned end", "Counts as open from", "Because"]
                        .map(String::from)
                        .to_vec(),
                    sp.sites
                        .iter()
                        .map(|s| {
                            let opens = match s.never_opens {
                                Some(p) => format!(
                                    "about {} (may never open: {})",
                                    crate::progress::show(s.opens),
                                    percent(100.0 * p)
                                ),
                                None => s.opens.to_string(),
                            };
                            vec![
                                s.facility.clone(),
                                s.enrolled.to_string(),
                                s.projected_by_end.to_string(),
                                opens,
                                s.opening_source.describe().to_string(),
                            ]
                        })
                        .collect(),
                ));
                if let Some(m) = &sp.opening_model {
                    let typical = if m.delays_seen > 0 {
                        format!(
                            "from this trial's {} and a default of {} days",
                            crate::text::plural(m.delays_seen, "site that opened after the start"),
                            crate::progress::openings::DEFAULT_DELAY_DAYS
                        )
                    } else {
                        format!(
                            "ctwatch's default of {} days; none of this trial's sites opened after the start yet",
                            crate::progress::openings::DEFAULT_DELAY_DAYS
                        )
                    };
                    let mut evidence = vec![crate::text::plural(m.sites_opened, "site that opened")];
                    if m.sites_dropped > 0 {
                        evidence.push(format!(
                            "{} the registry listed and dropped without {} recruiting",
                            crate::text::plural(m.sites_dropped as usize, "site"),
                            if m.sites_dropped == 1 { "it ever" } else { "any ever" }
                        ));
                    }
                    b.push(Block::Para(format!(
                        "Sites not open yet: the typical delay to opening is {} days ({typical}), and {} of listed sites never open ({} by default — {} of the sites selected for a trial in Western Europe are activated, Tufts CSDD, 2013 — moved by this trial's {}); a site that has waited long is more likely never to open.",
                        m.mean_delay_days().round(),
                        percent(100.0 * m.never_share()),
                        percent(100.0 * crate::progress::openings::DEFAULT_NEVER_OPENS),
                        percent(100.0 * (1.0 - crate::progress::openings::DEFAULT_NEVER_OPENS)),
                        evidence.join(" and ")
                    )));
                }
            }
        }
        (None, None) if r.not_started => b.push(Block::Para(format!(
            "No projection before recruitment starts ({}): the plan alone would be all it shows.",
            r.start_date
        ))),
        (None, None) => b.push(Block::Para("No projection without an accrual log.".into())),
    }

    b.push(Block::Heading("Sites".into()));
    let rows = r
        .sites
        .iter()
        .map(|s| {
            vec![
                match &s.city {
                    Some(c) => format!("{}, {c}", s.facility),
                    None => s.facility.clone(),
                },
                site_status(s),
                num(s.enrolled),
                num(s.withdrawn),
                or_dash(s.first_enrolled_on.map(|d| d.to_string())),
                or_dash(s.months_active.map(|m| format!("{m:.1}"))),
                or_dash(s.rate_per_month.map(|x| format!("{x:.2}"))),
            ]
        })
        .collect();
    b.push(Block::Table(
        ["Site", "Registry status", "Included", "Left early", "First inclusion", "Months active", "Per month"]
            .map(String::from)
            .to_vec(),
        rows,
    ));

    b.push(Block::Heading(format!("Registry changes in the last {} days", super::RECENT_DAYS)));
    if r.recent_changes.is_empty() {
        b.push(Block::Para("No high or medium importance changes.".into()));
    } else {
        b.push(Block::List(
            r.recent_changes.iter().map(|c| format!("{} ({}): {}", c.date, c.importance.as_str(), c.summary)).collect(),
        ));
    }
    b.push(Block::Heading("Registry compliance".into()));
    if r.findings.is_empty() {
        b.push(Block::Para("No registry duties are due or overdue.".into()));
    } else {
        b.push(Block::Table(
            ["Severity", "Due", "Rule", "What to do"].map(String::from).to_vec(),
            r.findings
                .iter()
                .map(|f| {
                    vec![
                        f.severity.as_str().into(),
                        or_dash(f.due.map(|d| d.to_string())),
                        f.rule.into(),
                        f.message.clone(),
                    ]
                })
                .collect(),
        ));
    }
    if !r.notes.is_empty() {
        b.push(Block::Heading("Notes".into()));
        b.push(Block::List(r.notes.clone()));
    }
    let log = r
        .sources
        .accrual_log
        .as_deref()
        .map_or_else(|| "no accrual log".to_string(), |l| format!("the accrual log {l}"));
    b.push(Block::Footer(format!(
        "Made with ctwatch from registry version {} and {log}; report date {}.",
        r.trial.snapshot, r.as_of
    )));
    b
}

/// A site's registry status for people: its status, "listed, status not given", or "not on the
/// registry" (a site only the accrual log knows).
pub fn site_status(s: &crate::progress::SiteProgress) -> String {
    match (&s.registry_status, s.on_registry) {
        (Some(status), _) => humanize(status),
        (None, true) => "listed, status not given".into(),
        (None, false) => "not on the registry".into(),
    }
}
