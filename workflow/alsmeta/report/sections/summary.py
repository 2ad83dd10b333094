"""Summary of findings as GRADEpro lays it out, read from summary_of_findings.tsv.

The certainty and its reasons are graded in :mod:`alsmeta.analysis.grade`;
this section only shows that table's rows (through :mod:`alsmeta.report.sof`), with links,
and prints the rules they follow. On a phone each row reads as one card (the CSS turns the
cells into labelled lines, from their ``data-label``).
"""

from __future__ import annotations

from alsmeta.analysis.grade.rules import rules
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.report.html import analysis_id, esc, fold, link, section_head, slug
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections.results import outcome_id
from alsmeta.report.sof import (
    GROUP_LINE,
    Layout,
    SofRow,
    interval_name,
    layout,
    no_study_text,
    rows_of,
)

ID, TITLE = "summary", "Summary of findings"


def row_id(outcome: str) -> str:
    """The id of an outcome's summary-of-findings row (key messages link to it)."""
    return f"sof-{slug(outcome)}"


def note_id(number: int) -> str:
    return f"sof-note-{number}"


def headers(ctx: ReportInputs) -> list[str]:
    """The table's columns, the interval named as the headline framework computes it."""
    level = interval_name(ctx.config["pooling"])
    return [
        "Outcome",
        "Participants (studies)",
        f"Relative effect ({level})",
        f"Absolute effect ({level})",
        "Certainty",
        "Comments",
    ]


def _cells(ctx: ReportInputs, table: Layout, r: SofRow) -> list[str]:
    outcome = link(outcome_id(r.outcome), esc(r.label))
    if r.outcome_details:
        outcome += f"<br><span class='small'>{esc(r.outcome_details)}</span>"
    effect_target = analysis_id(ctx.overall[r.outcome]) if r.outcome in ctx.overall else ""
    relative = link(effect_target, esc(r.relative)) if r.relative and effect_target else "\u2014"
    absolute = esc(r.absolute_text)
    if not r.relative and effect_target:
        absolute = link(effect_target, absolute)
    framework = f"<br><span class='small'>({esc(r.headline_framework)})</span>"
    if r.headline_framework:
        if r.relative:
            relative += framework
        else:
            absolute += framework
    for small in (r.events, r.control_risk_text):
        if small:
            absolute += f"<br><span class='small'>{esc(small)}</span>"
    marks = ",".join(link(note_id(n), str(n)) for n in table.marks(r))
    certainty = f"<span class='certainty'>{esc(r.certainty_text)}</span>"
    if marks:
        certainty += f"<sup>{marks}</sup>"
    comments = esc(r.comments)
    if r.other_framework:
        comments += f"<br><span class='small'>{esc(r.other_framework)}</span>"
    return [outcome, f"{r.participants} ({r.studies})", relative, absolute, certainty, comments]


def sof_table(ctx: ReportInputs, table: Layout) -> str:
    """The table: main outcomes, a group line, later roles, the line of no-study outcomes."""
    heads = headers(ctx)

    def tr(r: SofRow) -> str:
        tds = "".join(
            f"<td data-label='{esc(h)}'>{c}</td>"
            for h, c in zip(heads, _cells(ctx, table, r), strict=True)
        )
        return f"<tr id='{row_id(r.outcome)}'>{tds}</tr>"

    body = [tr(r) for r in table.main]
    if table.later:
        body.append(
            f"<tr class='group'><th colspan='{len(heads)}' scope='rowgroup'>{GROUP_LINE}</th></tr>"
        )
        body += [tr(r) for r in table.later]
    if table.no_study:
        anchors = "".join(f"<span id='{row_id(r.outcome)}'></span>" for r in table.no_study)
        body.append(
            f"<tr class='group'><td colspan='{len(heads)}'>{anchors}"
            f"{esc(no_study_text(table))}</td></tr>"
        )
    head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in heads)
    return (
        f"<div class='scroll'><table class='sof'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def footnotes(table: Layout) -> str:
    items = "".join(
        f"<li id='{note_id(n)}'>{esc(text)}</li>" for text, n in table.footnotes.items()
    )
    # Folded, as the methods are: a footnote mark in the table opens it at its note.
    return fold(
        f"Footnotes 1\u2013{len(table.footnotes)}: the reason behind every rating",
        f"<ol class='footnotes small'>{items}</ol>",
        block_id="sof-footnotes",
    )


def sof_rows(ctx: ReportInputs) -> list[SofRow]:
    """The summary of findings of the run's outcomes, in the configured order."""
    return rows_of(ctx.summary_of_findings, ctx.definitions, ctx.outcomes)


def section(ctx: ReportInputs) -> str:
    table = layout(sof_rows(ctx))
    rule_list = "".join(
        f"<dt><b>{esc(name)}</b></dt><dd>{esc(text)}</dd>"
        for name, text in rules(GradeSettings.from_config(ctx.config))
    )
    return "\n".join(
        [
            section_head(ID, TITLE),
            "<p>One row per outcome. Main outcomes come first, then the secondary and sensitivity "
            "analyses. Certainty follows the rules below the table; each domain's reason is a "
            "numbered footnote, naming the numbers behind it. The same table is in "
            "<code>results/report/summary_of_findings.docx</code> and <code>.tsv</code>, "
            "to edit.</p>",
            sof_table(ctx, table),
            "<h3 id='sof-footnotes'>Footnotes: certainty domains</h3>",
            footnotes(table),
            f"<div id='grade-rules'>{fold('Certainty rules', f'<dl>{rule_list}</dl>')}</div>",
            "</section>",
        ]
    )
