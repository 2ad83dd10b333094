"""Bad input: each case asserts the one line a user sees."""

from pathlib import Path

import pytest
import yaml
from badinput import ROOT, SCHEMAS, copy_data, edit_cell, message, shipped_config

from alsmeta.io import errors
from alsmeta.io.config import check_config
from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_dataset, load_schema


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path)


@pytest.fixture
def config():
    return shipped_config()


def test_shipped_data_is_valid(data):
    tables = load_dataset(data, SCHEMAS)
    assert len(tables["studies"]) >= 20


def test_missing_column(data):
    path = data["adverse_events"]
    lines = Path(path).read_text().split("\n")
    header = lines[0].split("\t")
    drop = header.index("n")
    Path(path).write_text(
        "\n".join(
            "\t".join(c for i, c in enumerate(line.split("\t")) if i != drop)
            for line in lines
            if line
        )
    )
    assert message(data) == f"{path}: missing column 'n'"


def test_events_exceed_n(data):
    path = data["adverse_events"]
    line = edit_cell(path, "cudkowicz2022_msc_ntf_serious_ae", "events", "96")
    assert message(data) == (
        f"{path}, line {line} (ae_id 'cudkowicz2022_msc_ntf_serious_ae'), column 'events': "
        "events (96) exceed n (95)"
    )


def test_negative_sd(data):
    path = data["efficacy"]
    line = edit_cell(path, "oh2018_msc_slope_change_4m", "sd", "-1.33")
    assert message(data) == (
        f"{path}, line {line} (eff_id 'oh2018_msc_slope_change_4m'), column 'sd': "
        "-1.33 is less than the minimum of 0"
    )


def test_unknown_route(data):
    path = data["arms"]
    line = edit_cell(path, "oh2018_msc", "routes", "intrathecal;oral")
    msg = message(data)
    assert msg.startswith(
        f"{path}, line {line} (arm_id 'oh2018_msc'), column 'routes': 'oral' is not one of"
    )


def test_duplicate_id(data):
    path = data["studies"]
    lines = Path(path).read_text().rstrip("\n").split("\n")
    oh = next(line for line in lines if line.startswith("oh2018\t"))
    Path(path).write_text("\n".join([*lines, oh]) + "\n")
    first = lines.index(oh) + 1
    assert message(data) == (
        f"{path}, line {len(lines) + 1}, column 'study_id': duplicate id 'oh2018' "
        f"(first used on line {first})"
    )


def test_non_numeric_cell(data):
    path = data["adverse_events"]
    line = edit_cell(path, "nabavi2019_iv_death", "n", "six")
    assert message(data) == (
        f"{path}, line {line} (ae_id 'nabavi2019_iv_death'), column 'n': "
        "'six' is not a whole number"
    )


def test_unknown_study_reference(data):
    path = data["arms"]
    line = edit_cell(path, "oh2018_msc", "study_id", "oh2019")
    assert message(data) == (
        f"{path}, line {line}, column 'study_id': unknown study_id 'oh2019' "
        "(did you mean 'oh2018'?)"
    )


def test_unknown_quote_id(data):
    path = data["adverse_events"]
    line = edit_cell(path, "nabavi2019_iv_death", "quote_id", "NAB19-Q99")
    assert message(data) == (
        f"{path}, line {line}, column 'quote_id': unknown quote id 'NAB19-Q99' "
        f"(not in {data['quotes']} or {data['extra_quotes']}) (did you mean 'NAB19-Q3'?)"
    )


def test_one_pass_lists_every_problem_with_a_suggestion(data):
    """Two bad quote ids and a bad cell in three rows: one message lists all three."""
    aes = data["adverse_events"]
    first = edit_cell(aes, "nabavi2019_iv_death", "quote_id", "NAB19-Q99")
    second = edit_cell(aes, "oh2018_msc_trsae", "quote_id", "OH81-Q1")
    efficacy = data["efficacy"]
    third = edit_cell(efficacy, "oh2018_msc_slope_change_4m", "sd", "1e999")
    # Cells first: the references are checked once every cell reads.
    assert message(data) == (
        f"{efficacy}, line {third} (eff_id 'oh2018_msc_slope_change_4m'), column 'sd': "
        "'1e999' is too large a number (it overflows to infinity)"
    )
    edit_cell(efficacy, "oh2018_msc_slope_change_4m", "sd", "")
    lines = message(data).split("\n")
    assert lines[0] == "2 problems in the input (fix them all, then run again):"
    assert lines[1].startswith(f"  {aes}, line {first}, column 'quote_id': unknown quote id")
    assert lines[2].startswith(f"  {aes}, line {second}, column 'quote_id': unknown quote id")
    assert lines[2].endswith("(did you mean 'OH18-Q1'?)")


def test_the_list_is_capped_and_counted(data, monkeypatch):
    monkeypatch.setattr(errors, "MAX_LISTED", 5)
    path = data["arms"]
    text = Path(path).read_text(encoding="utf-8").split("\n")
    header = text[0].split("\t")
    column = header.index("n_randomized")
    rows = [i for i, line in enumerate(text[1:], 1) if line]
    for i in rows:
        cells = text[i].split("\t")
        cells[column] = "-1"
        text[i] = "\t".join(cells)
    Path(path).write_text("\n".join(text), encoding="utf-8")
    lines = message(data).split("\n")
    assert lines[0] == (
        f"{len(rows)} problems in the input, the first 5 listed (fix them all, then run again):"
    )
    assert len(lines) == 1 + 5 and len(rows) > 5


def test_a_studies_table_with_no_rows_is_named(data):
    path = data["studies"]
    header = Path(path).read_text(encoding="utf-8").split("\n")[0]
    Path(path).write_text(header + "\n", encoding="utf-8")
    assert message(data) == (
        f"{path}: the table has a header but no rows (at least a study is required)"
    )


def test_percent_rows_leave_events_to_the_pipeline(data):
    path = data["adverse_events"]
    line = edit_cell(path, "sykova2017_msc_headache", "events", "8")
    assert message(data) == (
        f"{path}, line {line} (ae_id 'sykova2017_msc_headache'), column 'events': "
        "leave events empty when count_basis is 'percent': the pipeline derives it"
    )


def test_unknown_column(data):
    path = data["gaps"]
    text = Path(path).read_text().replace("reason", "reasons", 1)
    Path(path).write_text(text)
    assert message(data).startswith(f"{path}, line 1: unknown column 'reasons' (allowed: ")


def test_unknown_config_key(config):
    config["criteria"]["minimum_n"] = 5
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value).startswith(
        "config key 'criteria.minimum_n': unknown key (allowed here: "
    )


def test_bad_config_value(config):
    config["pooling"]["estimator"] = "EB"
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value) == (
        "config key 'pooling.estimator': 'EB' is not one of ['REML', 'DL', 'ML', 'PM', 'HE', 'SJ']"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            ["PLO", "OR"],
            "config key 'harmonize.continuity_correction_measures.1': 'OR' is not one "
            "of ['PLO', 'PFT', 'PAS', 'PR']",
        ),
        (
            ["PFT", "PFT"],
            "config key 'harmonize.continuity_correction_measures': ['PFT', 'PFT'] "
            "has non-unique elements",
        ),
    ],
)
def test_bad_continuity_correction_measures(config, value, expected):
    config["harmonize"]["continuity_correction_measures"] = value
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value) == expected


def test_missing_config_key(config):
    del config["criteria"]["min_n"]
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value) == "config key 'criteria.min_n': is missing"


def test_undefined_outcome(config):
    config["criteria"]["outcomes"].append("tremor")
    index = len(config["criteria"]["outcomes"]) - 1
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value).startswith(
        f"config key 'criteria.outcomes.{index}': 'tremor' is not defined in outcome_definitions"
    )


def test_shipped_configs_are_valid(config):
    schema = load_schema(SCHEMAS / "config.schema.yaml")
    check_config(config, schema)
    broad = yaml.safe_load((ROOT / "config" / "sensitivity_broad.yaml").read_text())
    merged = {**config, "criteria": {**config["criteria"], **broad["criteria"]}}
    check_config(merged, schema)


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("rate_ci_width_per_1000", [200, 50], "must be below the second"),
        ("ratio_appreciable", [1.1, 1.25], "benefit below 1 and a harm above 1"),
    ],
)
def test_bad_grade_thresholds(config, key, value, expected):
    config["grade"]["imprecision"][key] = value
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert f"grade.imprecision.{key}" in str(info.value) and expected in str(info.value)


def test_a_quote_names_a_source_of_its_trial(data):
    path = data["quotes"]
    line = edit_cell(path, "OH18-Q1", "source_ref", "[S9]")
    assert message(data) == (
        f"{path}, line {line} (quote_id 'OH18-Q1'), column 'source_ref': no source [S9] of "
        f"trial T12 in {data['sources']} (add a row: T12, [S9], what and where the source is)"
    )


def test_a_row_cites_quotes_of_its_own_trial(data):
    path = data["arms"]
    line = edit_cell(path, "oh2018_msc", "quote_id", "CUD22-Q7")
    assert message(data) == (
        f"{path}, line {line}, column 'quote_id': quote 'CUD22-Q7' is from trial T06, but "
        "study 'oh2018' is trial T12 (a row cites quotes of its own trial)"
    )
