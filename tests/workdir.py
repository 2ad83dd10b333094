"""A runnable copy of the workflow in a scratch directory (for end-to-end tests and benchmarks)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_project(target: Path) -> Path:
    """Copy Snakefile, config/, profiles/, workflow/ and data/ to ``target``; results/ starts
    empty. The copy runs its own workflow/alsmeta (the Snakefile puts it first on the path)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "Snakefile", target / "Snakefile")
    for folder in ("config", "profiles", "workflow", "data"):
        shutil.copytree(
            ROOT / folder,
            target / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )
    return target
