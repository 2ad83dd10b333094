"""Summary of findings: one GRADE-style row per outcome, read from summary_of_findings.tsv.

The certainty and its reasons are graded in :mod:`alsmeta.analysis.grade`; this section
only shows that table's rows, with links, and prints the rules they follow.
"""

from __future__ import annotations

import re

from alsmeta.analysis.grade.levels import SYMBOLS
from alsmeta.analysis.grade.rules import rules
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.grade.table import DOMAIN_COLUMNS
from alsmeta.figures.text import MINUS, readable
from alsmeta.report.html import Num, analysis_id, esc, link, section_head, slug, table
from alsmeta.report.inputs import ReportInputs

ID, TITLE = "summary", "Summary of findings"

#: A domain cell that moves certainty: '-<levels>: <reason>' or '+<levels>: <reason>' (else
#: the cell is the reason).
RATED = re.compile(r"([-+])(\d+): (.*)", re.S)
#: How the ``notes`` column separates its notes.
NOTE_SEPARATOR = "; "


def _reasons(row: dict) -> str:
    """The start level, every domain ('Imprecision (-1): ...') and the notes of one row, as
    list items."""
    items = [f"<li><b>Start</b>: {esc(readable(row['start']))}</li>"] if row.get("start") else []
    for column, name in DOMAIN_COLUMNS:
        cell = row[column]
        if not cell:  # an outcome without a graded effect has no domain cells
            continue
        rated = RATED.fullmatch(cell)
        if rated:
            sign = MINUS if rated.group(1) == "-" else "+"
            levels, reason = sign + rated.group(2), rated.group(3)
        else:
            levels, reason = "0", cell
        items.append(f"<li><b>{esc(name)}</b> ({levels}): {esc(readable(reason))}</li>")
    notes = str(row["notes"] or "").split(NOTE_SEPARATOR)
    items += [f"<li>{esc(readable(n))}</li>" for n in notes if n]
    return f"<ul>{''.join(items)}</ul>"


def _absolute(row: dict) -> str:
    """The absolute effect, under the assumed control risk and its basis where it has one."""
    text = esc(row["absolute_effect"])
    acr = row.get("assumed_control_risk")
    if acr not in (None, ""):
        text += (
            f"<br><span class='small'>assumed control risk {1000 * acr:.0f} per 1,000 "
            f"({esc(row['assumed_control_risk_basis'])})</span>"
        )
    return text


def _effect(ctx: ReportInputs, outcome: str, row: dict) -> str:
    """The headline effect with its framework, the summed counts of a rate, and the other
    framework's result beside it."""
    text = link(analysis_id(ctx.overall[outcome]), esc(row["effect"]))
    if row.get("headline_framework"):
        text += f" <span class='small'>({esc(row['headline_framework'])})</span>"
    for extra in ("events", "other_framework"):
        if row.get(extra):
            text += f"<br><span class='small'>{esc(row[extra])}</span>"
    return text


def _row(ctx: ReportInputs, outcome: str) -> list:
    row = ctx.finding[outcome]
    certainty = row["certainty"]
    importance = str(row.get("importance") or "")
    follow_up = row.get("follow_up") or ""
    about = f"{importance}; follow-up {follow_up}" if follow_up else importance
    return [
        link(f"outcome-{slug(outcome)}", esc(row["label"]))
        + f"<br><span class='small'>{esc(about)}</span>",
        Num(f"{row['participants']} ({row['studies']})"),
        _effect(ctx, outcome, row),
        _absolute(row),
        esc(row["statement"]),
        f"<span class='certainty'>{SYMBOLS.get(certainty, '')} {esc(certainty)}</span>",
        _reasons(row),
    ]


def section(ctx: ReportInputs) -> str:
    settings = GradeSettings.from_config(ctx.config)
    parts = [
        section_head(ID, TITLE),
        "<p>One row per outcome, with its importance and follow-up. Certainty starts at "
        "the level its design sets and follows the rules printed below the table; each "
        "domain names the numbers or the recorded judgement behind it, and the statement is "
        "worded for that certainty. Every effect links to the studies behind it.</p>",
        table(
            [
                "Outcome",
                "Participants (studies)",
                "Headline effect (framework); other framework",
                "Absolute effect",
                "What it means",
                "Certainty",
                "Start and domains (levels)",
            ],
            [_row(ctx, o) for o in ctx.outcomes],
        ),
        "<h3 id='grade-rules'>Certainty rules</h3><dl>",
    ]
    parts += [f"<dt><b>{esc(name)}</b></dt><dd>{esc(text)}</dd>" for name, text in rules(settings)]
    parts.append("</dl></section>")
    return "\n".join(parts)
