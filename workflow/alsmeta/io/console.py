"""What a run prints beyond Snakemake's own log: the line it ends with, and silence after a
write failure the pipeline has already named.

The console itself is Snakemake's (with the ``rich`` logger plugin the workflow profile
selects, see profiles/README.md); this module adds two things it cannot know:

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
from pathlib import Path

from alsmeta.io import files
from alsmeta.io.tsv import read_tsv


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
