"""What a user sees and shares after a run with the default profile (profiles/default):
a short console, one line per finished step, ending with the report's name, outputs
colleagues can open, no figure of a format the config no longer asks for, and one line when
the disk is full."""

import os
import re
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from workdir import copy_project

from alsmeta.io.tsv import read_tsv

SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]


def run(workdir: Path, *args, file_size_limit: int | None = None):
    """Snakemake with the default profile, under umask 022 (a shared server's default)."""

    def limits():
        os.umask(0o022)
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        [*SNAKEMAKE, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=limits,
    )


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("console"))
    proc = run(workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return workdir, proc


def test_a_cold_run_prints_a_short_log_ending_with_the_report(cold):
    workdir, proc = cold
    lines = (proc.stdout + proc.stderr).rstrip().splitlines()
    assert len(lines) <= 60, "\n".join(lines)
    assert max(len(line) for line in lines) <= 300
    assert not any("reason:" in line or "input:" in line for line in lines)
    # One line per finished step: every job writes one log, and a cold run runs them all.
    steps = [line for line in lines if re.fullmatch(r" *\d+ done  .+  \(\d+\.\d s\)", line)]
    jobs = list((workdir / "results/logs").rglob("*.log"))
    assert [int(line.split()[0]) for line in steps] == list(range(1, len(jobs) + 1))
    assert sum(" done  report  (" in line for line in steps) == 1
    overall = [
        r
        for r in read_tsv(workdir / "results/tables/pooled.tsv")
        if r["subgroup_variable"] == "overall"
    ]
    pooled = sum(r["status"] == "pooled" for r in overall)
    assert 0 < pooled < len(overall)
    assert lines[-1] == (
        f"Report: results/report/report.html ({pooled} of {len(overall)} outcomes pooled)"
    )


def test_every_output_is_readable_by_colleagues_under_umask_022(cold):
    workdir, _ = cold
    outputs = [p for p in (workdir / "results").rglob("*") if p.is_file()]
    assert len(outputs) > 50
    modes = {str(p.relative_to(workdir)): stat.S_IMODE(p.stat().st_mode) for p in outputs}
    assert {path: mode for path, mode in modes.items() if mode != 0o644} == {}


def test_no_figure_of_a_format_no_longer_asked_for_is_left(cold):
    workdir, _ = cold
    figures = workdir / "results/figures"
    proc = run(workdir, "--config", "figures={formats: [svg, png]}")
    assert proc.returncode == 0, proc.stderr
    svgs = sorted(p.stem for p in figures.glob("*.svg"))
    assert sorted(p.stem for p in figures.glob("*.png")) == svgs
    assert (figures / "formats.txt").read_text() == "svg\npng\n"
    proc = run(workdir)  # back to the shipped figures.formats: [svg]
    assert proc.returncode == 0, proc.stderr
    assert list(figures.glob("*.png")) == []
    assert sorted(p.stem for p in figures.glob("*.svg")) == svgs
    assert (figures / "formats.txt").read_text() == "svg\n"
    log = (workdir / "results/logs/figure_formats.log").read_text()
    assert f"INFO removed results/figures/{svgs[0]}.png (figures.formats is svg)" in log


def test_a_write_failure_prints_one_line_and_no_snakemake_block(cold):
    """A file larger than the process may write (ulimit -f, as a full disk would: the
    write fails) while the report is rewritten: the job's one line ends the console."""
    workdir, _ = cold
    before = _contents(workdir / "results")
    code = workdir / "workflow/alsmeta/jobs/report.py"
    original = code.read_text()
    code.write_text(original + "\n# edited: the report job re-runs\n")
    try:
        proc = run(workdir, file_size_limit=1_000_000)
    finally:
        code.write_text(original)
    assert proc.returncode == 1
    lines = proc.stderr.rstrip().splitlines()
    assert lines[-1] == (
        "Output error: results/report/report.html: cannot be written: the file exceeds the "
        "size limit set for this process (ulimit -f) (nothing was written)"
    )
    assert sum(line.startswith("Output error:") for line in lines) == 1
    for block in ("Traceback", "RuleException", "Error in rule", "WorkflowError", "Exiting"):
        assert block not in proc.stderr
    # Every other file is as it was. Snakemake removes the failed job's own output (it
    # does so before any job runs, and after a failure "since they might be corrupted"), so
    # no report older than its inputs is left looking current, and none is damaged.
    after = _contents(workdir / "results")
    assert set(before) - set(after) == {"report/report.html"}
    assert set(after) <= set(before)
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {"logs/report.log"}
    assert list((workdir / "results").rglob(".*.tmp")) == []


def _contents(results: Path) -> dict:
    return {str(p.relative_to(results)): p.read_bytes() for p in results.rglob("*") if p.is_file()}
