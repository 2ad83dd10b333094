"""Figures, summary of findings and PRISMA counts, on synthetic data a reader can check."""

import math

import pytest
from figcheck import layout_problems
from matplotlib.patches import Polygon
from synthetic import LONG, difference_analysis, proportion_analysis

from alsmeta.analysis import prisma
from alsmeta.analysis import summary_of_findings as sof
from alsmeta.analysis.pooling import glmm_fit, settings_from
from alsmeta.analysis.sensitivity import leave_one_out_rows
from alsmeta.effects.measures import expit
from alsmeta.figures import forest
from alsmeta.figures import outcome as outcome_figures
from alsmeta.figures import prisma as prisma_figure
from alsmeta.figures import record as figures_of_record
from alsmeta.figures import style as plotstyle
from alsmeta.figures.funnel import FunnelPoint, funnel_figure
from alsmeta.figures.sensitivity import RSweepPoint, r_sensitivity_figure
from alsmeta.report.browser import blank_dates
from alsmeta.stats.random_effects import random_effects

PROPORTION = {"label": "Serious adverse events (synthetic)", "kind": "proportion"}
DIFFERENCE = {"label": "Slope difference (synthetic)", "kind": "slope_change_difference"}


def texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("k", [5, 60])
def test_forest_plot_has_no_overlaps_at_5_and_60_studies(k):
    rows, (pooled, weights) = proportion_analysis(k, long_every=7)
    fig = forest.draw(outcome_figures.overall_forest(PROPORTION, rows, pooled, weights, []))
    assert layout_problems(fig) == []
    shown = texts(fig)
    # Long labels wrap: the first words sit on one line, the rest on the next.
    assert "Investigators of the multicentre" in shown and LONG.strip() not in shown
    assert "Total (95% CI)" in shown and "95% prediction interval" in shown
    assert any(t.startswith("Heterogeneity: \u03c4\u00b2 = ") for t in shown)
    assert fig.get_figheight() > 0.2 * k  # the figure grows with the studies


def test_squares_are_sized_by_weight():
    rows, (pooled, weights) = proportion_analysis(5)
    fig = forest.draw(outcome_figures.overall_forest(PROPORTION, rows, pooled, weights, []))
    squares = [line.get_markersize() for line in fig.axes[0].lines if line.get_marker() == "s"]
    ranked = sorted(weights.values())
    assert len(squares) == 5
    # Area proportional to weight: side ratio = sqrt(weight ratio) for the two largest.
    big, second = sorted(squares)[-1], sorted(squares)[-2]
    assert big / second == pytest.approx(math.sqrt(ranked[-1] / ranked[-2]), rel=1e-6)


def test_whiskers_leaving_the_axis_end_in_arrows():
    rows, (pooled, weights) = difference_analysis(8, wild=2)
    fig = forest.draw(outcome_figures.overall_forest(DIFFERENCE, rows, pooled, weights, []))
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    left = [ln for ln in ax.lines if ln.get_marker() == "<"]
    right = [ln for ln in ax.lines if ln.get_marker() == ">"]
    outside_left = sum(r["ci_lower"] < lo for r in rows)
    outside_right = sum(r["ci_upper"] > hi for r in rows)
    assert outside_left >= 2 and len(left) == outside_left
    assert outside_right >= 2 and len(right) == outside_right
    assert all(ln.get_xdata()[0] == lo for ln in left)
    # The pooled diamond and the prediction interval are never clipped.
    assert lo <= pooled["pi_lower"] and pooled["pi_upper"] <= hi
    assert "Favours MSC" in texts(fig) and "Favours control" in texts(fig)
    assert layout_problems(fig) == []


def test_proportions_are_drawn_on_a_percent_axis():
    rows, (pooled, weights) = proportion_analysis(6)
    fig = forest.draw(outcome_figures.overall_forest(PROPORTION, rows, pooled, weights, []))
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0] == "0%" and all(label.endswith("%") for label in labels)
    assert 0 < fig.axes[0].get_xlim()[1] <= 100
    assert not any(t.startswith("Favours") for t in texts(fig))


def test_ratios_are_drawn_on_a_log_axis_symmetric_about_one():
    rows = [
        forest.Row("study", {"study": f"T{i}"}, e, lo, hi, weight=w)
        for i, (e, lo, hi, w) in enumerate(
            [(0.5, 0.2, 1.3, 20), (1.4, 0.9, 2.2, 30), (3.0, 0.4, 40.0, 5)]
        )
    ]
    rows += [
        forest.Row("pooled", {"study": "Total"}, 1.1, 0.7, 1.6, bold=True),
        forest.Row("prediction", {"study": "95% PI"}, None, 0.4, 2.6),
    ]
    plot = forest.Forest(
        columns=(forest.Column("study", "Study", align="left"),),
        rows=tuple(rows),
        scale=forest.Scale("log", 1.0, ("Favours MSC", "Favours control")),
        graph_header="Odds ratio\nIV, Random, 95% CI",
    )
    fig = forest.draw(plot)
    lo, hi = fig.axes[0].get_xlim()
    assert lo == pytest.approx(-hi)  # log10 limits symmetric about 1
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "1" in labels and "0.5" in labels and "2" in labels
    assert layout_problems(fig) == []


def test_subgroup_forest_has_a_diamond_per_pooled_subgroup_and_says_what_is_missing():
    rows, (overall, weights) = proportion_analysis(9)
    from synthetic import pooled_row

    pooled_rows = [overall]
    for level in ("intramuscular", "intrathecal", "intravenous"):
        members = [r for r in rows if r["route"] == level]
        row, _ = pooled_row(
            [r["yi"] for r in members],
            [r["vi"] for r in members],
            members,
            "proportion",
            "route",
            level,
        )
        pooled_rows.append(row)
    fig = forest.draw(
        outcome_figures.subgroup_forest(PROPORTION, "route", rows, pooled_rows, weights, [])
    )
    diamonds = [p for p in fig.axes[0].patches if isinstance(p, Polygon)]
    assert len(diamonds) == 4
    shown = texts(fig)
    assert shown.count("Subtotal (95% CI)") == 3
    assert any(t.startswith("Test for subgroup differences: not available") for t in shown)
    assert layout_problems(fig) == []
    # When the statistics provide the test, it is shown instead.
    pooled_rows[1] = {**pooled_rows[1], "q_between": 4.2, "q_between_df": 2, "q_between_p": 0.12}
    line = outcome_figures.subgroup_test_line(pooled_rows, "route")
    assert line == (
        "Test for subgroup differences: Q = 4.20, df = 2 (P = 0.12) "
        "(separate \u03c4\u00b2 per subgroup)"
    )


IV_POOLING = {"estimator": "REML", "inference": "knapp_hartung", "level": 0.95}


def test_leave_one_out_refits_the_same_model_without_each_study():
    rows, _ = proportion_analysis(6)
    yi, vi = [r["yi"] for r in rows], [r["vi"] for r in rows]
    fits = leave_one_out_rows("synthetic", PROPORTION, rows, settings_from(IV_POOLING), IV_POOLING)
    assert [f["omitted_effect_id"] for f in fits] == [r["effect_id"] for r in rows]
    direct = random_effects(yi[:2] + yi[3:], vi[:2] + vi[3:], "REML", "knapp_hartung", 0.95)
    assert fits[2]["k"] == 5
    assert fits[2]["method"] == "inverse variance"
    assert fits[2]["estimate"] == pytest.approx(float(expit(direct.estimate)), rel=1e-12)
    assert fits[2]["tau2"] == pytest.approx(direct.tau2, rel=1e-12)
    assert (
        leave_one_out_rows("x", PROPORTION, rows[:2], settings_from(IV_POOLING), IV_POOLING) == []
    )


def test_leave_one_out_refits_the_glmm_where_the_main_analysis_uses_it():
    rows, _ = proportion_analysis(5)
    pooling = {**IV_POOLING, "proportion_method": "glmm", "glmm_quadrature_points": 21}
    fits = leave_one_out_rows("synthetic", PROPORTION, rows, settings_from(pooling), pooling)
    direct = glmm_fit(rows[1:], 0.95, 21)
    assert fits[0]["method"] == "binomial-normal GLMM"
    assert fits[0]["estimate"] == pytest.approx(float(expit(direct["estimate"])), rel=1e-12)
    assert fits[0]["tau2"] == pytest.approx(direct["tau2"], rel=1e-12)


def test_leave_one_out_honours_the_prediction_setting():
    rows, _ = proportion_analysis(6)
    z = {**IV_POOLING, "prediction": "z"}
    t_k1 = leave_one_out_rows("s", PROPORTION, rows, settings_from(IV_POOLING), IV_POOLING)
    normal = leave_one_out_rows("s", PROPORTION, rows, settings_from(z), z)
    assert all(a["pi_lower"] < b["pi_lower"] for a, b in zip(t_k1, normal, strict=True))


def test_leave_one_out_plot_marks_the_full_estimate():
    rows, (pooled, _) = proportion_analysis(7)
    for r in rows:
        r["outcome"] = "synthetic"
    loo = leave_one_out_rows("synthetic", PROPORTION, rows, settings_from(IV_POOLING), IV_POOLING)
    fig = forest.draw(outcome_figures.leave_one_out_forest(PROPORTION, loo, pooled))
    shown = texts(fig)
    assert sum(t.startswith("Omitting ") for t in shown) == 7
    dashed = [ln for ln in fig.axes[0].lines if ln.get_linestyle() not in ("-", "None")]
    assert dashed and dashed[0].get_xdata()[0] == pytest.approx(100 * pooled["estimate"])
    assert layout_problems(fig) == []


def test_funnel_plot_needs_ten_studies():
    points = [FunnelPoint(f"S{i}", 0.1 * i, 0.1 + 0.02 * i) for i in range(12)]
    with pytest.raises(ValueError, match="k >= 10"):
        funnel_figure(points[:9], 0.5, title="t", x_label="x")
    fig = funnel_figure(points, 0.5, title="Funnel", x_label="Logit proportion")
    assert any("not available" in t for t in texts(fig))
    assert layout_problems(fig) == []


def test_r_sensitivity_plot_marks_the_r_used():
    points = [RSweepPoint(r / 10, 0.5 + r / 50, 0.1 + r / 50, 0.9 + r / 50) for r in range(10)]
    fig = r_sensitivity_figure(points, 0.5, title="Slope change: r", y_label="Points/month")
    assert any("r used = 0.5" in t for t in texts(fig))
    assert layout_problems(fig) == []


def test_saved_figures_are_byte_identical_and_carry_their_text(tmp_path):
    rows, (pooled, weights) = proportion_analysis(5)
    outputs = []
    for run in ("a", "b"):
        fig = forest.draw(outcome_figures.overall_forest(PROPORTION, rows, pooled, weights, []))
        paths = {ext: tmp_path / f"{run}.{ext}" for ext in ("svg", "png", "pdf")}
        plotstyle.save(fig, paths, title="Forest plot")
        outputs.append({ext: p.read_bytes() for ext, p in paths.items()})
    assert outputs[0] == outputs[1]
    svg = outputs[0]["svg"]
    assert b"<dc:date>" not in svg and b"CreationDate" not in outputs[0]["pdf"]
    assert b"<text" not in svg  # glyph outlines, not viewer fonts
    shown = figures_of_record.shown_text(svg)
    assert "Total (95% CI)" in shown[0] or any("Total (95% CI)" in line for line in shown)


def test_figures_use_the_font_file_matplotlib_ships(monkeypatch):
    plotstyle.check_font()
    monkeypatch.setattr(plotstyle, "findfont", lambda *a, **k: "/usr/share/fonts/DejaVuSans.ttf")
    with pytest.raises(RuntimeError, match="not be byte-identical"):
        plotstyle.check_font()


def test_pdf_dates_are_blanked_without_moving_bytes():
    pdf = (
        b"%PDF-1.4\n<</Producer (Skia/PDF m156)\n"
        b"/CreationDate (D:20261121212627+00'00')\n/ModDate (D:20261121212627+00'00')>>"
    )
    out = blank_dates(pdf)
    assert len(out) == len(pdf) and b"Date" not in out and b"/Producer (Skia/PDF m156)" in out


# -- PRISMA ------------------------------------------------------------------------------


def _inclusion(outcome, study, effect, decision, reasons="", codes=""):
    return {
        "outcome": outcome,
        "study_id": study,
        "effect_id": effect,
        "arm_id": "",
        "decision": decision,
        "reason_codes": codes,
        "reasons": reasons,
    }


def test_prisma_flow_counts_each_study_once_under_its_first_reason():
    studies = [
        {"study_id": s, "trial_id": t}
        for s, t in [("a", "T1"), ("b", "T2"), ("c", "T3"), ("d", "T3")]
    ]
    sources = [{"trial_id": t} for t in ("T1", "T1", "T2", "T3", "M")]
    inclusion = [
        _inclusion("x", "a", "a1", "included"),
        _inclusion("x", "a", "a2", "excluded", "control arm (any wording)", "control_arm"),
        _inclusion(
            "x",
            "b",
            "b1",
            "excluded",
            "the wording of a reason does not decide its category",
            "criteria.min_n;criteria.evidence_tiers",
        ),
        _inclusion("x", "c", "", "excluded", "deaths not reported", "no_candidate"),
        _inclusion("x", "d", "d1", "excluded", "something new", "something_new"),
    ]
    pooled = [
        {"outcome": "x", "subgroup_variable": "overall", "k": 1, "n_total": 40, "k_n_unreported": 0}
    ]
    f = prisma.flow(inclusion, studies, sources, pooled, ["x"], {"x": "Outcome X"})
    assert (f.studies, f.reports, f.included_any, f.reports_included) == (4, 4, ("a",), 2)
    s = f.syntheses[0]
    assert s.not_included == {
        "no usable data for this outcome": ("c",),
        "sample size below or not reported (criteria.min_n)": ("b",),
        "other: something_new": ("d",),
    }
    assert f.in_no_synthesis == 3 and f.none_no_data == ("c",)
    fig = prisma_figure.figure(f)
    shown = " | ".join(texts(fig))
    assert "Studies in the extraction dossier (n\u00a0=\u00a04)" in shown
    assert "Outcome X: 1 study, 40 participants" in shown
    assert layout_problems(fig) == []


# -- Summary of findings -------------------------------------------------------------------


def _pooled(**values):
    base = {
        "status": "pooled",
        "reason": "",
        "n_total": 200,
        "estimate": 0.05,
        "ci_lower": 0.03,
        "ci_upper": 0.07,
        "pi_lower": 0.02,
        "pi_upper": 0.1,
        "i2_tau2_pct": 10.0,
    }
    return {**base, **values}


def _rows(designs, tier="paper"):
    return [
        {
            "effect_id": f"e{i}",
            "study_id": f"s{i}",
            "label": f"S{i}",
            "design": d,
            "tier": tier,
            "estimate": 0.05,
            "ci_lower": 0.03,
            "ci_upper": 0.07,
            "n": 50,
        }
        for i, d in enumerate(designs)
    ]


def test_certainty_rules_for_an_adverse_event_rate():
    rows = _rows(["rct", "rct", "single_arm"])
    w = {"e0": 40.0, "e1": 40.0, "e2": 20.0}
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, _pooled(), rows, w)
    levels = {d.domain: d.levels for d in f.downgrades}
    # Narrow, consistent, randomised: only the single-arm (no comparator) domain applies.
    assert levels == {
        "Risk of bias": 0,
        "Inconsistency": 0,
        "Imprecision": 0,
        "Single-arm designs": 1,
    }
    assert f.certainty == "Moderate" and f.absolute == "50 per 1,000 (30 to 70)"
    wide = _pooled(ci_lower=0.01, ci_upper=0.4, i2_tau2_pct=80.0)
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, wide, rows, w)
    levels = {d.domain: d.levels for d in f.downgrades}
    assert levels["Inconsistency"] == 2 and levels["Imprecision"] == 2
    assert f.certainty == "Very low"


def test_certainty_rules_for_a_controlled_slope_difference():
    rows = _rows(["rct", "case_control_external"])
    w = {"e0": 30.0, "e1": 70.0}
    definition = {"label": "D", "kind": "slope_change_difference"}
    f = sof.finding(
        "d",
        definition,
        _pooled(estimate=0.3, ci_lower=-0.3, ci_upper=0.9, pi_lower=-0.5, pi_upper=1.1),
        rows,
        w,
    )
    by = {d.domain: d for d in f.downgrades}
    assert by["Risk of bias"].levels == 1 and "70%" in by["Risk of bias"].reason
    assert by["Imprecision"].levels == 2  # includes both -0.25 and +0.25
    assert by["Single-arm designs"].levels == 0
    f = sof.finding(
        "d",
        definition,
        _pooled(estimate=0.3, ci_lower=0.1, ci_upper=0.5, pi_lower=-0.2, pi_upper=0.8),
        rows,
        w,
    )
    by = {d.domain: d for d in f.downgrades}
    assert by["Inconsistency"].levels == 1 and "includes no effect" in by["Inconsistency"].reason


def test_prepost_sweep_figure_draws_estimate_and_i2_or_says_why_not():
    from alsmeta.figures.sensitivity import prepost_sweep_figure
    from alsmeta.figures.style import figure_text

    rows = [
        {
            "r": r,
            "status": "pooled",
            "estimate": 0.5 + r / 10,
            "ci_lower": 0.2,
            "ci_upper": 0.9,
            "i2_tau2": 40 - 20 * r,
            "k_depending_on_r": 2,
        }
        for r in (0, 0.25, 0.5, 0.75, 0.9)
    ]
    fig = prepost_sweep_figure(rows, 0.5, "Sweep")
    assert len(fig.axes) == 2  # estimate with its CI band, and I^2 on the right axis
    assert fig.axes[1].get_ylim() == (0, 100)
    assert "dashed: r used = 0.5" in figure_text(fig)
    single = [
        {**row, "status": "not_pooled", "reason": "k = 1: at least 2 studies"} for row in rows
    ]
    text = " ".join(figure_text(prepost_sweep_figure(single, 0.5, "Sweep")).split())
    assert "not pooled at two or more values of r (k = 1: at least 2 studies)" in text
    assert "Studies whose SE depends on r: 2" in text
