//! Blocks as one self-contained HTML file: inline CSS (with a print stylesheet) and the chart
//! as inline SVG. Every string is escaped; the markup is well-formed (polyglot) so tests can
//! parse it strictly.

use super::blocks::Block;
use crate::lang::Lang;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter_map(crate::text::visible) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for element content, keeping dates and percentages whole on one line.
pub fn content(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 16);
    let (mut i, mut plain) = (0, 0);
    while i < chars.len() {
        match crate::lang::unbreakable_at(&chars, i) {
            Some(n) => {
                out.push_str(&escape(&chars[plain..i].iter().collect::<String>()));
                out.push_str(&format!(
                    "<span class=\"nb\">{}</span>",
                    escape(&chars[i..i + n].iter().collect::<String>())
                ));
                i += n;
                plain = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&escape(&chars[plain..].iter().collect::<String>()));
    out
}

const CSS: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #111; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
.lead { font-size: 1.1rem; font-weight: 600; border-left: 4px solid #111; padding: .5rem 1rem; background: #f3f3f3; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .3rem .6rem; text-align: left; vertical-align: top; }
td.num, td.short, .nb { white-space: nowrap; }
th { background: #eee; }
table.facts th { width: 16rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.todo { font-style: italic; background: #fff4c2; padding: .2rem .4rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
table.signature { margin-top: 1rem; }
table.signature th { width: 13rem; }
table.signature th, table.signature td { height: 2.2rem; vertical-align: bottom; }
table.signature td { width: 24rem; }
footer { margin-top: 2.5rem; border-top: 1px solid #bbb; padding-top: .4rem; color: #555; font-size: .85rem; font-style: italic; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; line-height: 1.35; }
  h1 { font-size: 16pt; margin-top: 0; }
  h2 { font-size: 12pt; margin-top: 1.2em; break-after: avoid; }
  .lead { background: none; font-size: 11pt; }
  .todo { border-left: 3px solid #c9a400; }
  h3 { font-size: 10.5pt; break-after: avoid; }
  table, figure, tr { break-inside: avoid; }
  table.signature td { height: 11mm; }
  footer { font-size: 8pt; margin-top: 8mm; }
  table.facts th { width: 13rem; }
  th, td { padding: .15rem .45rem; }
  figure { margin: .4rem 0; }
  figure svg { width: 100%; height: auto; }
  a { color: inherit; }
}
";

/// The running footer's type: the body's, small and grey (margin boxes inherit nothing).
const FOOTER_FONT: &str =
    "font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; font-size: 8pt; color: #555;";

/// The printed page: A4 with margins, the document's title and the page number in the footer
/// of every page (Chromium and other browsers with CSS paged media print them).
fn page_css(title: &str, lang: Lang) -> String {
    let (page, of) = match lang {
        Lang::En => ("Page", "of"),
        Lang::Nl => ("Pagina", "van"),
    };
    // A CSS string from our own title: no quote, backslash or angle bracket can end it.
    let safe: String = title.chars().filter(|c| !matches!(c, '"' | '\\' | '<' | '>') && !c.is_control()).collect();
    format!(
        "@page {{ size: A4; margin: 16mm 15mm 18mm; \
         @bottom-left {{ content: \"{safe}\"; {FOOTER_FONT} }} \
         @bottom-right {{ content: \"{page} \" counter(page) \" {of} \" counter(pages); {FOOTER_FONT} }} }}\n"
    )
}

fn numeric(cell: &str) -> bool {
    !cell.is_empty() && cell.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '–' || c == '-')
}

/// Renders blocks as an English HTML document titled `title`, with `svg` for the chart block.
pub fn render(title: &str, blocks: &[Block], svg: Option<&str>) -> String {
    render_lang(Lang::En, title, blocks, svg)
}

/// Renders blocks as an HTML document in language `lang` (the page's `lang`, the footer's words).
pub fn render_lang(lang: Lang, title: &str, blocks: &[Block], svg: Option<&str>) -> String {
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Title(t) => body.push_str(&format!("<h1>{}</h1>\n", content(t))),
            Block::Heading(h) => body.push_str(&format!("<h2>{}</h2>\n", content(h))),
            Block::Subheading(h) => body.push_str(&format!("<h3>{}</h3>\n", content(h))),
            Block::Para(p) | Block::Verbatim(p) => body.push_str(&format!("<p>{}</p>\n", content(p))),
            Block::Lead(p) => body.push_str(&format!("<p class=\"lead\">{}</p>\n", content(p))),
            Block::ToComplete(p) => body.push_str(&format!("<p class=\"todo\">{}</p>\n", content(p))),
            Block::Facts(pairs) | Block::Signature(pairs) => {
                let class = if matches!(block, Block::Signature(_)) { "signature" } else { "facts" };
                body.push_str(&format!("<table class=\"{class}\">\n"));
                for (k, v) in pairs {
                    body.push_str(&format!("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", content(k), content(v)));
                }
                body.push_str("</table>\n");
            }
            Block::Table(header, rows) => {
                body.push_str("<table>\n<thead><tr>");
                for h in header {
                    body.push_str(&format!("<th scope=\"col\">{}</th>", content(h)));
                }
                body.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    body.push_str("<tr>");
                    for (i, c) in row.iter().enumerate() {
                        // Numbers right-aligned; short values (dates, percentages, counts) never
                        // broken across lines.
                        let class = match (i > 0 && numeric(c), c.chars().count() <= 24) {
                            (true, _) => " class=\"num\"",
                            (false, true) => " class=\"short\"",
                            (false, false) => "",
                        };
                        body.push_str(&format!("<td{class}>{}</td>", content(c)));
                    }
                    body.push_str("</tr>\n");
                }
                body.push_str("</tbody>\n</table>\n");
            }
            Block::List(items) => {
                body.push_str("<ul>\n");
                for i in items {
                    body.push_str(&format!("<li>{}</li>\n", content(i)));
                }
                body.push_str("</ul>\n");
            }
            Block::Links(label, links) => {
                let links: Vec<String> =
                    links.iter().map(|(t, url)| format!("<a href=\"{}\">{}</a>", escape(url), content(t))).collect();
                body.push_str(&format!("<p>{}: {}</p>\n", content(label), links.join(" · ")));
            }
            Block::Link(label, link_text, url) => {
                body.push_str(&format!(
                    "<p>{}: <a href=\"{}\">{}</a></p>\n",
                    content(label),
                    escape(url),
                    content(link_text)
                ));
            }
            Block::Footer(note) => body.push_str(&format!("<footer><p>{}</p></footer>\n", content(note))),
            Block::Chart(alt) => {
                if let Some(svg) = svg {
                    let svg = svg.trim_start_matches(|c| c != '<');
                    let svg = svg.strip_prefix("<?xml").map(|s| s.split_once("?>").map_or(s, |x| x.1)).unwrap_or(svg);
                    let svg = svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(alt)), 1);
                    body.push_str(&format!("<figure>\n{}\n</figure>\n", svg.trim()));
                }
            }
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\" />\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>{}</title>\n<style>{CSS}{}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        lang.code(),
        escape(title),
        page_css(title, lang)
    )
}
