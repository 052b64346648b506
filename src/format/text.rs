//! Blocks as plain text, ready to paste into an online form (the ethics committee's Research
//! Portal asks each section in its own box): no markup at all, each section's text under its
//! heading, tables as one line per row. Registry text is made safe for a terminal (control
//! characters and bidirectional overrides shown or dropped) and otherwise left as it is.

use super::blocks::Block;
use crate::text::terminal_safe;

/// Renders blocks as plain text.
pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: &str| {
        out.push_str(&terminal_safe(s));
        out.push('\n');
    };
    for block in blocks {
        match block {
            Block::Title(t) => {
                line(&mut out, t);
                out.push_str(&"=".repeat(t.chars().count().min(80)));
                out.push_str("\n\n");
            }
            Block::Heading(h) => {
                line(&mut out, h);
                out.push_str(&"-".repeat(h.chars().count().min(80)));
                out.push_str("\n\n");
            }
            Block::Subheading(h) => {
                line(&mut out, &format!("{h}:"));
            }
            Block::Para(p) | Block::Verbatim(p) | Block::Lead(p) | Block::ToComplete(p) | Block::Footer(p) => {
                line(&mut out, p);
                out.push('\n');
            }
            Block::Facts(pairs) | Block::Signature(pairs) => {
                for (k, v) in pairs {
                    let v = if v.is_empty() { "…" } else { v.as_str() };
                    line(&mut out, &format!("{k}: {v}"));
                }
                out.push('\n');
            }
            Block::Table(header, rows) => {
                line(&mut out, &header.join(" | "));
                for row in rows {
                    line(&mut out, &row.join(" | "));
                }
                out.push('\n');
            }
            Block::List(items) => {
                for i in items {
                    line(&mut out, &format!("- {i}"));
                }
                out.push('\n');
            }
            Block::Link(label, _, url) => {
                line(&mut out, &format!("{label}: {url}"));
                out.push('\n');
            }
            Block::Links(label, links) => {
                let links: Vec<String> = links.iter().map(|(t, url)| format!("{t} ({url})")).collect();
                line(&mut out, &format!("{label}: {}", links.join("; ")));
                out.push('\n');
            }
            // The chart is in the HTML and Word files; its words are in the text around it.
            Block::Chart(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_markup_and_each_section_under_its_heading() {
        let text = render(&[
            Block::Title("Annual report".into()),
            Block::Heading("Inclusion".into()),
            Block::Para("14 of *35* <b>".into()),
            Block::Table(vec!["Site".into(), "Included".into()], vec![vec!["UMCG".into(), "11".into()]]),
            Block::Signature(vec![("Signature".into(), String::new())]),
        ]);
        assert_eq!(
            text,
            "Annual report\n=============\n\nInclusion\n---------\n\n14 of *35* <b>\n\nSite | Included\nUMCG | 11\n\nSignature: …\n\n"
        );
    }
}
