"""Effect-size measures against hand-worked examples, metafor's escalc and R's binom.test.

The conversions from printed statistics (counts from percentages, SEs from CIs and
p-values, SDs of change, per-month units, signs) are tested in effects/test_derive.py."""

import math

import numpy as np
import pytest

from alsmeta.effects import measures as fx

PROPORTION_SETS = ["prop_serious_ae", "prop_headache", "prop_with_100pct", "prop_moderate"]


def test_logit_hand_worked_zero_count():
    # 0/10 with 1/2 added to events and non-events: log(0.5/10.5), 1/0.5 + 1/10.5.
    yi, vi, added = fx.logit_proportion([0, 3], [10, 10])
    assert yi[0] == pytest.approx(math.log(0.5 / 10.5), rel=1e-12)
    assert vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5, rel=1e-12)
    assert added.tolist() == [0.5, 0.0]
    # 3/10 is left alone under to="only0".
    assert yi[1] == pytest.approx(math.log(3 / 7), rel=1e-12)
    assert vi[1] == pytest.approx(1 / 3 + 1 / 7, rel=1e-12)


def test_logit_correction_targets():
    _, _, added_all = fx.logit_proportion([0, 3], [10, 10], add=0.5, to="all")
    assert added_all.tolist() == [0.5, 0.5]
    yi, vi, added = fx.logit_proportion([0, 10, 3], [10, 10, 10], to="none")
    assert np.isnan(yi[0]) and np.isnan(vi[1]) and not np.isnan(yi[2])
    assert added.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="to must be one of"):
        fx.logit_proportion([1], [2], to="sometimes")
    with pytest.raises(ValueError, match="between 0 and n"):
        fx.logit_proportion([3], [2])


@pytest.mark.parametrize("name", PROPORTION_SETS)
def test_logit_matches_metafor_escalc(metafor, name):
    data = metafor["datasets"][name]
    yi, vi, _ = fx.logit_proportion(data["xi"], data["ni"])
    np.testing.assert_allclose(yi, data["yi"], rtol=1e-12)
    np.testing.assert_allclose(vi, data["vi"], rtol=1e-12)


@pytest.mark.parametrize("name", PROPORTION_SETS)
def test_clopper_pearson_matches_binom_test(metafor, name):
    data = metafor["datasets"][name]
    lower, upper = fx.clopper_pearson(data["xi"], data["ni"])
    np.testing.assert_allclose(lower, data["cp_lower"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, data["cp_upper"], rtol=1e-9, atol=1e-12)


def test_expit_inverts_logit():
    assert fx.expit(math.log(3 / 7)) == pytest.approx(0.3, rel=1e-12)
