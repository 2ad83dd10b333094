"""Figures on synthetic data a reader can check: forest, subgroup, leave-one-out, funnel, r
sensitivity and PRISMA plots, and the saved files. The numbers drawn are tested with their stage
(analysis/test_sensitivity.py, analysis/test_prisma.py, analysis/test_grade.py)."""

import math

import pytest
from figcheck import layout_problems
from matplotlib.patches import Polygon
from synthetic import (
    LONG,
    difference_analysis,
    pooling_settings,
    prisma_example,
    proportion_analysis,
)

from alsmeta.analysis import prisma
from alsmeta.analysis.sensitivity import leave_one_out_rows
from alsmeta.figures import forest
from alsmeta.figures import outcome as outcome_figures
from alsmeta.figures import prisma as prisma_figure
from alsmeta.figures import record as figures_of_record
from alsmeta.figures import style as plotstyle
from alsmeta.figures.funnel import FunnelPoint, funnel_figure
from alsmeta.figures.sensitivity import RSweepPoint, r_sensitivity_figure

PROPORTION = {"label": "Serious adverse events (synthetic)", "kind": "proportion"}
#: The interval levels of the synthetic analyses (tests/synthetic.py).
SETTINGS = outcome_figures.Settings(ci_level=0.95, level=0.95)
DIFFERENCE = {"label": "Slope difference (synthetic)", "kind": "slope_change_difference"}


def texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("k", [5, 60])
def test_forest_plot_has_no_overlaps_at_5_and_60_studies(k):
    rows, (pooled, weights) = proportion_analysis(k, long_every=7)
    fig = forest.draw(
        outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, pooled, weights, [])
    )
    assert layout_problems(fig) == []
    shown = texts(fig)
    # Long labels wrap: the first words sit on one line, the rest on the next.
    assert "Investigators of the multicentre" in shown and LONG.strip() not in shown
    assert "Total (95% CI)" in shown and "95% prediction interval" in shown
    assert any(t.startswith("Heterogeneity: \u03c4\u00b2 = ") for t in shown)
    assert fig.get_figheight() > 0.2 * k  # the figure grows with the studies


def test_squares_are_sized_by_weight():
    rows, (pooled, weights) = proportion_analysis(5)
    fig = forest.draw(
        outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, pooled, weights, [])
    )
    squares = [line.get_markersize() for line in fig.axes[0].lines if line.get_marker() == "s"]
    ranked = sorted(weights.values())
    assert len(squares) == 5
    # Area proportional to weight: side ratio = sqrt(weight ratio) for the two largest.
    big, second = sorted(squares)[-1], sorted(squares)[-2]
    assert big / second == pytest.approx(math.sqrt(ranked[-1] / ranked[-2]), rel=1e-6)


def test_whiskers_leaving_the_axis_end_in_arrows():
    rows, (pooled, weights) = difference_analysis(8, wild=2)
    fig = forest.draw(
        outcome_figures.overall_forest(DIFFERENCE, SETTINGS, rows, pooled, weights, [])
    )
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
    fig = forest.draw(
        outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, pooled, weights, [])
    )
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
    from synthetic import subgroup_pooled_rows

    pooled_rows = [overall, *subgroup_pooled_rows(rows, "route")]
    fig = forest.draw(
        outcome_figures.subgroup_forest(
            PROPORTION, SETTINGS, "route", rows, pooled_rows, weights, []
        )
    )
    diamonds = [p for p in fig.axes[0].patches if isinstance(p, Polygon)]
    assert len(diamonds) == 4
    shown = texts(fig)
    assert shown.count("Subtotal (95% CI)") == 3
    # The synthetic rows carry no test columns: the line says what a test needs.
    assert any(t.startswith("Test for subgroup differences: none (it needs two") for t in shown)
    assert layout_problems(fig) == []
    # When the statistics provide the test, it is shown instead.
    pooled_rows[1] = {**pooled_rows[1], "q_between": 4.2, "q_between_df": 2, "q_between_p": 0.12}
    line = outcome_figures.subgroup_test_line(pooled_rows, "route")
    assert line == (
        "Test for subgroup differences: Q = 4.20, df = 2 (P = 0.12) "
        "(separate \u03c4\u00b2 per subgroup)"
    )


IV_POOLING = pooling_settings(inference="knapp_hartung")


def test_leave_one_out_plot_marks_the_full_estimate():
    rows, (pooled, _) = proportion_analysis(7)
    for r in rows:
        r["outcome"] = "synthetic"
    loo = leave_one_out_rows("synthetic", PROPORTION, rows, IV_POOLING)
    fig = forest.draw(outcome_figures.leave_one_out_forest(PROPORTION, SETTINGS, loo, pooled))
    shown = texts(fig)
    assert sum(t.startswith("Omitting ") for t in shown) == 7
    dashed = [ln for ln in fig.axes[0].lines if ln.get_linestyle() not in ("-", "None")]
    assert dashed and dashed[0].get_xdata()[0] == pytest.approx(100 * pooled["estimate"])
    assert layout_problems(fig) == []


def test_funnel_plot_needs_ten_studies():
    points = [FunnelPoint(0.1 * i, 0.1 + 0.02 * i) for i in range(12)]
    with pytest.raises(ValueError, match="k >= 10"):
        funnel_figure(points[:9], 0.5, title="t", x_label="x")
    fig = funnel_figure(points, 0.5, title="Funnel", x_label="Logit proportion")
    assert any(t.endswith("asymmetry: no estimate for these studies") for t in texts(fig))
    assert layout_problems(fig) == []


def test_r_sensitivity_plot_marks_the_r_used():
    points = [RSweepPoint(r / 10, 0.5 + r / 50, 0.1 + r / 50, 0.9 + r / 50) for r in range(10)]
    fig = r_sensitivity_figure(
        points, 0.5, title="Slope change: r", y_label="Points/month", level=0.95
    )
    assert any("r used = 0.5" in t for t in texts(fig))
    assert layout_problems(fig) == []


def test_saved_figures_are_byte_identical_and_carry_their_text(tmp_path):
    rows, (pooled, weights) = proportion_analysis(5)
    outputs = []
    for run in ("a", "b"):
        fig = forest.draw(
            outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, pooled, weights, [])
        )
        paths = {ext: tmp_path / f"{run}.{ext}" for ext in ("svg", "png", "pdf")}
        plotstyle.save(fig, paths, title="Forest plot")
        outputs.append({ext: p.read_bytes() for ext, p in paths.items()})
    assert outputs[0] == outputs[1]
    svg = outputs[0]["svg"]
    assert b"<dc:date>" not in svg and b"CreationDate" not in outputs[0]["pdf"]
    # Text as text in the measured font, with a generic fallback; no glyph outlines.
    assert b"font-family: 'DejaVu Sans', sans-serif" in svg and b"<text" in svg
    assert b"DejaVuSans-" not in svg and b"text{white-space: pre}" in svg
    shown = figures_of_record.shown_text(svg)
    assert "Total (95% CI)" in shown[0] or any("Total (95% CI)" in line for line in shown)


def test_figures_use_the_font_file_matplotlib_ships(monkeypatch):
    plotstyle.check_font()
    monkeypatch.setattr(plotstyle, "findfont", lambda *a, **k: "/usr/share/fonts/DejaVuSans.ttf")
    with pytest.raises(RuntimeError, match="not be byte-identical"):
        plotstyle.check_font()


# -- PRISMA ------------------------------------------------------------------------------


def test_prisma_figure_shows_the_flow_counts():
    fig = prisma_figure.figure(prisma.flow(*prisma_example()))
    shown = " | ".join(texts(fig))
    assert "Studies in the extraction dossier (n\u00a0=\u00a04)" in shown
    assert "Outcome X: 1 study, 40 participants" in shown
    assert layout_problems(fig) == []


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
    fig = prepost_sweep_figure(rows, 0.5, "Sweep", 0.95)
    assert len(fig.axes) == 2  # estimate with its CI band, and I^2 on the right axis
    assert fig.axes[1].get_ylim() == (0, 100)
    assert "dashed: r used = 0.5" in figure_text(fig)
    single = [
        {**row, "status": "not_pooled", "reason": "k = 1: at least 2 studies"} for row in rows
    ]
    text = " ".join(figure_text(prepost_sweep_figure(single, 0.5, "Sweep", 0.95)).split())
    assert "not pooled at two or more values of r (k = 1: at least 2 studies)" in text
    assert "Studies whose SE depends on r: 2" in text


def _rob_judgements():
    from alsmeta.io.risk_of_bias import TOOLS, Judgement

    def j(study, tool, value, overall):
        return Judgement(
            study, "all", tool, tuple((d, value) for d in TOOLS[tool].domains), overall
        )

    return [
        j("trial_a", "rob2", "low", "low"),
        j("trial_b", "rob2", "some_concerns", "high"),
        j("series_c", "jbi_case_series", "unclear", "high"),
    ]


def test_risk_of_bias_figures_are_deterministic_and_name_the_studies(tmp_path):
    from alsmeta.figures import risk_of_bias as rob_figures

    judgements = _rob_judgements()
    labels = {
        ("trial_a", "all"): "Alpha 2020",
        ("trial_b", "all"): "Beta 2021",
        ("series_c", "all"): "Gamma 2019",
    }
    outputs = []
    for run in range(2):
        paths = {
            "light": {"svg": str(tmp_path / f"light{run}.svg")},
            "summary": {"svg": str(tmp_path / f"summary{run}.svg")},
        }
        fig = rob_figures.traffic_light(judgements, labels, "rob2", "Risk of bias: RoB 2")
        shown = texts(fig)
        assert "Alpha 2020" in shown and "Beta 2021" in shown and "Gamma 2019" not in shown
        assert layout_problems(fig) == []
        plotstyle.save(fig, paths["light"], title="RoB 2")
        plotstyle.save(
            rob_figures.summary_plot(judgements, "Risk of bias: summary"),
            paths["summary"],
            title="summary",
        )
        outputs.append([open(p["svg"], "rb").read() for p in (paths["light"], paths["summary"])])
    assert outputs[0] == outputs[1]
    assert b"Alpha 2020" in outputs[0][0]


def test_forest_plot_carries_risk_of_bias_dots():
    rows, (pooled, weights) = proportion_analysis(3)
    from alsmeta.io.risk_of_bias import TOOLS, Judgement

    first = rows[0]["study_id"]
    rob = {
        first: Judgement(
            first, "safety", "rob2", tuple((d, "low") for d in TOOLS["rob2"].domains), "low"
        )
    }
    spec = outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, pooled, weights, [], rob=rob)
    study_rows = [r for r in spec.rows if r.kind == "study"]
    assert study_rows[0].dots == ("low",) * 5 + ("low",)
    assert all(r.dots == (None,) * 6 for r in study_rows[1:])  # not appraised: no dots
    assert spec.dots.header == ("1", "2", "3", "4", "5", "All")
    note = spec.footnotes[-1]
    assert note.startswith("Risk of bias (dots right of the graph, judgements for adverse events")
    assert "Not appraised:" in note
    fig = forest.draw(spec)
    assert "All" in texts(fig) and layout_problems(fig) == []
    without = outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, pooled, weights, [])
    assert without.dots is None


def test_weighted_risk_of_bias_summary_draws_each_analysis_weight(tmp_path):
    from alsmeta.figures import risk_of_bias as rob_figures

    items = [
        ("Death (all causes)", 2, {0: 0.0, 1: 94.0, 2: 6.0, 3: 0.0}),
        ("Headache", 1, {0: 0.0, 1: 0.0, 2: 100.0, 3: 0.0}),
    ]
    outputs = []
    for run in range(2):
        fig = rob_figures.weighted_summary_plot(items, "Risk of bias: weighted")
        shown = texts(fig)
        assert "Death (all causes) (2 studies)" in shown and "Headache (1 study)" in shown
        assert layout_problems(fig) == []
        # One bar part per non-zero share, as wide as its percent of the axis (0-100).
        widths = sorted(round(p.get_width(), 6) for p in fig.axes[0].patches)
        assert widths == [6.0, 94.0, 100.0]
        path = {"svg": str(tmp_path / f"weighted{run}.svg")}
        plotstyle.save(fig, path, title="weighted")
        outputs.append(open(path["svg"], "rb").read())
    assert outputs[0] == outputs[1]
