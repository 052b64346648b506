//! Which projection model a report leads with, decided in one place ([`Lead::of`]),
//! and the site-aware model's inputs.

use chrono::NaiveDate;
use serde::Serialize;

use super::ProgressReport;
use crate::inputs::Loaded;
use crate::progress::Plan;

/// Which projection model a report leads with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lead {
    /// A rate per site, sites opening over time.
    SiteAware,
    /// One rate for the whole trial.
    ConstantRate,
}

impl Lead {
    /// The one rule: the site-aware model leads whenever it projected — with two or more
    /// sites a constant rate mixes a past with fewer sites and a future with more; with one
    /// site the site-aware model is the constant-rate model plus the site's opening from the
    /// registry and the robust prior. The constant-rate model stays beside it as the published
    /// reference.
    pub fn of(site_projection: bool) -> Lead {
        if site_projection { Lead::SiteAware } else { Lead::ConstantRate }
    }

    /// Its name in the report's words.
    pub fn as_str(self) -> &'static str {
        match self {
            Lead::SiteAware => "site-aware",
            Lead::ConstantRate => "constant-rate",
        }
    }
}

impl std::fmt::Display for Lead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The leading model's figures: the dates the target is reached and the probability by the
/// planned end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadFigures {
    /// 10 % of the time sooner.
    pub p10: NaiveDate,
    /// The median.
    pub median: NaiveDate,
    /// 90 % of the time sooner.
    pub p90: NaiveDate,
    /// P(target reached by the planned end).
    pub probability_on_time: f64,
    /// Which model.
    pub model: Lead,
}

impl ProgressReport {
    /// The figures of the model the report leads with, when it projected.
    pub fn lead(&self) -> Option<LeadFigures> {
        match (&self.site_projection, self.leading_model) {
            (Some(s), Lead::SiteAware) => Some(LeadFigures {
                p10: s.p10,
                median: s.median,
                p90: s.p90,
                probability_on_time: s.probability_on_time,
                model: Lead::SiteAware,
            }),
            _ => self.projection.as_ref().map(|p| LeadFigures {
                p10: p.p10,
                median: p.median,
                p90: p.p90,
                probability_on_time: p.probability_on_time,
                model: Lead::ConstantRate,
            }),
        }
    }

    /// The leading model's 10 %, median and 90 % dates the target is reached.
    pub fn lead_dates(&self) -> Option<(NaiveDate, NaiveDate, NaiveDate)> {
        self.lead().map(|l| (l.p10, l.median, l.p90))
    }
}

/// The site-aware model of a trial at `as_of`: the plan, the sites with their inclusions and
/// first inclusions, configured opening dates and registry statuses.
pub fn site_model(
    loaded: &Loaded,
    plan: &Plan,
    site_rows: &[crate::progress::SiteProgress],
    as_of: NaiveDate,
) -> crate::progress::sites::SiteModel {
    let openings = loaded.trial.map(|t| t.site_opening.clone()).unwrap_or_default();
    let evidence = loaded.site_evidence();
    crate::progress::sites::SiteModel {
        target: plan.target,
        start: plan.start,
        start_actual: loaded.start_actual(),
        end: plan.end,
        as_of,
        prior_certainty: plan.prior_certainty,
        dropped_unopened: evidence.dropped_unopened,
        sites: site_rows
            .iter()
            .map(|s| crate::progress::sites::SiteInput {
                name: s.facility.clone(),
                inclusions: s.enrolled.unwrap_or(0),
                opened: openings.iter().find(|(k, _)| k.eq_ignore_ascii_case(&s.facility)).map(|(_, d)| *d),
                first_inclusion: s.first_enrolled_on,
                not_yet_recruiting: s.registry_status.as_deref() == Some("NOT_YET_RECRUITING"),
                history: evidence.histories.get(&s.facility).copied().unwrap_or_default(),
            })
            .collect(),
    }
}
