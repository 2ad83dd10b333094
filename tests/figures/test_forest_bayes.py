"""The Bayesian analysis on the forest plots (figures.show_shrinkage, pooling.primary_framework),
on the shipped data's first odds ratio of two studies and a single-study slope change."""

import pytest
from bayes_run import analysed_rows, pooled_with_bayes, two_study_odds_ratio
from figcheck import layout_problems

from alsmeta.figures import forest
from alsmeta.figures import outcome as outcome_figures
from alsmeta.figures.outcome import Bayes


@pytest.fixture(scope="module")
def run(harmonized, data, config):
    analysed = analysed_rows(harmonized, data, config)
    pooled, weights, shrinkage = pooled_with_bayes(analysed, config)
    return analysed, pooled, weights, shrinkage


def _forest(run, config, outcome, bayes):
    analysed, pooled, weights, shrinkage = run
    rows = [r for r in analysed if r["outcome"] == outcome]
    overall = next(
        r for r in pooled if r["outcome"] == outcome and r["subgroup_variable"] == "overall"
    )
    w = {
        x["effect_id"]: x["weight_pct"]
        for x in weights
        if x["outcome"] == outcome and x["subgroup_variable"] == "overall"
    }
    if bayes is not None:
        bayes = Bayes(
            **bayes,
            shrinkage={
                s["effect_id"]: s
                for s in shrinkage
                if s["outcome"] == outcome and s["subgroup_variable"] == "overall"
            },
        )
    definition = config["outcome_definitions"][outcome]
    settings = outcome_figures.Settings(
        config["harmonize"]["ci_level"], config["pooling"]["level"], **config["figures"]["forest"]
    )
    spec = outcome_figures.overall_forest(definition, settings, rows, overall, w, [], bayes=bayes)
    return spec, overall


def _texts(fig):
    from matplotlib.text import Text

    return " ".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


def test_off_by_default_the_plot_is_the_frequentist_one(run, config):
    plain, _ = _forest(run, config, two_study_odds_ratio(run[1]), None)
    off, _ = _forest(run, config, two_study_odds_ratio(run[1]), {})
    assert off == plain
    assert not any(r.hollow for r in plain.rows)


def test_shrinkage_rows_under_each_study_and_an_open_bayesian_total(run, config):
    spec, overall = _forest(run, config, two_study_odds_ratio(run[1]), {"show_shrinkage": True})
    kinds = [(r.kind, r.hollow) for r in spec.rows]
    assert kinds[:4] == [("study", False), ("study", True)] * 2
    shrunk = [r for r in spec.rows if r.kind == "study" and r.hollow]
    studies = [r for r in spec.rows if r.kind == "study" and not r.hollow]
    for study, row in zip(studies, shrunk, strict=True):
        # A shrinkage estimate lies between its study's estimate and the pooled one.
        low, high = sorted((study.estimate, overall["bayes_estimate"]))
        assert low < row.estimate < high
    pooled = [r for r in spec.rows if r.kind == "pooled"]
    assert [r.hollow for r in pooled] == [False, True]  # frequentist first, then Bayesian
    assert pooled[1].estimate == overall["bayes_estimate"]
    assert (pooled[1].lower, pooled[1].upper) == (
        overall["bayes_cri_lower"],
        overall["bayes_cri_upper"],
    )
    assert spec.footnotes[0].startswith("Bayesian random effects (normal-normal model")
    fig = forest.draw(spec)
    assert "Total, Bayesian (95% CrI)" in _texts(fig)
    assert "Bayesian shrinkage" in _texts(fig)
    assert layout_problems(fig) == []


def test_a_bayesian_headline_draws_its_diamond_first_and_filled(run, config):
    spec, overall = _forest(run, config, two_study_odds_ratio(run[1]), {"framework": "bayesian"})
    pooled = [r for r in spec.rows if r.kind == "pooled"]
    assert pooled[0].estimate == overall["bayes_estimate"] and not pooled[0].hollow
    assert pooled[1].estimate == overall["estimate"]
    assert not any(r.kind == "study" and r.hollow for r in spec.rows)  # shrinkage off


def test_one_study_gets_a_bayesian_total_where_the_frequentist_one_is_not_pooled(run, config):
    spec, overall = _forest(run, config, "slope_change", {"framework": "bayesian"})
    assert overall["status"] == "not_pooled"
    pooled = [r for r in spec.rows if r.kind == "pooled"]
    assert len(pooled) == 1 and pooled[0].estimate == overall["bayes_estimate"]
    notes = [r.text for r in spec.rows if r.kind == "note"]
    assert any(n.startswith("Not pooled: k = 1") for n in notes)
    assert layout_problems(forest.draw(spec)) == []
