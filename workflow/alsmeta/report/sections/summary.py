"""Summary of findings: one GRADE-style row per outcome, read from summary_of_findings.tsv.

The certainty and its reasons are graded in :mod:`alsmeta.analysis.summary_of_findings`;
this section only shows that table's rows, with links, and prints the rules they follow.
"""

from __future__ import annotations

import re

from alsmeta.analysis.summary_of_findings import SYMBOLS, rules
from alsmeta.figures.text import MINUS, readable
from alsmeta.report.html import Num, analysis_id, esc, link, section_head, slug, table
from alsmeta.report.inputs import ReportInputs

ID, TITLE = "summary", "Summary of findings"

#: The table's certainty-domain columns, in order, with the names the report shows.
DOMAINS = (
    ("risk_of_bias", "Risk of bias"),
    ("inconsistency", "Inconsistency"),
    ("imprecision", "Imprecision"),
    ("single_arm", "Single-arm designs"),
)
#: A domain cell that takes certainty down: '-<levels>: <reason>' (else the cell is the reason).
DOWNGRADED = re.compile(r"-(\d+): (.*)", re.S)
#: How the ``notes`` column separates its notes.
NOTE_SEPARATOR = "; "


def _reasons(row: dict) -> str:
    """The downgrades ('Imprecision (-1): ...') and notes of one row, as list items."""
    items = []
    for column, name in DOMAINS:
        cell = row[column]
        if not cell:  # an outcome without a graded effect has no domain cells
            continue
        down = DOWNGRADED.fullmatch(cell)
        levels, reason = (MINUS + down.group(1), down.group(2)) if down else ("0", cell)
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


def _row(ctx: ReportInputs, outcome: str) -> list:
    row = ctx.finding[outcome]
    certainty = row["certainty"]
    return [
        link(f"outcome-{slug(outcome)}", esc(row["label"])),
        Num(f"{row['participants']} ({row['studies']})"),
        link(analysis_id(ctx.overall[outcome]), esc(row["effect"])),
        _absolute(row),
        esc(row["statement"]),
        f"<span class='certainty'>{SYMBOLS.get(certainty, '')} {esc(certainty)}</span>",
        _reasons(row),
    ]


def section(ctx: ReportInputs) -> str:
    bayesian = ctx.config["pooling"]["primary_framework"] == "bayesian"
    parts = [
        section_head(ID, TITLE),
        "<p>One row per outcome. Certainty follows the rules printed below the table; "
        "each downgrade names the numbers that triggered it, and the statement is worded "
        "for that certainty. Every effect links to the studies behind it.</p>",
        table(
            [
                "Outcome",
                "Participants (studies)",
                "Pooled effect (95% CrI)" if bayesian else "Pooled effect (95% CI)",
                "Absolute effect",
                "What it means",
                "Certainty",
                "Reasons (levels down)",
            ],
            [_row(ctx, o) for o in ctx.outcomes],
        ),
        "<h3 id='grade-rules'>Certainty rules</h3><dl>",
    ]
    parts += [
        f"<dt><b>{esc(name)}</b></dt><dd>{esc(text)}</dd>"
        for name, text in rules(ctx.config.get("risk_of_bias"), ctx.config.get("grade"))
    ]
    parts.append("</dl></section>")
    return "\n".join(parts)
