//! Blocks as GitHub Markdown; every string is defused (`render::markdown::text`).

use super::blocks::Block;
use crate::render::markdown::{table, text};

/// Renders blocks; `chart_href` is the SVG file the chart block links to.
pub fn render(blocks: &[Block], chart_href: Option<&str>) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Title(t) => out.push_str(&format!("# {}\n\n", text(t))),
            Block::Heading(h) => out.push_str(&format!("## {}\n\n", text(h))),
            Block::Subheading(h) => out.push_str(&format!("### {}\n\n", text(h))),
            Block::Para(p) => out.push_str(&format!("{}\n\n", text(p))),
            Block::Lead(p) => out.push_str(&format!("> **{}**\n\n", text(p))),
            Block::ToComplete(p) => out.push_str(&format!("*{}*\n\n", text(p))),
            Block::Facts(pairs) => {
                out.push_str(&table(&["", ""], pairs.iter().map(|(k, v)| vec![format!("**{}**", text(k)), text(v)])));
                out.push('\n');
            }
            Block::Table(header, rows) => {
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                out.push_str(&table(&header, rows.iter().map(|r| r.iter().map(|c| text(c)).collect())));
                out.push('\n');
            }
            Block::List(items) => {
                for i in items {
                    out.push_str(&format!("- {}\n", text(i)));
                }
                out.push('\n');
            }
            Block::Link(label, link_text, url) => {
                // Link text and URL are ctwatch's own (the registry page of a validated id).
                out.push_str(&format!("{}: [{link_text}]({url})\n\n", text(label)));
            }
            Block::Links(label, links) => {
                let links: Vec<String> = links.iter().map(|(t, url)| format!("[{}]({url})", text(t))).collect();
                out.push_str(&format!("{}: {}\n\n", text(label), links.join(" · ")));
            }
            Block::Signature(rows) => {
                let blank = "\\_".repeat(24);
                let rows = rows
                    .iter()
                    .map(|(k, v)| vec![format!("**{}**", text(k)), if v.is_empty() { blank.clone() } else { text(v) }]);
                out.push_str(&table(&["", ""], rows));
                out.push('\n');
            }
            Block::Footer(note) => out.push_str(&format!("---\n\n*{}*\n", text(note))),
            Block::Chart(alt) => {
                if let Some(href) = chart_href {
                    out.push_str(&format!("![{}]({href})\n\n", text(alt)));
                }
            }
        }
    }
    out
}
