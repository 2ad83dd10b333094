"""The workflow's jobs: one module per rule, each a thin adapter between Snakemake and the
package (read the inputs, call the stage, write the outputs, log).

Rules call one function from a one-line ``run:`` block, so no job pays a Python start-up
or a re-import of numpy, SciPy, matplotlib and PyMARE, which cost more than the work of
most jobs:

* :func:`run_forked` (a local run): each job is a fork of one warm process, a
  ``multiprocessing`` fork server started once per run that has imported every job
  module (:func:`start_fork_server`). Jobs run in parallel up to ``--cores``, and every
  job starts from the same state (nothing one job caches is seen by the next), so the
  outputs do not depend on the order or the number of cores.
* :func:`run` (a cluster job, where Snakemake itself is the fresh process of the job, and
  the tests): the job runs in the calling process, one at a time behind a lock, because
  matplotlib's font objects are shared and the GIL would serialise them anyway.

This package sits above every stage; nothing imports it.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing
import pickle
import pkgutil
import sys
import threading
from dataclasses import dataclass
from multiprocessing import forkserver
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


# --- each job a fork of a warm process ---------------------------------------------------

_FORK_SERVER = multiprocessing.get_context("forkserver")


def job_modules() -> list[str]:
    """Every job module, by import name."""
    return [f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)]


def start_fork_server() -> None:
    """Have the fork server import every job module once it starts (at the first job:
    a run with nothing to do never starts it), and stop it when this process exits,
    waiting for it, so that the CPU time of the jobs is counted with the run's."""
    _FORK_SERVER.set_forkserver_preload(job_modules())
    atexit.register(forkserver._forkserver._stop)


class Files(list):
    """A picklable copy of a Snakemake named list: the items, and each name as an attribute
    (a name that stands for several items holds a :class:`Files` of them)."""

    @classmethod
    def of(cls, named) -> Files:
        files = cls(named)
        for name in named.keys():
            value = getattr(named, name)
            setattr(files, name, cls(value) if isinstance(value, list) else value)
        return files

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else super().__getitem__(key)

    def keys(self):
        return list(vars(self))


def _in_child(name, input, output, params, wildcards, log, reply) -> None:
    """The fork's work: run the job, then send back None or the error it raised (as
    text where the error itself cannot be pickled)."""
    error = None
    try:
        run(name, input, output, params, wildcards, log)
    except BaseException as exc:  # the parent raises it
        error = exc
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # any error that cannot cross the pipe
            error = RuntimeError(f"{type(exc).__name__}: {exc}")
    reply.send(error)
    reply.close()


def run_forked(name: str, input, output, params, wildcards, log) -> None:
    """Run one Snakemake job as :func:`run` would, in a fork of the warm fork server; its
    error, if any, is raised here as the job raised it."""
    receive, send = _FORK_SERVER.Pipe(duplex=False)
    args = (Files.of(input), Files.of(output), Files.of(params), Files.of(wildcards))
    child = _FORK_SERVER.Process(
        target=_in_child, args=(name, *args, [str(log[0])], send), name=f"job {name}"
    )
    child.start()
    send.close()
    try:
        error = receive.recv()
    except EOFError:  # the child died without a word (killed, out of memory)
        child.join()
        raise RuntimeError(f"job {name} ended with exit code {child.exitcode}") from None
    finally:
        receive.close()
    child.join()
    if error is not None:
        raise error from None
