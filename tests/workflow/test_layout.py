"""The package's layout, checked against what the code does.

1. Imports go one way. The stages of workflow/alsmeta, lowest first, are LAYERS: a module may
   import from its own stage or a lower one only, and alsmeta/__init__.py imports nothing. Every
   import is read with ast, those inside functions included, so a lazy import cannot hide an
   upward one; a relative import, or a dynamic one whose target cannot be read, is refused,
   so that nothing escapes the check.
2. A rule's code inputs cover the code its job runs. The rules declare the job module and the
   package modules it imports as inputs (job_code in workflow/rules/common.smk, which uses
   alsmeta.io.code_inputs), so that editing a module re-runs the jobs that run it. This is
   checked without that function: what a job imports when it runs (a subprocess imports the job
   module and then executes every alsmeta import held in the body of a function of a loaded
   module, until nothing new loads) must be among the inputs that Snakemake recorded for the
   job's outputs (.snakemake/metadata) after a real run of the workflow in a scratch copy.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from workdir import copy_project

from alsmeta.report.browser import find_chromium

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflow" / "alsmeta"
#: The stages of the package, lowest first; alsmeta.kinds, the registry of outcome kinds that
#: every stage reads, is the bottom (it imports only the standard library).
LAYERS = ("kinds", "io", "stats", "effects", "selection", "analysis", "figures", "report", "jobs")
JOBS = sorted(p.stem for p in (PACKAGE / "jobs").glob("*.py") if p.stem != "__init__")
DYNAMIC_IMPORTERS = {"import_module", "__import__"}


# --- 1. the direction of imports ---------------------------------------------------------


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """workflow/alsmeta/stats/glmm.py -> alsmeta.stats.glmm; a package's __init__ -> its name."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str | None:
    """alsmeta.stats.glmm -> stats; alsmeta -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _static_prefix(arg: ast.expr) -> tuple[str, bool] | None:
    """The text of a string argument, or the leading text of an f-string (complete = False)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value, True
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return arg.values[0].value, False
    return None


def _targets(node: ast.AST) -> list[str | None]:
    """The alsmeta modules an import statement or import call names; None: cannot be read."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "alsmeta"]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == "alsmeta":
            # `from alsmeta import figures` imports the stage; other names are attributes of
            # alsmeta/__init__.py, which imports nothing.
            return [f"alsmeta.{a.name}" for a in node.names if a.name in LAYERS]
        return [node.module] if node.module.startswith("alsmeta.") else []
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in DYNAMIC_IMPORTERS:
            return []
        prefix = _static_prefix(node.args[0])
        if prefix is None:
            return [None]
        text, complete = prefix
        if not text.startswith("alsmeta"):
            return []
        module = text if complete else text.rsplit(".", 1)[0]
        # An f-string must name at least the stage before its first placeholder.
        return [module] if complete or stage(module) is not None else [None]
    return []


def import_problems(source: str, module: str, path: str) -> list[str]:
    """'path:line: statement (why)' for every import of ``module`` that breaks the layering."""
    own = stage(module)
    problems = []

    def report(node, why):
        problems.append(f"{path}:{node.lineno}: {ast.unparse(node)}  ({why})")

    if own is not None and own not in LAYERS:
        problems.append(f"{path}:1: module of no stage ({own!r} is not one of {LAYERS})")
        return problems
    for node in ast.walk(ast.parse(source, path)):
        if module == "alsmeta" and isinstance(node, (ast.Import, ast.ImportFrom)):
            report(node, "alsmeta/__init__.py imports nothing")
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            report(node, "relative import: write it absolute, so that this check sees it")
            continue
        for target in _targets(node):
            if target is None:
                report(node, "dynamic import of a module this check cannot read")
                continue
            to = stage(target)
            if to is None:  # `import alsmeta`: its __init__ imports nothing
                continue
            if to not in LAYERS:
                report(node, f"{target} is in no stage")
            elif own is None or LAYERS.index(to) > LAYERS.index(own):
                report(node, f"{own} imports {to}, a higher stage")
    return problems


def test_imports_go_from_higher_stages_to_lower_ones_only():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the glob found the package
    problems = []
    imports = 0
    for path in modules:
        source = path.read_text(encoding="utf-8")
        problems += import_problems(source, module_name(path), str(path.relative_to(ROOT)))
        imports += sum(len(_targets(node)) for node in ast.walk(ast.parse(source)))
    assert imports > 100  # ... and the walk saw its imports
    assert problems == [], (
        "imports against the stage order " + " < ".join(LAYERS) + ":\n" + ("\n".join(problems))
    )


FAKE_STATS_MODULE = """\
import importlib

import numpy as np

from alsmeta.io.tsv import read_tsv
from alsmeta.stats import glmm
from alsmeta.figures import style
import alsmeta


def late(name):
    from alsmeta.report.html import escape
    import alsmeta.jobs.report
    from . import random_effects
    importlib.import_module("alsmeta.analysis.pooling")
    importlib.import_module(f"alsmeta.stats.{name}")
    importlib.import_module(name)
    return np, read_tsv, glmm, style, escape, random_effects
"""


def test_the_stage_check_reports_upward_relative_and_unreadable_imports():
    problems = import_problems(FAKE_STATS_MODULE, "alsmeta.stats.fake", "stats/fake.py")
    lines = {int(p.split(":")[1]) for p in problems}
    # Upward at module level and inside a function (7, 12, 13), relative (14), dynamic upward
    # (15), dynamic and unreadable (17); not numpy, io, its own stage, alsmeta or line 16.
    assert lines == {7, 12, 13, 14, 15, 17}, problems
    assert problems[0] == (
        "stats/fake.py:7: from alsmeta.figures import style  (stats imports figures, a higher "
        "stage)"
    )
    assert "stats imports report" in problems[1] and "stats imports jobs" in problems[2]
    assert "relative import" in problems[3] and "stats imports analysis" in problems[4]
    assert "cannot read" in problems[5]
    # The top package imports nothing; a module outside every stage is refused.
    assert import_problems("import alsmeta.io\n", "alsmeta", "alsmeta/__init__.py") == [
        "alsmeta/__init__.py:1: import alsmeta.io  (alsmeta/__init__.py imports nothing)"
    ]
    assert import_problems("", "alsmeta.util", "alsmeta/util.py") != []
    assert import_problems("import alsmeta.util\n", "alsmeta.report", "r.py") != []
    assert import_problems("from alsmeta import figures\n", "alsmeta.report.x", "r.py") == []
    assert import_problems("from alsmeta import report\n", "alsmeta.figures.x", "f.py") != []


# --- 2. the code inputs of the rules ------------------------------------------------------

#: Run in the scratch copy: import a job module as the rule does, then execute every alsmeta
#: import statement of every loaded alsmeta module (so those in function bodies run too), and
#: every importlib.import_module("alsmeta...") of a literal name, until no new module loads;
#: print the files of the alsmeta modules loaded.
RUNTIME_IMPORTS = """
import ast, importlib, json, sys
sys.path.insert(0, sys.argv[2])
importlib.import_module("alsmeta.jobs." + sys.argv[1])
def package(): return sorted(m for m in sys.modules if m.split(".")[0] == "alsmeta")
done = set()
while set(package()) - done:
    for name in sorted(set(package()) - done):
        done.add(name)
        path = sys.modules[name].__file__
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0] == "alsmeta"
            ):
                importlib.import_module(node.args[0].value)
                continue
            else:
                continue
            if any(n.split(".")[0] == "alsmeta" for n in names):
                exec(compile(ast.Module([node], []), path, "exec"), {})
print(json.dumps([sys.modules[m].__file__ for m in package()]))
"""


def runtime_imports(workdir: Path, job: str) -> set[str]:
    """Files (relative to ``workdir``) of the alsmeta modules job ``job`` imports when it runs."""
    proc = subprocess.run(
        [sys.executable, "-c", RUNTIME_IMPORTS, job, str(workdir / "workflow")],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    files = {Path(f).resolve() for f in json.loads(proc.stdout)}
    outside = sorted(str(f) for f in files if not f.is_relative_to(workdir.resolve()))
    assert outside == [], f"{job} imported package modules from outside {workdir}"
    return {str(f.relative_to(workdir.resolve())) for f in files}


def undeclared(imported: set[str], declared) -> list[str]:
    """The imported module files that are not declared inputs."""
    return sorted(set(imported) - set(declared))


def recorded_jobs(workdir: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """Job module -> [(output, its job's declared inputs)], from Snakemake's metadata: one JSON
    file per output, named by the output's path in URL-safe base64 (cut into '@'-prefixed
    folders when long), holds its job's run: code and inputs."""
    metadata = workdir / ".snakemake" / "metadata"
    jobs = {}
    for record in sorted(p for p in metadata.rglob("*") if p.is_file()):
        meta = json.loads(record.read_text())
        called = re.findall(r"\brun_job\(\s*[\"'](\w+)[\"']", meta.get("code") or "")
        name = "".join(part.lstrip("@") for part in record.relative_to(metadata).parts)
        output = base64.urlsafe_b64decode(name).decode()
        for job in called:
            jobs.setdefault(job, []).append((output, meta["input"]))
    return jobs


def snakemake(workdir: Path, *args) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


#: Outside CI, the browser is optional: without it the report_pdf job is not checked.
CAN_PRINT = find_chromium() is not None or bool(os.environ.get("CI"))


@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory):
    """A scratch copy in which every job has run once: rule all, and report_pdf. The shipped
    data have no outcome with the 10 studies a funnel plot needs, so the run lowers
    sensitivity.small_study_min_k to 3 to run the funnel_plot job too."""
    workdir = copy_project(tmp_path_factory.mktemp("layout"))
    small = workdir / "small_study_min_k.yaml"
    small.write_text(
        "sensitivity:\n  prepost_correlations: [0, 0.25, 0.5, 0.75, 0.9]\n  small_study_min_k: 3\n"
    )
    snakemake(workdir, "--configfile", str(small))
    if CAN_PRINT:
        snakemake(workdir, "report_pdf", "--configfile", str(small))
    return workdir, recorded_jobs(workdir)


def test_runtime_imports_follow_lazy_imports(tmp_path):
    """The collector itself: a job whose package imports sit in functions (a statement, and an
    import_module call), of a module that imports another at its top, yields all of them and
    nothing else."""
    sources = {
        "alsmeta/__init__.py": "",
        "alsmeta/jobs/__init__.py": "",
        "alsmeta/jobs/fake.py": (
            "import importlib\n\n\ndef main(job):\n    from alsmeta.stats import lazy\n\n\n"
            "def late():\n    return importlib.import_module('alsmeta.io.dynamic')\n"
        ),
        "alsmeta/stats/__init__.py": "",
        "alsmeta/stats/lazy.py": "import alsmeta.io.deep\n",
        "alsmeta/stats/unused.py": "",
        "alsmeta/io/__init__.py": "",
        "alsmeta/io/deep.py": "",
        "alsmeta/io/dynamic.py": "",
    }
    for name, text in sources.items():
        (tmp_path / "workflow" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "workflow" / name).write_text(text)
    assert runtime_imports(tmp_path, "fake") == {
        f"workflow/{n}" for n in sources if n != "alsmeta/stats/unused.py"
    }


def test_every_job_module_is_run_by_a_rule(workflow_run):
    _, jobs = workflow_run
    expected = set(JOBS) if CAN_PRINT else set(JOBS) - {"report_pdf"}
    assert expected <= set(jobs), "job modules no recorded job ran"


@pytest.mark.parametrize("job", JOBS)
def test_a_job_imports_only_modules_its_rule_declares(workflow_run, job):
    workdir, jobs = workflow_run
    if job == "report_pdf" and not CAN_PRINT:
        pytest.skip("Chromium not found: report_pdf did not run")
    assert job in jobs, f"no recorded job ran alsmeta.jobs.{job}"
    imported = runtime_imports(workdir, job)
    assert {
        f"workflow/alsmeta/jobs/{job}.py",
        "workflow/alsmeta/jobs/__init__.py",
        "workflow/alsmeta/__init__.py",
    } <= imported
    for output, declared in jobs[job]:
        assert undeclared(imported, declared) == [], (
            f"{output}: its job runs alsmeta.jobs.{job}, which imports these modules that are "
            "not inputs of the rule (see job_code in workflow/rules/common.smk)"
        )
        # The comparison would see any one of them missing from the declared inputs.
        for module in sorted(imported):
            assert undeclared(imported, [d for d in declared if d != module]) == [module]
