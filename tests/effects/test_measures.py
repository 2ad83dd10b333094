"""Effect-size measures against hand-worked examples, metafor's escalc and R's binom.test,
and against the engine fixtures of metafor 3.8 (tests/fixtures/metafor/engine_fixtures.json:
escalc's yi and vi, back-transformations, Wilson intervals, pre/post SDs of change).

The conversions from printed statistics (counts from percentages, SEs from CIs and
p-values, SDs of change, per-month units, signs) are tested in effects/test_derive.py."""

import math

import numpy as np
import pytest
from metafor_reference import DATA, ENGINE, INFERENCE, PI_FOLLOWS_TEST, close, reference

from alsmeta.effects import derive, measures
from alsmeta.stats.random_effects import random_effects

PROPORTION_SETS = ["prop_serious_ae", "prop_headache", "prop_with_100pct", "prop_moderate"]


def test_logit_hand_worked_zero_count():
    # 0/10 with 1/2 added to events and non-events: log(0.5/10.5), 1/0.5 + 1/10.5.
    yi, vi, added = measures.logit_proportion([0, 3], [10, 10])
    assert yi[0] == pytest.approx(math.log(0.5 / 10.5), rel=1e-12)
    assert vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5, rel=1e-12)
    assert added.tolist() == [0.5, 0.0]
    # 3/10 is left alone under to="only0".
    assert yi[1] == pytest.approx(math.log(3 / 7), rel=1e-12)
    assert vi[1] == pytest.approx(1 / 3 + 1 / 7, rel=1e-12)


def test_logit_correction_targets():
    _, _, added_all = measures.logit_proportion([0, 3], [10, 10], add=0.5, to="all")
    assert added_all.tolist() == [0.5, 0.5]
    yi, vi, added = measures.logit_proportion([0, 10, 3], [10, 10, 10], to="none")
    assert np.isnan(yi[0]) and np.isnan(vi[1]) and not np.isnan(yi[2])
    assert added.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="to must be one of"):
        measures.logit_proportion([1], [2], to="sometimes")
    with pytest.raises(ValueError, match="between 0 and n"):
        measures.logit_proportion([3], [2])


@pytest.mark.parametrize("name", PROPORTION_SETS)
def test_logit_matches_metafor_escalc(metafor, name):
    data = metafor["datasets"][name]
    yi, vi, _ = measures.logit_proportion(data["xi"], data["ni"])
    np.testing.assert_allclose(yi, data["yi"], rtol=1e-12)
    np.testing.assert_allclose(vi, data["vi"], rtol=1e-12)


@pytest.mark.parametrize("name", PROPORTION_SETS)
def test_clopper_pearson_matches_binom_test(metafor, name):
    data = metafor["datasets"][name]
    lower, upper = measures.clopper_pearson(data["xi"], data["ni"])
    np.testing.assert_allclose(lower, data["cp_lower"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, data["cp_upper"], rtol=1e-9, atol=1e-12)


def test_clopper_pearson_on_summed_counts_matches_binom_test():
    """The common-rate interval of pooled.tsv: R 4.2 binom.test(x, n)$conf.int printed
    with 15 digits (0/141: the treatment-related SAE studies; 23/262: serious AEs);
    relative 1e-9."""
    lower, upper = measures.clopper_pearson([0, 23], [141, 262])
    np.testing.assert_allclose(lower, [0.0, 0.0564636601306555], rtol=1e-9, atol=0)
    np.testing.assert_allclose(upper, [0.0258229986638656, 0.1288098734083543], rtol=1e-9)


def test_expit_inverts_logit():
    assert measures.expit(math.log(3 / 7)) == pytest.approx(0.3, rel=1e-12)


# --- against the engine fixtures (make_engine_fixtures.R) ---------------------------------

PROPORTION_CASES = ENGINE["proportion_measures"]


@pytest.mark.parametrize("case", PROPORTION_CASES, ids=[c["label"] for c in PROPORTION_CASES])
def test_proportion_measures(case):
    data = DATA["proportion"][case["dataset"]]
    yi, vi, _ = measures.proportion_effect(
        case["measure"], data["xi"], data["ni"], add=case["add"], to=case["to"]
    )
    for ours, theirs in ((yi, case["escalc"]["yi"]), (vi, case["escalc"]["vi"])):
        for a, b in zip(ours, theirs, strict=True):
            if b is None:
                assert not np.isfinite(a) or a == 0 or case["measure"] == "PR"
            else:
                assert a == pytest.approx(b, rel=1e-12, abs=1e-14)
    fit = case.get("fit")
    if not fit:
        return
    fit = reference(fit)
    got = random_effects(yi, vi, "REML", "knapp_hartung")
    assert got.estimate == pytest.approx(fit["b"], **close)
    assert got.tau2 == pytest.approx(fit["tau2"], rel=1e-6, abs=1e-9)
    back = fit["back"]
    hm = len(data["ni"]) / sum(1 / n for n in data["ni"])
    natural = measures.back_transform(
        case["measure"], [got.estimate, got.ci_lower, got.ci_upper, got.pi_lower, got.pi_upper], hm
    )
    for value, key in zip(natural, ("est", "ci_lb", "ci_ub", "pi_lb", "pi_ub"), strict=True):
        assert value == pytest.approx(back[key], rel=1e-6, abs=1e-8), key


def test_wilson_matches_prop_test():
    for ref in ENGINE["wilson"].values():
        lower, upper = measures.wilson(ref["xi"], ref["ni"])
        np.testing.assert_allclose(lower, ref["prop_test_lower"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(upper, ref["prop_test_upper"], rtol=1e-9, atol=1e-12)


BINARY_CASES = ENGINE["binary_two_group"]


@pytest.mark.parametrize("case", BINARY_CASES, ids=[c["label"] for c in BINARY_CASES])
def test_two_group_measures(case):
    d = DATA["binary"][case["dataset"]]
    yi, vi, _ = measures.two_group_binary(
        case["measure"],
        d["ai"],
        d["n1i"],
        d["ci"],
        d["n2i"],
        add=case["add"],
        to=case["to"],
        drop00=case["drop00"],
    )
    computable = []
    for i, (a, b, va, vb) in enumerate(
        zip(yi, case["escalc"]["yi"], vi, case["escalc"]["vi"], strict=True)
    ):
        if b is None or vb is None or vb <= 0:
            assert np.isnan(a), (case["label"], i)
        else:
            assert a == pytest.approx(b, rel=1e-12, abs=1e-14)
            assert va == pytest.approx(vb, rel=1e-12)
            computable.append(i)
    for ref in case["fits"]:
        ref = reference(ref)
        got = random_effects(
            yi[computable],
            vi[computable],
            ref["method"],
            INFERENCE[ref["test"]],
            prediction=PI_FOLLOWS_TEST[ref["test"]],
        )
        assert got.estimate == pytest.approx(ref["b"], **close)
        assert got.ci_lower == pytest.approx(ref["ci_lb"], **close)
        assert got.tau2 == pytest.approx(ref["tau2"], rel=1e-6, abs=1e-9)


def test_pre_post_correlation_sweep():
    d = ENGINE["prepost"]["input"]
    for ref in ENGINE["prepost"]["by_ri"]:
        r = ref["ri"]
        sd = [derive.sd_of_change(a, b, r).value for a, b in zip(d["sd1i"], d["sd2i"], strict=True)]
        vi = [s**2 / n for s, n in zip(sd, d["ni"], strict=True)]
        yi = [a - b for a, b in zip(d["m1i"], d["m2i"], strict=True)]
        np.testing.assert_allclose(yi, ref["yi"], rtol=1e-12)
        np.testing.assert_allclose(vi, ref["vi"], rtol=1e-12)
        got = random_effects(yi, vi, "REML", "knapp_hartung")
        assert got.estimate == pytest.approx(ref["fit"]["b"], **close)
        assert got.tau2 == pytest.approx(ref["fit"]["tau2"], rel=1e-6, abs=1e-9)


# --- escalc's default add: PLO and PR corrected, PFT and PAS not (engine fixtures 2b) -----

DEFAULT_ADD_CASES = ENGINE["escalc_default_add"]


@pytest.mark.parametrize("case", DEFAULT_ADD_CASES, ids=[c["label"] for c in DEFAULT_ADD_CASES])
def test_default_continuity_correction_is_escalcs(case):
    """escalc with add left out (its default) and with add = 1/2 passed, on data with 0 and
    n counts: yi/vi to relative 1e-12; the REML-knha fit to the engine tolerance (``close``,
    relative 1e-6) and its back-transformed estimate, CI and PI to relative 1e-6."""
    data = DATA["proportion"][case["dataset"]]
    add = 0.5 if case["add_passed"] else None
    yi, vi, added = measures.proportion_effect(case["measure"], data["xi"], data["ni"], add=add)
    np.testing.assert_allclose(yi, case["escalc"]["yi"], rtol=1e-12)
    np.testing.assert_allclose(vi, case["escalc"]["vi"], rtol=1e-12)
    zero_or_full = [x in (0, n) for x, n in zip(data["xi"], data["ni"], strict=True)]
    corrected = case["add_passed"] or case["measure"] in ("PLO", "PR")
    assert added.tolist() == [0.5 if corrected and z else 0.0 for z in zero_or_full]
    fit = reference(case["fit"])
    got = random_effects(yi, vi, "REML", "knapp_hartung")
    assert got.estimate == pytest.approx(fit["b"], **close)
    assert got.tau2 == pytest.approx(fit["tau2"], rel=1e-6, abs=1e-9)
    hm = len(data["ni"]) / sum(1 / n for n in data["ni"])
    natural = measures.back_transform(
        case["measure"], [got.estimate, got.ci_lower, got.ci_upper, got.pi_lower, got.pi_upper], hm
    )
    for value, key in zip(natural, ("est", "ci_lb", "ci_ub", "pi_lb", "pi_ub"), strict=True):
        assert value == pytest.approx(fit["back"][key], rel=1e-6, abs=1e-8), key


def test_default_add_by_measure():
    assert [measures.default_add(m) for m in ("PLO", "PR", "PFT", "PAS")] == [0.5, 0.5, 0.0, 0.0]
    with pytest.raises(ValueError, match="measure must be one of"):
        measures.default_add("OR")
