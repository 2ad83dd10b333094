"""The figures say what was computed: for every documented value of
outcome_definitions.*.measure, harmonize.proportion_measure, pooling.level with
harmonize.ci_level, and pooling.primary_framework, the shipped data are harmonized,
selected and pooled as the jobs do it, the forest plot is drawn, and its text (what the SVG
shows) is read back and compared with the pooled row the statistics wrote."""

import copy

import matplotlib.pyplot as plt
import pytest
from figcheck import layout_problems

from alsmeta.analysis.bayesian import add_bayesian
from alsmeta.analysis.pooling import pool_all
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.effects.harmonize import harmonize_as_configured
from alsmeta.figures import forest, forest_layout
from alsmeta.figures import outcome as outcome_figures
from alsmeta.figures.style import figure_text, text_width
from alsmeta.figures.text import effect_text, num
from alsmeta.kinds import PROPORTION_MEASURES, PROPORTION_SCALES
from alsmeta.selection.criteria import select

#: The shipped data's two-group AE comparison (one trial: drawn, not pooled), a pooled
#: responder odds ratio of two studies, and a pooled single-arm rate.
COMPARISON = "serious_ae_vs_control"
POOLED = "responders_any_definition_vs_control"
RATE = "serious_ae"
COUNT_CELLS = ("msc_events", "msc_total", "control_events", "control_total")
#: Each two-group measure from the two risks (no cell is zero in this trial).
MEASURES = {
    "OR": lambda p1, p2: p1 / (1 - p1) / (p2 / (1 - p2)),
    "RR": lambda p1, p2: p1 / p2,
    "RD": lambda p1, p2: p1 - p2,
}


def _forest(data, config, outcome, bayes=False):
    """(forest spec, its figure's text, the overall pooled row) of ``outcome`` under
    ``config``, computed as the harmonize, select, analyse and forest_plots jobs do."""
    pooling = config["pooling"]
    effects = harmonize_as_configured(data, config["harmonize"])
    definitions = config["outcome_definitions"]
    analysed = select(effects, data, config["criteria"], definitions).analysed
    pooling_settings = PoolingSettings.from_config(pooling)
    pooled, weights = pool_all(analysed, [outcome], definitions, [], pooling_settings)
    draw_bayes = None
    if bayes:
        add_bayesian(
            pooled, analysed, [outcome], definitions, [], pooling_settings, config["bayes"]
        )
        draw_bayes = outcome_figures.Bayes(framework="bayesian")
    rows = [r for r in analysed if r["outcome"] == outcome]
    overall = next(r for r in pooled if r["subgroup_variable"] == "overall")
    settings = outcome_figures.Settings(
        config["harmonize"]["ci_level"], pooling["level"], **config["figures"]["forest"]
    )
    w = {r["effect_id"]: r["weight_pct"] for r in weights}
    spec = outcome_figures.overall_forest(
        definitions[outcome], settings, rows, overall, w, [], bayes=draw_bayes
    )
    fig = forest.draw(spec)
    assert layout_problems(fig) == []
    text = figure_text(fig)
    plt.close(fig)
    return spec, text, overall


@pytest.mark.parametrize(
    ("measure", "name", "scale", "axis"),
    [
        ("OR", "Odds ratio", "odds ratio", "log"),
        ("RR", "Risk ratio", "risk ratio", "log"),
        ("RD", "Risk difference", "risk difference", "linear"),
    ],
)
def test_a_comparison_is_labelled_and_drawn_as_its_measure(
    data, config, measure, name, scale, axis
):
    config = copy.deepcopy(config)
    config["outcome_definitions"][COMPARISON]["measure"] = measure
    spec, text, overall = _forest(data, config, COMPARISON)
    assert overall["scale"] == scale  # what the statistics computed
    study = next(r for r in spec.rows if r.kind == "study")
    assert study.cells["effect"] == effect_text(
        "binary_comparison", study.estimate, study.lower, study.upper
    )
    # One trial (Cudkowicz 2022): its own estimate, with no model and no weights to name.
    assert overall["status"] == "not_pooled"
    assert spec.graph_header == f"{name}\n95% CI"
    assert [c.key for c in spec.columns][-1:] == ["effect"]
    assert "weight" not in [c.key for c in spec.columns]
    assert f"{name}  {name}" in text.split("\n")  # the effect column's header and the graph's
    assert study.cells["effect"] in text
    # The drawn estimate is the measure's, from the counts the row shows.
    a, n1, c, n2 = (int(study.cells[k]) for k in COUNT_CELLS)
    assert study.estimate == pytest.approx(MEASURES[measure](a / n1, c / n2), rel=1e-9)
    assert spec.scale.kind == axis
    layout = forest_layout.layout(spec, text_width)
    null = 1.0 if axis == "log" else 0.0
    assert spec.scale.null == null
    assert forest_layout.NullLine(forest_layout.to_axis(spec.scale, null)) in layout.graph.marks
    if measure == "RD":  # a difference of proportions: both signs on one linear axis
        lo, hi = layout.graph.xlim
        assert lo < 0 < hi and lo == pytest.approx(-hi)


@pytest.mark.parametrize("measure", PROPORTION_MEASURES)
def test_a_rate_says_on_which_scale_it_was_pooled(data, config, measure):
    config = copy.deepcopy(config)
    config["harmonize"]["proportion_measure"] = measure
    config["pooling"]["proportion_method"] = "inverse_variance"
    spec, text, overall = _forest(data, config, RATE)
    assert overall["analysis_scale"] == PROPORTION_SCALES[measure]
    flat = " ".join(text.split("\n"))
    assert f"Proportions pooled on the {PROPORTION_SCALES[measure]} scale" in flat
    assert spec.graph_header == "Proportion (%)\nIV, Random, 95% CI"


@pytest.mark.parametrize(("ci_level", "level"), [(0.9, 0.9), (0.9, 0.95), (0.95, 0.9)])
def test_every_interval_states_the_level_it_was_computed_at(data, config, ci_level, level):
    config = copy.deepcopy(config)
    config["harmonize"]["ci_level"] = ci_level
    config["pooling"]["level"] = level
    spec, text, overall = _forest(data, config, POOLED)
    study, pooled = f"{100 * ci_level:g}%", f"{100 * level:g}%"
    assert spec.graph_header.endswith(f"IV, Random, {study} CI")
    assert f"Total ({pooled} CI)" in text and f"{pooled} prediction interval" in text
    other = {"90%", "95%"} - {study, pooled}
    assert not any(o in text for o in other), other
    # The drawn numbers are the pooled row's, at that level.
    assert f"[{num(overall['pi_lower'])}, {num(overall['pi_upper'])}]" in text


def test_a_narrower_level_draws_narrower_intervals(data, config):
    """The level reaches the statistics, not only the labels."""
    config = copy.deepcopy(config)
    wide = _forest(data, config, POOLED)[2]
    config["harmonize"]["ci_level"] = config["pooling"]["level"] = 0.9
    narrow = _forest(data, config, POOLED)[2]
    assert narrow["estimate"] == pytest.approx(wide["estimate"])
    assert wide["ci_lower"] < narrow["ci_lower"] < narrow["ci_upper"] < wide["ci_upper"]


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_a_bayesian_headline_states_its_credible_level(data, config, level):
    config = copy.deepcopy(config)
    config["pooling"]["level"] = level
    config["pooling"]["primary_framework"] = "bayesian"
    spec, text, overall = _forest(data, config, POOLED, bayes=True)
    cri = f"{100 * level:g}% CrI"
    assert spec.graph_header == f"Odds ratio\nBayesian, Random, {cri}"
    assert f"Total, Bayesian ({cri})" in text
    assert f"{100 * level:g}% predictive interval (Bayesian)" in text
    headline = spec.rows[[r.kind for r in spec.rows].index("pooled")]
    assert headline.estimate == overall["bayes_estimate"]


def test_every_row_with_a_weight_shows_it_and_glmm_rows_say_why_they_have_none(data, config):
    spec, text, overall = _forest(data, copy.deepcopy(config), POOLED)
    studies = [r for r in spec.rows if r.kind == "study"]
    assert all(r.cells["weight"] == f"{r.weight:.1f}%" for r in studies)
    glmm, text, overall = _forest(data, copy.deepcopy(config), RATE)
    assert overall["method"] == "binomial-normal GLMM" and overall["status"] == "pooled"
    # The studies and the total (the population-averaged rate beside it has no cell).
    weights = [r.cells["weight"] for r in glmm.rows if r.kind == "study" or r.bold]
    assert set(weights) == {outcome_figures.NO_WEIGHT}
    assert f"Weight {outcome_figures.NO_WEIGHT}: the GLMM fits each study's events" in " ".join(
        text.split("\n")
    )
