"""Time the workflow the way a user runs it, side by side with what it is measured against.

Usage (from the repository root, with the pipeline's venv active):

    python tests/benchmarks/pipeline.py [--cores 4] [--repeat 3] [--only a,b,c,d,e,f]
        [--baseline 43a7d2d] [--report-text workflow/alsmeta/report/sections/summary.py]
        [--swap-studies oh2018,nabavi2019] [--keep]

Every run happens in a scratch copy (tests/workdir.py: Snakefile, config/, workflow/ and
data/; results/ starts empty) with PYTHONPATH=<copy>/workflow, so the copy's own
``alsmeta`` is imported, not an editable install. Each run is timed under /usr/bin/time
(wall, CPU = user + sys of the whole process tree, peak RSS = max RSS of the largest
process); without /usr/bin/time, resource.getrusage(RUSAGE_CHILDREN) deltas are used.
Compared runs alternate (A, B, A, B, ...) so that machine load hits both; medians with
min-max over ``--repeat`` are printed, then one line per measurement with its target:

    a  cold run of this tree / cold run of ``--baseline REV`` (``git archive REV``), wall
       time; target <= 0.25
    b  cold run with every figure format (``--configfile`` with
       ``figures: {formats: [svg, png, pdf]}``) / tests/benchmarks/figures_metafor.R on that
       run's results/tables/analysed_effects.tsv, CPU seconds; target <= 1.5. Reported as
       not available when the config schema has no ``figures`` key; without Rscript it says
       NOT RUN (the script is not run), and the script exits non-zero when anything failed
    c  no-op re-run ("Nothing to be done") / no-op of a one-rule Snakefile, wall; <= 1.3
    d  after a cold run, re-run with ``criteria: {exclude_studies: [STUDY]}`` merged over
       the config, for each study of ``--swap-studies`` (default oh2018, in 7 of 14
       outcomes, and nabavi2019, in one: the widest and the narrowest swap): swap wall /
       cold wall; target <= 0.4; prints the rules that re-ran
    e  after a cold run, append " (edited)" to the first English sentence in the report's
       text module (``--report-text``, falling back to workflow/alsmeta/report.py) and
       re-run: prints the rules that re-ran; target: exactly the report rule
    f  cold run with ``--cores 2`` / cold run with ``--cores 1`` (alternating), wall;
       target <= 0.65 (jobs run in parallel, each a fork of one warm process); also says
       whether the two runs' tables and report are byte-identical

Rules that re-ran are read from the job headers Snakemake logs (the target rule ``all``
is left out). Not collected by pytest (its name does not start with test_): speed
is reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workdir import ROOT, copy_project  # noqa: E402

R_SCRIPT = Path(__file__).resolve().with_name("figures_metafor.R")
GNU_TIME = "/usr/bin/time"
PROJECT_PARTS = ("Snakefile", "config", "profiles", "workflow", "data")
ALL_FORMATS = "figures:\n  formats: [svg, png, pdf]\n"
ONE_RULE = 'rule touch:\n    output:\n        "done.txt"\n    shell:\n        "touch {output}"\n'
TARGET_RULES = {"all"}
FALLBACK_REPORT_TEXT = "workflow/alsmeta/report.py"
# A double-quoted (not triple-quoted) literal that starts with a capital letter, is at least
# 30 characters long and contains a space: an English sentence.
#: The sentence measurement e edits when it is in the report's text module.
KNOWN_SENTENCE = "One row per outcome."
SENTENCE = re.compile(r'(?<!["\\])"([A-Z](?:[^"\\\n]|\\.){29,})"(?!")')


@dataclass
class Run:
    wall: float
    cpu: float
    rss_kb: int
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


@dataclass
class Series:
    name: str
    runs: list[Run] = field(default_factory=list)

    def add(self, run: Run) -> Run:
        self.runs.append(run)
        return run

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in self.runs)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(command: list[str], cwd: Path, env: dict | None = None) -> Run:
    """Run ``command`` in ``cwd``; wall, CPU (user + sys, all descendants) and peak RSS."""
    if Path(GNU_TIME).exists():
        with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
            proc = subprocess.run(
                [GNU_TIME, "-o", out.name, "-f", "%e %U %S %M", *command],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
            )
            fields = out.read().split()[-4:]
        try:
            wall, user, system, rss = (float(f) for f in fields)
        except ValueError:  # killed before time wrote its line
            wall = user = system = rss = float("nan")
        return Run(wall, user + system, int(rss), proc.returncode, proc.stdout, proc.stderr)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children is a running maximum: the largest process so far.
    return Run(wall, cpu, after.ru_maxrss, proc.returncode, proc.stdout, proc.stderr)


def env_for(workdir: Path) -> dict:
    """The environment of a run in ``workdir``: its own package first on the path."""
    return {**os.environ, "PYTHONPATH": str(workdir / "workflow")}


#: What could not run: any entry makes the script exit non-zero (a benchmark that cannot
#: run must fail loudly, not print a shorter table).
FAILURES: list[str] = []


def snakemake(workdir: Path, cores: int, *extra: str | Path) -> Run:
    extra = tuple(map(str, extra))
    # The full log (profiles/full-log): its job lines are what the benchmark counts.
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *extra]
    command += ["--workflow-profile", "profiles/full-log"]
    run = timed(command, workdir, env_for(workdir))
    if not run.ok:
        tail = "\n    ".join(run.stderr.strip().splitlines()[-8:])
        log(f"  snakemake {' '.join(extra)} failed in {workdir} (exit {run.rc}):\n    {tail}")
        FAILURES.append(f"snakemake {' '.join(extra)} failed (exit {run.rc})")
    return run


def check_import(workdir: Path) -> None:
    """Warn when the copy's package is not the one a run there imports."""
    proc = subprocess.run(
        [sys.executable, "-c", "import alsmeta; print(alsmeta.__file__)"],
        cwd=workdir,
        env=env_for(workdir),
        capture_output=True,
        text=True,
    )
    where = proc.stdout.strip()
    if not where.startswith(str(workdir)):
        log(f"  WARNING: a run in {workdir} imports alsmeta from {where or proc.stderr.strip()}")


def rules_run(run: Run) -> dict[str, int]:
    """Rule -> number of jobs a run executed, from the job headers Snakemake logs
    ("localrule analyse:"); the job-stats table printed first would also count the jobs a
    checkpoint's re-evaluation then skips."""
    counts: dict[str, int] = {}
    text = run.stderr + run.stdout
    for rule in re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):$", text, re.M):
        if rule not in TARGET_RULES:
            counts[rule] = counts.get(rule, 0) + 1
    return counts


def show_rules(counts: dict[str, int]) -> str:
    if not counts:
        return "(none)"
    return ", ".join(f"{r} x{n}" if n > 1 else r for r, n in counts.items())


class Scratch:
    """Fresh project copies under one temporary directory."""

    def __init__(self, keep: bool):
        self.root = Path(tempfile.mkdtemp(prefix="alsmeta-bench-"))
        self.keep = keep
        self.count = 0
        self.baselines: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        self.count += 1
        return self.root / f"{self.count:02d}-{name}"

    def tree(self) -> Path:
        """A copy of this working tree."""
        work = copy_project(self.path("tree"))
        check_import(work)
        return work

    def baseline(self, rev: str) -> Path:
        """A copy of revision ``rev`` (git archive), with the same parts as copy_project."""
        if rev not in self.baselines:
            source = self.root / f"archive-{re.sub(r'[^A-Za-z0-9_.-]', '_', rev)}"
            source.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
                capture_output=True,
                check=True,
            )
            subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
            self.baselines[rev] = source
        work = self.path(f"baseline-{rev}")
        work.mkdir()
        for part in PROJECT_PARTS:
            src = self.baselines[rev] / part
            if src.is_dir():
                shutil.copytree(src, work / part, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.exists():
                shutil.copy2(src, work / part)
        check_import(work)
        return work

    def file(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text)
        return path

    def close(self) -> None:
        if self.keep:
            log(f"scratch directories kept in {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def span(values: list[float], fmt: str) -> str:
    values = [v for v in values if v == v]
    if not values:
        return "n/a"
    med = statistics.median(values)
    return f"{med:{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def ratio_line(label: str, a: Series, b: Series, attribute: str, target: float) -> str:
    """Median ``attribute`` of a over b against ``target``; a wall ratio also shows CPU's."""
    if not a.runs or not b.runs or not all(r.ok for r in (*a.runs, *b.runs)):
        return f"{label:<54} {'n/a':>7}  <= {target:<5} (a run failed)"
    value = a.median(attribute) / b.median(attribute)
    verdict = "met" if value <= target else "NOT met"
    line = f"{label:<54} {value:7.2f}  <= {target:<5} {verdict}"
    if attribute == "wall":
        line += f"  (CPU ratio {a.median('cpu') / b.median('cpu'):.2f})"
    return line


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.scratch = Scratch(args.keep)
        self.series: list[Series] = []
        self.ratios: list[str] = []
        self.notes: list[str] = []
        self.load_at_start = os.getloadavg()

    def new_series(self, name: str) -> Series:
        series = Series(name)
        self.series.append(series)
        return series

    def cold(self, work: Path, *extra: str | Path) -> Run:
        return snakemake(work, self.args.cores, *extra)

    # a: this tree vs the baseline revision, both cold
    def measure_a(self) -> None:
        rev = self.args.baseline
        tree, base = self.new_series("a  cold, this tree"), self.new_series(f"a  cold, {rev}")
        try:
            self.scratch.baseline(rev)
        except subprocess.CalledProcessError as error:
            self.notes.append(f"a  baseline {rev} could not be extracted: {error}")
            return
        for i in range(self.args.repeat):
            log(f"a  repeat {i + 1}: cold run of this tree, then of {rev}")
            tree.add(self.cold(self.scratch.tree()))
            base.add(self.cold(self.scratch.baseline(rev)))
        self.ratios.append(ratio_line(f"a  cold wall, this tree / {rev}", tree, base, "wall", 0.25))

    # b: every figure format vs the metafor script on the same analysed effects
    def measure_b(self) -> None:
        config = self.scratch.file("all-formats.yaml", ALL_FORMATS)
        probe = snakemake(self.scratch.tree(), self.args.cores, "--dry-run", "--configfile", config)
        if not probe.ok:
            reason = next(
                (ln for ln in probe.stderr.splitlines() if "rror" in ln), f"exit {probe.rc}"
            ).strip()
            if "figures" in reason:
                self.notes.append(
                    "b  not available: this tree's config does not take "
                    f"figures: {{formats: [svg, png, pdf]}} ({reason})"
                )
            else:
                self.notes.append(f"b  not available: the dry run failed ({reason})")
            return
        rscript = shutil.which("Rscript")
        if rscript is None:
            self.notes.append(
                "b  NOT RUN: Rscript not found, so tests/benchmarks/figures_metafor.R did not "
                "run and the figure CPU ratio is not measured"
            )
            return
        ours, theirs = self.new_series("b  cold, all formats"), self.new_series("b  metafor script")
        for i in range(self.args.repeat):
            log(f"b  repeat {i + 1}: cold run with every figure format, then the metafor script")
            work = self.scratch.tree()
            run = ours.add(self.cold(work, "--configfile", str(config)))
            if not run.ok:
                return
            figures = [p.name for p in (work / "results" / "figures").iterdir()]
            per_outcome = [f for f in figures if f.startswith(("forest_", "leave_one_", "funnel_"))]
            outdir = self.scratch.path("metafor-figures")
            analysed = work / "results" / "tables" / "analysed_effects.tsv"
            # The same figures as the pipeline drew (it draws only where there are data).
            stems = sorted({f.rsplit(".", 1)[0] for f in per_outcome})
            wanted = self.scratch.file("figures.txt", "\n".join(stems) + "\n")
            r = theirs.add(
                timed([rscript, str(R_SCRIPT), str(analysed), str(outdir), "", str(wanted)], work)
            )
            written = re.search(r"(\d+) files written", r.stdout)
            if not r.ok:
                log(f"  metafor script failed (exit {r.rc}): {r.stderr.strip()[-500:]}")
                FAILURES.append(f"tests/benchmarks/figures_metafor.R failed (exit {r.rc})")
            if i == 0:
                self.notes.append(
                    f"b  the pipeline wrote {len(figures)} files to results/figures "
                    f"({len(per_outcome)} forest, leave-one-out and funnel plots); "
                    f"the metafor script wrote {written.group(1) if written else '?'}"
                )
        self.ratios.append(
            ratio_line("b  CPU, all-formats cold run / metafor script", ours, theirs, "cpu", 1.5)
        )

    # c: no-op of this tree vs no-op of a one-rule Snakefile
    def measure_c(self) -> None:
        work = self.scratch.tree()
        log("c  cold run to set up the no-op")
        if not self.cold(work).ok:
            return
        minimal = self.scratch.path("one-rule")
        minimal.mkdir()
        (minimal / "Snakefile").write_text(ONE_RULE)
        if not snakemake(minimal, self.args.cores).ok:
            return
        ours, theirs = self.new_series("c  no-op, this tree"), self.new_series("c  no-op, one rule")
        for i in range(self.args.repeat):
            log(f"c  repeat {i + 1}: no-op of this tree, then of the one-rule Snakefile")
            for series, where in ((ours, work), (theirs, minimal)):
                run = series.add(snakemake(where, self.args.cores))
                if run.ok and "Nothing to be done" not in run.stderr + run.stdout:
                    self.notes.append(
                        f"c  {series.name}: not a no-op, {show_rules(rules_run(run))} ran"
                    )
        self.ratios.append(
            ratio_line("c  no-op wall, this tree / one-rule Snakefile", ours, theirs, "wall", 1.3)
        )

    # d: swap one criterion after a cold run
    def measure_d(self) -> None:
        for study in self.args.swap_studies.split(","):
            config = self.scratch.file(
                f"exclude-{study}.yaml", f"criteria:\n  exclude_studies: [{study}]\n"
            )
            cold = self.new_series(f"d  cold, this tree ({study})")
            swap = self.new_series(f"d  swap: exclude {study}")
            reran: list[str] = []
            for i in range(self.args.repeat):
                log(f"d  repeat {i + 1}: cold run, then exclude_studies: [{study}]")
                work = self.scratch.tree()
                if not cold.add(self.cold(work)).ok:
                    return
                run = swap.add(self.cold(work, "--configfile", str(config)))
                if not run.ok:
                    return
                reran.append(show_rules(rules_run(run)))
            self.ratios.append(
                ratio_line(f"d  swap wall / cold wall ({study})", swap, cold, "wall", 0.4)
            )
            for rules in dict.fromkeys(reran):
                self.notes.append(f"d  re-ran after excluding {study}: {rules}")

    # e: edit one sentence of the report's text
    def measure_e(self) -> None:
        work = self.scratch.tree()
        text_file = work / self.args.report_text
        if not text_file.exists():
            log(f"e  {self.args.report_text} not found; editing {FALLBACK_REPORT_TEXT}")
            text_file = work / FALLBACK_REPORT_TEXT
        if not text_file.exists():
            self.notes.append(
                f"e  not available: neither {self.args.report_text} nor "
                f"{FALLBACK_REPORT_TEXT} exists"
            )
            return
        source = text_file.read_text(encoding="utf-8")
        edited = None
        if KNOWN_SENTENCE in source:
            edited = source.replace(KNOWN_SENTENCE, KNOWN_SENTENCE[:-1] + " (edited).", 1)
            sentence = KNOWN_SENTENCE
        for match in [] if edited else SENTENCE.finditer(source):
            line_start = source.rfind("\n", 0, match.start()) + 1
            if " " not in match.group(1) or "#" in source[line_start : match.start()]:
                continue  # not a sentence, or in a comment
            candidate = source[: match.end() - 1] + " (edited)" + source[match.end() - 1 :]
            try:
                compile(candidate, str(text_file), "exec")
            except SyntaxError:
                continue
            edited = candidate
            sentence = match.group(1)
            break
        if edited is None:
            self.notes.append(f"e  not available: no English sentence literal in {text_file}")
            return
        log("e  cold run, then the edit and a re-run")
        if not self.cold(work).ok:
            return
        text_file.write_text(edited, encoding="utf-8")
        series = self.new_series("e  re-run after text edit")
        run = series.add(self.cold(work))
        if not run.ok:
            return
        counts = rules_run(run)
        exact = set(counts) == {"report"}
        where = text_file.relative_to(work)
        short = sentence if len(sentence) <= 60 else sentence[:57] + "..."
        self.notes.append(f'e  edited {where}: "{short}" + " (edited)"')
        self.ratios.append(
            f"{'e  rules re-run after the text edit: ' + show_rules(counts):<54} "
            f"{'':7}  target: exactly report  {'met' if exact else 'NOT met'}"
        )

    # f: the same cold run on two cores and on one
    def measure_f(self) -> None:
        two, one = self.new_series("f  cold, --cores 2"), self.new_series("f  cold, --cores 1")
        differ = set()
        for i in range(self.args.repeat):
            log(f"f  repeat {i + 1}: cold run with --cores 2, then with --cores 1")
            works = []
            for series, cores in ((two, 2), (one, 1)):
                works.append(self.scratch.tree())
                if not series.add(snakemake(works[-1], cores)).ok:
                    return
            for pattern in ("results/tables/*.tsv", "results/report/report.html"):
                for f in works[0].glob(pattern):
                    name = str(f.relative_to(works[0]))
                    if f.read_bytes() != (works[1] / name).read_bytes():
                        differ.add(name)
        self.ratios.append(
            ratio_line("f  cold wall, --cores 2 / --cores 1", two, one, "wall", 0.65)
        )
        self.notes.append(
            "f  tables and report of --cores 2 and --cores 1: "
            + (f"DIFFER in {', '.join(sorted(differ))}" if differ else "byte-identical")
        )
        if differ:
            FAILURES.append("--cores 2 and --cores 1 gave different outputs")

    def report(self) -> None:
        args = self.args
        start, now = (
            ", ".join(f"{x:.2f}" for x in load) for load in (self.load_at_start, os.getloadavg())
        )
        print(
            f"\nsnakemake --cores {args.cores}, {args.repeat} repeat(s); tree {ROOT}\n"
            f"{os.cpu_count()} CPUs; load average (1, 5, 15 min) {start} at start, {now} at end"
        )
        print("medians (min-max)")
        header = (
            f"{'run':<30} {'n':>2}  {'wall s':<22} {'CPU s (user+sys)':<22} {'peak RSS MB':>11}"
        )
        print(header)
        print("-" * len(header))
        for s in self.series:
            if not s.runs:
                continue
            failed = sum(not r.ok for r in s.runs)
            rss = span([r.rss_kb / 1024 for r in s.runs], ".0f").split()[0]
            print(
                f"{s.name:<30} {len(s.runs):>2}  {span([r.wall for r in s.runs], '.2f'):<22} "
                f"{span([r.cpu for r in s.runs], '.2f'):<22} {rss:>11}"
                + (f"  ({failed} failed)" if failed else "")
            )
        print()
        print(f"{'measurement':<54} {'ratio':>7}  target")
        for line in self.ratios:
            print(line)
        for note in self.notes:
            print(note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default="43a7d2d", help="revision for measurement a")
    parser.add_argument("--only", default="a,b,c,d,e,f", help="comma-separated measurements")
    parser.add_argument(
        "--report-text",
        default="workflow/alsmeta/report/sections/summary.py",
        help="module holding the report's text (measurement e), relative to the tree",
    )
    parser.add_argument(
        "--swap-studies",
        default="oh2018,nabavi2019",
        help="comma-separated studies measurement d excludes in turn (each: two cold runs)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")
    args = parser.parse_args()
    chosen = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = sorted(set(chosen) - set("abcdef"))
    if unknown:
        parser.error(f"--only: unknown measurement(s) {', '.join(unknown)} (choose from a-f)")
    bench = Bench(args)
    try:
        for name in "abcdef":
            if name not in chosen:
                continue
            try:
                getattr(bench, f"measure_{name}")()
            except Exception:  # report the others; this one says why it stopped
                log(traceback.format_exc())
                bench.notes.append(f"{name}  stopped by an error (traceback above, on stderr)")
                FAILURES.append(f"measurement {name} stopped by an error")
    except KeyboardInterrupt:
        log("interrupted: reporting what was measured")
    finally:
        bench.report()
        bench.scratch.close()
    if FAILURES:
        sys.exit("could not run: " + "; ".join(FAILURES))


if __name__ == "__main__":
    main()
