"""The package modules a workflow script runs, found from its import statements.

Snakemake re-runs a job when one of its inputs is newer than its outputs. A script's own
file is tracked, but the package modules it imports are not, unless they are inputs of
its rule. :func:`code_inputs` reads the script and every module it reaches with
:mod:`ast` (imports inside functions included, nothing executed) and returns the files
of all ``alsmeta`` modules it imports, transitively, so a rule's code inputs cannot
drift from what its script really runs. Only the standard library is imported: this
runs every time the workflow is parsed, a no-op run included, so each file is scanned
once, with a regular expression for import statements (imports inside functions
included, nothing executed). A line in a docstring that reads like an import adds an
input, never removes one; tests/test_layout.py checks the result against what the jobs
import at run time.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path


@cache
def _module_file(package_dir: Path, module: str) -> Path | None:
    """The file of ``alsmeta.x.y`` under ``package_dir`` (the ``alsmeta`` folder)."""
    parts = module.split(".")[1:]
    base = package_dir.joinpath(*parts)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


_FROM = re.compile(
    r"^[ \t]*from[ \t]+(alsmeta(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M
)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+(alsmeta(?:\.\w+)*)", re.M)


@cache
def _imported(path: Path) -> frozenset[str]:
    """Every ``alsmeta...`` module an import statement in ``path`` names."""
    text = path.read_text(encoding="utf-8")
    names = set(_IMPORT.findall(text))
    for module, imported in _FROM.findall(text):
        names.add(module)
        # `from alsmeta.figures import style` imports the module alsmeta.figures.style
        for name in re.findall(r"\w+(?:[ \t]+as[ \t]+\w+)?", re.sub(r"#[^\n]*", "", imported)):
            names.add(f"{module}.{name.split()[0]}")
    return frozenset(names)


def _with_parents(module: str) -> list[str]:
    """``alsmeta.a.b`` -> [alsmeta, alsmeta.a, alsmeta.a.b]: importing runs each __init__."""
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@cache
def _closure(script: Path, package_dir: Path) -> tuple[str, ...]:
    seen: dict[str, Path] = {}
    todo = [script]
    while todo:
        path = todo.pop()
        for name in _imported(path):
            for module in _with_parents(name):
                if module in seen:
                    continue
                found = _module_file(package_dir, module)
                if found is None:  # a name imported from a module, not a module
                    continue
                seen[module] = found
                todo.append(found)
    return tuple(sorted(str(p) for p in seen.values()))


def code_inputs(script: str | Path, package_dir: str | Path = "workflow/alsmeta") -> list[str]:
    """Files of every package module ``script`` imports, directly or through other modules."""
    return list(_closure(Path(script), Path(package_dir)))
