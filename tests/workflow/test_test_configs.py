"""The three-study evidence base of .test/ (the configuration CI runs besides the default;
the broad sensitivity configuration runs in test_workflow.py) is what it says, and runs to
the report."""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from workdir import copy_project

from alsmeta.io.tsv import read_tsv

ROOT = Path(__file__).resolve().parents[2]
TEST_CONFIG = ".test/config/config.yaml"
#: The studies the test configuration keeps (its comment names them).
THREE = {"cudkowicz2022", "oh2018", "petrou2021"}


def test_the_test_config_keeps_three_studies_of_the_shipped_data():
    excluded = yaml.safe_load((ROOT / TEST_CONFIG).read_text())["criteria"]["exclude_studies"]
    with open(ROOT / "data/studies.tsv", encoding="utf-8", newline="") as handle:
        studies = {row["study_id"] for row in csv.DictReader(handle, delimiter="\t")}
    assert set(excluded) <= studies, set(excluded) - studies
    assert studies - set(excluded) == THREE, (
        f"{TEST_CONFIG}: add the new studies to criteria.exclude_studies"
    )


def test_the_three_study_run_reaches_the_report(tmp_path):
    workdir = copy_project(tmp_path / "three")
    shutil.copytree(ROOT / ".test", workdir / ".test")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", TEST_CONFIG],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (workdir / "results/report/report.html").stat().st_size > 0
    inclusion = read_tsv(workdir / "results/tables/inclusion.tsv")
    assert {r["study_id"] for r in inclusion if r["decision"] == "included"} == THREE
    pooled = read_tsv(workdir / "results/tables/pooled.tsv")
    overall = {r["outcome"]: r for r in pooled if r["subgroup_variable"] == "overall"}
    assert overall["serious_ae_any_definition"]["k"] == 3
    loo = read_tsv(workdir / "results/tables/leave_one_out.tsv")
    assert len([r for r in loo if r["outcome"] == "serious_ae_any_definition"]) == 3
