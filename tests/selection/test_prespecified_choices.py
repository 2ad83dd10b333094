"""Choices made once and applied the same way to every outcome: the time-point rule
(criteria.time_point), the follow-up windows (criteria.follow_up_windows), the sensitivity
analysis without zeros read from "none occurred" statements, and the default subgroups."""

import pytest
from badinput import SCHEMAS

from alsmeta.io.config import check_config
from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_schema
from alsmeta.selection.criteria import follow_up_window, select, time_point_choices
from alsmeta.selection.variants import variant_context, variant_selections


def _row(effect_id, months, primary, **extra):
    return {
        "effect_id": effect_id,
        "source_table": "efficacy",
        "arm_id": "a_msc",
        "category": "slope_change",
        "measure": "MD",
        "scale": "alsfrs_r",
        "source": "paper",
        "timepoint_months": months,
        "is_primary": primary,
        **extra,
    }


def test_closest_to_picks_the_nearest_time_point_and_the_later_of_a_tie():
    rows = [_row("r3", 3, True), _row("r9", 9, False), _row("r12", 12, False)]
    assert time_point_choices(rows, {"rule": "closest_to", "months": 6}) == {
        "r3": False,
        "r9": True,  # 3 and 9 are equally close to 6: the later, never an earlier cut
        "r12": False,
    }
    assert time_point_choices(rows, {"rule": "closest_to", "months": 2}) == {
        "r3": True,
        "r9": False,
        "r12": False,
    }
    assert time_point_choices(rows, {"rule": "longest"})["r12"] is True
    assert time_point_choices(rows, {"rule": "as_entered"}) == {
        "r3": True,
        "r9": False,
        "r12": False,
    }


def test_rows_without_a_time_point_keep_the_data_choice():
    # A window between two injections (Petrou 2021) prints no time point.
    windows = [_row("w1", None, True), _row("w2", None, False)]
    assert time_point_choices(windows, {"rule": "closest_to", "months": 6}) == {
        "w1": True,
        "w2": False,
    }
    # Beside rows that print one, an undated row is not chosen.
    mixed = [_row("dated", 6, False), _row("undated", None, True)]
    assert time_point_choices(mixed, {"rule": "closest_to", "months": 6}) == {
        "dated": True,
        "undated": False,
    }


def test_the_data_choice_among_populations_at_one_time_point_is_kept():
    # Cudkowicz 2022 Table 4: nine baseline subgroups at 28 weeks, >= 34 marked primary.
    rows = [
        _row("ge34", 6.44, True, population="baseline >= 34"),
        _row("ge26", 6.44, False, population="baseline >= 26"),
    ]
    assert time_point_choices(rows, {"rule": "closest_to", "months": 6}) == {
        "ge34": True,
        "ge26": False,
    }


def test_one_time_point_for_slopes_changes_and_responders_of_oh2018(data, harmonized, config):
    # The issue: Oh 2018's 4-month slope window (inferred, not printed) was primary while
    # 6 months was primary for the change from baseline.
    assert config["criteria"]["time_point"] == {"rule": "closest_to", "months": 6}
    outcomes = [
        "slope_change_vs_control",
        "alsfrs_change_vs_control",
        "responders_vs_control",
        "slope_change",
    ]
    sel = select(
        harmonized,
        data,
        {**config["criteria"], "outcomes": outcomes},
        config["outcome_definitions"],
    )
    oh = {a["outcome"]: a for a in sel.analysed if a["study_id"] == "oh2018"}
    assert {o: oh[o]["timepoint_months"] for o in outcomes} == dict.fromkeys(outcomes, 6)
    assert "timepoint_inferred" not in (oh["slope_change_vs_control"]["flags"] or "")
    entered = select(
        harmonized,
        data,
        {**config["criteria"], "outcomes": outcomes, "time_point": {"rule": "as_entered"}},
        config["outcome_definitions"],
    )
    old = {
        a["outcome"]: a["timepoint_months"] for a in entered.analysed if a["study_id"] == "oh2018"
    }
    assert old["slope_change_vs_control"] == 4 and old["alsfrs_change_vs_control"] == 6
    log = next(r for r in sel.inclusion if r["effect_id"] == "oh2018_slope_change_difference_4m")
    assert log["reason_codes"] == "not_primary"
    assert "closest to 6 months" in log["reasons"]


@pytest.mark.parametrize(
    ("months", "window"),
    [
        (6, "<= 7 months"),
        (28 * 12 / 52.18, "<= 7 months"),  # Cudkowicz 2022: 28 weeks
        (7, "<= 7 months"),
        (10, "> 7 to <= 12 months"),
        (12, "> 7 to <= 12 months"),
        (18, "> 12 months"),
        (None, "follow-up not reported"),
    ],
)
def test_follow_up_windows(months, window):
    assert follow_up_window(months, [7, 12]) == window


def test_analysed_rows_carry_their_follow_up_window_and_product(data, harmonized, config):
    assert {"product", "follow_up_window"} <= set(config["subgroups"])
    sel = select(
        harmonized,
        data,
        {**config["criteria"], "outcomes": ["serious_ae"]},
        config["outcome_definitions"],
    )
    window = {a["study_id"]: (a["follow_up_window"], a["product"]) for a in sel.analysed}
    assert window["cudkowicz2022"] == ("<= 7 months", "msc_ntf")
    assert window["oh2015"] == ("> 7 to <= 12 months", "msc")
    assert window["petrou2021"] == ("follow-up not reported", "msc")


def test_zeros_read_from_statements_have_a_sensitivity_analysis(data, harmonized, config):
    # Petrou 2021 'No serious adverse events were observed' and Oh 2015 are statements;
    # Cudkowicz 2022 prints a count.
    criteria = config["criteria"]
    context = variant_context(harmonized, data, criteria, config["risk_of_bias"])
    entries = variant_selections(
        harmonized, data, criteria, config["outcome_definitions"], "serious_ae", context
    )
    by = {e["variant"]: e for e in entries}
    main = {r["study_id"] for r in by["main"]["rows"]}
    variant = by["statement_zeros_excluded"]
    assert variant["variant_type"] == "statement_zeros"
    assert "criteria.allow_counts_from_statements = false" in variant["setting"]
    kept = {r["study_id"] for r in variant["rows"]}
    assert "petrou2021" in main and "petrou2021" not in kept
    assert "cudkowicz2022" in kept
    assert all("count_from_statement" not in (r["flags"] or "") for r in variant["rows"])
    # An outcome without such rows has no such variant (serious AEs vs control: counts).
    entries = variant_selections(
        harmonized, data, criteria, config["outcome_definitions"], "serious_ae_vs_control", context
    )
    assert "statement_zeros_excluded" not in {e["variant"] for e in entries}


def test_a_zero_from_a_statement_is_flagged_with_the_statement_and_its_quote(harmonized):
    effect = next(e for e in harmonized if e["effect_id"] == "petrou2021_msc_sae")
    assert "count_from_statement" in effect["flags"].split(";")
    assert (
        "events = 0 from the statement that none occurred ('No serious adverse events were "
        "observed during the whole period', PET21-Q2;PET21-Q1) (n = 19)"
    ) in effect["derivation"]


@pytest.mark.parametrize(
    ("time_point", "message"),
    [
        ({"rule": "closest_to"}, "config key 'criteria.time_point.months': is missing"),
        ({"rule": "nearest", "months": 6}, "config key 'criteria.time_point.rule': "),
        ({"rule": "closest_to", "months": 0}, "config key 'criteria.time_point.months': "),
    ],
)
def test_a_bad_time_point_rule_names_its_config_key(config, time_point, message):
    bad = {**config, "criteria": {**config["criteria"], "time_point": time_point}}
    with pytest.raises(InputError) as info:
        check_config(bad, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
