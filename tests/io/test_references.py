"""Cross-references that would otherwise do nothing silently: each is one line naming the
file, line and column, or the config key."""

import copy
from pathlib import Path

import pytest
from badinput import SCHEMAS, copy_data, edit_cell, message, shipped_config

from alsmeta.io.config import check_references
from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_dataset


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path)


def references_message(config, paths):
    config = {**config, "data": paths}
    with pytest.raises(InputError) as info:
        check_references(config, load_dataset(paths, SCHEMAS))
    return str(info.value)


def test_a_typo_in_exclude_studies(data):
    config = copy.deepcopy(shipped_config())
    config["criteria"]["exclude_studies"] = ["oh2018", "petrou2106"]
    assert references_message(config, data) == (
        "config key 'criteria.exclude_studies.1': no study 'petrou2106' in the data "
        "(a study_id of the studies table) (did you mean 'petrou2016'?)"
    )


def test_a_typo_in_a_gaps_outcome(data):
    path = data["gaps"]
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("\tany_ae\t", "\tany_aes\t")
    Path(path).write_text("\n".join(lines), encoding="utf-8")
    assert references_message(shipped_config(), data) == (
        f"{path}, line 2 (study_id 'baek2012'), column 'outcome': unknown outcome 'any_aes' "
        "(use 'all' or an outcome defined in config outcome_definitions)"
    )


def test_an_arm_is_not_its_own_comparator(data):
    path = data["efficacy"]
    row = "oh2018_slope_change_difference_4m"
    line = edit_cell(path, row, "comparator_arm_id", "oh2018_msc")
    assert message(data) == (
        f"{path}, line {line} (eff_id {row!r}), column 'comparator_arm_id': arm 'oh2018_msc' "
        "is its own comparator"
    )


def test_a_quote_id_in_both_quote_tables(data):
    quotes, extra = data["quotes"], data["extra_quotes"]
    lines = Path(quotes).read_text(encoding="utf-8").split("\n")
    cells = lines[1].split("\t")
    cells[0] = "SEED000-Q1"
    lines.append("\t".join(cells))
    Path(quotes).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert message(data) == (
        f"{extra}, line 2, column 'quote_id': quote id 'SEED000-Q1' is also in {quotes} "
        f"(line {len(lines)}); a quote id belongs to one quote table"
    )


def test_an_arm_level_overlap_group_within_one_study(data):
    path = data["arms"]
    line = edit_cell(path, "barczewska2019_msc", "overlap_group", "petrou2016_phase2a_patients")
    first = edit_cell(path, "petrou2016_phase2a", "overlap_group", "petrou2016_phase2a_patients")
    assert line < first
    assert message(data) == (
        f"{path}, line {first}, column 'overlap_group': arm-level overlap group "
        f"'petrou2016_phase2a_patients' spans two studies ('barczewska2019' on line {line}, "
        "'petrou2016' here); an arm-level group holds arms of one study"
    )


def test_n_treated_cannot_exceed_n_randomized(data):
    path = data["arms"]
    line = edit_cell(path, "barczewska2019_msc", "n_treated", "44")
    assert message(data) == (
        f"{path}, line {line} (arm_id 'barczewska2019_msc'), column 'n_treated': n_treated (44) "
        "exceeds n_randomized (43)"
    )
