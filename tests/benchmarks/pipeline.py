"""Time the workflow the way a user runs it: cold, then a no-op re-run.

Usage (from the repository root, with the pipeline installed):

    python tests/benchmarks/pipeline.py [--cores 4] [--repeat 3]

Copies Snakefile, config/, workflow/ and data/ to a temporary directory and runs
``snakemake --cores N`` there under /usr/bin/time, reporting wall time and peak memory
(max RSS of the largest process) for each run. Not collected by pytest: speed is
reported, not asserted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workdir import copy_project  # noqa: E402


def timed(workdir: Path, cores: int) -> tuple[float, int, str]:
    proc = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "TIME %e %M",
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            str(cores),
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, rss = re.search(r"TIME ([\d.]+) (\d+)", proc.stderr).groups()
    steps = re.findall(r"(\d+) of \d+ steps", proc.stderr)
    return float(wall), int(rss), steps[-1] if steps else "0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cold, noop = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            work = copy_project(Path(tmp))
            cold.append(timed(work, args.cores))
            noop.append(timed(work, args.cores))
    print(f"snakemake --cores {args.cores}, {args.repeat} repeats")
    print("run      jobs  wall s (median, min-max)   max RSS MB (median)")
    for name, runs in (("cold", cold), ("no-op", noop)):
        walls = [w for w, _, _ in runs]
        rss = statistics.median(r for _, r, _ in runs) / 1024
        print(
            f"{name:<8} {runs[0][2]:>4}  {statistics.median(walls):6.2f} "
            f"({min(walls):.2f}-{max(walls):.2f})          {rss:7.1f}"
        )


if __name__ == "__main__":
    main()
