"""The workflow's jobs: one module per rule, each a thin adapter between Snakemake and the
package (read the inputs, call the stage, write the outputs, log).

Rules call one function from a one-line ``run:`` block, so no job pays a Python start-up
or a re-import of numpy, SciPy, matplotlib and PyMARE, which cost more than the work of
most jobs:

* :func:`run_forked`, in the Snakemake process of a local run: each job is a fork of one
  warm process, the ``multiprocessing`` fork server, started at the run's first job, that
  has imported every job module (:func:`preload_job_modules`). Jobs run in parallel up to
  ``--cores``, and each starts from the same state (nothing one job caches or sets is seen
  by another), so the outputs depend neither on the order of the jobs nor on the cores.
  The fork server is a fresh process, not a fork of Snakemake's threads, so no lock held
  by another thread is copied into a job.
* :func:`run`, where the job already has a process of its own (a cluster job, or a job
  that Snakemake spawned because threads were not forced) and in the tests: the job runs
  in the calling process, one at a time behind a lock, because matplotlib's font objects
  are shared.

Either way a job's error reaches Snakemake the same way: an output that cannot be written
as the one line ``Output error: ...`` (:func:`_one_line`), any other error as raised.
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

from alsmeta.io import files

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


def _execute(name: str, input, output, params, wildcards, log_path: str) -> None:
    """Run ``alsmeta.jobs.<name>.main`` for one Snakemake job, logging to ``log_path``; an
    error is logged there and raised."""
    module = importlib.import_module(f"alsmeta.jobs.{name}")
    logger = logging.getLogger(f"alsmeta.jobs.{name}:{log_path}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        module.main(Job(input, output, params, wildcards, logger))
        logger.info("done")  # no timings: a log is an output, and outputs are reproducible
    except files.OutputError as exc:
        logger.error("%s", exc)
        raise
    except Exception as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()


def _one_line(exc: files.OutputError) -> files.OutputError:
    """The disk, not the pipeline: print the job's one line, silence Snakemake's block
    after it (:func:`alsmeta.io.console.quiet_after_write_failure`), and return the error
    to raise without a traceback; the previous output is kept."""
    files.WRITE_FAILED.set()
    sys.stderr.write(f"Output error: {exc.strerror}\n")
    return files.OutputError(exc.errno, exc.strerror)


def run(name: str, input, output, params, wildcards, log) -> None:
    """Run one Snakemake job in this process, logging to ``log[0]``."""
    try:
        with _ONE_AT_A_TIME:
            _execute(name, input, output, params, wildcards, log[0])
    except files.OutputError as exc:
        raise _one_line(exc) from None


# --- each job a fork of a warm process ---------------------------------------------------

_FORK_SERVER = multiprocessing.get_context("forkserver")


def preload_job_modules() -> None:
    """Have the fork server import every job module when it starts (at the first job: a
    run with nothing to do never starts it), and stop it when this process exits, waiting
    for it, so that the CPU time of the jobs is counted with the run's (``/usr/bin/time``,
    ``RUSAGE_CHILDREN``). ``_stop`` is the standard library's own (CPython 3.8 to 3.13);
    without it the server ends anyway when this process does, unwaited."""
    names = [f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)]
    _FORK_SERVER.set_forkserver_preload(names)
    atexit.register(forkserver._forkserver._stop)


class Files(list):
    """A picklable copy of a Snakemake named list: the items, and each name as an
    attribute and a key; a path is a plain ``str`` (Snakemake's file objects carry their
    rule, which the fork does not need)."""

    @classmethod
    def of(cls, named) -> Files:
        copy = cls(map(_plain, named))
        for name in named.keys():
            value = getattr(named, name)
            setattr(
                copy, name, cls(map(_plain, value)) if isinstance(value, list) else _plain(value)
            )
        return copy

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else super().__getitem__(key)

    def keys(self):
        return list(vars(self))


def _plain(value):
    return str(value) if isinstance(value, str) else value


def _in_fork(name, input, output, params, wildcards, log_path, reply) -> None:
    """The fork's work: run the job, then send back None or the error it raised (as a
    RuntimeError with its text where the error itself cannot be pickled). An interrupt
    (Ctrl-C reaches the whole process group) ends the fork without a reply."""
    error = None
    try:
        _execute(name, input, output, params, wildcards, log_path)
    except Exception as exc:
        error = exc
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # any error that cannot cross the pipe
            error = RuntimeError(f"{type(exc).__name__}: {exc}")
    reply.send(error)


def run_forked(name: str, input, output, params, wildcards, log) -> None:
    """Run one Snakemake job as :func:`run` would, in a fork of the warm fork server, and
    wait for it; its error, if any, is raised here."""
    receive, send = _FORK_SERVER.Pipe(duplex=False)
    args = (Files.of(input), Files.of(output), Files.of(params), Files.of(wildcards))
    fork = _FORK_SERVER.Process(
        target=_in_fork, args=(name, *args, str(log[0]), send), name=f"job {name}"
    )
    fork.start()
    send.close()  # the fork holds the only writing end: its end is the pipe's end
    try:
        error = receive.recv()
    except EOFError:  # no reply: killed, out of memory, interrupted
        fork.join()
        error = RuntimeError(f"job {name} ended with exit code {fork.exitcode}")
    finally:
        receive.close()
        fork.join()
    if error is None:
        return
    if isinstance(error, files.OutputError):
        raise _one_line(error) from None
    raise error
