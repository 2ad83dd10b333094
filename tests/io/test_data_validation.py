"""Bad input in the tables and config keys added for issue 5: each case asserts the one line
a user sees (file, line, row id, column, and what is wrong)."""

import copy
from pathlib import Path

import pytest
from badinput import SCHEMAS, copy_data, edit_cell, message, shipped_config

from alsmeta.io.config import check_config
from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_schema


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path)


@pytest.fixture
def config():
    return shipped_config()


def test_a_conflict_version_the_group_does_not_have(data):
    path = data["adverse_events"]
    line = edit_cell(path, "cudkowicz2022_placebo_death_fda", "conflict_version", "fda")
    assert message(data) == (
        f"{path}, line {line} (ae_id 'cudkowicz2022_placebo_death_fda'), column "
        "'conflict_version': 'fda' is not a version of conflict group 'cudkowicz2022_deaths' "
        "(registry, fda_briefing)"
    )


def test_a_conflict_group_must_be_described(data):
    path = data["adverse_events"]
    line = edit_cell(path, "oh2018_msc_trsae", "conflict_group", "oh2018_n")
    assert message(data) == (
        f"{path}, line {line} (ae_id 'oh2018_msc_trsae'), column 'conflict_group': conflict "
        f"group 'oh2018_n' is not in {data['conflicts']}"
    )


def test_every_version_of_a_conflict_must_have_rows(data):
    path = data["conflicts"]
    line = edit_cell(path, "oh2018_msc_n", "versions", "paper;mnd_association;registry")
    assert message(data) == (
        f"{path}, line {line} (conflict_group 'oh2018_msc_n'), column 'versions': "
        "no data row carries version(s) registry"
    )


def test_conflict_group_and_version_go_together(data):
    path = data["efficacy"]
    line = edit_cell(path, "petrou2016_phase2a_pre_post", "conflict_version", "")
    assert message(data) == (
        f"{path}, line {line} (eff_id 'petrou2016_phase2a_pre_post'), column "
        "'conflict_version': conflict_group and conflict_version go together"
    )


def test_an_overlap_group_must_be_described_at_its_level(data):
    path = data["studies"]
    line = edit_cell(path, "oh2018", "overlap_group", "petrou2016_phase2a_patients")
    assert message(data) == (
        f"{path}, line {line}, column 'overlap_group': overlap group "
        f"'petrou2016_phase2a_patients' has level 'arm' in {data['overlap_groups']}, but is "
        "used on a study row"
    )


def test_an_overlap_group_needs_two_members(data):
    path = data["studies"]
    edit_cell(path, "barczewska2019", "overlap_group", "")
    groups = data["overlap_groups"]
    assert message(data) == (
        f"{groups}, line 2 (overlap_group 'barczewska_olsztyn'): an overlap group needs two "
        "members or more; found ['barczewska2020']"
    )


def test_an_efficacy_row_needs_an_estimate_or_a_p_value(data):
    path = data["efficacy"]
    line = edit_cell(path, "sykova2017_slope_change_3m", "p_value", "")
    assert message(data) == (
        f"{path}, line {line} (eff_id 'sykova2017_slope_change_3m'), column 'mean': a "
        "slope_change row needs its estimate (mean, arm means or median) or at least the "
        "p-value printed for it"
    )


def test_a_change_from_baseline_is_not_a_rate(data):
    path = data["efficacy"]
    line = edit_cell(path, "oh2018_change_difference_6m", "unit", "per_month")
    assert message(data) == (
        f"{path}, line {line} (eff_id 'oh2018_change_difference_6m'), column 'unit': a change "
        "from baseline has unit 'total' and a slope a rate unit (measure "
        "'change_from_baseline_difference', unit 'per_month')"
    )


def test_arm_means_come_in_pairs(data):
    path = data["efficacy"]
    line = edit_cell(path, "cudkowicz2022_table4_change_ge30", "comparator_mean", "")
    assert message(data) == (
        f"{path}, line {line} (eff_id 'cudkowicz2022_table4_change_ge30'), column "
        "'comparator_mean': arm_mean and comparator_mean go together (given: arm_mean)"
    )


def test_two_primary_rows_for_one_arm_and_measure(data):
    path = data["efficacy"]
    line = edit_cell(path, "oh2018_change_difference_4m", "is_primary", "true")
    # The 6-month row (three lines below) is the primary one already.
    assert message(data) == (
        f"{path}, line {line + 3} (eff_id 'oh2018_change_difference_6m'), column 'is_primary': "
        "a second primary row for this arm, measure family, population and source version "
        f"(the first is on line {line}); mark one row as primary"
    )


def test_responders_cannot_exceed_n(data):
    path = data["responders"]
    line = edit_cell(path, "petrou2021_msc_resp_gt25_inj1_2", "events", "20")
    assert message(data) == (
        f"{path}, line {line} (resp_id 'petrou2021_msc_resp_gt25_inj1_2'), column 'events': "
        "events (20) exceed n (19)"
    )


def test_an_odds_ratio_outside_its_ci(data):
    path = data["responders"]
    edit_cell(path, "cudkowicz2022_msc_ntf_resp_primary", "ci_lower", "1.5")
    line = edit_cell(path, "cudkowicz2022_msc_ntf_resp_primary", "ci_upper", "2.5")
    assert message(data) == (
        f"{path}, line {line} (resp_id 'cudkowicz2022_msc_ntf_resp_primary'), column "
        "'odds_ratio': the odds ratio lies outside its CI"
    )


def test_a_duration_needs_its_unit(data):
    path = data["studies"]
    line = edit_cell(path, "cudkowicz2022", "follow_up_unit", "")
    assert message(data) == (
        f"{path}, line {line} (study_id 'cudkowicz2022'), column 'follow_up_unit': "
        "follow_up and follow_up_unit go together"
    )


def test_a_seed_quote_cannot_reuse_a_dossier_quote_id(data):
    path = data["extra_quotes"]
    text = Path(path).read_text(encoding="utf-8")
    Path(path).write_text(text.replace("\nSEED003-Q1\t", "\nSEED000-Q1\t", 1), encoding="utf-8")
    first, duplicate, *others = message(data).split("\n")
    assert first.endswith(" problems in the input (fix them all, then run again):")
    assert duplicate == (
        f"  {path}, line 3, column 'quote_id': duplicate id 'SEED000-Q1' (first used on line 2)"
    )
    # The row that cited the renamed quote now cites an unknown one, in the same pass.
    assert any("unknown quote id 'SEED003-Q1'" in line for line in others)


def test_a_responder_outcome_must_list_its_definitions(config):
    del config["outcome_definitions"]["responders_vs_control"]["response_definitions"]
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value) == (
        "config key 'outcome_definitions.responders_vs_control.response_definitions': a "
        "responder_odds_ratio outcome lists the response definitions it counts (and no AE "
        "categories)"
    )


def test_a_slope_outcome_takes_no_ae_categories(config):
    config["outcome_definitions"]["slope_change"]["ae_categories"] = ["death"]
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value) == (
        "config key 'outcome_definitions.slope_change.ae_categories': only proportion, "
        "binary_comparison and responder outcomes take ae_categories (kind is 'slope_change')"
    )


def test_an_unknown_overlap_rule(config):
    config["criteria"]["overlap_rule"] = "first"
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value) == (
        "config key 'criteria.overlap_rule': 'first' is not one of ['largest', 'most_recent', "
        "'refuse', 'named']"
    )


def _config_error(config) -> str:
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    return str(info.value)


def test_a_sensitivity_analysis_names_what_it_re_analyses(config):
    config = copy.deepcopy(config)
    broad = config["outcome_definitions"]["serious_ae_any_definition"]
    del broad["sensitivity_of"]
    assert _config_error(config) == (
        "config key 'outcome_definitions.serious_ae_any_definition.sensitivity_of': a "
        "sensitivity analysis (role: sensitivity) names the outcomes it re-analyses in "
        "sensitivity_of, and only a sensitivity analysis takes sensitivity_of"
    )
    broad["sensitivity_of"] = ["serious_adverse_events"]
    assert _config_error(config) == (
        "config key 'outcome_definitions.serious_ae_any_definition.sensitivity_of.0': "
        "'serious_adverse_events' is not defined in outcome_definitions"
    )
    broad["sensitivity_of"] = ["responders_any_definition"]
    assert _config_error(config) == (
        "config key 'outcome_definitions.serious_ae_any_definition.sensitivity_of.0': "
        "'responders_any_definition' is itself a sensitivity analysis"
    )
    broad["sensitivity_of"] = ["serious_ae"]
    broad["role"] = "exploratory"
    assert _config_error(config).startswith(
        "config key 'outcome_definitions.serious_ae_any_definition.role': 'exploratory' is not one"
    )


def test_every_accepted_definition_needs_a_reader_label(config):
    config = copy.deepcopy(config)
    del config["definition_labels"]["ae_categories"]["susar"]
    assert _config_error(config) == (
        "config key 'definition_labels.ae_categories.susar': is missing: outcome "
        "'treatment_related_sae' accepts 'susar', and every forest plot shows each row's "
        "definition in words"
    )
