"""Results as PRISMA 2020 items 20a-20d, and the block of rows behind every pooled number.

20a: the studies of each synthesis; 20b: each pooled result with its forest plot; 20c: the
subgroup analyses; 20d: leave-one-out re-fits and funnel plots (from leave_one_out.tsv and
the figures; nothing is re-fitted here).
"""

from __future__ import annotations

from alsmeta.figures.text import fmt_p, heterogeneity_line, num, overall_test_line, readable
from alsmeta.figures.text import subgroup_test_line as subgroup_line
from alsmeta.kinds import MIN_K_LEAVE_ONE_OUT
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
    study_link,
    table,
)
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.values import interval, short_reason, value

ID, TITLE = "results", "Results"

#: Columns of a pooled-results table after the outcome (and subgroup).
POOLED_COLUMNS = [
    "k",
    "N",
    "Estimate",
    "95% CI",
    "95% PI",
    "\u03c4\u00b2",
    "I\u00b2 \u03c4\u00b2-based (Q-based)",
    "Rows behind it",
]


def _ids(row: dict) -> list[str]:
    """The effect ids of the rows behind a pooled.tsv row."""
    return [i for i in str(row.get("effect_ids") or "").split(";") if i]


def _rows_behind(row: dict) -> str:
    return ", ".join(effect_link(i, i) for i in _ids(row)) or "none"


def _characteristics(ctx: ReportInputs, outcome: str) -> str:
    """20a: one row per analysed arm or contrast, with its data and weight."""
    rows = ctx.rows_of(outcome)
    cells = []
    for r in rows:
        w = ctx.weight(outcome, r["effect_id"])
        if r["kind"] == "proportion":
            data = f"{r['events']}/{r['n']}"
        else:
            n = f"n = {r['n']}" if r.get("n") is not None else "n not reported"
            if r.get("comparator_n") is not None:
                n += f" vs {r['comparator_n']}"
            data = f"{num(r['estimate'])} points/month, {n}"
        ci = interval(r["kind"], r["ci_lower"], r["ci_upper"])
        cells.append(
            [
                study_link(r["study_id"], r["label"]),
                esc(ctx.studies[r["study_id"]]["design"].replace("_", " ")),
                esc(r["tier"]),
                esc(r["route"].replace("_", " ")),
                esc(r["tissue"].replace("_", " ")),
                esc(r["product"]),
                Num(effect_link(r["effect_id"], data)),
                Num(effect_link(r["effect_id"], ci)),
                Num(f"{w:.1f}%" if w is not None else ""),
            ]
        )
    return table(
        ["Study", "Design", "Tier", "Route", "Tissue", "Product", "Data", "95% CI", "Weight"],
        cells,
    )


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


def _pooled_table(ctx: ReportInputs, rows: list[dict], with_group: bool) -> str:
    headers = ["Outcome", *(["Subgroup"] if with_group else []), *POOLED_COLUMNS]
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
            f" Pooled {value(kind, p['estimate'])}, 95% CI "
            f"{interval(kind, p['ci_lower'], p['ci_upper'])}, 95% prediction interval "
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
            f"{value(kind, p['estimate'])} (95% CI "
            f"{interval(kind, p['ci_lower'], p['ci_upper'])}; 95% prediction interval "
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


def _subgroup_figure(ctx: ReportInputs, outcome: str, variable: str) -> str:
    """20c: one outcome's forest plot by one subgroup variable (none without a study)."""
    if f"forest_{outcome}_by_{variable}" not in ctx.figures or not ctx.rows_of(outcome):
        return ""
    outcome_rows = [r for r in ctx.pooled if r["outcome"] == outcome]
    levels = [r for r in outcome_rows if r["subgroup_variable"] == variable]
    label, test = ctx.label(outcome), subgroup_line(outcome_rows, variable)
    if len(levels) == 1:  # the subgroup plot would repeat the overall one
        level = str(levels[0]["subgroup_level"]).replace("_", " ")
        return (
            f"<p id='figure-forest-{slug(outcome)}-by-{slug(variable)}'>{esc(label)} by "
            f"{esc(variable)}: every study has {esc(variable)} = {esc(level)}, so the "
            "subgroup forest plot is the overall one (not repeated here).</p>"
        )
    alt = (
        f"Forest plot of {label} by {variable}: "
        + "; ".join(
            f"{r['subgroup_level']}: k = {r['k']}, "
            + (
                f"pooled {value(ctx.kind(outcome), r['estimate'])}"
                if r["status"] == "pooled"
                else "not pooled"
            )
            for r in levels
        )
        + f". {test}."
    )
    return figure_html(
        ctx.figures[f"forest_{outcome}_by_{variable}"],
        alt,
        f"{esc(label)} by {esc(variable)}. <span class='na'>{esc(test)}</span>.",
        f"figure-forest-{slug(outcome)}-by-{slug(variable)}",
    )


def _leave_one_out(ctx: ReportInputs, outcome: str) -> str:
    """20d: the outcome's leave-one-out re-fits (leave_one_out.tsv rows) and their plot."""
    loo = ctx.leave_one_out_of(outcome)
    k, kind, label = len(ctx.rows_of(outcome)), ctx.kind(outcome), ctx.label(outcome)
    if not loo:
        return (
            f"<p class='small'>Leave-one-out not done: it needs at least "
            f"{MIN_K_LEAVE_ONE_OUT} pooled studies (k = {k}).</p>"
        )
    if loo[0]["status"] == "not_computed":
        return f"<p class='small'>Leave-one-out not done: {esc(readable(loo[0]['reason']))}.</p>"
    fits = [r for r in loo if r["status"] == "pooled"]
    if fits:
        low = min(fits, key=lambda r: r["estimate"])
        high = max(fits, key=lambda r: r["estimate"])
        summary = (
            f"Omitting one study at a time, the estimate ranges from "
            f"{value(kind, low['estimate'])} (without {low['omitted_label']}) to "
            f"{value(kind, high['estimate'])} (without {high['omitted_label']})."
        )
    else:
        summary = "No re-fit could be made."
    cells = [
        [
            effect_link(r["omitted_effect_id"], r["omitted_label"]),
            Num(r["k"]),
            *(
                [
                    Num(value(kind, r["estimate"])),
                    Num(interval(kind, r["ci_lower"], r["ci_upper"])),
                    Num(interval(kind, r["pi_lower"], r["pi_upper"])),
                    Num(f"{r['tau2']:.3g}"),
                    Num(f"{r['i2_tau2_pct']:.0f}%"),
                ]
                if r["status"] == "pooled"
                else [f"not estimated: {esc(readable(r['reason']))}", "", "", "", ""]
            ),
        ]
        for r in loo
    ]
    return (
        f"<p>{esc(summary)}</p>"
        + figure_html(
            ctx.figures[f"leave_one_out_{outcome}"],
            f"Leave-one-out plot of {label}. {summary}",
            f"Leave-one-out: {esc(label)}.",
            f"figure-leave-one-out-{slug(outcome)}",
        )
        + table(["Omitted", "k", "Estimate", "95% CI", "95% PI", "\u03c4\u00b2", "I\u00b2"], cells)
    )


def _funnel(ctx: ReportInputs, outcome: str) -> str:
    k, label = len(ctx.rows_of(outcome)), ctx.label(outcome)
    min_k = ctx.config["sensitivity"]["small_study_min_k"]
    if k < min_k or ctx.overall[outcome]["status"] != "pooled":
        return f"<p class='small'>Funnel plot not drawn: k = {k} &lt; {min_k}.</p>"
    return figure_html(
        ctx.figures[f"funnel_{outcome}"],
        f"Funnel plot of {label}: {k} studies, effect against standard error, with pseudo "
        "95% limits.",
        f"Funnel plot: {esc(label)}. {esc(_asymmetry_line(ctx, outcome))}",
        f"figure-funnel-{slug(outcome)}",
    )


def _asymmetry_line(ctx: ReportInputs, outcome: str) -> str:
    """Egger's and Begg's results of one outcome, as small_study.tsv holds them."""
    rows = [r for r in ctx.extra.get("small_study") or [] if r["outcome"] == outcome]
    done = [r for r in rows if r["status"] != "not_done" and r.get("p_value") not in (None, "")]
    if not done:
        reasons = "; ".join(readable(r["reason"]) for r in rows if r.get("reason"))
        return f"Funnel-plot asymmetry tests: {reasons or 'no result in the small-study table'}."
    return "; ".join(f"{r['test']}: {fmt_p(r['p_value'])}" for r in done) + "."


def _prepost_line(ctx: ReportInputs) -> str:
    """Where the pre/post-r sweep is, or that it was not part of the run."""
    if ctx.extra.get("prepost_sweep") is None:
        return "<p class='small'>The pre/post correlation sweep was not part of this run.</p>"
    return (
        "<p>Sensitivity of the slope change to the assumed pre/post correlation r: "
        "<a href='#sensitivity-prepost_sweep'>pre/post correlation sweep</a>.</p>"
    )


def _analysis_blocks(ctx: ReportInputs) -> str:
    """One anchor per pooled.tsv row, listing the rows behind it with their weights."""
    parts = ["<h3 id='analyses'>Rows behind every pooled number</h3>"]
    for r in ctx.pooled:
        outcome, variable, level = r["outcome"], r["subgroup_variable"], r["subgroup_level"]
        kind = ctx.kind(outcome)
        by_id = {a["effect_id"]: a for a in ctx.rows_of(outcome)}
        items = []
        for i in _ids(r):
            a = by_id.get(i)
            w = ctx.weight(outcome, i, variable, level)
            text = a["label"] if a else i
            if a:
                ci = interval(kind, a["ci_lower"], a["ci_upper"])
                text += f": {value(kind, a['estimate'])} [{ci}]"
            if w is not None:
                text += f", weight {w:.1f}%"
            items.append(f"<li>{effect_link(i, text)}</li>")
        group = "overall" if variable == "overall" else f"{variable} = {level}"
        head = (
            f"{value(kind, r['estimate'])} (95% CI "
            f"{interval(kind, r['ci_lower'], r['ci_upper'])}; 95% PI "
            f"{interval(kind, r['pi_lower'], r['pi_upper'])})"
            if r["status"] == "pooled"
            else f"not pooled: {readable(r['reason'])}"
        )
        parts.append(
            f"<div id='{analysis_id(r)}'><h4>{esc(ctx.label(outcome))}, "
            f"{esc(group)}: {esc(head)}</h4>"
            + (f"<ul>{''.join(items)}</ul>" if items else "<p class='small'>No rows.</p>")
            + "</div>"
        )
    return "\n".join(parts)


def section(ctx: ReportInputs) -> str:
    parts = [
        section_head(ID, TITLE),
        "<p class='small'>PRISMA 2020 items 20a\u201320d. Figures are embedded; the SVG, "
        "PNG (300 dpi) and PDF files are under <code>results/figures/</code>.</p>",
        "<h3 id='prisma-20a'>20a. Studies contributing to each synthesis</h3>",
    ]
    for o in ctx.outcomes:
        parts.append(
            fold(ctx.label(o), _characteristics(ctx, o))
            if ctx.rows_of(o)
            else no_study_line(ctx.label(o), "no study met the criteria.")
        )

    parts.append("<h3 id='prisma-20b'>20b. Results of the syntheses</h3>")
    parts.append(_pooled_table(ctx, [ctx.overall[o] for o in ctx.outcomes], False))
    parts += [_synthesis(ctx, o) for o in ctx.outcomes]

    parts.append("<h3 id='prisma-20c'>20c. Investigations of heterogeneity</h3>")
    subgroups = ctx.config["subgroups"]
    if not subgroups:
        parts.append("<p>No subgroup analysis was configured.</p>")
    sub_rows = [r for r in ctx.pooled if r["subgroup_variable"] != "overall"]
    if sub_rows:
        parts.append(_pooled_table(ctx, sub_rows, True))
    parts += [f for o in ctx.outcomes for v in subgroups if (f := _subgroup_figure(ctx, o, v))]

    parts.append("<h3 id='prisma-20d'>20d. Sensitivity analyses</h3>")
    for o in ctx.outcomes:
        parts.append(
            fold(ctx.label(o), _leave_one_out(ctx, o) + _funnel(ctx, o))
            if ctx.rows_of(o)
            else no_study_line(ctx.label(o), "no study, so no leave-one-out or funnel plot.")
        )
    parts.append(_prepost_line(ctx))
    parts.append(_analysis_blocks(ctx))
    parts.append("</section>")
    return "\n".join(parts)
