"""The workflow on a real SLURM cluster: a single node started here, every job a batch job.

Runs only with ``pytest -m slurm`` (root, Debian's slurm-wlm and munge). A cluster that cannot
start is a failure, never a skip. The outputs must be byte-identical to a local run of the
same copy of the workflow."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from slurm_cluster import SlurmCluster
from workdir import copy_project

pytestmark = pytest.mark.slurm

BIN = str(Path(sys.executable).parent)
#: What a user compares: every table and the report.
COMPARED = ("results/tables/*.tsv", "results/report/report.html")


def snakemake(workdir: Path, env: dict, *args) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        env={**env, "PATH": f"{BIN}:{env['PATH']}"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.monotonic() - start
    assert proc.returncode == 0, f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc, seconds


def outputs(workdir: Path) -> dict[str, bytes]:
    files = sorted(f for pattern in COMPARED for f in workdir.glob(pattern))
    return {str(f.relative_to(workdir)): f.read_bytes() for f in files}


def test_workflow_on_slurm_matches_a_local_run(tmp_path):
    cluster_dir = tmp_path / "cluster"
    cluster_dir.mkdir(mode=0o700)
    on_cluster = copy_project(tmp_path / "on_cluster")
    local = copy_project(tmp_path / "local")

    with SlurmCluster(cluster_dir) as cluster:
        env = cluster.env()
        # The full log (profiles/full-log) lists each job and its rule; the rich console of
        # the default workflow profile does not.
        proc, seconds = snakemake(
            on_cluster,
            env,
            "--profile",
            "profiles/slurm",
            "--workflow-profile",
            "profiles/full-log",
        )
        log = proc.stdout + proc.stderr
        submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", log)
        queue = subprocess.run(
            ["squeue", "--states=all", "--noheader", "--format=%i %T"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    states = dict(line.split() for line in queue.splitlines())
    print(f"SLURM run: {len(submitted)} batch jobs in {seconds:.0f} s")
    print("\n".join(line for line in log.splitlines() if "SLURM jobid" in line))

    # Every rule that does work ran as its own batch job, and SLURM saw each one finish.
    ran = set(re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):", log, flags=re.M))
    assert {"harmonize", "select", "analyse", "tables", "forest_plots", "report"} <= ran
    assert len(submitted) >= len(ran - {"all"}), log
    assert {states.get(job) for job in submitted} == {"COMPLETED"}, queue

    _, local_seconds = snakemake(local, env, "--cores", "2")
    print(f"local run: {local_seconds:.0f} s")
    cluster_files, local_files = outputs(on_cluster), outputs(local)
    assert "results/report/report.html" in local_files
    assert len(local_files) > 10
    assert cluster_files.keys() == local_files.keys()
    differ = [name for name in local_files if cluster_files[name] != local_files[name]]
    assert not differ, f"differ between the SLURM and the local run: {differ}"
