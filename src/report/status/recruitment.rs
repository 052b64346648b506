//! A trial's recruitment as the digest shows it: the progress report's figures, and the
//! words for "at risk".

use chrono::NaiveDate;
use serde::Serialize;

/// Recruitment, when an accrual log is configured.
#[derive(Debug, Clone, Serialize)]
pub struct Recruitment {
    /// Included so far.
    pub enrolled: u32,
    /// The target.
    pub target: u32,
    /// Participants ahead of (positive) or behind (negative) the linear plan.
    pub ahead_of_plan: f64,
    /// Probability of reaching the target by the planned end.
    pub probability_on_time: Option<f64>,
    /// That probability is under the trial's threshold (`at_risk_below`, default 0.5).
    pub at_risk: bool,
    /// Inclusions a month needed from now to reach the target by the planned end.
    pub needed_per_month: Option<f64>,
    /// Inclusions a month over the last 6 months.
    pub recent_per_month: Option<f64>,
    /// The planned end of recruitment.
    pub recruitment_end: NaiveDate,
}

impl Recruitment {
    /// "recruitment at risk: 24 % chance of 35 by 2029-01-03; needs 0.8 a month, the last 6
    /// months gave 0.5".
    pub fn risk_sentence(&self) -> String {
        let mut out = format!(
            "recruitment at risk: {} chance of {} by {}",
            crate::lang::percent(100.0 * self.probability_on_time.unwrap_or(0.0)),
            self.target,
            self.recruitment_end
        );
        if let Some(pace) = self.pace_in_words() {
            out.push_str(&format!("; {pace}"));
        }
        out
    }

    /// "needs 0.8 a month, the last 6 months gave 0.3", when both rates are known.
    pub fn pace_in_words(&self) -> Option<String> {
        let (needed, recent) = (self.needed_per_month?, self.recent_per_month?);
        Some(format!(
            "needs {} a month, the last {} months gave {}",
            crate::lang::rate(needed),
            crate::progress::RECENT_MONTHS,
            crate::lang::rate(recent)
        ))
    }

    /// A progress report's figures, once it has counted inclusions; the probability is the
    /// leading model's.
    pub fn of(r: &crate::report::progress::ProgressReport) -> Option<Recruitment> {
        Some(Recruitment {
            enrolled: r.enrolled?,
            target: r.target,
            ahead_of_plan: r.ahead_of_plan?,
            probability_on_time: r.lead().map(|l| l.probability_on_time),
            at_risk: r.at_risk == Some(true),
            needed_per_month: r.pace.and_then(|p| p.needed_per_month),
            recent_per_month: r.pace.map(|p| p.recent_per_month),
            recruitment_end: r.recruitment_end,
        })
    }
}
