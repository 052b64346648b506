//! A report as a list of blocks of plain text, rendered by [`super::markdown`] and
//! [`super::html`] and [`super::docx`] — one content model, so the Markdown, HTML and Word reports cannot drift apart,
//! and each renderer escapes every string for its own format.

/// One block of a report. All text is plain (unescaped) and may contain registry text.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level-1 title.
    Title(String),
    /// Level-2 section heading.
    Heading(String),
    /// Level-3 heading inside a section.
    Subheading(String),
    /// A paragraph.
    Para(String),
    /// A paragraph someone typed (the investigator): rendered as they wrote it, nothing
    /// rewritten for the layout (in Word, its dates keep their hyphens, so a search finds them).
    Verbatim(String),
    /// The key message, emphasised.
    Lead(String),
    /// A placeholder the investigator must replace, marked so it is easy to find.
    ToComplete(String),
    /// Label/value pairs.
    Facts(Vec<(String, String)>),
    /// A table: header and rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A bulleted list.
    List(Vec<String>),
    /// The chart (inline SVG in HTML, a link in Markdown), with its alternative text.
    Chart(String),
    /// A line with a label and a link: (label, link text, URL). The URL must be ctwatch's own
    /// (the registry page of a validated id), never registry text.
    Link(String, String, String),
    /// A line with a label and several links: (label, [(link text, URL)]). The URLs are
    /// ctwatch's own (a validated id's registry page, a report's relative path, the configured
    /// issues page), never registry text.
    Links(String, Vec<(String, String)>),
    /// A signature block: label/value rows, an empty value leaving room to write by hand.
    Signature(Vec<(String, String)>),
    /// The closing line set apart from the last section (who made the report, from what).
    Footer(String),
}
