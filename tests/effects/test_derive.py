"""Each derivation against a hand-worked example.

The reference numbers were worked by hand from the formulas in alsmeta/derive.py, with
the quantiles taken from R 4.2 (qnorm, qt) rather than from scipy, and the odds ratios
checked against metafor 3.8 escalc(measure = "OR"). Tolerance: 1e-9 relative unless a
reference was printed with fewer digits.
"""

import math

import pytest

from alsmeta.effects import derive

Z975 = 1.95996398454  # R: qnorm(0.975)


# --- a count from a printed percentage ------------------------------------------------


def test_count_from_percent_rounds_to_the_nearest_count():
    # Cudkowicz 2022: 33% of 95 -> 31.35 -> 31; 31/95 = 32.6% is the only count printing as 33%.
    d = derive.count_from_percent(33, 95)
    assert (d.value, d.method) == (31, "count_from_percent")
    assert "round(33% x 95 = 31.35) = 31" in d.text
    assert "the only count of 95 that prints as 33%" in d.text


def test_count_from_percent_rounds_halves_up():
    # 50% of 13 = 6.5 -> 7 (the rule is halves up, not to even).
    assert derive.count_from_percent(50, 13).value == 7


def test_count_from_percent_says_when_the_percentage_is_approximate():
    # Sykova 2017: "about 30%" of 26 = 7.8 -> 8, but 8/26 = 30.8% prints as 31% and
    # 7/26 = 26.9% as 27%: no count prints as exactly 30%.
    d = derive.count_from_percent(30, 26)
    assert d.value == 8
    assert "no count of 26 prints as exactly 30% (approximate percentage)" in d.text


def test_count_from_percent_lists_other_consistent_counts():
    # 1% of 200 = 2; 1/200 = 0.5% also prints as 1% (halves up), 3/200 = 1.5% does not.
    d = derive.count_from_percent(1, 200)
    assert d.value == 2 and "1 of 200 would also print as 1%" in d.text


def test_count_from_percent_uses_the_printed_decimals():
    # Company topline: 34.7% of 95 -> 32.965 -> 33; 33/95 = 34.74% prints as 34.7%.
    d = derive.count_from_percent(34.7, 95)
    assert d.value == 33 and "the only count of 95 that prints as 34.7%" in d.text
    assert derive.printed_decimals(34.7) == 1 and derive.printed_decimals(30.0) == 0


def test_count_from_percent_rejects_what_is_not_a_percentage():
    with pytest.raises(derive.DerivationError):
        derive.count_from_percent(130, 10)


# --- standard errors ------------------------------------------------------------------


def test_se_from_ci_identity_scale():
    # Oh 2018 FVC slope change difference: 95% CI -2.52 to 1.03 -> 3.55 / (2 x 1.959964).
    d = derive.se_from_ci(-2.52, 1.03)
    assert d.value == pytest.approx(0.905628886041, rel=1e-9)
    assert d.method == "se_from_ci"


def test_se_from_ci_log_scale_for_ratios():
    # OR 95% CI 1.2 to 3.0: (ln 3 - ln 1.2) / (2 x 1.959964) = 0.916291 / 3.919928.
    assert derive.se_from_ci(1.2, 3.0, scale="log").value == pytest.approx(0.233751930929, rel=1e-9)


def test_se_from_two_sided_p_with_a_z_test():
    # Petrou 2016: change 0.6 points/month, two-sided p = 0.052: 0.6 / qnorm(0.974).
    d = derive.se_from_p(0.6, 0.052)
    assert d.value == pytest.approx(0.6 / 1.94313375111, rel=1e-9)
    assert "(z test)" in d.text


def test_se_from_p_on_the_log_odds_ratio():
    # Cudkowicz 2022: OR 1.33, P = .45: ln 1.33 / qnorm(0.775) = 0.285179 / 0.755415.
    assert derive.se_from_p(math.log(1.33), 0.45).value == pytest.approx(0.377512933, rel=1e-9)


def test_se_from_p_with_a_t_test():
    # Estimate 3.4, p = 0.014 from a t test with 9 df: 3.4 / qt(0.993, 9) = 3.4 / 3.040790.
    d = derive.se_from_p(3.4, 0.014, test="t", df=9)
    assert d.value == pytest.approx(1.11813058586, rel=1e-9)
    assert "t_9" in d.text and "(t test)" in d.text


def test_se_from_a_one_sided_p_doubles_it():
    # One-sided p = 0.02 -> two-sided 0.04 -> SE = 1 / qnorm(0.98) = 1 / 2.053749.
    d = derive.se_from_p(1.0, 0.02, sided="one")
    assert d.value == pytest.approx(1 / 2.05374891063, rel=1e-9)
    assert d.text.startswith("two-sided p = 2 x 0.02 = 0.04")


def test_se_from_p_refuses_what_it_cannot_do():
    with pytest.raises(derive.DerivationError):
        derive.se_from_p(0.0, 0.5)
    with pytest.raises(derive.DerivationError):
        derive.se_from_p(1.0, 0.6, sided="one")
    with pytest.raises(derive.DerivationError):
        derive.se_from_p(1.0, 0.05, test="t")


def test_se_of_a_difference_of_two_arm_estimates():
    # Cudkowicz 2022 Table 4, baseline >= 34: LS-mean SEs 1.13 and 0.96.
    d = derive.se_of_difference(1.13, 0.96)
    assert d.value == pytest.approx(1.4827339613, rel=1e-9)


def test_se_from_sd():
    # Oh 2018 change in slope: SD 1.33, n = 32.
    assert derive.se_from_sd(1.33, 32).value == pytest.approx(1.33 / math.sqrt(32), rel=1e-12)


def test_sd_of_change_from_pre_post_sds_and_r():
    # Shamsaei 2023 SDs 2.3 and 3.08 with r = 0.5: sqrt(5.29 + 9.4864 - 7.084).
    d = derive.sd_of_change(2.3, 3.08, 0.5)
    assert d.value == pytest.approx(2.77351762208, rel=1e-9)
    assert "r = 0.5 assumed" in d.text
    assert derive.sd_of_change(2.0, 2.0, 1.0).value == 0.0


# --- medians to means -----------------------------------------------------------------


def test_mean_and_sd_from_median_and_iqr():
    # median 1.0, quartiles 0.4 and 1.9, n = 40.
    # Luo 2018: (0.7 + 0.39/40) x 1.15 + (0.3 - 0.39/40) x 1.0 = 0.8162125 + 0.29025.
    # Wan 2014: 1.5 / (2 qnorm((0.75 x 40 - 0.125) / 40.25)) = 1.5 / 1.300509.
    mean, sd = derive.mean_sd_from_median_iqr(1.0, 0.4, 1.9, 40)
    assert mean.value == pytest.approx(1.1064625, rel=1e-12)
    assert sd.value == pytest.approx(1.15339485222, rel=1e-9)
    assert (mean.method, sd.method) == ("mean_from_median_iqr", "sd_from_iqr")


def test_mean_and_sd_from_median_and_range():
    # median 1.0, range -0.5 to 3.5, n = 40. 40^0.75 = 15.905415, w = 4/19.905415 = 0.200951.
    # Luo 2018: 0.200951 x 1.5 + 0.799049 x 1.0. Wan 2014: 4.0 / (2 qnorm(39.625/40.25)).
    mean, sd = derive.mean_sd_from_median_range(1.0, -0.5, 3.5, 40)
    assert mean.value == pytest.approx(1.10047517435, rel=1e-9)
    assert sd.value == pytest.approx(0.927490763785, rel=1e-9)


def test_median_outside_its_quartiles_is_refused():
    with pytest.raises(derive.DerivationError):
        derive.mean_sd_from_median_iqr(3.0, 0.4, 1.9, 40)


# --- units, durations, signs ----------------------------------------------------------


def test_rates_per_year_week_and_period_to_per_month():
    assert derive.rate_per_month(12.0, "per_year").value == pytest.approx(1.0)
    # 0.5 per week x 365.25/12/7 weeks a month.
    assert derive.rate_per_month(0.5, "per_week").value == pytest.approx(2.17410714286, rel=1e-9)
    # Shamsaei 2023: -2 points per post-treatment period of 10 months = -0.2 per month.
    d = derive.rate_per_month(-2.0, "per_period", 10, "months")
    assert d.value == pytest.approx(-0.2) and d.method == "per_period_to_per_month"
    with pytest.raises(derive.DerivationError, match="period's length is not reported"):
        derive.rate_per_month(-5.4, "per_period")
    assert derive.rate_per_month(1.1, "per_month").method == ""


def test_durations_in_months():
    # Cudkowicz 2022: 28 weeks = 28 x 7 x 12 / 365.25 months.
    assert derive.duration_months(28, "weeks").value == pytest.approx(6.43942505133, rel=1e-9)
    assert derive.duration_months(1, "years").value == 12.0
    assert derive.duration_months(6, "months").value == 6.0


def test_sign_normalisation_makes_slowing_positive():
    # Petrou 2016 press release: rates of decline 1.41 (run-in) -> 0.60 (6 months) are
    # slopes -1.41 -> -0.60; post minus pre = +0.81 (progression slowed).
    pre = derive.signed(1.41, "decline_rate")
    post = derive.signed(0.60, "decline_rate")
    assert (pre.value, post.value) == (-1.41, -0.60)
    assert post.value - pre.value == pytest.approx(0.81)
    assert pre.method == "sign_normalised"
    assert derive.signed(-1.2, "slope").value == -1.2


# --- two-arm counts -------------------------------------------------------------------


def test_log_odds_ratio_from_counts_matches_metafor():
    # Oh 2018, >= 50% slope improvement at 4 months: 22/32 vs 5/27.
    # escalc("OR", ai=22, n1i=32, ci=5, n2i=27): yi 2.2701, vi 0.3909.
    yi, vi, text = derive.log_odds_ratio(22, 32, 5, 27)
    assert yi == pytest.approx(math.log(22 * 22 / (10 * 5)), rel=1e-12)
    assert (round(yi, 4), round(vi, 4)) == (2.2701, 0.3909)
    assert "Woolf" in text


def test_log_odds_ratio_adds_a_half_to_every_cell_when_one_is_zero():
    # escalc("OR", ai=0, n1i=10, ci=3, n2i=12): yi -2.0460, vi 2.4862.
    yi, vi, text = derive.log_odds_ratio(0, 10, 3, 12)
    assert (round(yi, 4), round(vi, 4)) == (-2.0460, 2.4862)
    assert "0.5 added to every cell" in text
