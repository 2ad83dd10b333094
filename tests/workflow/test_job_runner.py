"""The forked job runner (alsmeta.jobs.run_forked): a job run in a fork of the warm fork
server writes what it writes in this process, its error is raised here as the job raised
it, and a fork that dies without a word ends the call with its exit code instead of a hang.

The job is figure_formats, the smallest real one; Snakemake's named lists are built with
snakemake.iocontainers.Namedlist as in a run.
"""

import os

import pytest
from snakemake.iocontainers import Namedlist

import alsmeta.jobs as jobs


class ExitOnArrival:
    """A parameter whose unpickling, in the fork, ends the fork with exit code 3."""

    def __reduce__(self):
        return (os._exit, (3,))


def run_figure_formats(tmp_path, **params):
    output = Namedlist(fromdict={"formats": str(tmp_path / "figures/formats.txt")})
    log = tmp_path / "figure_formats.log"
    jobs.run_forked(
        "figure_formats",
        Namedlist(),
        output,
        Namedlist(fromdict={"known": ["svg", "png", "pdf"], **params}),
        Namedlist(),
        Namedlist([str(log)]),
    )
    return tmp_path / "figures/formats.txt", log


def test_a_forked_job_writes_its_output_and_log(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures/forest_death.png").write_text("old")
    formats, log = run_figure_formats(tmp_path, formats=["svg"])
    assert formats.read_text() == "svg\n"
    assert not (tmp_path / "figures/forest_death.png").exists()
    assert log.read_text().splitlines()[-1] == "INFO done"


def test_a_forked_job_error_is_raised_here_and_logged(tmp_path):
    with pytest.raises(TypeError):
        run_figure_formats(tmp_path, formats=None)
    assert log_lines(tmp_path)[-1].startswith("ERROR TypeError: ")


def test_a_fork_that_dies_without_a_reply_ends_the_call(tmp_path):
    with pytest.raises(RuntimeError, match="job figure_formats ended with exit code 3"):
        run_figure_formats(tmp_path, formats=["svg"], exit=ExitOnArrival())


def log_lines(tmp_path):
    return (tmp_path / "figure_formats.log").read_text().splitlines()
