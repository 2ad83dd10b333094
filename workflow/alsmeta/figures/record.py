"""Figures of record: the committed copies of the main figures, kept identical to the pipeline's.

``docs/figures/<name>.svg`` are committed and shown in the README. CI regenerates them
(``results/figures/<name>.svg``) and fails, naming the figure and showing how its text
changed, if any differs by a byte. Refresh them after an intended change with one command::

    python -m alsmeta.figures.record --refresh

Both commands first run Snakemake for the figures (nothing to do when they are up to date),
always with the repository's own configuration. ``--refresh`` also updates the PNG renderings
under ``docs/images/`` (illustrations for readers; not byte-checked, since PNG bytes depend
on Pillow's zlib).

SVG is the format of record: matplotlib writes it in Python, laid out with its own DejaVu
Sans (text kept as text, in that font), so the pinned matplotlib gives the same bytes on
every machine.
"""

from __future__ import annotations

import argparse
import difflib
import html
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FIGURES = (
    "forest_serious_ae",
    "forest_death",
    "forest_slope_change_vs_control",
    "prisma",
)
RENDERINGS = ("forest_serious_ae", "forest_slope_change_vs_control", "prisma")
RECORD_DIR = Path("docs/figures")
RENDER_DIR = Path("docs/images")
REFRESH = "python -m alsmeta.figures.record --refresh"


@dataclass(frozen=True)
class Change:
    name: str
    committed: Path
    regenerated: Path
    what: str  # 'missing', 'changed' or 'stale'
    detail: list


def shown_text(svg: bytes) -> list[str]:
    """The text a figure shows, from its SVG metadata (one string per line)."""
    found = re.search(rb"<dc:description>(.*?)</dc:description>", svg, re.S)
    return html.unescape(found.group(1).decode("utf-8")).split("\n") if found else []


def _first_difference(a: bytes, b: bytes) -> str:
    lines_a, lines_b = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
        if x != y:
            return f"first difference on line {i} of the SVG"
    return f"the files differ in length ({len(lines_a)} vs {len(lines_b)} lines)"


def compare(root: Path) -> list[Change]:
    """Every figure of record whose committed copy differs from the regenerated one."""
    changes = []
    for name in FIGURES:
        committed = root / RECORD_DIR / f"{name}.svg"
        regenerated = root / "results" / "figures" / f"{name}.svg"
        new = regenerated.read_bytes()
        if not committed.exists():
            changes.append(Change(name, committed, regenerated, "missing", []))
            continue
        old = committed.read_bytes()
        if old == new:
            continue
        diff = [
            f"{line[0]} {line[1:]}"
            for line in difflib.unified_diff(shown_text(old), shown_text(new), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        detail = diff[:24] or [f"same text, drawing changed: {_first_difference(old, new)}"]
        changes.append(Change(name, committed, regenerated, "changed", detail))
    known = {f"{name}.svg" for name in FIGURES}
    for extra in sorted((root / RECORD_DIR).glob("*.svg")):
        if extra.name not in known:
            changes.append(Change(extra.stem, extra, extra, "stale", []))
    return changes


def build(root: Path, targets: list[str], cores: int, *extra: str) -> None:
    """Bring the targets up to date with the repository's configuration."""
    command = [sys.executable, "-m", "snakemake", *targets, "--cores", str(cores), *extra]
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(
            f"snakemake failed while building the figures of record (exit {proc.returncode})"
        )


def refresh(root: Path) -> list[str]:
    """Copy the regenerated figures (and PNG renderings) into docs/; remove stale ones."""
    written = []
    (root / RECORD_DIR).mkdir(parents=True, exist_ok=True)
    (root / RENDER_DIR).mkdir(parents=True, exist_ok=True)
    for change in compare(root):
        if change.what == "stale":
            change.committed.unlink()
            written.append(f"removed {change.committed.relative_to(root)}")
    for folder, names, ext in ((RECORD_DIR, FIGURES, "svg"), (RENDER_DIR, RENDERINGS, "png")):
        for name in names:
            target = root / folder / f"{name}.{ext}"
            source = root / "results" / "figures" / f"{name}.{ext}"
            if not target.exists() or target.read_bytes() != source.read_bytes():
                shutil.copyfile(source, target)
                written.append(f"updated {target.relative_to(root)}")
    return written


def report(changes: list[Change], root: Path) -> str:
    lines = [
        f"figures of record: {len(changes)} of {len(FIGURES)} differ from the pipeline's output"
    ]
    for c in changes:
        rel = c.committed.relative_to(root)
        if c.what == "missing":
            lines.append(f"  {rel}: missing (new figure of record)")
        elif c.what == "stale":
            lines.append(f"  {rel}: no longer a figure of record (remove it)")
        else:
            lines.append(f"  {rel}: CHANGED (regenerated: {c.regenerated.relative_to(root)})")
            lines.append("    text shown in the figure, committed (-) vs regenerated (+):")
            lines += [f"      {d}" for d in c.detail]
    lines.append("If the change is intended, refresh the committed copies and commit them:")
    lines.append(f"    {REFRESH}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="update docs/ from the pipeline")
    parser.add_argument("--no-build", action="store_true", help="compare results/ as they are")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "Snakefile").exists():
        parser.error(f"{root} is not the repository root (no Snakefile); use --root")
    if not args.no_build:
        targets = [f"results/figures/{n}.svg" for n in FIGURES]
        extra = []
        if args.refresh:  # the renderings need PNG, which the default formats leave out
            targets += [f"results/figures/{n}.png" for n in RENDERINGS]
            extra = ["--config", "figures={formats: [svg, png]}"]
        build(root, targets, args.cores, *extra)
    if args.refresh:
        written = refresh(root)
        print("\n".join(written) if written else "figures of record: already up to date")
        return 0
    changes = compare(root)
    if changes:
        print(report(changes, root), file=sys.stderr)
        return 1
    print(f"figures of record: all {len(FIGURES)} match the pipeline's output ({RECORD_DIR}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
