"""Appendix A: per outcome, the studies of each synthesis (PRISMA 2020 item 20a), the subgroup
forest plots (20c), the leave-one-out re-fits and funnel plots (20d), and the block of rows
behind every pooled number.

Everything is read from the tables (analysed_effects.tsv, weights.tsv, leave_one_out.tsv,
small_study.tsv) and the figures; nothing is re-fitted here. Units come from the kinds
registry (:mod:`alsmeta.kinds`), interval levels from the configuration.
"""

from __future__ import annotations

from alsmeta.figures.text import fmt_p, readable
from alsmeta.figures.text import subgroup_test_line as subgroup_line
from alsmeta.kinds import KINDS, MIN_K_LEAVE_ONE_OUT
from alsmeta.report.html import (
    Num,
    analysis_id,
    effect_link,
    esc,
    figure_html,
    fold,
    no_study_line,
    section_head,
    slug,
    study_link,
    table,
)
from alsmeta.report.inputs import ReportInputs, effect_ids_of
from alsmeta.report.sections.results import APPENDIX_ID, SUBGROUPS_ID, pooled_table
from alsmeta.report.values import data_text, interval, value, weight_text

ID, TITLE = APPENDIX_ID, "Studies, subgroups and sensitivity per outcome"


def _characteristics(ctx: ReportInputs, outcome: str) -> str:
    """20a: one row per analysed arm or contrast, with its data and weight."""
    rows, pooled = ctx.rows_of(outcome), ctx.overall.get(outcome)
    cells = []
    for r in rows:
        data = data_text(r, KINDS[r["kind"]].unit)
        if r.get("comparator_events") is not None and r.get("estimate") is not None:
            data += f"; {r['measure']} {value(r['kind'], r['estimate'])}"
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
                Num(esc(weight_text(ctx.weight(outcome, r["effect_id"]), pooled))),
            ]
        )
    headers = ["Study", "Design", "Tier", "Route", "Tissue", "Product", "Data"]
    return table([*headers, f"{ctx.study_level} CI", "Weight"], cells)


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
        + table(
            [
                "Omitted",
                "k",
                "Estimate",
                f"{ctx.level} CI",
                f"{ctx.level} PI",
                "\u03c4\u00b2",
                "I\u00b2",
            ],
            cells,
        )
    )


def _funnel(ctx: ReportInputs, outcome: str) -> str:
    k, label = len(ctx.rows_of(outcome)), ctx.label(outcome)
    min_k = ctx.config["sensitivity"]["small_study_min_k"]
    if k < min_k or ctx.overall[outcome]["status"] != "pooled":
        return f"<p class='small'>Funnel plot not drawn: k = {k} &lt; {min_k}.</p>"
    return figure_html(
        ctx.figures[f"funnel_{outcome}"],
        # The funnel's pseudo-confidence region is drawn at 95% whatever pooling.level is
        # (Sterne et al. 2011, as alsmeta.figures.funnel draws it).
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
        for i in effect_ids_of(r):
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
            f"{value(kind, r['estimate'])} ({ctx.level} CI "
            f"{interval(kind, r['ci_lower'], r['ci_upper'])}; {ctx.level} PI "
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
        "<h3 id='prisma-20a'>20a. Studies contributing to each synthesis</h3>",
    ]
    for o in ctx.outcomes:
        parts.append(
            fold(ctx.label(o), _characteristics(ctx, o))
            if ctx.rows_of(o)
            else no_study_line(ctx.label(o), "no study met the criteria.")
        )
    parts.append(f"<h3 id='{SUBGROUPS_ID}'>20c. Subgroup analyses</h3>")
    sub_rows = [r for r in ctx.pooled if r["subgroup_variable"] != "overall"]
    if sub_rows:
        parts.append(pooled_table(ctx, sub_rows, True))
    for o in ctx.outcomes:
        figures = "".join(_subgroup_figure(ctx, o, v) for v in ctx.config["subgroups"])
        if figures:
            parts.append(fold(ctx.label(o), figures))
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
