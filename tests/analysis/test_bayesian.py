"""The Bayesian analysis beside the frequentist one (alsmeta.analysis.bayesian), on the shipped
data: every analysis with a study gets finite intervals, also those the frequentist model
cannot pool; the wiring to the engine (priors per scale, back-transform, batching) is checked
against direct engine calls; the summary of findings follows pooling.primary_framework.

The engine's numbers themselves are checked against published references in
tests/stats (the engine's own tests).
"""

import math

import pytest
from bayes_run import all_zero_outcome, analysed_rows, pooled_with_bayes, two_study_odds_ratio

from alsmeta.analysis.bayesian import BAYES_COLUMNS, PRIOR_KEYS, prior_key, settings_for
from alsmeta.analysis.grade.finding import findings
from alsmeta.analysis.grade.levels import LEVELS
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.pooling import Analysis
from alsmeta.kinds import KINDS
from alsmeta.stats.bayes import binomial_normal, normal_normal

TOL = 1e-12


@pytest.fixture(scope="module")
def analysed(harmonized, data, config):
    return analysed_rows(harmonized, data, config)


@pytest.fixture(scope="module")
def run(analysed, config):
    return pooled_with_bayes(analysed, config)


def _by_key(pooled):
    return {(r["outcome"], r["subgroup_variable"], r["subgroup_level"]): r for r in pooled}


def test_every_analysis_with_a_study_has_finite_bayesian_intervals(run, analysed):
    pooled, _, _ = run
    with_study = [r for r in pooled if r["k"] >= 1]
    assert {r["k"] for r in with_study} >= {1, 2, 3}
    for r in with_study:
        assert r["bayes_status"] == "pooled", r
        values = [r[c] for c in ("bayes_cri_lower", "bayes_estimate", "bayes_cri_upper")]
        assert all(math.isfinite(v) for v in values), r
        assert values[0] < values[1] < values[2]
        assert r["bayes_pred_lower"] <= r["bayes_cri_lower"]
        assert r["bayes_pred_upper"] >= r["bayes_cri_upper"]
        assert 0 <= r["bayes_tau_lower"] < r["bayes_tau_median"] < r["bayes_tau_upper"]
        # Halving the quadrature moves no quantile by 0.005 on the analysis scale: an odds
        # by 0.5%, a proportion by at most 0.13 percentage points, a slope by 0.005/month.
        assert r["bayes_integration_error"] < 5e-3
    # Including those the frequentist model could not pool: one study, and zero events in
    # every study (treatment-related SAEs).
    not_pooled = [r for r in with_study if r["status"] != "pooled"]
    assert {r["k"] for r in not_pooled} >= {1, 3}
    sae = _by_key(pooled)[(all_zero_outcome(pooled, analysed), "overall", "all")]
    assert sae["status"] == "not_pooled" and sae["k"] >= 2
    assert sae["bayes_model"] == "binomial-normal" and 0 < sae["bayes_estimate"] < 0.05
    assert sae["bayes_cri_upper"] < 0.2


def test_an_analysis_without_studies_says_why(run):
    pooled, _, _ = run
    empty = [r for r in pooled if r["k"] == 0]
    assert empty
    for r in empty:
        assert r["bayes_status"] == "not_pooled"
        assert r["bayes_reason"] == "k = 0: no study meets the criteria"
        assert r["bayes_estimate"] is None
    assert all(set(BAYES_COLUMNS) <= set(r) for r in pooled)


def test_columns_are_the_engine_results_with_the_configured_prior(analysed, run, config):
    """Normal-normal (log odds ratio, k = 2; slope, k = 1) and binomial-normal (k = 2) rows
    equal a direct engine call with the prior of their scale, back-transformed."""
    pooled, _, _ = run
    level = config["pooling"]["level"]
    rows = {o: [r for r in analysed if r["outcome"] == o] for o in config["criteria"]["outcomes"]}
    by_key = _by_key(pooled)

    two = two_study_odds_ratio(pooled)
    odds = by_key[(two, "overall", "all")]
    direct = normal_normal(
        [r["yi"] for r in rows[two]],
        [r["vi"] for r in rows[two]],
        settings_for("log_odds_ratio", config["bayes"], level),
    )
    assert odds["bayes_prior_key"] == "log_odds_ratio"
    assert odds["bayes_prior"] == "tau: half-normal, scale 0.5; mu: normal, mean 0, SD 4"
    assert odds["bayes_estimate"] == pytest.approx(math.exp(direct.mu_median), rel=TOL)
    assert odds["bayes_cri_upper"] == pytest.approx(math.exp(direct.mu_upper), rel=TOL)
    assert odds["bayes_pred_lower"] == pytest.approx(math.exp(direct.pred_lower), rel=TOL)
    assert odds["bayes_tau_median"] == pytest.approx(direct.tau_median, rel=TOL)

    slope = by_key[("slope_change", "overall", "all")]
    one = rows["slope_change"][0]
    direct = normal_normal(
        [one["yi"]], [one["vi"]], settings_for("alsfrs_r_slope", config["bayes"], level)
    )
    assert (slope["bayes_prior_key"], slope["bayes_model"]) == ("alsfrs_r_slope", "normal-normal")
    assert slope["bayes_estimate"] == pytest.approx(direct.mu_median, rel=TOL)
    assert slope["bayes_cri_lower"] == pytest.approx(direct.mu_lower, rel=TOL)

    death = by_key[("death", "overall", "all")]
    direct = binomial_normal(
        [r["events"] for r in rows["death"]],
        [r["n"] for r in rows["death"]],
        settings_for("logit_proportion", config["bayes"], level),
    )
    expit = 1 / (1 + math.exp(-direct.mu_median))
    assert death["bayes_estimate"] == pytest.approx(expit, rel=TOL)
    assert death["bayes_analysis_scale"] == "logit"


def test_with_one_study_the_credible_interval_is_wider_than_the_study_ci(run, analysed):
    """k = 1: the pooled mean of a population of studies is less certain than one study's
    own effect, by the prior's heterogeneity (the frequentist model does not pool it)."""
    pooled, _, _ = run
    for r in pooled:
        if r["k"] == 1 and r["bayes_model"] == "normal-normal":
            study = next(a for a in analysed if a["effect_id"] == r["effect_ids"])
            assert (
                r["bayes_cri_lower"] < study["ci_lower"] < study["ci_upper"] < r["bayes_cri_upper"]
            )


def test_proportions_use_the_binomial_normal_model_whatever_the_frequentist_method(
    analysed, run, config
):
    pooled, _, _ = run
    pooling = {**config["pooling"], "proportion_method": "inverse_variance"}
    other, _, _ = pooled_with_bayes(analysed, config, pooling)
    for a, b in zip(pooled, other, strict=True):
        if config["outcome_definitions"][a["outcome"]]["kind"] == "proportion" and a["k"]:
            assert a["method"] != b["method"]
            assert a["bayes_model"] == b["bayes_model"] == "binomial-normal"
            assert a["bayes_estimate"] == b["bayes_estimate"]


def test_shrinkage_rows_per_study_and_analysis(run):
    pooled, _, shrinkage = run
    normal = [r for r in pooled if r["k"] and r["bayes_model"] == "normal-normal"]
    keyed = {
        (s["outcome"], s["subgroup_variable"], s["subgroup_level"], s["effect_id"])
        for s in shrinkage
    }
    for r in normal:
        for effect_id in r["effect_ids"].split(";"):
            assert (r["outcome"], r["subgroup_variable"], r["subgroup_level"], effect_id) in keyed
    odds = [
        s
        for s in shrinkage
        if s["outcome"] == two_study_odds_ratio(pooled) and s["subgroup_variable"] == "overall"
    ]
    assert len(odds) == 2
    pooled_or = _by_key(pooled)[(two_study_odds_ratio(pooled), "overall", "all")]["bayes_estimate"]
    for s in odds:
        # Each study's estimate is pulled from its observed value toward the pooled one.
        assert s["shrunken_lower"] < s["shrunken_estimate"] < s["shrunken_upper"]
        assert abs(math.log(s["shrunken_estimate"] / pooled_or)) < abs(
            math.log(s["observed_estimate"] / pooled_or)
        )


def test_every_kind_and_measure_has_a_configured_prior(config):
    for kind in KINDS:
        measures = ("OR", "RR", "RD") if kind == "binary_comparison" else (None,)
        for measure in measures:
            definition = {"kind": kind, "label": kind, "measure": measure or "OR"}
            rows = [{"measure": measure}] if measure else []
            key = prior_key(Analysis("x", definition, "overall", "all", rows))
            assert key in config["bayes"]["priors"], (kind, measure)
    assert set(PRIOR_KEYS.values()) == set(config["bayes"]["priors"])


def test_primary_framework_switches_the_summary_of_findings(run, analysed, config):
    pooled, weights, _ = run
    outcomes, definitions = config["criteria"]["outcomes"], config["outcome_definitions"]

    def graded(framework):
        settings = GradeSettings(headline=framework)
        return {
            f.outcome: f
            for f in findings(outcomes, definitions, pooled, analysed, weights, None, settings)
        }

    frequentist, bayesian, auto = graded("frequentist"), graded("bayesian"), graded("auto")
    two, zero = two_study_odds_ratio(pooled), all_zero_outcome(pooled, analysed)
    odds = _by_key(pooled)[(two, "overall", "all")]
    assert frequentist[two].effect == (
        f"OR {odds['estimate']:.2f} (95% CI {odds['ci_lower']:.2f} to {odds['ci_upper']:.2f})"
    )
    bayes_effect = (
        f"OR {odds['bayes_estimate']:.2f} (95% CrI {odds['bayes_cri_lower']:.2f} to "
        f"{odds['bayes_cri_upper']:.2f})"
    )
    assert bayesian[two].effect == bayes_effect and bayesian[two].framework == "bayesian"
    assert bayes_effect in frequentist[two].other_framework
    # auto: two studies are headlined by the Bayesian result, the frequentist one beside it,
    # and no headline interval of the k = 2 analysis spans five orders of magnitude.
    assert auto[two].effect == bayes_effect
    assert f"frequentist OR {odds['estimate']:.2f}" in auto[two].other_framework
    assert odds["bayes_cri_upper"] / odds["bayes_cri_lower"] < 1e5
    assert (
        bayesian[two]
        .notes[0]
        .startswith("Bayesian random effects (normal-normal model; tau: half-normal, scale 0.5")
    )
    # The all-zero analysis, which the frequentist model cannot pool, is graded by both: on
    # the exact bound of the summed counts, and on the Bayesian result.
    assert frequentist[zero].effect.startswith("0 events in")
    assert auto[zero].effect.startswith("0 events in")
    assert frequentist[zero].certainty in LEVELS and bayesian[zero].certainty in LEVELS
    assert "95% CrI" in bayesian[zero].effect
    # One study: the Bayesian grading has no heterogeneity to assess; auto keeps the study's
    # own result as its headline.
    assert bayesian["slope_change"].rating("Inconsistency").reason == "not assessable (one study)"
    assert "95% CrI" in bayesian["slope_change"].effect
    assert auto["slope_change"].framework == "frequentist"
    # An outcome with no study is the same under both.
    assert bayesian["any_ae"] == frequentist["any_ae"]
