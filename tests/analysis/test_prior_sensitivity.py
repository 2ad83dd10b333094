"""The prior-sensitivity table (alsmeta.analysis.prior_sensitivity) on the shipped data: every
analysis with 1 to max_k studies under the shipped tau prior and each alternative. The shipped
row is the pooled.tsv Bayesian result; each alternative row is a direct engine call with that
tau prior (to 1e-12: the same computation, batched differently)."""

import copy
import math
from dataclasses import replace

import pytest
from bayes_run import analysed_rows, pooled_with_bayes

from alsmeta.analysis.bayesian import prior_key, settings_for
from alsmeta.analysis.pooling import build_analyses, to_natural
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.analysis.prior_sensitivity import SHIPPED, prior_sensitivity_rows
from alsmeta.stats.bayes import TauPrior, binomial_normal, normal_normal

TOL = dict(rel=1e-12, abs=1e-14)


@pytest.fixture(scope="module")
def analysed(harmonized, data, config):
    return analysed_rows(harmonized, data, config)


def _table(analysed, config, bayes=None):
    outcomes = config["criteria"]["outcomes"]
    return prior_sensitivity_rows(
        analysed,
        outcomes,
        config["outcome_definitions"],
        config["subgroups"],
        PoolingSettings.from_config(config["pooling"]),
        bayes or config["bayes"],
    )


@pytest.fixture(scope="module")
def table(analysed, config):
    return _table(analysed, config)


def test_every_few_study_analysis_has_every_prior_in_order(table, analysed, config):
    spec = config["bayes"]["prior_sensitivity"]
    labels = [SHIPPED] + [a["label"] for a in spec["alternatives"]]
    analyses = [
        a
        for a in build_analyses(
            analysed,
            config["criteria"]["outcomes"],
            config["outcome_definitions"],
            config["subgroups"],
        )
        if 1 <= len(a.rows) <= spec["max_k"]
    ]
    assert analyses and len(table) == len(analyses) * len(labels)
    assert [r["prior_label"] for r in table] == labels * len(analyses)
    assert [
        (r["outcome"], r["subgroup_variable"], r["subgroup_level"]) for r in table[:: len(labels)]
    ] == [(a.outcome, a.variable, a.level) for a in analyses]
    assert all(r["k"] <= spec["max_k"] and r["status"] == "pooled" for r in table)


def test_shipped_row_is_the_pooled_bayesian_result(table, analysed, config):
    pooled, _, _ = pooled_with_bayes(analysed, config)
    by_key = {(r["outcome"], r["subgroup_variable"], r["subgroup_level"]): r for r in pooled}
    for row in (r for r in table if r["prior_label"] == SHIPPED):
        main = by_key[(row["outcome"], row["subgroup_variable"], row["subgroup_level"])]
        assert row["prior"] == main["bayes_prior"]
        for ours, theirs in (
            ("estimate", "bayes_estimate"),
            ("cri_lower", "bayes_cri_lower"),
            ("cri_upper", "bayes_cri_upper"),
            ("tau_median", "bayes_tau_median"),
        ):
            assert row[ours] == pytest.approx(main[theirs], **TOL), (row["outcome"], ours)


def test_alternative_rows_are_direct_engine_calls(table, analysed, config):
    """Each alternative is the shipped settings with the tau prior replaced: half-normal
    with half and twice the scale, half-Cauchy with the same scale (shipped config)."""
    analyses = {
        (a.outcome, a.variable, a.level): a
        for a in build_analyses(
            analysed,
            config["criteria"]["outcomes"],
            config["outcome_definitions"],
            config["subgroups"],
        )
    }
    alternatives = {a["label"]: a for a in config["bayes"]["prior_sensitivity"]["alternatives"]}
    for row in (r for r in table if r["prior_label"] != SHIPPED):
        a = analyses[(row["outcome"], row["subgroup_variable"], row["subgroup_level"])]
        shipped = settings_for(prior_key(a), config["bayes"], config["pooling"]["level"])
        alt = alternatives[row["prior_label"]]
        settings = replace(
            shipped,
            tau_prior=TauPrior(alt["family"], scale=shipped.tau_prior.scale * alt["scale_factor"]),
        )
        if a.kind == "proportion":
            result = binomial_normal(
                [r["events"] for r in a.rows], [r["n"] for r in a.rows], settings
            )
            rows = [{"measure": "PLO", "n": r["n"]} for r in a.rows]
        else:
            result = normal_normal([r["yi"] for r in a.rows], [r["vi"] for r in a.rows], settings)
            rows = a.rows
        estimate, lower, upper = to_natural(
            a.definition, rows, [result.mu_median, result.mu_lower, result.mu_upper]
        )
        assert row["estimate"] == pytest.approx(estimate, **TOL)
        assert row["cri_lower"] == pytest.approx(lower, **TOL)
        assert row["cri_upper"] == pytest.approx(upper, **TOL)
        assert row["tau_median"] == pytest.approx(result.tau_median, **TOL)


def test_a_wider_tau_prior_widens_a_two_study_interval(table):
    """Twice the half-normal scale admits more heterogeneity: the credible interval of a
    two-study analysis is wider than under the shipped prior, half the scale narrower."""
    by = {}
    for r in table:
        if r["k"] == 2 and r["subgroup_variable"] == "overall":
            by.setdefault(r["outcome"], {})[r["prior_label"]] = r
    assert by
    for rows in by.values():
        width = {
            label: math.log(r["cri_upper"] / r["cri_lower"])
            for label, r in rows.items()
            if r["cri_lower"] > 0
        }
        if len(width) == 4:
            assert width["half-normal, half the scale"] < width[SHIPPED]
            assert width[SHIPPED] < width["half-normal, twice the scale"]


def test_a_shipped_prior_without_a_scale_is_named_not_varied(analysed, config):
    bayes = copy.deepcopy(config["bayes"])
    bayes["priors"]["logit_proportion"]["tau"] = {
        "family": "lognormal",
        "meanlog": -2,
        "sdlog": 1.5,
    }
    rows = [r for r in _table(analysed, config, bayes) if r["model"] == "binomial-normal"]
    refused = [r for r in rows if r["prior_label"] != SHIPPED]
    assert refused and all(r["status"] == "not_computed" for r in refused)
    assert "has no scale to vary" in refused[0]["reason"]
    assert all(r["status"] == "pooled" for r in rows if r["prior_label"] == SHIPPED)


def test_the_table_is_deterministic(table, analysed, config):
    assert _table(analysed, config) == table


def test_repeated_labels_are_refused_by_config_key(analysed, config):
    bayes = copy.deepcopy(config["bayes"])
    bayes["prior_sensitivity"]["alternatives"][1]["label"] = "half-normal, half the scale"
    with pytest.raises(ValueError, match="bayes.prior_sensitivity.alternatives"):
        _table(analysed, config, bayes)
