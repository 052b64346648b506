//! The terminal summary printed by `ctwatch report`.

use super::{LeadFigures, ProgressReport};
use crate::diff;
use crate::format::terminal;
use crate::lang::{count, percent};

/// Headline, key figures and the sites, for a terminal.
pub fn render(r: &ProgressReport) -> String {
    let mut out = terminal::line(&crate::text::terminal_safe(&r.headline), 0);
    out.push('\n');
    let rows = r.sites.iter().map(|s| {
        vec![
            s.facility.clone(),
            super::blocks::site_status(s),
            s.enrolled.map_or_else(|| "?".into(), |n| n.to_string()),
            s.withdrawn.map_or_else(|| "?".into(), |n| n.to_string()),
            s.first_enrolled_on.map_or_else(|| "–".into(), |d| d.to_string()),
            s.rate_per_month.map_or_else(|| "–".into(), |x| format!("{x:.2}")),
        ]
    });
    out.push_str(&terminal::table(
        &["Site", "Registry status", "Included", "Left early", "First inclusion", "Per month"],
        rows,
    ));
    for n in &r.notes {
        out.push_str(&terminal::line(&format!("Note: {}", crate::text::terminal_safe(n)), 6));
    }
    out
}

/// The one paragraph a person reads first.
pub fn headline(r: &ProgressReport) -> String {
    if r.not_started {
        let listed = r.sites.iter().filter(|s| s.on_registry).count();
        let days = (r.start_date - r.as_of).num_days();
        return format!(
            "Not started: recruitment is planned to start on {} (in {}). The plan: {} participants by {}, at {}. From the start, ctwatch tracks inclusions against this plan, projects when the target is reached and watches the registry duties.",
            r.start_date,
            crate::text::plural(days as usize, "day"),
            r.target,
            r.recruitment_end,
            crate::text::plural(listed, "site")
        );
    }
    let elapsed = percent(100.0 * r.elapsed_fraction.min(1.0));
    let Some(m) = r.enrolled else {
        let recruiting = r.sites.iter().filter(|s| s.registry_status.as_deref() == Some("RECRUITING")).count();
        return format!(
            "Recruitment unknown (no accrual log). {elapsed} of the recruitment period ({} – {}) has passed; the registry lists the trial as {} with {} of {} sites recruiting.",
            r.start_date,
            r.recruitment_end,
            r.trial.overall_status.as_deref().map_or_else(|| "of unknown status".into(), diff::humanize),
            recruiting,
            r.sites.len()
        );
    };
    if let Some(reached) = r.target_reached_on {
        let delta = (r.recruitment_end - reached).num_days();
        let when = if delta >= 0 { format!("{delta} days before") } else { format!("{} days after", -delta) };
        return format!(
            "Target reached: {m} of {} participants; the {}th was included on {reached}, {when} the planned end of recruitment ({}).",
            r.target, r.target, r.recruitment_end
        );
    }
    let pct = percent(r.percent_of_target.unwrap_or(0.0));
    let gap = r.ahead_of_plan.unwrap_or(0.0);
    let plan = if gap.abs() < 0.05 {
        "on the linear plan".to_string()
    } else if gap > 0.0 {
        format!("{} participants ahead of the linear plan", count(gap))
    } else {
        format!("{} participants behind the linear plan", count(-gap))
    };
    let mut out =
        format!("{m} of {} participants ({pct}) after {elapsed} of the recruitment period — {plan}.", r.target);
    if let Some(LeadFigures { median, p10, p90, probability_on_time: on_time, model }) = r.lead() {
        let (median, p10, p90) =
            (crate::progress::show(median), crate::progress::show(p10), crate::progress::show(p90));
        out.push_str(&format!(
            " Date the target is reached, projected with the {model} model: median {median} (80 % interval {p10} – {p90}); probability of reaching {} by {}: {}.",
            r.target,
            r.recruitment_end,
            percent(100.0 * on_time)
        ));
    }
    if let Some(sentence) = pace_sentence(r) {
        out.push(' ');
        out.push_str(&sentence);
    }
    if r.at_risk == Some(true) {
        out.push_str(&format!(
            " At risk: that probability is under the {} threshold.",
            percent(100.0 * r.at_risk_below)
        ));
    }
    out
}

/// "To reach 35 by 2029-01-03 it needs 0.8 inclusions a month from now; the last 6 months
/// gave 0.5." — the rate needed beside the rate observed.
pub fn pace_sentence(r: &ProgressReport) -> Option<String> {
    let pace = r.pace?;
    let needed = pace.needed_per_month?;
    let window = if pace.recent_months >= crate::progress::RECENT_MONTHS as f64 {
        format!("the last {} months", crate::progress::RECENT_MONTHS)
    } else {
        format!(
            "the {} since the start",
            crate::text::plural((r.as_of - r.start_date).num_days().max(0) as usize, "day")
        )
    };
    Some(format!(
        "To reach {} by {} it needs {} a month from now; {window} gave {}.",
        r.target,
        r.recruitment_end,
        crate::lang::rate(needed),
        crate::lang::rate(pace.recent_per_month)
    ))
}
