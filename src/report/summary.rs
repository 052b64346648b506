//! The terminal summary printed by `ctwatch report`.

use super::ProgressReport;
use crate::render;

/// Headline, key figures and the sites, for a terminal.
pub fn render(r: &ProgressReport) -> String {
    let mut out = format!("{}\n\n", render::terminal_safe(&r.headline));
    let rows = r.sites.iter().map(|s| {
        vec![
            s.facility.clone(),
            super::progress::site_status(s),
            s.enrolled.map_or_else(|| "?".into(), |n| n.to_string()),
            s.withdrawn.map_or_else(|| "?".into(), |n| n.to_string()),
            s.first_enrolled_on.map_or_else(|| "–".into(), |d| d.to_string()),
            s.rate_per_month.map_or_else(|| "–".into(), |x| format!("{x:.2}")),
        ]
    });
    out.push_str(&render::table(
        &["Site", "Registry status", "Included", "Left early", "First inclusion", "Per month"],
        rows,
    ));
    for n in &r.notes {
        out.push_str(&format!("Note: {}\n", render::terminal_safe(n)));
    }
    out
}
