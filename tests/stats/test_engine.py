"""The statistical engine against metafor 3.8 (tests/fixtures/metafor/engine_fixtures.json):
tau^2 estimators, inference, intervals, subgroup tests and meta-regression, leave-one-out,
influence and small-study tests. The effect-size measures against the same fixtures are in
effects/test_measures.py, the Knapp-Hartung coverage simulation in analysis/test_pooling.py.

Tolerance: relative 1e-6 with an absolute floor of 1e-8 for estimates, SEs, intervals,
tau^2 and Q (1e-6 for I^2 and H^2, which are percentages/ratios). tau^2 near 0 is
compared absolutely: metafor's Fisher scoring sometimes stops at about 1e-13.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from metafor_reference import ENGINE, INFERENCE, PI_FOLLOWS_TEST, close, close_pct, reference, yi_vi

from alsmeta.stats.influence import cumulative, influence, leave_one_out
from alsmeta.stats.meta_regression import indicator_matrix, meta_regression, q_between
from alsmeta.stats.random_effects import Settings, fit_batch, random_effects
from alsmeta.stats.small_study import begg, egger

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"

TAU2_FITS = [reference(f) for f in ENGINE["tau2_estimators"]]


@pytest.mark.parametrize(
    "ref", TAU2_FITS, ids=[f"{f['dataset']}-{f['method']}-{f['test']}" for f in TAU2_FITS]
)
def test_estimators_and_inference_match_metafor(ref):
    yi, vi = yi_vi(ref["dataset"])
    got = random_effects(
        yi, vi, ref["method"], INFERENCE[ref["test"]], prediction=PI_FOLLOWS_TEST[ref["test"]]
    )
    assert got.estimate == pytest.approx(ref["b"], **close)
    assert got.se == pytest.approx(ref["se"], **close)
    assert got.ci_lower == pytest.approx(ref["ci_lb"], **close)
    assert got.ci_upper == pytest.approx(ref["ci_ub"], **close)
    assert got.statistic == pytest.approx(ref["stat"], **close)
    assert got.p_value == pytest.approx(ref["pval"], rel=1e-6, abs=1e-12)
    assert got.pi_lower == pytest.approx(ref["pi_lb"], **close)
    assert got.pi_upper == pytest.approx(ref["pi_ub"], **close)
    assert got.tau2 == pytest.approx(ref["tau2"], rel=1e-6, abs=1e-9)
    assert got.i2_tau2 == pytest.approx(ref["I2"], **close_pct)
    assert got.h2 == pytest.approx(ref["H2"], **close_pct)
    assert got.q == pytest.approx(ref["QE"], **close)
    np.testing.assert_allclose(got.weights_pct, ref["weights"], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "ref", TAU2_FITS, ids=[f"{f['dataset']}-{f['method']}-{f['test']}" for f in TAU2_FITS]
)
def test_prediction_interval_variants(ref):
    yi, vi = yi_vi(ref["dataset"])
    inference = INFERENCE[ref["test"]]
    for prediction, key in (("z", "pi_z"), ("t_k1", "pi_t1"), ("t_k2", "pi_higgins")):
        got = random_effects(yi, vi, ref["method"], inference, prediction=prediction)
        if ref[key] is None:  # t(k-2) needs k >= 3
            assert math.isnan(got.pi_lower) and "no t(k-2)" in got.note
            continue
        assert got.pi_lower == pytest.approx(ref[key]["lb"], **close), prediction
        assert got.pi_upper == pytest.approx(ref[key]["ub"], **close), prediction


@pytest.mark.parametrize(
    "ref",
    [f for f in TAU2_FITS if f.get("confint")],
    ids=lambda f: f"{f['dataset']}-{f['method']}-{f['test']}",
)
def test_q_profile_interval_for_tau2(ref):
    yi, vi = yi_vi(ref["dataset"])
    got = random_effects(yi, vi, ref["method"], INFERENCE[ref["test"]])
    ci = ref["confint"]
    assert got.tau2_ci_lower == pytest.approx(ci["tau2_lb"], rel=1e-6, abs=1e-8)
    assert got.i2_tau2_ci_lower == pytest.approx(ci["I2_lb"], **close_pct)
    if ci["ub_sign"] == ">":  # metafor stops its search at tau2.max = 100
        assert got.tau2_ci_upper >= 100
    else:
        assert got.tau2_ci_upper == pytest.approx(ci["tau2_ub"], rel=1e-6, abs=1e-8)
        assert got.i2_tau2_ci_upper == pytest.approx(ci["I2_ub"], **close_pct)


def test_q_profile_edges():
    for name, ref in ENGINE["qprofile_edge"].items():
        yi, vi = yi_vi(name)
        got = random_effects(yi, vi, "REML", "wald")
        assert got.tau2_ci_lower == pytest.approx(ref["confint"]["tau2_lb"], abs=1e-10), name
        if ref["confint"]["ub_sign"] != ">":
            assert got.tau2_ci_upper == pytest.approx(ref["confint"]["tau2_ub"], abs=1e-10), name


def test_subgroup_differences_common_tau2():
    sub = ENGINE["subgroups"]
    yi, vi = yi_vi("bcg")
    X, levels = indicator_matrix(sub["subgroup"])
    assert levels[0] == "alternate"  # metafor's reference level
    for test, inference in (("z", "wald"), ("knha", "knapp_hartung")):
        ref = sub["common_tau2"][test]
        got = meta_regression(yi, vi, X, "REML", inference)
        assert got.statistic == pytest.approx(ref["QM"], **close)
        assert got.p_value == pytest.approx(ref["QMp"], **close)
        assert got.tau2 == pytest.approx(ref["tau2"], **close)
        np.testing.assert_allclose(got.coefficients, ref["b"], rtol=1e-6)
        np.testing.assert_allclose(got.se, ref["se"], rtol=1e-6)


def test_subgroup_differences_separate_tau2():
    sub = ENGINE["subgroups"]
    yi, vi = np.array(yi_vi("bcg")[0]), np.array(yi_vi("bcg")[1])
    groups = np.array(sub["subgroup"])
    for method in ("REML", "DL"):
        ref = sub["separate_tau2"][method]
        est, se = [], []
        for level, g in ref["groups"].items():
            mask = groups == level
            fit = random_effects(yi[mask], vi[mask], method, "wald")
            assert fit.estimate == pytest.approx(g["b"], **close)
            est.append(fit.estimate)
            se.append(fit.se)
        q, df, p = q_between(est, se)
        assert q == pytest.approx(ref["Q_between"], **close)
        assert df == ref["df"]
        assert p == pytest.approx(ref["p"], **close)


def test_meta_regression_continuous_moderator():
    sub = ENGINE["subgroups"]
    yi, vi = yi_vi("bcg")
    X = np.column_stack([np.ones(len(yi)), sub["ablat"]])
    for test, inference in (("z", "wald"), ("knha", "knapp_hartung")):
        ref = sub["metareg_ablat"][test]
        got = meta_regression(yi, vi, X, "REML", inference)
        np.testing.assert_allclose(got.coefficients, ref["b"], rtol=1e-6)
        np.testing.assert_allclose(got.se, ref["se"], rtol=1e-6)
        assert got.statistic == pytest.approx(ref["QM"], **close)
        assert got.p_value == pytest.approx(ref["QMp"], **close)


@pytest.mark.parametrize("name", ["bcg_REML_z", "continuous_small_REML_knha"])
def test_leave_one_out_and_cumulative(name):
    ref = ENGINE["sensitivity"][name]
    yi, vi = yi_vi(ref["dataset"])
    settings = Settings(estimator="REML", inference=INFERENCE[ref["test"]])
    loo = leave_one_out(yi, vi, settings)
    np.testing.assert_allclose(
        [r["estimate"] for r in loo], ref["leave1out"]["estimate"], rtol=1e-6
    )
    np.testing.assert_allclose([r["se"] for r in loo], ref["leave1out"]["se"], rtol=1e-6)
    np.testing.assert_allclose(
        [r["tau2"] for r in loo], ref["leave1out"]["tau2"], rtol=1e-6, atol=1e-9
    )
    order = [i - 1 for i in ref["cumul"]["study_order"]]
    steps = cumulative(yi, vi, order, settings)
    # From two studies on (metafor reports the single first study with a z interval).
    np.testing.assert_allclose(
        [s["estimate"] for s in steps[1:]], ref["cumul"]["estimate"][1:], rtol=1e-6
    )
    np.testing.assert_allclose(
        [s["tau2"] for s in steps[1:]], ref["cumul"]["tau2"][1:], rtol=1e-6, atol=1e-9
    )
    assert steps[0]["status"] == "not_pooled"


REFITS = json.loads((FIXTURES / "refit_fixtures.json").read_text())


@pytest.mark.parametrize("test", ["z", "adhoc"])
def test_warm_started_refits_match_metafor_at_k50(test):
    """leave1out() and cumul() at k = 50 (make_refit_fixtures.R): each warm-started refit
    starts from another fit's tau^2, across steps where tau^2 moves from 0 to positive."""
    ref = REFITS["fits"][test]
    yi, vi = np.array(REFITS["data"]["yi"]), np.array(REFITS["data"]["vi"])
    settings = Settings(estimator="REML", inference=INFERENCE[test])
    for got, want in (
        (leave_one_out(yi, vi, settings), ref["leave1out"]),
        (
            cumulative(yi, vi, range(len(yi)), settings)[1:],
            {n: x[1:] for n, x in ref["cumul"].items()},
        ),
    ):
        for ours, theirs in (
            ("estimate", "estimate"),
            ("se", "se"),
            ("ci_lower", "ci_lb"),
            ("ci_upper", "ci_ub"),
            ("q", "Q"),
        ):
            np.testing.assert_allclose([r[ours] for r in got], want[theirs], rtol=1e-6)
        np.testing.assert_allclose([r["tau2"] for r in got], want["tau2"], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose([r["i2_tau2"] for r in got], want["I2"], rtol=1e-6, atol=1e-7)
    assert any(t == 0 for t in ref["cumul"]["tau2"][1:]) and any(
        t > 0 for t in ref["cumul"]["tau2"]
    )


def test_influence_diagnostics():
    ref = ENGINE["sensitivity"]["bcg_REML_z"]["influence"]
    yi, vi = yi_vi("bcg")
    got = influence(yi, vi, Settings(estimator="REML", inference="wald"))
    for ours, theirs in (
        ("rstudent", "rstudent"),
        ("cooks_distance", "cooks_distance"),
        ("dffits", "dffits"),
        ("hat", "hat"),
        ("cov_ratio", "cov_r"),
        ("tau2_deleted", "tau2_del"),
        ("q_deleted", "QE_del"),
    ):
        np.testing.assert_allclose([g[ours] for g in got], ref[theirs], rtol=1e-5, err_msg=ours)


def test_egger_and_begg():
    ref = ENGINE["egger"]
    yi, vi = yi_vi("bcg")
    rma = egger(yi, vi, model="rma", estimator="REML", inference="wald")
    assert rma["statistic"] == pytest.approx(ref["regtest_rma"]["stat"], **close)
    assert rma["p_value"] == pytest.approx(ref["regtest_rma"]["pval"], **close)
    assert rma["limit_estimate"] == pytest.approx(ref["regtest_rma"]["limit_estimate"], **close)
    lm = egger(yi, vi, model="lm")
    assert lm["statistic"] == pytest.approx(ref["regtest_lm"]["stat"], **close)
    assert lm["p_value"] == pytest.approx(ref["regtest_lm"]["pval"], **close)
    assert lm["limit_estimate"] == pytest.approx(ref["regtest_lm"]["limit_estimate"], **close)
    rank = begg(yi, vi)
    assert rank["tau"] == pytest.approx(ref["ranktest"]["tau"], **close)
    assert rank["p_value"] == pytest.approx(ref["ranktest"]["pval"], rel=1e-6)


def test_reml_non_convergence_falls_back_and_says_so():
    yi, vi = yi_vi("bcg")
    # A search stopped at the scan grid point leaves the score equation unsolved.
    settings = Settings(
        estimator="REML",
        inference="wald",
        fallback_estimator="PM",
        likelihood_options={"maxiter": 0},
    )
    fit = fit_batch(yi, vi, settings)[0]
    assert fit["estimator_used"] == "PM"
    assert fit["note"] == "REML did not converge (score equation unsolved); used PM"
    assert fit["tau2"] == pytest.approx(random_effects(yi, vi, "PM", "wald").tau2)


def test_batch_handles_mixed_k_and_failures_in_one_call():
    yi, vi = yi_vi("bcg")
    Y = np.full((13, 4), np.nan)
    V = np.full((13, 4), np.nan)
    Y[:, 0], V[:, 0] = yi, vi
    Y[:5, 1], V[:5, 1] = yi[:5], vi[:5]
    Y[:1, 2], V[:1, 2] = yi[:1], vi[:1]
    Y[:3, 3], V[:3, 3] = yi[:3], [0.1, 0.0, 0.2]
    fits = fit_batch(Y, V, Settings())
    assert fits[0]["estimate"] == pytest.approx(random_effects(yi, vi).estimate)
    assert fits[1]["estimate"] == pytest.approx(random_effects(yi[:5], vi[:5]).estimate)
    assert fits[2]["reason"] == "k = 1: at least 2 studies are needed to estimate tau^2"
    assert fits[3]["reason"] == "every sampling variance must be positive and finite"


def test_begg_with_tied_variances_matches_metafor_ranktest():
    """Equal variances tie; the exact test cannot run, so the p-value is the normal
    approximation with the tie-corrected variance (fixture: make_ranktest_ties.R)."""
    ref = json.loads((FIXTURES / "ranktest_ties.json").read_text())
    assert ref["ranktest"]["warnings"] == "Cannot compute exact p-value with ties"
    rank = begg(ref["yi"], ref["vi"])
    assert rank["tau"] == pytest.approx(ref["ranktest"]["tau"], rel=1e-12)
    assert rank["p_value"] == pytest.approx(ref["ranktest"]["pval"], rel=1e-10)
    assert rank["p_value"] == pytest.approx(ref["cor_test_exact_false"]["pval"], rel=1e-10)
    assert rank["p_method"] == "normal approximation, tie-corrected variance"
    assert "tie-corrected" in rank["test"]


def test_begg_without_ties_is_exact():
    yi, vi = yi_vi("bcg")
    assert begg(yi, vi)["p_method"] == "exact"
