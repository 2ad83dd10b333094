"""Each conversion against a hand-worked example or metafor's escalc / R's binom.test."""

import math

import numpy as np
import pytest

from alsmeta import effects as fx

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


@pytest.mark.parametrize(
    ("percent", "n", "events"),
    [(30, 26, 8), (50, 3, 2), (33, 95, 31), (28, 94, 26), (0, 10, 0), (100, 7, 7)],
)
def test_count_from_percent(percent, n, events):
    # 30% of 26 = 7.8 -> 8 (Sykova 2017 headache); 50% of 3 = 1.5 -> 2 (halves round up).
    assert fx.count_from_percent(percent, n) == events


def test_se_from_sd():
    # Oh 2018 Table 3, MSC arm: change in slope 1.13 (SD 1.33), n = 32.
    assert fx.se_from_sd(1.33, 32) == pytest.approx(1.33 / math.sqrt(32), rel=1e-12)
    assert fx.se_from_sd(1.33, 32) == pytest.approx(0.235114, abs=1e-6)


def test_se_from_ci():
    # Oh 2018 Table 3: difference 1.10, 95% CI 0.40 to 1.79 (printed SE 0.35).
    assert fx.se_from_ci(0.40, 1.79) == pytest.approx(1.39 / (2 * 1.959963985), rel=1e-9)
    assert fx.se_from_ci(0.40, 1.79) == pytest.approx(0.35, abs=0.005)
    assert fx.se_from_ci(-1, 1, level=0.90) == pytest.approx(1 / 1.644853627, rel=1e-9)


def test_se_from_p():
    # Petrou 2016 (secondary): slope -1.2 -> -0.6 points/month, two-sided p = 0.052.
    z = 1.943134  # Phi^-1(0.974)
    assert fx.se_from_p(0.6, 0.052) == pytest.approx(0.6 / z, rel=1e-6)
    assert fx.se_from_p(-0.6, 0.052) == fx.se_from_p(0.6, 0.052)
    with pytest.raises(ValueError):
        fx.se_from_p(0.6, 1.0)
    with pytest.raises(ValueError):
        fx.se_from_p(0.0, 0.5)


def test_sd_of_change():
    # r = 0.5 gives sqrt(a^2 + b^2 - a b); r = 0 the sum of variances.
    assert fx.sd_of_change(2.3, 3.08, 0.5) == pytest.approx(
        math.sqrt(2.3**2 + 3.08**2 - 2.3 * 3.08)
    )
    assert fx.sd_of_change(3.0, 4.0, 0.0) == pytest.approx(5.0)
    assert fx.sd_of_change(2.0, 2.0, 1.0) == pytest.approx(0.0)


def test_per_month_and_sign():
    assert fx.to_per_month(-12.0, "points_per_year") == pytest.approx(-1.0)
    assert fx.to_per_month(-1.2, "points_per_month") == -1.2
    with pytest.raises(ValueError, match="no fixed length"):
        fx.to_per_month(-5.4, "points_per_period")
    # A "rate of decline" of 1.41 points/month is a slope of -1.41.
    assert fx.as_slope(1.41, "decline_rate") == -1.41
    assert fx.as_slope(-1.2, "slope") == -1.2
