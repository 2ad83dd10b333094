"""Study selection: the PRISMA 2020 flow diagram (the inclusion log is an appendix).

Every count is read from prisma_flow.tsv (the flow diagram's own table), and the participants
of each synthesis from its overall pooled.tsv row, so the text says what the diagram shows.
"""

from __future__ import annotations

from alsmeta.report.html import figure_html, section_head
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections import inclusion_log

ID, TITLE = "selection", "Study selection"

#: prisma_flow.tsv categories this section names.
ANY_SYNTHESIS = "studies in at least one synthesis"
NO_DATA_ANYWHERE = "no usable data for any analysed outcome"


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many}"


def synthesis_text(ctx: ReportInputs, outcome: str) -> str:
    """'Serious adverse events: 7 studies, 262 participants', as in the synthesis' box."""
    label, p = ctx.label(outcome), ctx.overall[outcome]
    studies = ctx.flow.count("synthesis", "included", outcome)
    if not studies:
        return f"{label}: no study included"
    participants = f"{p['n_total']} participants"
    if p.get("k_n_unreported"):
        participants += f" (+{p['k_n_unreported']} with n not reported)"
    arms = _counted(p["k"], "arm or contrast", "arms or contrasts")
    counts = [_counted(studies, "study", "studies"), *([arms] if p["k"] != studies else [])]
    return f"{label}: {', '.join([*counts, participants])}"


def section(ctx: ReportInputs) -> str:
    flow = ctx.flow
    assessed, reports = flow.count("assessed", "studies"), flow.count("identified", "reports")
    included, none = flow.count("included", ANY_SYNTHESIS), flow.total("in_no_synthesis")
    alt = (
        f"PRISMA 2020 flow diagram: {flow.count('identified', 'studies')} studies in the "
        f"extraction dossier ({reports} reports); {none} in no synthesis "
        f"({flow.count('in_no_synthesis', NO_DATA_ANYWHERE)} without usable data); {included} "
        "included in at least one synthesis; "
        + "; ".join(synthesis_text(ctx, o) for o in ctx.outcomes)
        + "."
    )
    parts = [
        section_head(ID, TITLE),
        f"<p>{assessed} studies ({reports} reports) were assessed; {included} are in at least "
        f"one synthesis and {none} in none. Counts are computed from the "
        f"<a href='#{inclusion_log.ID}'>inclusion log</a> (an appendix), so the diagram and "
        "the log always agree.</p>",
        figure_html(ctx.figures["prisma"], alt, "PRISMA 2020 flow of studies.", "figure-prisma"),
        "</section>",
    ]
    return "\n".join(parts)
