"""Common-effect, Mantel-Haenszel and Peto models against metafor 3.8
(tests/fixtures/metafor/binary_models_fixtures.json, make_binary_models_fixtures.R):
``rma(method = "EE")``, ``rma.mh(measure = "OR"/"RR")`` with its defaults (no continuity
correction for the MH estimate) and ``rma.peto`` on the shipped comparisons, a zero-cell
set with a double-zero study, and dat.bcg. Also the random-effects inference of the
two-trial case (Cudkowicz 2022 serious AEs plus a small trial) under z, Knapp-Hartung and
the ad hoc floor, with the prediction interval that follows the test.

Tolerance: relative 1e-9 with an absolute floor of 1e-12 for the closed-form common-effect
estimators (metafor prints 15 significant digits); the REML fits 1e-6 relative (metafor's
Fisher scoring stops at threshold 1e-12 on tau^2, the engine's bisection elsewhere).
"""

import json
import math
from pathlib import Path

import pytest

from alsmeta.stats.common_effect import common_effect
from alsmeta.stats.mantel_haenszel import mantel_haenszel_or, mantel_haenszel_rr
from alsmeta.stats.peto import peto_or
from alsmeta.stats.random_effects import random_effects

FIXTURE = Path(__file__).parents[1] / "fixtures" / "metafor" / "binary_models_fixtures.json"
REF = json.loads(FIXTURE.read_text())
EXACT = dict(rel=1e-9, abs=1e-12)
NAMES = sorted(REF["fits"])
FIELDS = ("estimate", "b"), ("se", "se"), ("statistic", "zval"), ("p_value", "pval")


def as_list(value):
    """jsonlite writes a one-study vector as a scalar."""
    return value if isinstance(value, list) else [value]


def counts(name):
    return [as_list(REF["datasets"][name][key]) for key in ("ai", "n1i", "ci", "n2i")]


def assert_matches(got, ref, tolerance):
    for ours, theirs in (*FIELDS, ("ci_lower", "ci_lb"), ("ci_upper", "ci_ub")):
        assert getattr(got, ours) == pytest.approx(ref[theirs], **tolerance), ours
    assert got.k == ref["k"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("key", "estimator"),
    [("mh_or", mantel_haenszel_or), ("mh_rr", mantel_haenszel_rr), ("peto_or", peto_or)],
)
def test_count_based_models_match_metafor(name, key, estimator):
    assert_matches(estimator(*counts(name)), REF["fits"][name][key], EXACT)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("key", ["ee_or", "ee_rr"])
def test_common_effect_matches_metafor_ee(name, key):
    ref = REF["fits"][name][key]
    assert_matches(common_effect(as_list(ref["yi"]), as_list(ref["vi"])), ref, EXACT)


def test_zero_cells_need_no_correction():
    """The zero-cell set (zeros in either arm, one double-zero study): MH and Peto use the
    raw counts, and differ from the inverse-variance estimate on corrected log odds ratios."""
    mh = mantel_haenszel_or(*counts("zero_cells"))
    ee = REF["fits"]["zero_cells"]["ee_or"]
    assert abs(mh.estimate - ee["b"]) > 0.1


def test_no_events_anywhere_is_refused_by_name():
    with pytest.raises(ValueError, match="no finite estimate"):
        mantel_haenszel_or([0, 0], [10, 10], [0, 0], [10, 10])
    with pytest.raises(ValueError, match="no study has both"):
        peto_or([0, 0], [10, 10], [0, 0], [10, 10])


@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
def test_two_trial_inference_matches_metafor(test):
    ref = REF["fits"]["two_trial"][f"reml_{test}"]
    yi, vi = REF["fits"]["two_trial"]["ee_or"]["yi"], REF["fits"]["two_trial"]["ee_or"]["vi"]
    inference = {"z": "wald", "knha": "knapp_hartung", "adhoc": "knapp_hartung_adhoc"}[test]
    got = random_effects(yi, vi, "REML", inference, prediction="z" if test == "z" else "t_k1")
    tol = dict(rel=1e-6, abs=1e-9)
    for ours, theirs in (("estimate", "b"), ("se", "se"), ("ci_lower", "ci_lb")):
        assert getattr(got, ours) == pytest.approx(ref[theirs], **tol), ours
    assert got.ci_upper == pytest.approx(ref["ci_ub"], **tol)
    assert got.pi_lower == pytest.approx(ref["pi_lb"], **tol)
    assert got.pi_upper == pytest.approx(ref["pi_ub"], **tol)
    assert got.tau2 == pytest.approx(ref["tau2"], abs=1e-9)


def test_default_inference_never_narrower_than_wald_for_two_trials():
    """Cudkowicz 2022 (23/95 vs 17/94) plus a small trial (3/24 vs 2/24): Knapp-Hartung's
    OR interval (1.04 to 2.06) excludes 1 and is narrower than Wald's (0.76 to 2.83); the
    default (ad hoc floor) includes 1 and contains Wald's."""
    yi, vi = REF["fits"]["two_trial"]["ee_or"]["yi"], REF["fits"]["two_trial"]["ee_or"]["vi"]
    default = random_effects(yi, vi)  # the engine's default settings
    wald = random_effects(yi, vi, inference="wald")
    assert math.exp(wald.ci_lower) == pytest.approx(0.755, abs=1e-3)
    assert math.exp(wald.ci_upper) == pytest.approx(2.828, abs=1e-3)
    assert default.inference == "knapp_hartung_adhoc"
    assert math.exp(default.ci_lower) < 1 < math.exp(default.ci_upper)
    assert default.ci_lower <= wald.ci_lower and default.ci_upper >= wald.ci_upper
