"""End to end: the real workflow in a temporary copy, judged by what a user looks at."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from workdir import copy_project

from alsmeta.tsv import read_tsv

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
OUTCOMES = CONFIG["criteria"]["outcomes"]
ALL_JOBS = {
    "harmonize",
    "pool",
    "sensitivity",
    "variants",
    "data_quality",
    "forest",
    "report",
    "all",
}


def run(workdir: Path, *args, check=True):
    proc = subprocess.run(
        [*SNAKEMAKE, "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def jobs_run(proc) -> set[str]:
    """Names of the rules whose jobs a run executed (from Snakemake's log)."""
    return set(re.findall(r"^(?:local)?rule (\w+):$", proc.stdout + proc.stderr, re.M))


def digest(workdir: Path) -> dict[str, str]:
    results = workdir / "results"
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("run1"))
    first = run(workdir)
    return workdir, first, digest(workdir)


def test_cold_run_makes_every_output(project):
    workdir, first, _ = project
    assert jobs_run(first) == ALL_JOBS
    for outcome in OUTCOMES:
        for ext in ("svg", "png", "pdf"):
            assert (workdir / f"results/figures/forest_{outcome}.{ext}").stat().st_size > 1000
    for name in (
        "effects/effects.tsv",
        "tables/inclusion.tsv",
        "tables/pooled.tsv",
        "tables/variants.tsv",
        "tables/data_quality_studies.tsv",
        "tables/data_quality_outcomes.tsv",
        "tables/known_gaps.tsv",
        "report/report.html",
    ):
        assert (workdir / "results" / name).stat().st_size > 0
    assert (workdir / "results/logs/harmonize.log").read_text().strip().endswith("INFO done")


def test_pooled_table_holds_the_headline_results(project):
    workdir, _, _ = project
    pooled = {
        (r["outcome"], r["subgroup_variable"], r["subgroup_level"]): r
        for r in read_tsv(workdir / "results/tables/pooled.tsv")
    }
    sae = pooled[("serious_ae", "overall", "all")]
    assert (sae["status"], sae["k"], sae["n_total"]) == ("pooled", 7, 262)
    assert 0 < sae["ci_lower"] < sae["estimate"] < sae["ci_upper"] < 1
    assert sae["pi_lower"] <= sae["ci_lower"] and sae["pi_upper"] >= sae["ci_upper"]
    # AE rates default to the binomial-normal GLMM, which reports its quadrature check.
    assert sae["method"] == "binomial-normal GLMM" and sae["q"] is None
    assert "adaptive Gauss-Hermite (101 points); 203-point check" in sae["note"]
    death = pooled[("death", "overall", "all")]
    assert (death["status"], death["k"], death["n_total"]) == ("pooled", 2, 101)
    # Subgroup rows carry both tests for subgroup differences.
    route = pooled[("serious_ae", "route", "intrathecal")]
    assert route["q_between_df"] == 1 and route["qm_test"] == "F (Knapp-Hartung), REML"
    slope = pooled[("slope_change", "overall", "all")]
    assert (slope["status"], slope["k"]) == ("not_pooled", 1)
    assert slope["reason"] == "k = 1: at least 2 studies are needed to estimate tau^2"


def test_report_shows_every_section(project):
    workdir, _, _ = project
    html = (workdir / "results/report/report.html").read_text()
    for section in ("id='run'", "id='inclusion'", "id='pooled'", "id='forest'", "id='provenance'"):
        assert section in html
    assert html.count("<svg") == len(OUTCOMES)
    assert "pymare" in html and "snakemake" in html
    assert "[SYK17-Q1]" in html and "events = round(30% x 26 = 7.8) = 8" in html
    assert "src=" not in html  # self-contained: no external resources


def test_sensitivity_and_data_quality_tables(project):
    workdir, _, _ = project
    tables = workdir / "results/tables"
    sensitivity = {(r["outcome"], r["variant"]): r for r in read_tsv(tables / "variants.tsv")}
    for outcome in OUTCOMES:
        assert sensitivity[(outcome, "main")]["differs_from_main"] is False
        assert (outcome, "plus_secondary") in sensitivity
    erratum = sensitivity[("alsfrs_change_vs_control", "pre_erratum_admitted")]
    assert (erratum["status"], erratum["k"]) == ("pooled", 2)
    outcomes = {r["outcome"]: r for r in read_tsv(tables / "data_quality_outcomes.tsv")}
    pooled = {
        r["outcome"]: r
        for r in read_tsv(tables / "pooled.tsv")
        if r["subgroup_variable"] == "overall"
    }
    for outcome in OUTCOMES:
        assert outcomes[outcome]["k_main"] == pooled[outcome]["k"], outcome
        assert outcomes[outcome]["n_main"] == pooled[outcome]["n_total"], outcome
    studies = read_tsv(tables / "data_quality_studies.tsv")
    inclusion = read_tsv(tables / "inclusion.tsv")
    assert {r["study_id"] for r in studies} == {r["study_id"] for r in inclusion}


def test_an_unknown_conflict_version_stops_before_any_job(project):
    workdir, _, _ = project
    before = digest(workdir)
    config = workdir / "config/config.yaml"
    original = config.read_text()
    try:
        config.write_text(original.replace("oh2018_msc_n: paper", "oh2018_msc_n: press"))
        proc = run(workdir, check=False)
    finally:
        config.write_text(original)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "Input error: config key 'criteria.conflict_versions.oh2018_msc_n': 'press' is not a "
        "version of this conflict (paper, mnd_association)"
    ]
    assert digest(workdir) == before


def test_second_run_has_nothing_to_do(project):
    workdir, _, _ = project
    proc = run(workdir)
    assert "Nothing to be done" in proc.stdout + proc.stderr
    assert jobs_run(proc) == set()


def test_same_inputs_give_identical_outputs(project, tmp_path):
    _, _, first = project
    workdir = copy_project(tmp_path / "run2")
    run(workdir)
    assert digest(workdir) == first


def test_bad_input_stops_with_one_line_and_leaves_results(project):
    workdir, _, _ = project
    before = digest(workdir)
    arms = workdir / "data/arms.tsv"
    original = arms.read_text()
    try:
        lines = original.split("\n")
        number = next(i for i, line in enumerate(lines) if line.startswith("oh2018_msc\t"))
        header = lines[0].split("\t")
        cells = lines[number].split("\t")
        cells[header.index("n_randomized")] = "-33"
        lines[number] = "\t".join(cells)
        arms.write_text("\n".join(lines))
        proc = run(workdir, check=False)
    finally:
        arms.write_text(original)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"Input error: data/arms.tsv, line {number + 1} (arm_id 'oh2018_msc'), "
        "column 'n_randomized': -33 is less than the minimum of 1"
    ]
    assert digest(workdir) == before


def test_changed_criterion_reruns_only_what_depends_on_it(project):
    workdir, _, _ = project
    config = workdir / "config/config.yaml"
    original = config.read_text()
    effects = workdir / "results/effects/effects.tsv"
    effects_mtime = effects.stat().st_mtime_ns
    try:
        config.write_text(original.replace("  min_n: 5\n", "  min_n: 10\n"))
        proc = run(workdir)
        assert jobs_run(proc) == ALL_JOBS - {"harmonize"}
        assert effects.stat().st_mtime_ns == effects_mtime
        oh2015 = next(
            r
            for r in read_tsv(workdir / "results/tables/inclusion.tsv")
            if r["effect_id"] == "oh2015_msc_sae"
        )
        assert oh2015["reasons"] == "n = 7 < criteria.min_n = 10"
    finally:
        config.write_text(original)
    # Back to the original criteria: the selection re-runs, harmonize still does not.
    assert "harmonize" not in jobs_run(run(workdir))


def test_changed_harmonization_reruns_harmonize(project):
    workdir, _, _ = project
    proc = run(workdir, "--config", "harmonize={continuity_correction_to: all}")
    assert jobs_run(proc) == ALL_JOBS
    effects = {e["effect_id"]: e for e in read_tsv(workdir / "results/effects/effects.tsv")}
    assert effects["sykova2017_msc_headache"]["continuity_added"] == 0.5
    run(workdir)  # restore the default outputs for the tests that follow


def test_sensitivity_config_pools_headache_and_slope_change(project):
    workdir, _, _ = project
    proc = run(workdir, "--configfile", "config/sensitivity_broad.yaml")
    assert "harmonize" not in jobs_run(proc)
    pooled = {
        (r["outcome"], r["subgroup_variable"]): r
        for r in read_tsv(workdir / "results/tables/pooled.tsv")
        if r["subgroup_variable"] == "overall"
    }
    headache = pooled[("headache", "overall")]
    assert (headache["status"], headache["k"], headache["n_total"]) == ("pooled", 2, 69)
    slope = pooled[("slope_change", "overall")]
    assert (slope["status"], slope["k"], slope["k_n_unreported"]) == ("pooled", 2, 1)
    # Studies are listed by year.
    assert slope["effect_ids"] == "petrou2016_it_pooled_pre_post_6m;oh2018_msc_slope_change_4m"
