"""The inclusion log of every synthesis: each study's data rows, decision and reasons
(inclusion.tsv), from which the PRISMA counts (prisma_flow.tsv) are computed."""

from __future__ import annotations

from alsmeta.report.html import effect_link, esc, fold, section_head, study_link, table
from alsmeta.report.inputs import ReportInputs

ID, TITLE = "inclusion", "Inclusion log"


def _inclusion_log(ctx: ReportInputs, outcome: str) -> str:
    rows = [r for r in ctx.inclusion if r["outcome"] == outcome]
    included = ctx.flow.ids("synthesis", "included", outcome)
    listed = ": " + ", ".join(included) if included else ""
    return fold(
        ctx.label(outcome),
        f"<p>{len(included)} of {len({r['study_id'] for r in rows})} studies included{listed}.</p>"
        + table(
            ["Study", "Data row", "Decision", "Reasons"],
            [
                [
                    study_link(r["study_id"], r["study_id"]),
                    effect_link(r["effect_id"], r["effect_id"]) if r["effect_id"] else "",
                    esc(r["decision"]),
                    esc(r["reasons"]),
                ]
                for r in rows
            ],
            [r["decision"] for r in rows],
        ),
    )


def section(ctx: ReportInputs) -> str:
    return "\n".join(
        [section_head(ID, TITLE), *(_inclusion_log(ctx, o) for o in ctx.outcomes), "</section>"]
    )
