import json
import sys
import threading
import time
from pathlib import Path

# alsmeta is on the path from config.smk, included before the config files are read.
from alsmeta.io.code_inputs import code_inputs
from alsmeta.io.console import (
    FinishedSteps,
    end_with_summary,
    quiet_after_write_failure,
)
from alsmeta.io.config_file import load_config_file, replace_whole_priors
from alsmeta.io.errors import InputError
from alsmeta.io.input_checks import check_inputs_once
from alsmeta.io.risk_of_bias import TOOLS as ROB_TOOLS
from alsmeta.io.schemas import TABLES, load_schema
from snakemake.logging import logger as snakemake_logger
from snakemake.settings.types import Quietness
from snakemake.utils import update_config

SCHEMA_DIR = "workflow/schemas"
PACKAGE_DIR = "workflow/alsmeta"


# Bad input stops the run here, before any job starts and before results/ is touched,
# with one line that names the file, line and column (or the config key).
try:
    # A prior named in a --configfile replaces the shipped one whole (config/README.md).
    replace_whole_priors(
        config, [load_config_file(p) for p in workflow.overwrite_configfiles]
    )
    update_config(config, workflow.config_settings.config)  # --config values stay last
    # Skipped when the config, data, schemas and checking code are those of a check
    # that passed before (alsmeta.io.input_checks).
    check_inputs_once(config, workflow.basedir, SCHEMA_DIR)
except InputError as error:
    sys.stderr.write(f"Input error: {error}\n")
    sys.exit(1)


# A job that cannot write (a full disk) says so in one line; Snakemake's block after it
# goes to the log file under .snakemake/log/ only.
quiet_after_write_failure(snakemake_logger)


OUTCOMES = config["criteria"]["outcomes"]
SUBGROUPS = config["subgroups"]
FORMATS = config["figures"]["formats"]
#: Every figure format the schema allows.
FIGURE_FORMATS = load_schema(f"{SCHEMA_DIR}/config.schema.yaml")["properties"][
    "figures"
]["properties"]["formats"]["items"]["enum"]


wildcard_constraints:
    outcome="|".join(OUTCOMES),
    tool="|".join(ROB_TOOLS),


def data_tables():
    """The extracted tables as named inputs, so jobs find them by table name."""
    return {table: config["data"][table] for table in TABLES}


def table_schemas():
    return [f"{SCHEMA_DIR}/{table}.schema.yaml" for table in TABLES]


def job_code(job):
    """The job's module and every package module it imports, transitively: inputs, so that
    editing one re-runs exactly the rules that run it."""
    runner = f"{PACKAGE_DIR}/jobs/__init__.py"
    source = f"{PACKAGE_DIR}/jobs/{job}.py"
    modules = {*code_inputs(runner, PACKAGE_DIR), *code_inputs(source, PACKAGE_DIR)}
    return [runner, source, *sorted(modules - {runner, source})]


# In a local run each job is a fork of a warm process (alsmeta.jobs.run_forked); a job
# that has a process of its own (a cluster job, Snakemake's remote mode, or a job Snakemake
# spawned because threads were not forced, its subprocess mode) runs in itself.
JOB_HAS_OWN_PROCESS = workflow.remote_exec or workflow.subprocess_exec
if not JOB_HAS_OWN_PROCESS:
    from alsmeta.jobs import preload_job_modules

    preload_job_modules()


# Under the default profile's quiet: [all] Snakemake prints no progress: the console gets
# one line per finished step instead (alsmeta.io.console).
FINISHED_STEPS = (
    FinishedSteps() if Quietness.ALL in (workflow.output_settings.quiet or ()) else None
)


def run_job(job, input, output, params, wildcards, log):
    """Run the job without a Python start-up of its own (see alsmeta.jobs)."""
    from alsmeta.jobs import run, run_forked

    runner = run if JOB_HAS_OWN_PROCESS else run_forked
    started = time.monotonic()
    runner(job, input, output, params, wildcards, log)
    if FINISHED_STEPS is not None:
        FINISHED_STEPS.finished(
            job, dict(wildcards.items()), time.monotonic() - started
        )


def figure(stem):
    """A figure's files, one per configured format."""
    return expand(f"results/figures/{stem}.{{ext}}", ext=FORMATS, allow_missing=True)


def study_figures(formats=FORMATS):
    """The files of the figures drawn from every outcome's results (PRISMA, the pre/post
    r sweep, risk of bias), in ``formats``."""
    stems = ["prisma", "prepost_sweep", "rob_summary", "rob_summary_weighted"]
    stems += [f"rob_traffic_light_{tool}" for tool in ROB_TOOLS]
    return [f"results/figures/{stem}.{ext}" for stem in stems for ext in formats]


def forest_controls(wildcards):
    """figures.forest with the outcome's figures.forest_overrides: params, so that a
    changed control redraws only that outcome's plots."""
    figures = config["figures"]
    return {
        **figures["forest"],
        **figures["forest_overrides"].get(wildcards.outcome, {}),
    }


def selection_of(wildcards):
    """An outcome's selection, known once the select checkpoint has run."""
    return checkpoints.select.get().output.selections[OUTCOMES.index(wildcards.outcome)]


def outcome_figures(formats=FORMATS):
    """Input function: the files of every figure the outcomes have data for, in
    ``formats`` (the select checkpoint lists what each outcome needs)."""

    def files(wildcards):
        with open(checkpoints.select.get().output.figures, encoding="utf-8") as handle:
            needed = json.load(handle)
        stems = []
        for outcome in OUTCOMES:
            if "forest" in needed[outcome]:
                stems.append(f"forest_{outcome}")
                stems += [f"forest_{outcome}_by_{v}" for v in SUBGROUPS]
            stems += [
                f"{name}_{outcome}" for name in needed[outcome] if name != "forest"
            ]
        return [f"results/figures/{stem}.{ext}" for stem in stems for ext in formats]

    return files


def announce_report():
    """End a run with the line naming the report (alsmeta.io.console), unless the report
    is missing or older than the pooled table (a run of another target)."""
    html, pooled = Path(rules.report.output.html), Path(rules.tables.output.pooled)
    if (
        html.exists()
        and pooled.exists()
        and html.stat().st_mtime >= pooled.stat().st_mtime
    ):
        end_with_summary(html, pooled)


def end_promptly():
    """Let the run end when its last job has: Snakemake's job rate limiter leaves a 1 s
    re-evaluation timer that the process would wait for (cancelling it changes nothing
    else, the scheduler is done)."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()
