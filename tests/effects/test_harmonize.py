"""Harmonization of the shipped rows, on worked examples (the selection rules that take these
rows are tested in selection/test_criteria.py)."""

import math
from pathlib import Path

import pytest

from alsmeta.effects import measures
from alsmeta.effects.harmonize import harmonize, harmonize_efficacy
from alsmeta.io.tables import Row

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def effects(harmonized):
    return {e["effect_id"]: e for e in harmonized}


# --- harmonize: proportions ---------------------------------------------------------------


def test_count_from_percent_is_derived_and_flagged(effects):
    # Sykova 2017: "about 30%" of 26 had headache -> round(7.8) = 8.
    e = effects["sykova2017_msc_headache"]
    assert (e["events"], e["n"]) == (8, 26)
    assert e["flags"] == "count_from_percent"
    assert "events = round(30% x 26 = 7.8) = 8" in e["derivation"]
    assert e["yi"] == pytest.approx(math.log(8 / 18))
    assert e["continuity_added"] == 0.0


def test_zero_count_statement_gets_the_correction(effects):
    e = effects["oh2015_msc_sae"]
    assert (e["events"], e["n"], e["continuity_added"]) == (0, 7, 0.5)
    assert e["yi"] == pytest.approx(math.log(0.5 / 7.5))
    assert e["vi"] == pytest.approx(1 / 0.5 + 1 / 7.5)
    assert e["ci_lower"] == 0.0 and e["ci_upper"] == pytest.approx(0.4096, abs=1e-4)
    assert "count_from_statement" in e["flags"]


def test_no_correction_leaves_zero_counts_not_computable(data):
    rows = {e["effect_id"]: e for e in harmonize(data, add=0.5, to="none", level=0.95, r=0.5)}
    assert rows["oh2015_msc_sae"]["status"] == "not_computable"
    assert "no finite PLO estimate" in rows["oh2015_msc_sae"]["status_reason"]
    assert rows["cudkowicz2022_msc_ntf_serious_ae"]["status"] == "ok"


@pytest.mark.parametrize("measure", ["PFT", "PAS"])
def test_arcsine_measures_are_not_corrected_unless_listed(data, measure):
    """escalc's default: no correction for PFT/PAS; listed in corrected_measures, 1/2 is
    added as escalc(add = 1/2) would (x + 1/2 events in n + 1)."""
    plain = {e["effect_id"]: e for e in harmonize(data, 0.5, "only0", 0.95, 0.5, measure)}
    e = plain["oh2015_msc_sae"]
    assert (e["events"], e["n"], e["continuity_added"]) == (0, 7, 0.0)
    assert e["yi"] == pytest.approx(
        float(measures.proportion_effect(measure, [0], [7], add=0)[0][0])
    )
    assert "continuity correction" not in e["derivation"]
    listed = harmonize(data, 0.5, "only0", 0.95, 0.5, measure, corrected_measures=[measure])
    e = {e["effect_id"]: e for e in listed}["oh2015_msc_sae"]
    assert e["continuity_added"] == 0.5
    assert e["yi"] == pytest.approx(
        float(measures.proportion_effect(measure, [0], [7], add=0.5)[0][0])
    )
    assert "continuity correction 0.5 added" in e["derivation"]


def test_denominators_from_elsewhere_are_flagged(effects):
    # Registry deaths: the at-risk cell reads "None"; n is the Serious column's at-risk.
    assert "n_from_other_field" in effects["cudkowicz2022_msc_ntf_death_registry"]["flags"]
    assert "n_from_other_source" in effects["cudkowicz2022_placebo_death_fda"]["flags"]


# --- harmonize: slopes and changes ----------------------------------------------------------


def test_slope_change_se_from_sd(effects):
    # Oh 2018 Table 3: change in slope 1.13 (SD 1.33), n = 32.
    e = effects["oh2018_msc_slope_change_4m"]
    assert e["yi"] == 1.13 and e["measure"] == "MC" and e["unit"] == "points/month"
    assert e["sei"] == pytest.approx(1.33 / math.sqrt(32))


def test_slope_difference_uses_the_printed_se(effects):
    e = effects["oh2018_slope_change_difference_4m"]
    assert (e["yi"], e["sei"], e["measure"]) == (1.10, 0.35, "MD")


def test_change_from_baseline_difference_in_points(effects):
    # Oh 2018: 3.38 (SE 1.07) at 6 months, n 31 vs 25.
    e = effects["oh2018_change_difference_6m"]
    assert (e["yi"], e["sei"], e["n"], e["comparator_n"], e["unit"]) == (
        3.38,
        1.07,
        31,
        25,
        "points",
    )


def test_pre_post_slopes_with_p_value(effects):
    # Petrou 2016 (secondary): -1.2 -> -0.6 points/month, p = 0.052 -> change 0.6, SE 0.6/1.9431.
    e = effects["petrou2016_it_pooled_pre_post_6m"]
    assert e["yi"] == pytest.approx(0.6)
    assert e["sei"] == pytest.approx(0.6 / 1.9431337511, rel=1e-9)
    assert e["n"] is None
    assert "the source does not name its test: z assumed" in e["derivation"]


def test_decline_rates_are_negated(effects):
    # Press release: rate of decline 1.41 -> 0.60 points/month = slopes -1.41 -> -0.60.
    e = effects["petrou2016_phase2a_decline_6m"]
    assert "rate of decline 1.41 (positive = loss) negated to -1.41" in e["derivation"]
    assert "change = post - pre = -0.6 - (-1.41) = 0.81" in e["derivation"]
    assert e["flags"] == "original_alsfrs;sign_normalised"
    assert e["status"] == "not_computable"  # no SE, SD, CI or p printed


def test_per_period_units_need_both_period_lengths(effects):
    e = effects["shamsaei2023_msc_pre_post_10m"]
    assert e["status"] == "not_computable"
    assert e["status_reason"].startswith("pre-treatment slope: printed per period")


def test_se_of_a_difference_from_the_two_arms_and_the_total_n(effects):
    # Cudkowicz 2022 Table 4 (pre-erratum), baseline >= 34: Delta 2.74, LS-mean SEs 1.13
    # and 0.96, n = 57 for both arms.
    e = effects["cudkowicz2022_table4_change_ge34"]
    assert e["yi"] == 2.74 and e["sei"] == pytest.approx(math.hypot(1.13, 0.96))
    assert (e["n"], e["comparator_n"]) == (57, None)
    assert e["flags"] == "superseded_by_erratum;n_is_total;se_of_difference"
    assert e["timepoint_months"] == pytest.approx(28 * 7 * 12 / 365.25)


def test_a_difference_is_computed_from_arm_means_when_not_printed(effects):
    e = effects["cudkowicz2022_topline_early_disease_change_difference"]
    assert "difference = -1.77 - (-3.78) = 2.01" in e["derivation"]
    assert e["status"] == "not_computable"  # no SE of any kind


def test_p_value_only_rows_are_kept_and_say_why(effects):
    e = effects["sykova2017_slope_change_3m"]
    assert e["status_reason"] == "no estimate is printed, only p < 0.02"


def test_a_median_with_quartiles_becomes_a_mean_and_sd():
    # A synthetic within-arm row printed as median (IQR): change in slope 1.0 (0.4 to 1.9),
    # n = 40 -> mean 1.1064625 (Luo 2018), SD 1.153395 (Wan 2014), SE = SD/sqrt(40).
    row = _slope_row(median=1.0, q1=0.4, q3=1.9)
    (e,) = harmonize_efficacy([row], r=0.5, level=0.95)
    assert e["yi"] == pytest.approx(1.1064625)
    assert e["sei"] == pytest.approx(1.15339485222 / math.sqrt(40), rel=1e-9)
    assert e["flags"] == "mean_from_median_iqr;sd_from_iqr;se_from_sd"


def _slope_row(**values):
    return Row(
        2,
        {
            "eff_id": "synthetic",
            "study_id": "oh2018",
            "arm_id": "oh2018_msc",
            "measure": "slope_change",
            "scale": "alsfrs_r",
            "unit": "per_month",
            "sign_convention": "slope",
            "is_primary": True,
            "n": 40,
            "source": "s",
            "tier": "paper",
            "locator": "l",
            "quote_id": ["OH18-Q6"],
            **values,
        },
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"mean": 1.0, "sd": 0.0},
            "the SD is 0: an SE derived from it would give the effect zero variance",
        ),
        (
            {"median": 1.0, "q1": 1.0, "q3": 1.0},
            "the SD is 0: an SE derived from it would give the effect zero variance",
        ),
        ({"mean": 1.0, "ci_lower": 1.0, "ci_upper": 1.0}, "the CI 1 to 1 is empty"),
    ],
)
def test_a_zero_sd_behind_a_derived_se_is_not_computable(values, reason):
    (e,) = harmonize_efficacy([_slope_row(**values)], r=0.5, level=0.95)
    assert e["status"] == "not_computable"
    assert e.get("vi") is None
    assert e["status_reason"] == reason


# --- harmonize: responders ------------------------------------------------------------------


def test_responder_odds_ratio_from_the_two_arm_counts(effects):
    # Oh 2018, >= 50% slope improvement at 4 months: 22/32 vs 5/27 (metafor: 2.2701, 0.3909).
    e = effects["oh2018_msc_resp_ge50_4m_odds_ratio"]
    assert (e["events"], e["n"], e["comparator_events"], e["comparator_n"]) == (22, 32, 5, 27)
    assert (round(e["yi"], 4), round(e["vi"], 4)) == (2.2701, 0.3909)
    assert e["measure"] == "OR" and e["unit"] == "log odds ratio"


def test_responder_odds_ratio_from_the_printed_or_and_p(effects):
    # Cudkowicz 2022: OR 1.33, P = .45 -> SE(log OR) = ln 1.33 / qnorm(0.775).
    e = effects["cudkowicz2022_msc_ntf_resp_primary_odds_ratio"]
    assert e["yi"] == pytest.approx(math.log(1.33))
    assert e["sei"] == pytest.approx(0.377512933, rel=1e-8)
    # The effect is the printed OR; the counts it shows (31/95 vs 26/94) are derived from the
    # percentages of an n the paper does not print with them, and say so.
    assert e["flags"] == "se_from_p;count_from_percent;n_from_other_source"
    assert (e["events"], e["n"], e["comparator_events"], e["comparator_n"]) == (31, 95, 26, 94)
    # The arm count behind "33%" is derived (n = the Table 1 treated N, flagged).
    arm = effects["cudkowicz2022_msc_ntf_resp_primary"]
    assert (arm["events"], arm["n"]) == (31, 95)
    assert arm["flags"] == "count_from_percent;n_from_other_source"


def test_responder_comparison_takes_the_worse_tier_of_its_two_arms(effects):
    assert effects["cudkowicz2022_msc_ntf_resp_topline_odds_ratio"]["tier"] == "secondary"
    assert effects["oh2018_msc_resp_ge50_4m_odds_ratio"]["tier"] == "paper"
