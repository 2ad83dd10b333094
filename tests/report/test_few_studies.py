"""The few-studies panel: the frequentist and Bayesian results of every analysis with 1 to 4
studies, side by side, from pooled rows of the shipped data (tests/bayes_run.py); and the
methods text of the Bayesian analysis, written from the configuration."""

import dataclasses

import pytest
from bayes_run import (
    all_zero_outcome,
    analysed_rows,
    overall,
    pooled_with_bayes,
    two_study_odds_ratio,
)
from report_page import OUTCOMES, tables_in, text_of

from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections import few_studies, intro, methods, summary
from alsmeta.report.values import interval, value


@pytest.fixture(scope="module")
def analysed(harmonized, data, config):
    return analysed_rows(harmonized, data, config)


@pytest.fixture(scope="module")
def pooled(analysed, config):
    return pooled_with_bayes(analysed, config)[0]


@pytest.fixture
def ctx(inputs, pooled, config):
    """The report's inputs with the shipped run's pooled rows and every configured outcome."""
    return ReportInputs.of(
        **{**inputs, "pooled": pooled, "outcomes": config["criteria"]["outcomes"]}
    )


def _group(r):
    level = str(r["subgroup_level"]).replace("_", " ")
    return (
        "overall" if r["subgroup_variable"] == "overall" else f"{r['subgroup_variable']} = {level}"
    )


def test_the_panel_lists_exactly_the_analyses_of_one_to_four_studies(ctx, pooled):
    table = tables_in(few_studies.section(ctx))[0]
    assert table[0] == few_studies.headers(ctx)
    shown = [(row[0], row[1], int(row[2])) for row in table[1:]]
    expected = [(ctx.label(r["outcome"]), _group(r), r["k"]) for r in pooled if 1 <= r["k"] <= 4]
    assert sorted(shown) == sorted(expected)
    assert len(shown) == len(set(shown))
    assert not any(k == 0 or k > 4 for *_, k in shown)
    # An analysis of more than 4 studies (all-definition serious AEs, k = 7) is left out.
    large = [(ctx.label(r["outcome"]), _group(r), r["k"]) for r in pooled if r["k"] > 4]
    assert large and not set(large) & set(shown)


def test_each_row_shows_both_frameworks(ctx, pooled, analysed):
    table = tables_in(few_studies.section(ctx))[0]
    rows = {(row[0], row[1]): row for row in table[1:]}
    two = two_study_odds_ratio(pooled)
    odds = overall(pooled, two)
    row = rows[(ctx.label(two), "overall")]
    kind = ctx.kind(two)
    assert row[3] == value(kind, odds["estimate"])
    assert row[4] == interval(kind, odds["ci_lower"], odds["ci_upper"])
    assert row[7] == value(kind, odds["bayes_estimate"])
    assert row[8] == interval(kind, odds["bayes_cri_lower"], odds["bayes_cri_upper"])
    assert row[9] == interval(kind, odds["bayes_pred_lower"], odds["bayes_pred_upper"])
    assert row[11] == "normal-normal"
    # Zero events in every study: not pooled by the frequentist model, a Bayesian result.
    zero = all_zero_outcome(pooled, analysed)
    sae = rows[(ctx.label(zero), "overall")]
    assert sae[3].startswith("not pooled (0 events in")
    assert sae[7].endswith("%") and sae[11] == "binomial-normal"


def test_methods_state_the_priors_integration_and_primary_framework(ctx, config):
    text = text_of(methods.section(ctx))
    assert (
        "log odds ratios: \u03c4 half-normal with scale 0.5; \u03bc normal with mean 0 and SD 4"
        in text
    )
    assert (
        "ALSFRS-R slopes and slope changes (points/month): \u03c4 half-normal with scale 0.7"
        in text
    )
    assert f"({config['bayes']['grid_points']} quadrature nodes)" in text
    assert (
        "Headline results (the summary of findings, its statements and the total diamond of "
        "each forest plot) follow one rule. The headline is the Bayesian result (posterior "
        f"median, central credible interval) for analyses of 2 to "
        f"{config['pooling']['bayesian_headline_max_k']} studies" in text
    )
    for library in ("numpy", "scipy", "bayesmeta", "PyMARE"):
        assert library not in few_studies.methods_text(ctx)


def test_the_primary_framework_changes_the_headline_sentence(ctx):
    def framework(name):
        pooling = {**ctx.config["pooling"], "primary_framework": name}
        return dataclasses.replace(ctx, config={**ctx.config, "pooling": pooling})

    bayesian, frequentist = framework("bayesian"), framework("frequentist")
    assert "are frequentist" in intro.section(frequentist)
    assert "are Bayesian: posterior medians with 95% credible intervals" in intro.section(bayesian)
    assert "are Bayesian" in few_studies.section(bayesian)
    assert "follow one rule" in intro.section(ctx)
    # The summary of findings (its stored rows) names each row's headline framework.
    stored = dataclasses.replace(ctx, outcomes=tuple(OUTCOMES))
    # auto picks the framework per analysis: the header names both intervals, each row its own.
    assert tables_in(summary.section(stored))[0][0][2] == "Relative effect (95% CI or CrI)"
    for row in ctx.summary_of_findings:
        if row["outcome"] in OUTCOMES and row["headline_framework"]:
            assert f"({row['headline_framework']})" in text_of(summary.section(stored))
    for name, named in (("bayesian", "CrI"), ("frequentist", "CI")):
        one = dataclasses.replace(framework(name), outcomes=tuple(OUTCOMES))
        assert tables_in(summary.section(one))[0][0][2] == f"Relative effect (95% {named})"


def test_a_pooled_table_without_bayesian_columns_says_to_rerun(inputs):
    """A pooled.tsv from a run before the Bayesian columns existed gets a line, not a crash."""
    old = [{k: v for k, v in r.items() if not k.startswith("bayes_")} for r in inputs["pooled"]]
    ctx = ReportInputs.of(**{**inputs, "pooled": old})
    assert not few_studies.has_bayes(ctx)
    assert "Re-run the pipeline" in text_of(few_studies.section(ctx))
    assert few_studies.has_bayes(ReportInputs.of(**inputs))
