"""docs/adding_a_trial.md, applied as printed to a copy of the repository: the rows it
shows are valid, the mistake it shows gives the message it quotes, and the selection step
includes the trial where the page says."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from workdir import copy_project

from alsmeta.io.tsv import read_tsv

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "adding_a_trial.md").read_text(encoding="utf-8")
#: (file, rows) of every ```tsv data/<table>.tsv block of the page, in order.
BLOCKS = re.findall(r"^```tsv (data/\w+\.tsv)\n(.*?)^```$", DOC, re.M | re.S)
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]


def append(workdir: Path, blocks) -> None:
    for name, rows in blocks:
        path = workdir / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + rows, encoding="utf-8")


def snakemake(workdir: Path, *args):
    return subprocess.run(
        [*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, timeout=900
    )


@pytest.fixture
def workdir(tmp_path):
    return copy_project(tmp_path / "clone")


def test_the_page_adds_six_files_of_one_two_arm_trial():
    assert [name for name, _ in BLOCKS] == [
        "data/sources.tsv",
        "data/quotes.tsv",
        "data/studies.tsv",
        "data/arms.tsv",
        "data/adverse_events.tsv",
        "data/efficacy.tsv",
    ]
    arms = dict(BLOCKS)["data/arms.tsv"].splitlines()
    assert [row.split("\t")[2] for row in arms] == ["msc", "control"]


def test_the_mistake_the_page_shows_gives_the_message_it_quotes(workdir):
    typo = [
        (name, rows.replace("\texample2026\t", "\texampel2026\t", 1))
        if name == "data/arms.tsv"
        else (name, rows)
        for name, rows in BLOCKS
    ]
    append(workdir, typo)
    proc = snakemake(workdir, "-n")
    assert proc.returncode == 1
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("Input error:")]
    arms = (workdir / "data/arms.tsv").read_text(encoding="utf-8").splitlines()
    number = next(i for i, row in enumerate(arms, 1) if "\texampel2026\t" in row)
    assert line == (
        f"Input error: data/arms.tsv, line {number}, column 'study_id': unknown study_id "
        "'exampel2026' (did you mean 'example2026'?)"
    )
    # The page quotes the same message, line number included (the first row appended to
    # the shipped arms.tsv): a row added to data/arms.tsv means the page needs updating.
    assert DOC.count(f"    {line}\n") == 1


def test_the_selection_includes_the_trial_where_the_page_says(workdir):
    append(workdir, BLOCKS)
    proc = snakemake(workdir, "results/selection/figures.json")
    assert proc.returncode == 0, proc.stderr
    rows = [r for r in read_tsv(workdir / "results/tables/inclusion.tsv")]
    decisions = {
        (r["outcome"], r["arm_id"]): (r["decision"], r["reason_codes"])
        for r in rows
        if r["study_id"] == "example2026" and r["arm_id"]
    }
    assert decisions[("serious_ae_vs_control", "example2026_msc")][0] == "included"
    assert decisions[("slope_change_vs_control", "example2026_msc")][0] == "included"
    assert decisions[("serious_ae", "example2026_msc")][0] == "included"
    assert decisions[("serious_ae", "example2026_placebo")] == ("excluded", "control_arm")
    for outcome in ("serious_ae_vs_control", "slope_change_vs_control", "serious_ae"):
        assert re.search(rf"^    {outcome} +example2026  included", DOC, re.M), outcome
