"""What a run prints beyond Snakemake's own log: a line per finished step, the line it
ends with, and silence after a write failure the pipeline has already named.

The default workflow profile (profiles/default) sets Snakemake's own ``quiet: [all]``, so
the console is this module's (the rich logger plugin's with profiles/rich, Snakemake's
full log with profiles/full-log):

* :class:`FinishedSteps`: one line per finished job, its rule, wildcards and wall time
  (printed only under ``quiet: [all]``, where Snakemake prints no progress of its own);
* :func:`summary_line`: the last line of a successful run, naming the report and how many
  outcomes were pooled, printed when Snakemake has printed its own last lines
  (:func:`end_with_summary`);
* :func:`quiet_after_write_failure`: once a job has reported a full disk (or another
  failure of the machine, :class:`alsmeta.io.files.OutputError`) in its one line,
  Snakemake's error block for that job (a traceback, the job's inputs, "Exiting because a
  job execution failed") is not printed on the console; the run's log file under
  .snakemake/log/ keeps it.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from pathlib import Path

from alsmeta.io import files
from alsmeta.io.tsv import read_tsv


def step_line(number: int, job: str, wildcards: dict, seconds: float) -> str:
    """``  12 done  forest plots death  (1.4 s)``: the step's number in the order steps
    finished, what it made (the job's name, then its wildcard values) and its wall time."""
    what = " ".join([job.replace("_", " "), *map(str, wildcards.values())])
    return f"{number:4d} done  {what}  ({seconds:.1f} s)"


class FinishedSteps:
    """Counts the steps of a run as they finish and prints :func:`step_line` for each to
    ``stream`` (standard error by default), one whole line at a time, from any thread."""

    def __init__(self, stream=None):
        self._stream = stream
        self._finished = 0
        self._lock = threading.Lock()

    def finished(self, job: str, wildcards: dict, seconds: float) -> None:
        stream = self._stream or sys.stderr
        with self._lock:
            self._finished += 1
            stream.write(step_line(self._finished, job, wildcards, seconds) + "\n")
            stream.flush()


def summary_line(report: str | Path, pooled: str | Path) -> str:
    """``Report: results/report/report.html (6 of 19 outcomes pooled)``: what the user
    opens next, and how much of the analysis had data to pool (overall rows of
    ``pooled``, the pooled table)."""
    overall = [r for r in read_tsv(pooled) if r["subgroup_variable"] == "overall"]
    done = sum(r["status"] == "pooled" for r in overall)
    return f"Report: {report} ({done} of {len(overall)} outcomes pooled)"


def end_with_summary(report: str | Path, pooled: str | Path) -> None:
    """Print :func:`summary_line` when the process ends, after Snakemake's "Complete log"
    and "Elapsed time" lines, so that it is the run's last line."""
    line = summary_line(report, pooled)
    atexit.register(lambda: print(line, file=sys.stderr, flush=True))


class _AfterWriteFailure(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not files.WRITE_FAILED.is_set()


def quiet_after_write_failure(logger: logging.Logger) -> None:
    """Drop every record on ``logger``'s console handlers once an output could not be
    written (:data:`alsmeta.io.files.WRITE_FAILED`); file handlers keep everything."""
    for handler in logger.handlers:
        if not isinstance(handler, logging.FileHandler):
            handler.addFilter(_AfterWriteFailure())
