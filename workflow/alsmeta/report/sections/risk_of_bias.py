"""Risk of bias: the appraisal of every study (traffic-light plots per tool, the summary
plot) and each study's computed overall judgement per outcome scope, as the tables job
wrote them (results/tables/risk_of_bias.tsv). The judgements drive the GRADE risk-of-bias
domain of the summary of findings and the criterion criteria.max_risk_of_bias."""

from __future__ import annotations

from alsmeta.report.html import esc, figure_html, section_head, study_link, table
from alsmeta.report.inputs import ReportInputs

ID, TITLE = "risk-of-bias", "Risk of bias"

#: Figure stem -> caption, in the order shown.
FIGURES = (
    ("rob_traffic_light_rob2", "Randomized trials, RoB 2 (Sterne et al. 2019)."),
    (
        "rob_traffic_light_robins_i",
        "Non-randomized and externally controlled comparisons, ROBINS-I (Sterne et al. 2016).",
    ),
    (
        "rob_traffic_light_jbi_case_series",
        "Single-arm studies, JBI critical appraisal checklist for case series (Munn et al. 2020).",
    ),
    ("rob_summary", "Share of studies with each judgement per domain (unweighted)."),
    (
        "rob_summary_weighted",
        "Share of each analysis' weight from studies at each overall risk of bias: what the "
        "GRADE risk-of-bias domain of the summary of findings reads.",
    ),
)


def section(ctx: ReportInputs) -> str:
    rows = ctx.extra.get("risk_of_bias") or []
    settings = ctx.config.get("risk_of_bias", {})
    parts = [
        section_head(ID, TITLE),
        "<p>Every study that enters an analysis is appraised with the tool its design calls "
        "for (data/risk_of_bias.tsv). Most judgements rest on an abstract only: where the "
        "source is silent the judgement is 'no information' (RoB 2, ROBINS-I) or 'unclear' "
        "(JBI), never a guess. The overall judgement is computed by each tool's rule; a row "
        "for a narrower outcome scope (death, adverse events, ALSFRS-R) replaces the study's "
        "all-outcome judgement of its domain for the outcomes of that scope. JBI prescribes "
        "no overall rule: low from "
        f"{settings.get('jbi_low_share', 70):g}% of applicable items answered yes, moderate "
        f"from {settings.get('jbi_moderate_share', 50):g}%, high below. RoB 2 is high when "
        f"{settings.get('rob2_some_concerns_for_high', 4)} or more domains have some concerns."
        "</p>",
    ]
    for stem, caption in FIGURES:
        path = ctx.figures.get(stem)
        if path:
            parts.append(figure_html(path, f"Risk of bias: {caption}", caption, f"fig-{stem}"))
    overall = [r for r in rows if r["domain"] == "overall"]
    parts.append("<h3>Overall judgement per study and outcome scope</h3>")
    parts.append(
        table(
            ["Study", "Outcome scope", "Tool", "Overall (computed)"],
            [
                [
                    study_link(r["study_id"], r["label"]),
                    esc(str(r["outcome_scope"]).replace("_", " ")),
                    esc(r["tool"]),
                    esc(str(r["judgement"]).replace("_", " ")),
                ]
                for r in overall
            ],
        )
        if overall
        else "<p>No risk-of-bias table in this run.</p>"
    )
    parts.append(_support(ctx))
    parts.append("</section>")
    return "\n".join(parts)


def _support(ctx: ReportInputs) -> str:
    """Every judgement with its support text, quote ids and the source read."""
    rows = ctx.data.get("risk_of_bias") or []
    if not rows:
        return ""
    return "<h3>Judgements and their support</h3>" + table(
        ["Study", "Scope", "Domain", "Judgement", "Support", "Quotes", "Source read"],
        [
            [
                study_link(r["study_id"], r["study_id"]),
                esc(r["outcome_scope"]),
                esc(r["domain"]),
                esc(r["judgement"].replace("_", " ")),
                esc(r["support"]),
                esc("; ".join(r.get("quote_ids") or [])),
                esc(", ".join(r["source_type"])),
            ]
            for r in rows
        ],
    )
