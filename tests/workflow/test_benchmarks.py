"""Every script under tests/benchmarks/ runs, at a smoke size, so that none can rot unseen.

Each script is run as a user runs it (a subprocess from the repository root) and must exit
0: a benchmark that cannot run fails here. Nothing about time is asserted; the numbers are
for people (the scripts' docstrings give the full-size commands and targets). The R script
(figures_metafor.R, measurement b of pipeline.py; the metafor loop of engine.py) runs only
where Rscript is installed; without it, each script must say so in its output.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workdir import ROOT

BENCHMARKS = ROOT / "tests" / "benchmarks"
HAS_R = shutil.which("Rscript") is not None


def bench(script: str, *args: str, cwd: Path = ROOT, env: dict | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert proc.returncode == 0, (
        f"{script} {' '.join(args)} could not run (exit {proc.returncode}):\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc.stdout + proc.stderr


def test_every_benchmark_script_is_run_here():
    scripts = {p.name for p in BENCHMARKS.iterdir() if p.suffix in (".py", ".R")}
    # figures_metafor.R runs inside pipeline.py (measurement b).
    assert scripts == {"bayes_run.py", "engine.py", "pipeline.py", "scale.py", "figures_metafor.R"}


@pytest.fixture(scope="module")
def scale_run(tmp_path_factory):
    """scale.py at 30 studies, its scratch copy kept for bayes_run.py."""
    keep = tmp_path_factory.mktemp("scale")
    out = bench("scale.py", "--sizes", "30", "--keep", str(keep))
    return out, keep / "studies_30"


def test_scale_benchmark_runs_at_30_studies(scale_run):
    out, _ = scale_run
    assert "ok" in out.split("wall/st, CPU/st")[0]


def test_bayes_run_benchmark_runs_on_a_finished_run(scale_run):
    _, work = scale_run
    env = {**os.environ, "PYTHONPATH": str(work / "workflow")}
    out = bench("bayes_run.py", "--repeat", "1", cwd=work, env=env)
    assert "outcomes" in out


def test_engine_benchmark_runs_small():
    out = bench(
        "engine.py",
        *("--analyses", "100", "--k", "5", "--repeat", "1"),
        *("--binomial-analyses", "5", "--binomial-k", "5"),
    )
    if not HAS_R:
        assert "metafor loop: not run (Rscript not found" in out


def test_pipeline_benchmark_runs_each_measurement_once():
    # Measurement d excludes one study (Nabavi 2019, in one outcome), not two: two cold runs
    # fewer, eight in all.
    out = bench("pipeline.py", "--cores", "2", "--repeat", "1", "--swap-studies", "nabavi2019")
    if not HAS_R:
        assert "b  NOT RUN: Rscript not found" in out
