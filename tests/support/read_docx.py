"""Reads a .docx with python-docx (an independent reader) and prints what a person would see,
as JSON: headings with their style, paragraphs (and whether they are highlighted), tables (cell text), list items, the page size
and margins, the footer's text and whether it holds PAGE/NUMPAGES fields, the document's
title, author and language and the language set for its text. Non-breaking
hyphens and spaces (which keep dates and percentages on one line) are read as plain ones.

Usage: python3 read_docx.py FILE.docx
"""
import json
import sys

import docx
from docx.oxml.ns import qn

def plain(text):
    """What a reader sees: non-breaking hyphens and spaces as ordinary ones."""
    return text.replace("\u2011", "-").replace("\u00a0", " ")


document = docx.Document(sys.argv[1])
body = []
for block in document.element.body.iterchildren():
    if block.tag == qn("w:p"):
        p = docx.text.paragraph.Paragraph(block, document)
        numbered = block.find(qn("w:pPr")) is not None and block.find(qn("w:pPr")).find(qn("w:numPr")) is not None
        if p.text.strip():
            marked = any(r.font.highlight_color is not None for r in p.runs)
            body.append({"kind": "list" if numbered else "p", "style": p.style.name, "text": plain(p.text), "raw": p.text, "highlighted": marked})
    elif block.tag == qn("w:tbl"):
        t = docx.table.Table(block, document)
        body.append({"kind": "table", "rows": [[plain(c.text) for c in row.cells] for row in t.rows]})
section = document.sections[0]
footer_xml = section.footer._element.xml
props = document.core_properties
defaults = document.styles.element.find(qn("w:docDefaults"))
lang = defaults.find(".//" + qn("w:lang")) if defaults is not None else None
print(json.dumps({
    "properties": {"title": props.title, "author": props.author, "language": props.language},
    "text_language": lang.get(qn("w:val")) if lang is not None else None,
    "body": body,
    "page_mm": [round(section.page_width.mm, 1), round(section.page_height.mm, 1)],
    "margins_mm": [round(m.mm, 1) for m in (section.top_margin, section.right_margin, section.bottom_margin, section.left_margin)],
    "footer": plain("".join(p.text for p in section.footer.paragraphs)),
    "footer_fields": ["PAGE" in footer_xml, "NUMPAGES" in footer_xml],
}, ensure_ascii=False))
