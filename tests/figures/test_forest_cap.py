"""Forest plots of thousands of rows stay readable: above figures.max_forest_rows they show
subgroup subtotals (or the leave-one-out re-fits that move the estimate most) and say so."""

from figcheck import layout_problems
from synthetic import proportion_analysis, subgroup_pooled_rows

from alsmeta.figures import forest
from alsmeta.figures import outcome as outcome_figures

PROPORTION = {"label": "Serious adverse events (synthetic)", "kind": "proportion"}
#: The interval levels of the synthetic analyses (tests/synthetic.py).
SETTINGS = outcome_figures.Settings(ci_level=0.95, level=0.95)


def texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_an_oversized_forest_plot_shows_subtotals_and_says_why():
    rows, (overall, weights) = proportion_analysis(240)
    note = outcome_figures.too_many_rows(len(rows), 60, "route")
    assert note.startswith("240 study rows are more than figures.max_forest_rows = 60")
    assert outcome_figures.too_many_rows(60, 60, "route") == ""
    spec = outcome_figures.subgroup_forest(
        PROPORTION,
        SETTINGS,
        "route",
        rows,
        [overall, *subgroup_pooled_rows(rows, "route")],
        weights,
        [],
        note,
    )
    assert not [r for r in spec.rows if r.kind == "study"]
    assert sum(r.kind == "pooled" for r in spec.rows) == 3 + 1  # three routes and the total
    fig = forest.draw(spec)
    shown = " ".join(texts(fig))
    assert "Route: intrathecal (80 studies)" in shown
    assert "max_forest_rows = 60" in shown
    assert fig.get_size_inches()[1] < 12  # not a 240-row poster
    assert layout_problems(fig) == []


def test_without_subgroups_an_oversized_forest_plot_shows_the_total():
    rows, (overall, weights) = proportion_analysis(100)
    note = outcome_figures.too_many_rows(len(rows), 60, None)
    spec = outcome_figures.overall_forest(PROPORTION, SETTINGS, rows, overall, weights, [], note)
    assert not [r for r in spec.rows if r.kind == "study"]
    assert "the total only" in spec.footnotes[-1]


def test_an_oversized_leave_one_out_plot_draws_the_refits_that_move_the_estimate_most():
    rows, (overall, _) = proportion_analysis(80)
    loo = [
        {
            "omitted_effect_id": r["effect_id"],
            "omitted_label": r["label"],
            "k": 79,
            "status": "pooled",
            "estimate": overall["estimate"] + (i - 40) / 1000,
            "ci_lower": overall["ci_lower"],
            "ci_upper": overall["ci_upper"],
            "tau2": 0.1,
            "i2_tau2_pct": 10.0,
        }
        for i, r in enumerate(rows)
    ]
    spec = outcome_figures.leave_one_out_forest(PROPORTION, SETTINGS, loo, overall, max_rows=10)
    drawn = [r for r in spec.rows if r.kind == "study"]
    assert len(drawn) == 10
    moved = sorted(abs(r.estimate - overall["estimate"]) for r in drawn)
    assert moved[0] >= 35 / 1000 - 1e-12  # the ten farthest from the full estimate
    assert "80 re-fits are more than figures.max_forest_rows = 10" in spec.footnotes[-1]
