"""data/grade_judgements.tsv (alsmeta.io.grade_judgements): the shipped table reads, and a
bad row stops the run with one line naming the file, the line and the column."""

from pathlib import Path

import pytest

from alsmeta.io.errors import InputError
from alsmeta.io.grade_judgements import read_judgements

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow/schemas/grade_judgements.schema.yaml"
HEADER = "outcome\tdomain\tjudgement\treason\tsource\n"
GOOD = "death\trisk_of_bias\tnot_serious\tdeath is measured without bias\tpanel, 2026\n"


def _read(tmp_path, text, outcomes=("death", "responders")):
    path = tmp_path / "grade_judgements.tsv"
    path.write_text(HEADER + text)
    return read_judgements(path, SCHEMA, outcomes)


def _message(tmp_path, text) -> str:
    with pytest.raises(InputError) as error:
        _read(tmp_path, text)
    return str(error.value).replace(str(tmp_path) + "/", "")


def test_the_shipped_table_reads_and_names_its_lines(config):
    rows = read_judgements(
        ROOT / config["grade"]["judgements"], SCHEMA, config["outcome_definitions"]
    )
    assert rows and all(r["reason"] and r["source"] for r in rows)
    responders = next(r for r in rows if r["outcome"] == "responders_vs_control")
    assert (responders["domain"], responders["judgement"]) == ("indirectness_outcome", "serious")
    assert rows[0]["line"] == 2


def test_a_row_is_read_with_its_line(tmp_path):
    (row,) = _read(tmp_path, GOOD)
    assert row == {
        "outcome": "death",
        "domain": "risk_of_bias",
        "judgement": "not_serious",
        "reason": "death is measured without bias",
        "source": "panel, 2026",
        "line": 2,
    }


def test_an_unknown_outcome(tmp_path):
    assert _message(tmp_path, GOOD.replace("death", "deaths", 1)) == (
        "grade_judgements.tsv, line 2, column 'outcome': unknown outcome 'deaths' (not in "
        "config outcome_definitions)"
    )


def test_an_unknown_domain(tmp_path):
    message = _message(tmp_path, GOOD.replace("risk_of_bias", "bias"))
    assert message.startswith("grade_judgements.tsv, line 2 (outcome 'death'), column 'domain'")


def test_a_judgement_that_does_not_fit_its_domain(tmp_path):
    assert _message(tmp_path, GOOD.replace("risk_of_bias", "large_effect")) == (
        "grade_judgements.tsv, line 2, column 'judgement': 'not_serious' does not fit domain "
        "'large_effect' (one of no_upgrade, upgrade_one, upgrade_two)"
    )


def test_two_judgements_on_one_domain(tmp_path):
    assert _message(tmp_path, GOOD + GOOD) == (
        "grade_judgements.tsv, line 3, column 'domain': a second 'risk_of_bias' judgement "
        "for 'death' (first on line 2)"
    )


def test_a_judgement_without_its_source(tmp_path):
    message = _message(tmp_path, GOOD.replace("\tpanel, 2026", "\t"))
    assert message == (
        "grade_judgements.tsv, line 2 (outcome 'death'), column 'source': a value is required"
    )
