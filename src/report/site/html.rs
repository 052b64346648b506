//! The site's pages as self-contained HTML: inline CSS (light and dark, print to A4), the
//! chart as inline SVG, no request to anywhere else. Everything is readable without
//! JavaScript; a small inline script adds sorting and a filter box to the portfolio table.
//! Registry text is escaped everywhere ([`escape`]).

use super::{Portfolio, SiteHistory, TrialPage, VersionEntry};
use crate::compliance::Severity;
use crate::config::STUDY_PAGE;
use crate::diff::{Importance, humanize};
use crate::format::html::{content, escape};
use crate::lang::percent;

const CSS: &str = "
:root { color-scheme: light dark; --fg: #111; --bg: #fff; --muted: #555; --line: #ccc; --head: #eee; --warn: #fff4c2; --bar: #2b6cb0; --plan: #888; --high: #b00020; --medium: #8a5a00; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e8; --bg: #16181c; --muted: #aaa; --line: #444; --head: #24272d; --warn: #3d3410; --bar: #63a4ff; --plan: #999; --high: #ff6b81; --medium: #e0b050; } }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); background: var(--bg); max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.45; overflow-wrap: break-word; }
a { color: var(--bar); }
h1 { font-size: 1.5rem; margin: .2rem 0; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 0 0 .3rem; }
.muted, small { color: var(--muted); }
.lead { font-size: 1.05rem; border-left: 4px solid var(--fg); padding: .5rem 1rem; background: var(--head); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); }
th[data-sort] { cursor: pointer; }
th[aria-sort=ascending]::after { content: ' ▲'; } th[aria-sort=descending]::after { content: ' ▼'; }
tr.action td:first-child { border-left: 4px solid var(--high); }
.warn { background: var(--warn); }
.nb { white-space: nowrap; }
.high { color: var(--high); font-weight: 600; } .medium { color: var(--medium); }
.bar { display: inline-block; vertical-align: middle; }
dl.facts { display: grid; grid-template-columns: minmax(10rem, max-content) 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
ol.timeline { list-style: none; padding: 0; }
ol.timeline > li { border-left: 3px solid var(--line); padding: .3rem 0 .8rem 1rem; margin-left: .3rem; }
ol.timeline ul { margin: .2rem 0; padding-left: 1.2rem; }
details { margin: .3rem 0; } summary { cursor: pointer; color: var(--bar); }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8rem; background: var(--head); padding: .5rem; max-height: 30rem; overflow-y: auto; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; background: #fff; }
input[type=search] { font: inherit; padding: .3rem .5rem; width: min(24rem, 100%); }
footer { margin-top: 2.5rem; border-top: 1px solid var(--line); padding-top: .4rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 45rem) {
  dl.facts { display: block; } dl.facts dd { margin: 0 0 .5rem; }
  table.cards thead { display: none; }
  table.cards tr { display: block; border: 1px solid var(--line); margin-bottom: .8rem; }
  table.cards td { display: block; border: none; border-bottom: 1px solid var(--line); }
  table.cards td::before { content: attr(data-label); display: block; font-size: .8rem; color: var(--muted); }
  tr.action td:first-child { border-left: none; } tr.action { border-left: 4px solid var(--high); }
}
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; margin: 0; font-size: 10pt; color: #000; background: #fff; }
  input, .noprint { display: none; }
  details > *:not(summary) { display: block; }
  pre { max-height: none; }
  a { color: inherit; }
  tr, li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .lead { background: none; }
}
";

/// Sorting by a column header and the filter box; the page works the same without them.
const SCRIPT: &str = "
(function () {
  var table = document.getElementById('portfolio');
  var filter = document.getElementById('filter');
  if (!table || !filter) { return; }
  var body = table.tBodies[0];
  filter.hidden = false;
  document.getElementById('filter-label').hidden = false;
  filter.addEventListener('input', function () {
    var q = filter.value.toLowerCase();
    Array.prototype.forEach.call(body.rows, function (r) { r.hidden = q !== '' && r.textContent.toLowerCase().indexOf(q) < 0; });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    if (!th.hasAttribute('data-sort')) { return; }
    th.tabIndex = 0;
    var sort = function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[i].getAttribute('data-key'), y = b.cells[i].getAttribute('data-key');
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
  });
})();
";

fn page(title: &str, body: &str, script: bool) -> String {
    let script = if script { format!("<script>{SCRIPT}</script>\n") } else { String::new() };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}{script}</body>\n</html>\n",
        escape(title)
    )
}

/// A row's recruitment as a small bar: included against the target, the linear plan marked.
fn bar(enrolled: u32, target: u32, planned: Option<f64>) -> String {
    let share = |x: f64| (x / f64::from(target.max(1))).clamp(0.0, 1.0) * 100.0;
    let done = share(f64::from(enrolled));
    let plan = planned.map(|p| {
        let x = share(p);
        format!("<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"10\" stroke=\"var(--plan)\" stroke-width=\"1.5\" />")
    });
    format!(
        "<svg class=\"bar\" width=\"100\" height=\"10\" viewBox=\"0 0 100 10\" role=\"img\" aria-label=\"{enrolled} of {target}\">\
         <rect width=\"100\" height=\"10\" fill=\"var(--head)\" stroke=\"var(--line)\" />\
         <rect width=\"{done:.1}\" height=\"10\" fill=\"var(--bar)\" />{}</svg>",
        plan.unwrap_or_default()
    )
}

/// The portfolio page (`index.html`).
pub fn index(p: &Portfolio) -> String {
    let action = p.trials.iter().filter(|t| !t.row.reasons().is_empty()).count();
    let mut b = format!(
        "<header><h1>Trial portfolio</h1>\n<p class=\"muted\">As of {} · {} · {} need action (⚠), listed first</p></header>\n<main>\n",
        p.as_of,
        crate::text::plural(p.trials.len(), "trial"),
        action
    );
    b.push_str(
        "<p><label id=\"filter-label\" for=\"filter\" hidden=\"hidden\">Filter </label>\
         <input id=\"filter\" type=\"search\" hidden=\"hidden\" placeholder=\"a trial, a status, a word\" /></p>\n",
    );
    b.push_str(
        "<table id=\"portfolio\" class=\"cards\">\n<thead><tr><th data-sort=\"\">Trial</th><th data-sort=\"\">Needs action</th>\
         <th data-sort=\"\">Registry status</th><th data-sort=\"\">Registry duties</th><th data-sort=\"\">Recruitment</th>\
         <th data-sort=\"\">Latest change</th></tr></thead>\n<tbody>\n",
    );
    for (rank, t) in p.trials.iter().enumerate() {
        b.push_str(&row(t, rank));
    }
    b.push_str("</tbody>\n</table>\n</main>\n");
    b.push_str(&footer(p.as_of));
    page(&format!("Trial portfolio as of {}", p.as_of), &b, true)
}

fn row(t: &TrialPage, rank: usize) -> String {
    let r = &t.row;
    let id = r.nct_id.as_str();
    let reasons = r.reasons();
    let class = if reasons.is_empty() { "" } else { " class=\"action\"" };
    let title =
        r.title.as_deref().map(|t| format!("<br /><span class=\"muted\">{}</span>", escape(t))).unwrap_or_default();
    let mut cells = String::new();
    cells.push_str(&format!(
        "<td data-label=\"Trial\" data-key=\"{id}\"><a href=\"{id}/index.html\"><strong>{id}</strong></a>{title}<br />\
         <a href=\"{STUDY_PAGE}{id}\">registry record</a></td>"
    ));
    let action = if reasons.is_empty() {
        r.to_do.as_deref().map(escape).unwrap_or_else(|| "–".into())
    } else {
        let items: Vec<String> = reasons.iter().map(|x| format!("<li>{}</li>", content(x))).collect();
        format!("⚠ <ul>{}</ul>", items.concat())
    };
    cells.push_str(&format!("<td data-label=\"Needs action\" data-key=\"{rank:05}\">{action}</td>"));
    let status = r.overall_status.as_deref().map_or_else(|| "–".into(), humanize);
    let updated =
        r.last_update.as_deref().map(|d| format!("<br /><small>updated {}</small>", escape(d))).unwrap_or_default();
    cells.push_str(&format!(
        "<td data-label=\"Registry status\" data-key=\"{}\">{}{updated}</td>",
        escape(&status),
        content(&r.state)
    ));
    let d = &r.duties;
    let (duties, key) = match (d.overdue_since, d.upcoming) {
        (Some(since), _) => {
            (format!("<span class=\"high\">{} overdue since {since}</span>", d.errors), format!("0{since}"))
        }
        (None, Some(due)) if d.warnings > 1 => (format!("{} due, the first on {due}", d.warnings), format!("1{due}")),
        (None, Some(due)) => (format!("due {due}"), format!("1{due}")),
        _ => ("in order".to_string(), "2".to_string()),
    };
    cells.push_str(&format!("<td data-label=\"Registry duties\" data-key=\"{key}\">{duties}</td>"));
    let recruitment = match (&r.recruitment, &t.progress) {
        (Some(rec), progress) => {
            let planned = progress.as_ref().map(|p| p.expected_by_now);
            let on_time = rec
                .probability_on_time
                .map(|p| {
                    let risk = if rec.at_risk { " <span class=\"high\">at risk</span>" } else { "" };
                    format!("<br /><small>{} on time{risk}</small>", percent(100.0 * p))
                })
                .unwrap_or_default();
            (
                format!(
                    "{} of {} {}<br /><small>{}</small>{on_time}",
                    rec.enrolled,
                    rec.target,
                    bar(rec.enrolled, rec.target, planned),
                    ahead(rec.ahead_of_plan)
                ),
                format!("{:07.3}", f64::from(rec.enrolled) / f64::from(rec.target.max(1)) * 100.0),
            )
        }
        (None, _) => ("<span class=\"muted\">no accrual log</span>".into(), "zzz".into()),
    };
    cells.push_str(&format!("<td data-label=\"Recruitment\" data-key=\"{}\">{}</td>", recruitment.1, recruitment.0));
    // The newest change that matters (high or medium), else the newest of any importance.
    let latest = t
        .versions
        .iter()
        .rev()
        .find(|v| v.version.changes.iter().any(|c| c.importance != Importance::Low))
        .or_else(|| t.versions.iter().rev().find(|v| !v.version.changes.is_empty()));
    let change = match latest {
        Some(v) => {
            let top = &v.version.changes[0];
            format!(
                "<a href=\"{id}/index.html#v-{}\">{}</a>: <span class=\"{}\">{}</span>",
                escape(&v.version.snapshot),
                v.posted,
                importance_class(top.importance),
                content(&crate::text::clip(&top.summary, 160))
            )
        }
        None => "none stored yet".into(),
    };
    let key = latest.map_or_else(String::new, |v| v.posted.to_string());
    cells.push_str(&format!("<td data-label=\"Latest change\" data-key=\"{key}\">{change}</td>"));
    format!("<tr{class}>{cells}</tr>\n")
}

fn ahead(x: f64) -> String {
    let n = crate::lang::count(x.abs());
    if x <= -0.05 {
        format!("{n} behind the plan")
    } else if x >= 0.05 {
        format!("{n} ahead of the plan")
    } else {
        "on plan".into()
    }
}

fn importance_class(i: Importance) -> &'static str {
    match i {
        Importance::High => "high",
        Importance::Medium => "medium",
        Importance::Low => "muted",
    }
}

fn footer(as_of: chrono::NaiveDate) -> String {
    format!(
        "<footer>Made by ctwatch from the registry versions it stored, as of {as_of}. Registry text is the sponsor's, as \
         posted on ClinicalTrials.gov.</footer>\n"
    )
}

/// A trial's page (`NCT…/index.html`).
pub fn trial(t: &TrialPage, as_of: chrono::NaiveDate) -> String {
    let r = &t.row;
    let id = r.nct_id.as_str();
    let mut b =
        format!("<nav class=\"noprint\"><a href=\"../index.html\">← Portfolio</a></nav>\n<header><h1>{id}</h1>\n");
    if let Some(title) = &r.title {
        b.push_str(&format!("<p>{}</p>\n", escape(title)));
    }
    b.push_str("</header>\n<main>\n");
    let headline = t.progress.as_ref().map_or_else(|| r.state.clone(), |p| p.headline.clone());
    b.push_str(&format!("<p class=\"lead\">{}</p>\n", content(&headline)));
    let reasons = r.reasons();
    if !reasons.is_empty() {
        let items: Vec<String> = reasons.iter().map(|x| format!("<li>{}</li>", content(x))).collect();
        b.push_str(&format!("<div class=\"warn\"><strong>⚠ Needs action</strong><ul>{}</ul></div>\n", items.concat()));
    }
    b.push_str("<dl class=\"facts\">");
    let status = r.overall_status.as_deref().map_or_else(|| "–".into(), humanize);
    b.push_str(&format!("<dt>Registry status</dt><dd>{}</dd>", escape(&status)));
    if let Some(u) = &r.last_update {
        b.push_str(&format!("<dt>Last registry update</dt><dd>{}</dd>", escape(u)));
    }
    if let Some(rec) = &r.recruitment {
        b.push_str(&format!(
            "<dt>Recruitment</dt><dd>{} of {}, {}</dd>",
            rec.enrolled,
            rec.target,
            ahead(rec.ahead_of_plan)
        ));
        if let Some(p) = rec.probability_on_time {
            b.push_str(&format!("<dt>Probability of reaching the target on time</dt><dd>{}</dd>", percent(100.0 * p)));
        }
        if let Some(pace) = rec.pace_in_words() {
            b.push_str(&format!("<dt>Pace</dt><dd>{pace}</dd>"));
        }
    }
    if let Some(todo) = &r.to_do {
        b.push_str(&format!("<dt>To do</dt><dd>{}</dd>", content(todo)));
    }
    b.push_str(&format!(
        "<dt>Registry record</dt><dd><a href=\"{STUDY_PAGE}{id}\">{STUDY_PAGE}{id}</a></dd></dl>\n<p class=\"noprint\">\
         <a href=\"#recruitment\">Recruitment</a> · <a href=\"#duties\">Registry duties</a> · <a href=\"#versions\">Versions</a> · \
         <a href=\"#sites\">Sites over time</a> · <a href=\"#reports\">Reports</a></p>\n"
    ));
    b.push_str("<h2 id=\"recruitment\">Recruitment</h2>\n");
    match &t.progress {
        Some(p) => b.push_str(&format!("<figure>{}</figure>\n", crate::report::progress::chart::svg(p))),
        None => b.push_str(
            "<p class=\"muted\">No accrual log is configured for this trial: ctwatch knows the registry's side only.</p>\n",
        ),
    }
    b.push_str(&duties(t));
    b.push_str(&format!(
        "<h2 id=\"versions\">Versions</h2>\n<p class=\"muted\">{} stored, newest first, each with what changed from the \
         one before.</p>\n<ol class=\"timeline\">\n",
        crate::text::plural(t.versions.len(), "version")
    ));
    for (i, v) in t.versions.iter().enumerate().rev() {
        let before = i.checked_sub(1).map(|j| &t.versions[j]);
        b.push_str(&version(id, v, before));
    }
    b.push_str("</ol>\n");
    b.push_str(&sites(&t.sites));
    b.push_str("<h2 id=\"reports\">Reports</h2>\n");
    if t.reports.is_empty() {
        b.push_str(&format!(
            "<p class=\"muted\">No report written yet: <code>ctwatch report {id}</code> writes them.</p>\n"
        ));
    } else {
        let items: Vec<String> = t
            .reports
            .iter()
            .map(|(label, file)| format!("<li><a href=\"reports/{}\">{}</a></li>", escape(file), escape(label)))
            .collect();
        b.push_str(&format!("<ul>{}</ul>\n", items.concat()));
    }
    b.push_str("</main>\n");
    b.push_str(&footer(as_of));
    page(&format!("{id}: {}", r.title.as_deref().unwrap_or("trial")), &b, false)
}

fn duties(t: &TrialPage) -> String {
    let mut b = String::from("<h2 id=\"duties\">Registry duties</h2>\n");
    let due: Vec<_> = t.findings.iter().filter(|f| f.severity != Severity::Info).collect();
    if due.is_empty() {
        b.push_str("<p>In order: nothing is due or overdue.</p>\n");
    }
    if t.findings.is_empty() {
        return b;
    }
    b.push_str(
        "<table class=\"cards\"><thead><tr><th>Severity</th><th>Due</th><th>What to do</th></tr></thead><tbody>\n",
    );
    for f in &t.findings {
        let class = match f.severity {
            Severity::Error => "high",
            Severity::Warning => "medium",
            Severity::Info => "muted",
        };
        b.push_str(&format!(
            "<tr><td data-label=\"Severity\" class=\"{class}\">{}</td><td data-label=\"Due\" class=\"nb\">{}</td>\
             <td data-label=\"What to do\">{}</td></tr>\n",
            f.severity.as_str(),
            f.due.map_or_else(|| "–".into(), |d| d.to_string()),
            content(&f.message)
        ));
    }
    b.push_str("</tbody></table>\n");
    b
}

/// The registry's own comparison of two versions, or its history tab when a number is unknown.
fn registry_compare(id: &str, before: Option<&VersionEntry>, v: &VersionEntry) -> String {
    match (before.and_then(|b| b.registry_version), v.registry_version) {
        (Some(a), Some(b)) => format!("{STUDY_PAGE}{id}?tab=history&amp;a={a}&amp;b={b}#version-content-panel"),
        _ => format!("{STUDY_PAGE}{id}?tab=history"),
    }
}

fn version(id: &str, v: &VersionEntry, before: Option<&VersionEntry>) -> String {
    let h = &v.version;
    let anchor = escape(&h.snapshot);
    let origin = match h.origin {
        crate::store::Origin::Api => "fetched from the registry",
        crate::store::Origin::History => "imported from the registry's history",
    };
    let number = v.registry_version.map(|n| format!(", registry version {n}")).unwrap_or_default();
    let mut b =
        format!("<li id=\"v-{anchor}\"><h3>{} <small>({origin}{number}; file {anchor})</small></h3>\n", v.posted);
    if before.is_none() {
        b.push_str("<p>The first stored version.</p>\n");
    } else if h.changes.is_empty() {
        b.push_str("<p class=\"muted\">No change ctwatch reports (only what the registry rewrites itself).</p>\n");
    } else {
        let items: Vec<String> = h
            .changes
            .iter()
            .map(|c| {
                format!(
                    "<li><span class=\"{}\">{}</span> <small>({})</small></li>",
                    importance_class(c.importance),
                    content(&c.summary),
                    c.importance.as_str()
                )
            })
            .collect();
        b.push_str(&format!("<ul class=\"changes\">{}</ul>\n", items.concat()));
    }
    b.push_str("<details><summary>Fields");
    if before.is_some() {
        b.push_str(" and text diff");
    }
    b.push_str("</summary>\n<table><tbody>");
    let date = |v: &serde_json::Value| {
        let d = v.get("date").and_then(|d| d.as_str()).unwrap_or("–");
        match v.get("type").and_then(|t| t.as_str()) {
            Some(t) => format!("{} ({})", escape(d), escape(&humanize(t))),
            None => escape(d),
        }
    };
    let enrollment =
        match (h.enrollment.get("count").and_then(|c| c.as_u64()), h.enrollment.get("type").and_then(|t| t.as_str())) {
            (Some(n), Some(t)) => format!("{n} ({})", escape(&humanize(t))),
            (Some(n), None) => n.to_string(),
            _ => "–".into(),
        };
    for (k, val) in [
        ("Overall status", h.overall_status.as_deref().map_or_else(|| "–".into(), |s| escape(&humanize(s)))),
        ("Start", date(&h.start_date)),
        ("Primary completion", date(&h.primary_completion_date)),
        ("Completion", date(&h.completion_date)),
        ("Enrollment", enrollment),
        ("Sites recruiting", format!("{} of {}", h.sites_recruiting, h.sites_total)),
    ] {
        b.push_str(&format!("<tr><th>{k}</th><td>{val}</td></tr>"));
    }
    b.push_str("</tbody></table>\n");
    if before.is_some() {
        b.push_str(&format!("<pre>{}</pre>\n", escape(&v.text_diff)));
        b.push_str(&format!(
            "<p><a href=\"{}\">The registry's comparison of these versions</a></p>\n",
            registry_compare(id, before, v)
        ));
    }
    b.push_str("</details></li>\n");
    b
}

fn sites(sites: &[SiteHistory]) -> String {
    let mut b = String::from("<h2 id=\"sites\">Sites over time</h2>\n");
    if sites.is_empty() {
        b.push_str("<p class=\"muted\">The registry lists no site.</p>\n");
        return b;
    }
    b.push_str(
        "<table class=\"cards\"><thead><tr><th>Site</th><th>Status over the stored versions</th></tr></thead><tbody>\n",
    );
    for s in sites {
        let events: Vec<String> = s
            .events
            .iter()
            .map(|(d, status)| {
                let what = match status.as_deref() {
                    None => "no longer listed".to_string(),
                    Some("LISTED") => "listed (no status given)".to_string(),
                    Some(st) => humanize(st),
                };
                format!("<span class=\"nb\">{d}</span> {}", escape(&what))
            })
            .collect();
        b.push_str(&format!(
            "<tr><td data-label=\"Site\">{}</td><td data-label=\"Status over the stored versions\">{}</td></tr>\n",
            escape(&s.name),
            events.join(" → ")
        ));
    }
    b.push_str("</tbody></table>\n");
    b
}
