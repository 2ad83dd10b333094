"""The parse-time input check runs once per state of its inputs (alsmeta.io.input_checks):
skipped only when every byte it reads is what a passing check read, run again otherwise,
and never recorded when it fails."""

import pathlib
import shutil

import pytest
from badinput import ROOT, edit_cell, shipped_config

from alsmeta.io import input_checks
from alsmeta.io.errors import InputError


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with data/ and workflow/schemas/ as the workflow sees them (the current
    directory), and a counter of the checks that really ran."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "workflow" / "schemas", tmp_path / "workflow" / "schemas")
    monkeypatch.chdir(tmp_path)
    ran = []
    check = input_checks.check_inputs

    def counted(*args):
        ran.append(args)
        check(*args)

    monkeypatch.setattr(input_checks, "check_inputs", counted)
    return tmp_path, ran


def check(root, config=None):
    input_checks.check_inputs_once(config or shipped_config(), root, "workflow/schemas")


def test_a_passed_check_is_not_repeated_for_the_same_inputs(project):
    root, ran = project
    check(root)
    check(root)
    assert len(ran) == 1
    assert input_checks.RECORD.read_text().split() == [
        input_checks.fingerprint(shipped_config(), root, "workflow/schemas")
    ]


def test_a_changed_cell_is_checked_again_and_a_failure_is_not_recorded(project):
    root, ran = project
    check(root)
    recorded = input_checks.RECORD.read_text()
    original = (root / "data/arms.tsv").read_bytes()
    edit_cell(root / "data/arms.tsv", "oh2018_msc", "n_randomized", "-33")
    with pytest.raises(InputError, match="-33 is less than the minimum of 1"):
        check(root)
    assert input_checks.RECORD.read_text() == recorded
    with pytest.raises(InputError):  # still refused: the failure left no record
        check(root)
    (root / "data/arms.tsv").write_bytes(original)
    check(root)  # the bytes that passed before
    assert len(ran) == 3


@pytest.mark.parametrize(
    "change",
    [
        lambda root, config: config["criteria"].update(min_n=10),
        lambda root, config: (root / "workflow/schemas/arms.schema.yaml").write_text(
            (root / "workflow/schemas/arms.schema.yaml").read_text() + "\n"
        ),
        lambda root, config: (root / "data/gaps.tsv").write_bytes(
            (root / "data/gaps.tsv").read_bytes() + b"\n"
        ),
    ],
    ids=["config", "schema", "data"],
)
def test_any_change_to_what_the_check_reads_runs_it_again(project, change):
    root, ran = project
    config = shipped_config()
    check(root, config)
    change(root, config)
    check(root, config)
    assert len(ran) == 2


def test_a_refused_data_path_is_not_read_for_the_fingerprint(
    project, tmp_path_factory, monkeypatch
):
    root, ran = project
    outside = tmp_path_factory.mktemp("outside") / "quotes.tsv"
    outside.write_text("quote_id\n")
    read = []
    read_bytes = pathlib.Path.read_bytes
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda p: read.append(p) or read_bytes(p))
    config = shipped_config()
    config["data"]["quotes"] = str(outside)
    assert input_checks.fingerprint(config, root, "workflow/schemas") is None
    with pytest.raises(InputError, match="is outside the repository"):
        check(root, config)
    assert read == []
