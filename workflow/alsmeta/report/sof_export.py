"""The summary of findings as files a guideline panel edits: a Word document and a TSV.

Both carry the report's table (:mod:`alsmeta.report.sof`): GRADEpro's columns, the main
outcomes, the secondary and sensitivity analyses after a group line, the outcomes without a
study on one line, and the numbered footnotes (in the .docx as a numbered list under the
table; in the TSV as rows 'Footnote <n>' with the text under Comments, so that the file keeps
one set of columns and pastes into a spreadsheet or a Word table as it is).

The .docx is written with python-docx (the table is real Word table markup, editable cell by
cell, as GRADEpro's own Word export is). Same inputs give the same bytes: the document's
creation and modification dates are fixed, and the zip entries carry a fixed date.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Pt

from alsmeta.io.files import atomic_write
from alsmeta.report.sof import (
    GROUP_LINE,
    WIDTH,
    Layout,
    export_headers,
    export_rows,
    footnote_rows,
)

TITLE = "Summary of findings: mesenchymal stromal cell therapy for ALS"
#: The date written into the document's properties and its zip entries (the zip format's
#: earliest), so that the file depends on its content only.
FIXED_DATE = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)


def write_tsv(table: Layout, interval: str, path) -> None:
    """The table, then its footnotes, as tab-separated text with one header line."""
    rows = [export_headers(interval), *export_rows(table), *footnote_rows(table)]
    for row in rows:
        for cell in row:
            if "\t" in cell or "\n" in cell:
                raise ValueError(f"summary of findings: a tab or newline in {cell!r}")
    atomic_write(path, lambda handle: handle.write("".join("\t".join(r) + "\n" for r in rows)))


def _docx_bytes(table: Layout, interval: str, title: str) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "alsmeta", ""
    properties.created = properties.modified = FIXED_DATE.replace(tzinfo=None)
    properties.revision = 1
    document.add_heading(title, level=1)
    grid = document.add_table(rows=1, cols=WIDTH)
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, export_headers(interval), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in export_rows(table):
        cells = grid.add_row().cells
        if not any(values[1:]):  # the group line and the no-study line span the table
            merged = cells[0].merge(cells[-1])
            merged.text = ""
            merged.paragraphs[0].add_run(values[0]).bold = values[0] == GROUP_LINE
            continue
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    document.add_paragraph("Footnotes", style="Heading 2")
    for text, n in table.footnotes.items():
        document.add_paragraph(f"{n}. {text}").runs[0].font.size = Pt(8)
    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated :data:`FIXED_DATE`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry))
    return out.getvalue()


def write_docx(table: Layout, interval: str, title: str, path) -> None:
    """The table and its footnotes as a Word document (landscape A4-wide page)."""
    data = _docx_bytes(table, interval, title)
    atomic_write(path, lambda handle: handle.write(data), binary=True)
