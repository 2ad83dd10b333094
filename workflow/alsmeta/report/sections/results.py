"""Results as PRISMA 2020 items 20b and 20c: each pooled result with its forest plot, and the
subgroup analyses. The studies of each synthesis (20a), the subgroup forest plots and the
sensitivity analyses (20d) are Appendix A (:mod:`alsmeta.report.sections.per_outcome`).
Interval levels are the configuration's (``pooling.level``).
"""

from __future__ import annotations

from alsmeta.figures.text import heterogeneity_line, overall_test_line, readable
from alsmeta.report.html import (
    Num,
    analysis_id,
    effect_link,
    esc,
    figure_html,
    fold,
    link,
    no_study_line,
    section_head,
    slug,
    table,
)
from alsmeta.report.inputs import ReportInputs, effect_ids_of
from alsmeta.report.values import interval, short_reason, value

ID, TITLE = "results", "Results"
#: Appendix A (:mod:`alsmeta.report.sections.per_outcome`) and its subgroup part, linked from here.
APPENDIX_ID, SUBGROUPS_ID = "per-outcome", "subgroups"

#: The figure formats the run writes (config figures.formats), as the page names them.
FORMAT_NAMES = {"svg": "SVG", "png": "PNG (300 dpi)", "pdf": "PDF"}


def pooled_columns(ctx: ReportInputs) -> list[str]:
    """Columns of a pooled-results table after the outcome (and subgroup)."""
    return [
        "k",
        "N",
        "Estimate",
        f"{ctx.level} CI",
        f"{ctx.level} PI",
        "\u03c4\u00b2",
        "I\u00b2 \u03c4\u00b2-based (Q-based)",
        "Rows behind it",
    ]


def figure_files_sentence(ctx: ReportInputs) -> str:
    """Where the figure files are, naming only the formats the run wrote."""
    names = [FORMAT_NAMES.get(f, f.upper()) for f in ctx.config["figures"]["formats"]]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    files = "file is" if len(names) == 1 else "files are"
    return f"the {listed} {files} under <code>results/figures/</code>."


def _rows_behind(row: dict) -> str:
    return ", ".join(effect_link(i, i) for i in effect_ids_of(row)) or "none"


def _pooled_cells(ctx: ReportInputs, r: dict, with_group: bool) -> list:
    kind = ctx.kind(r["outcome"])
    level = str(r["subgroup_level"]).replace("_", " ")
    group = [esc(f"{r['subgroup_variable']} = {level}")] if with_group else []
    head = [esc(ctx.label(r["outcome"])), *group, Num(r["k"]), Num(r["n_total"])]
    if r["status"] != "pooled":
        return [
            *head,
            f"<span class='na'>not pooled ({esc(short_reason(r['reason']))})</span>",
            "",
            "",
            "",
            "",
            _rows_behind(r),
        ]
    i2 = (
        f"{r['i2_tau2_pct']:.0f}% ({r['i2_q_pct']:.0f}%)"
        if r.get("i2_q_pct") is not None
        else f"{r['i2_tau2_pct']:.0f}% (GLMM: no Q)"
    )
    estimate = link(analysis_id(r), esc(value(kind, r["estimate"])))
    if r.get("marginal_estimate") is not None:  # a GLMM: typical-study and average rates
        estimate += (
            " (typical study)<br>"
            f"{esc(value(kind, r['marginal_estimate']))} population-averaged "
            f"({esc(interval(kind, r['marginal_ci_lower'], r['marginal_ci_upper']))})"
        )
    return [
        *head,
        Num(estimate),
        Num(esc(interval(kind, r["ci_lower"], r["ci_upper"]))),
        Num(esc(interval(kind, r["pi_lower"], r["pi_upper"]))),
        Num(f"{r['tau2']:.3g}"),
        Num(i2),
        _rows_behind(r),
    ]


def pooled_table(ctx: ReportInputs, rows: list[dict], with_group: bool) -> str:
    headers = ["Outcome", *(["Subgroup"] if with_group else []), *pooled_columns(ctx)]
    return table(
        headers, [_pooled_cells(ctx, r, with_group) for r in rows], [r["status"] for r in rows]
    )


def _forest_alt(ctx: ReportInputs, outcome: str) -> str:
    rows, p, kind = ctx.rows_of(outcome), ctx.overall[outcome], ctx.kind(outcome)
    label = ctx.label(outcome)
    if not rows:
        return f"Forest plot of {label}: no study included."
    spread = ", ".join(f"{r['label']} {value(kind, r['estimate'])}" for r in rows[:12])
    more = f" and {len(rows) - 12} more" if len(rows) > 12 else ""
    text = f"Forest plot of {label}: {len(rows)} studies ({spread}{more})."
    if p["status"] == "pooled":
        text += (
            f" Pooled {value(kind, p['estimate'])}, {ctx.level} CI "
            f"{interval(kind, p['ci_lower'], p['ci_upper'])}, {ctx.level} prediction interval "
            f"{interval(kind, p['pi_lower'], p['pi_upper'])}; I\u00b2 "
            f"{p['i2_tau2_pct']:.0f}%."
        )
    else:
        text += f" Not pooled: {readable(p['reason'])}."
    return text


def outcome_id(outcome: str) -> str:
    """The id of an outcome's result (20b), which the summary and the contents link to."""
    return f"outcome-{slug(outcome)}"


def outcome_links(ctx: ReportInputs) -> list[tuple[str, str]]:
    """(id, label) of every outcome's result, for the table of contents."""
    return [(outcome_id(o), ctx.label(o)) for o in ctx.outcomes]


def _synthesis(ctx: ReportInputs, outcome: str) -> str:
    """20b for one outcome: the pooled result in words, and its forest plot (one line when
    no study met the criteria)."""
    p, kind, label = ctx.overall[outcome], ctx.kind(outcome), ctx.label(outcome)
    if not ctx.rows_of(outcome):
        return no_study_line(
            label, f"not pooled: {readable(p['reason'])}.", block_id=outcome_id(outcome)
        )
    if p["status"] == "pooled":
        text = (
            f"<p>{p['k']} studies, {p['n_total']} participants: "
            f"{value(kind, p['estimate'])} ({ctx.level} CI "
            f"{interval(kind, p['ci_lower'], p['ci_upper'])}; {ctx.level} prediction interval "
            f"{interval(kind, p['pi_lower'], p['pi_upper'])}). "
            f"{esc(heterogeneity_line(p))}. {esc(overall_test_line(p, kind))}.</p>"
        )
    else:
        text = f"<p>Not pooled: {esc(readable(p['reason']))}.</p>"
    if f"forest_{outcome}" in ctx.figures:
        text += figure_html(
            ctx.figures[f"forest_{outcome}"],
            _forest_alt(ctx, outcome),
            f"Forest plot: {esc(label)}. Rows behind it: {_rows_behind(p)}.",
            f"figure-forest-{slug(outcome)}",
        )
    return fold(label, text, block_id=outcome_id(outcome))


def section(ctx: ReportInputs) -> str:
    parts = [
        section_head(ID, TITLE),
        f"<p class='small'>PRISMA 2020 items 20b and 20c; 20a (the studies of each synthesis) "
        f"and 20d (sensitivity analyses) are in <a href='#{APPENDIX_ID}'>Appendix A</a>. "
        f"Figures are embedded; {figure_files_sentence(ctx)}</p>",
        "<h3 id='prisma-20b'>20b. Results of the syntheses</h3>",
        pooled_table(ctx, [ctx.overall[o] for o in ctx.outcomes], False),
        *(_synthesis(ctx, o) for o in ctx.outcomes),
        "<h3 id='prisma-20c'>20c. Investigations of heterogeneity</h3>",
    ]
    if not ctx.config["subgroups"]:
        parts.append("<p>No subgroup analysis was configured.</p>")
    elif any(r["subgroup_variable"] != "overall" for r in ctx.pooled):
        variables = ", ".join(ctx.config["subgroups"])
        parts.append(
            f"<p>Subgroup analyses by {esc(variables)}: each level's pooled result, the test for "
            f"subgroup differences and the subgroup forest plots are in "
            f"<a href='#{SUBGROUPS_ID}'>Appendix A</a>.</p>"
        )
    parts.append("</section>")
    return "\n".join(parts)
