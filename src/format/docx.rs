//! Blocks as a Word document (`.docx`), for the ethics committee: the investigator completes
//! their sections in Word, signs and submits it. Headings are Word's built-in heading styles
//! (they appear in the navigation pane), facts and tables are Word tables, lists use Word's
//! bullet numbering, the signature block is a table with room to sign, and every page carries
//! the title and "page N of M" in its footer. A4 with 2 cm margins. Text goes in as text
//! (docx-rs escapes it for XML), so registry text cannot inject markup.

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, Footer, Hyperlink, HyperlinkType, IndentLevel, Level, LevelJc,
    LevelText, LineSpacing, NumPages, NumberFormat, Numbering, NumberingId, PageMargin, PageNum, Paragraph, Run,
    RunFonts, Shading, ShdType, SpecialIndentType, Start, Style, StyleType, Table, TableCell, TableCellMargins,
    TableRow, VAlignType, WidthType,
};

use super::blocks::Block;
use crate::lang::Lang;

/// A4 in twentieths of a point.
const A4: (u32, u32) = (11_906, 16_838);
/// 2 cm.
const MARGIN: i32 = 1_134;
/// The text width: A4 less both margins.
const TEXT_WIDTH: usize = 11_906 - 2 * 1_134;
/// The bullet list's numbering id (docx-rs itself defines a decimal list as 1).
const BULLETS: usize = 10;

fn styles(docx: Docx) -> Docx {
    // Style ids as Word's own, names as Word's built-in (lower case): Word shows them
    // translated and uses them for the navigation pane and a table of contents.
    let heading = |id: &str, name: &str, size: usize, level: usize, before: u32| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .bold()
            .size(size)
            .color("1F2937")
            .outline_lvl(level)
            .line_spacing(LineSpacing::new().before(before).after(80))
    };
    docx.add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .based_on("Normal")
            .next("Normal")
            .bold()
            .size(32)
            .line_spacing(LineSpacing::new().after(160)),
    )
    .add_style(heading("Heading1", "heading 1", 26, 0, 320))
    .add_style(heading("Heading2", "heading 2", 22, 1, 200))
    .add_style(Style::new("Footer", StyleType::Paragraph).name("footer").based_on("Normal").size(16).color("555555"))
    .add_abstract_numbering(AbstractNumbering::new(BULLETS).add_level(
        Level::new(0, Start::new(1), NumberFormat::new("bullet"), LevelText::new("•"), LevelJc::new("left")).indent(
            Some(720),
            Some(SpecialIndentType::Hanging(360)),
            None,
            None,
        ),
    ))
    .add_numbering(Numbering::new(BULLETS, BULLETS))
}

/// Text as Word keeps it together: a date's hyphens are non-breaking hyphens (U+2011) and a
/// percent sign is held to its number by a no-break space, so neither is split at a line end.
fn unbreakable(line: &str) -> String {
    let chars: Vec<char> = crate::text::xml_safe(line).chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        match crate::lang::unbreakable_at(&chars, i) {
            Some(n) => {
                out.extend(chars[i..i + n].iter().map(|&c| match c {
                    '-' => '\u{2011}',
                    ' ' => '\u{a0}',
                    c => c,
                }));
                i += n;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// Text as typed: line breaks as breaks, every character as it was (only made valid XML).
fn typed(t: &str) -> Run {
    let mut run = Run::new();
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(crate::text::xml_safe(line));
    }
    run
}

fn text(t: &str) -> Run {
    // Word wants line breaks as breaks, not newline characters.
    let mut run = Run::new();
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(unbreakable(line));
    }
    run
}

/// A body paragraph. The style is named on each paragraph: docx-rs's Normal style is not
/// marked as the default, and some readers then see no style at all.
fn normal() -> Paragraph {
    Paragraph::new().style("Normal")
}

fn para(t: &str) -> Paragraph {
    normal().add_run(text(t)).line_spacing(LineSpacing::new().after(120))
}

fn cell(p: Paragraph, width: usize) -> TableCell {
    TableCell::new().add_paragraph(p).width(width, WidthType::Dxa)
}

/// A two-column table of label/value rows; `tall` rows (a signature block) leave room to
/// write by hand, label and value at the bottom, above the line.
fn pairs(rows: &[(String, String)], tall: bool) -> Table {
    let (left, right) = (TEXT_WIDTH * 4 / 10, TEXT_WIDTH * 6 / 10);
    let place = |c: TableCell| if tall { c.vertical_align(VAlignType::Bottom) } else { c };
    let last = rows.len().saturating_sub(1);
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            // Keep-with-next on every row but the last keeps the table on one page.
            // (docx-rs writes keepNext for any Some value, false included: set it only when true.)
            let p = || if i < last { normal().keep_next(true) } else { normal() };
            let label =
                cell(p().add_run(text(k).bold()), left).shading(Shading::new().shd_type(ShdType::Clear).fill("F1F1F1"));
            let row = TableRow::new(vec![place(label), place(cell(p().add_run(text(v)), right))]).cant_split();
            if tall { row.row_height(680.0) } else { row }
        })
        .collect();
    Table::new(rows).set_grid(vec![left, right]).width(TEXT_WIDTH, WidthType::Dxa).margins(padding())
}

fn grid(header: &[String], rows: &[Vec<String>]) -> Table {
    let n = header.len().max(1);
    // The first column (a site's name) gets more room; with many columns, less.
    let first = match n {
        1 => TEXT_WIDTH,
        2..=4 => TEXT_WIDTH * 3 / 10,
        _ => TEXT_WIDTH * 24 / 100,
    };
    let other = if n > 1 { (TEXT_WIDTH - first) / (n - 1) } else { 0 };
    let width = |i: usize| if i == 0 { first } else { other };
    let numeric =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '–' | '-'));
    let mut out = vec![
        TableRow::new(
            header
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    cell(normal().keep_next(true).add_run(text(h).bold()), width(i))
                        .shading(Shading::new().shd_type(ShdType::Clear).fill("E5E5E5"))
                })
                .collect(),
        )
        .cant_split(),
    ];
    for (k, row) in rows.iter().enumerate() {
        // Keep-with-next on every row but the last keeps a short table on one page.
        let keep = k + 1 < rows.len();
        out.push(
            TableRow::new(
                row.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let p = if keep { normal().keep_next(true) } else { normal() }.add_run(text(c));
                        let p = if i > 0 && numeric(c) { p.align(AlignmentType::Right) } else { p };
                        cell(p, width(i))
                    })
                    .collect(),
            )
            .cant_split(),
        );
    }
    Table::new(out).set_grid((0..n).map(width).collect()).width(TEXT_WIDTH, WidthType::Dxa).margins(padding())
}

/// Room around a cell's text (twips): 1 mm above and below, 2 mm at the sides.
fn padding() -> TableCellMargins {
    TableCellMargins::new().margin(57, 113, 57, 113)
}

/// Space after a table, which Word otherwise glues to the next heading or paragraph.
fn gap() -> Paragraph {
    normal().line_spacing(LineSpacing::new().after(0))
}

/// Renders blocks as a Word document; `title` goes in every page's footer and, with `author`
/// and the language, in the document's properties; `created` (an ISO date) too, so the same
/// inputs give the same file.
pub fn render(lang: Lang, title: &str, author: &str, blocks: &[Block], created: &str) -> anyhow::Result<Vec<u8>> {
    let (page, of) = match lang {
        Lang::En => ("Page ", " of "),
        Lang::Nl => ("Pagina ", " van "),
    };
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .style("Footer")
            .add_run(text(&format!("{title} · {page}")))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(of))
            .add_num_pages(NumPages::new()),
    );
    let mut docx = styles(Docx::new())
        .page_size(A4.0, A4.1)
        .page_margin(PageMargin::new().top(MARGIN).bottom(MARGIN).left(MARGIN).right(MARGIN).footer(567))
        .default_fonts(RunFonts::new().ascii("Calibri").hi_ansi("Calibri").cs("Calibri"))
        .default_size(21)
        .footer(footer)
        .created_at(created)
        .updated_at(created);
    for block in blocks {
        docx = match block {
            Block::Title(t) => docx.add_paragraph(Paragraph::new().style("Title").add_run(text(t))),
            Block::Heading(h) => {
                docx.add_paragraph(Paragraph::new().style("Heading1").keep_next(true).add_run(text(h)))
            }
            Block::Subheading(h) => {
                docx.add_paragraph(Paragraph::new().style("Heading2").keep_next(true).add_run(text(h)))
            }
            Block::Para(p) => docx.add_paragraph(para(p)),
            Block::Verbatim(p) => {
                docx.add_paragraph(normal().add_run(typed(p)).line_spacing(LineSpacing::new().after(120)))
            }
            // Highlighted, so the investigator finds every place to fill in.
            Block::ToComplete(p) => docx.add_paragraph(
                normal().add_run(text(p).italic().highlight("yellow")).line_spacing(LineSpacing::new().after(120)),
            ),
            Block::Lead(p) => {
                docx.add_paragraph(normal().add_run(text(p).bold()).line_spacing(LineSpacing::new().after(160)))
            }
            Block::Facts(rows) => docx.add_table(pairs(rows, false)).add_paragraph(gap()),
            Block::Signature(rows) => docx.add_table(pairs(rows, true)).add_paragraph(gap()),
            Block::Table(header, rows) => docx.add_table(grid(header, rows)).add_paragraph(gap()),
            Block::List(items) => items
                .iter()
                .fold(docx, |d, i| d.add_paragraph(para(i).numbering(NumberingId::new(BULLETS), IndentLevel::new(0)))),
            Block::Link(label, link_text, url) => docx.add_paragraph(
                normal().add_run(text(&format!("{label}: "))).add_hyperlink(
                    Hyperlink::new(url, HyperlinkType::External)
                        .add_run(text(link_text).color("1D4ED8").underline("single")),
                ),
            ),
            Block::Links(label, links) => {
                let texts: Vec<String> = links.iter().map(|(t, url)| format!("{t} ({url})")).collect();
                docx.add_paragraph(para(&format!("{label}: {}", texts.join(" · "))))
            }
            // The ethics report has no chart; a progress report in Word would say what it shows.
            Block::Chart(alt) => docx.add_paragraph(normal().add_run(text(alt).italic())),
            Block::Footer(note) => docx.add_paragraph(
                normal()
                    .add_run(text(note).italic().size(16).color("555555"))
                    .line_spacing(LineSpacing::new().before(480)),
            ),
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(|e| anyhow::anyhow!("cannot write the Word file: {e}"))?;
    properties(out.into_inner(), lang, title, author, created)
        .map_err(|e| anyhow::anyhow!("cannot write the Word file: {e}"))
}

/// Word's language tag of `lang`: the spelling checker and hyphenation follow it.
fn word_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en-GB",
        Lang::Nl => "nl-NL",
    }
}

/// Sets what docx-rs leaves out: the document's title, author and language in its properties
/// (`docProps/core.xml`) and the language of all text (`w:lang` in the default run
/// properties). Every other part is copied as it is.
fn properties(
    packed: Vec<u8>,
    lang: Lang,
    title: &str,
    author: &str,
    created: &str,
) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::{Read, Write};
    let esc = |s: &str| crate::text::xml_safe(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let tag = word_lang(lang);
    let core = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy>\
         <dc:language>{tag}</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:modified>\
         <cp:revision>1</cp:revision></cp:coreProperties>",
        esc(title),
        esc(author),
        esc(author)
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(packed))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let bytes = match name.as_str() {
            "docProps/core.xml" => core.clone().into_bytes(),
            "word/styles.xml" => String::from_utf8_lossy(&bytes)
                // Last in the run properties, where the schema's order puts it.
                .replacen("</w:rPr></w:rPrDefault>", &format!("<w:lang w:val=\"{tag}\" /></w:rPr></w:rPrDefault>"), 1)
                .into_bytes(),
            _ => bytes,
        };
        out.start_file(name, options)?;
        out.write_all(&bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_percentages_are_never_split_at_a_line_end() {
        assert_eq!(
            unbreakable("kans 49 % uiterlijk op 03-01-2029 (2029-01-03); NL87430.042.24"),
            "kans 49\u{a0}% uiterlijk op 03\u{2011}01\u{2011}2029 (2029\u{2011}01\u{2011}03); NL87430.042.24"
        );
    }
}
