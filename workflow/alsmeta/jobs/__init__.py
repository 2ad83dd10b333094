"""The workflow's jobs: one module per rule, each a thin adapter between Snakemake and the
package (read the inputs, call the stage, write the outputs, log).

Rules call :func:`run` from a one-line ``run:`` block, so a job runs inside the Snakemake
process: it pays no Python start-up and no re-import of numpy, SciPy or matplotlib, which
cost more than the work of most jobs. Jobs run one at a time (a lock), because
matplotlib's font objects are shared and the GIL would serialise them anyway. This
package sits above every stage; nothing imports it.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from alsmeta.io.files import OutputError

_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Job:
    """What a job module's ``main`` receives: Snakemake's named inputs, outputs, params and
    wildcards, and a logger that writes to the job's log file."""

    input: object
    output: object
    params: object
    wildcards: object
    log: logging.Logger


def by_format(paths) -> dict:
    """{format: path} of one figure's files (``forest_death.svg`` -> ``svg``)."""
    return {Path(p).suffix.lstrip("."): p for p in paths}


def run(name: str, input, output, params, wildcards, log) -> None:
    """Run ``alsmeta.jobs.<name>.main`` for one Snakemake job, logging to ``log[0]``."""
    module = importlib.import_module(f"alsmeta.jobs.{name}")
    logger = logging.getLogger(f"alsmeta.jobs.{name}:{log[0]}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(log[0], mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        with _ONE_AT_A_TIME:
            module.main(Job(input, output, params, wildcards, logger))
        logger.info("done")  # no timings: a log is an output, and outputs are reproducible
    except OutputError as exc:
        # The disk, not the pipeline: one line, no traceback; the previous output is kept.
        logger.error("%s", exc)
        sys.stderr.write(f"Output error: {exc.strerror}\n")
        raise OutputError(exc.errno, exc.strerror) from None
    except Exception as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()
