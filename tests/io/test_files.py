"""A full disk while an output is written: one line, the previous output kept, no
temporary file left behind."""

import errno
import io
import logging
import os
import stat

import pytest

import alsmeta.jobs as jobs
from alsmeta.io import files
from alsmeta.io.files import OutputError, atomic_write
from alsmeta.io.tsv import write_tsv


class _FullDisk(io.StringIO):
    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_keeps_the_previous_output(tmp_path, monkeypatch):
    path = tmp_path / "pooled.tsv"
    write_tsv([{"a": 1}], ["a"], path)
    before = path.read_bytes()
    real = files.os.fdopen

    def fdopen(fd, *args, **kwargs):
        real(fd).close()
        return _FullDisk()

    monkeypatch.setattr(files.os, "fdopen", fdopen)
    with pytest.raises(OutputError) as info:
        write_tsv([{"a": 2}], ["a"], path)
    assert info.value.strerror == (
        f"{path}: cannot be written: no space left on the disk (the previous file is kept)"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pooled.tsv"]


def test_a_full_disk_on_a_new_output_says_nothing_was_written(tmp_path):
    def write(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as info:
        atomic_write(tmp_path / "new.json", write)
    assert info.value.strerror == (
        f"{tmp_path / 'new.json'}: cannot be written: no space left on the disk "
        "(nothing was written)"
    )
    assert list(tmp_path.iterdir()) == []


def test_other_write_errors_are_not_renamed(tmp_path):
    def write(handle):
        raise ValueError("a tab in a cell")

    with pytest.raises(ValueError, match="a tab in a cell"):
        atomic_write(tmp_path / "t.tsv", write)


def test_a_job_reports_a_full_disk_in_one_line(tmp_path, monkeypatch, capsys):
    def main(job):
        raise OutputError(errno.ENOSPC, "results/x.tsv: cannot be written: no space left")

    monkeypatch.setattr(jobs.importlib, "import_module", lambda name: type("M", (), {"main": main}))
    log = tmp_path / "job.log"
    with pytest.raises(OutputError) as info:
        jobs.run("tables", None, None, None, None, [str(log)])
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert capsys.readouterr().err == (
        "Output error: results/x.tsv: cannot be written: no space left\n"
    )
    assert log.read_text() == "ERROR [Errno 28] results/x.tsv: cannot be written: no space left\n"
    logging.getLogger(f"alsmeta.jobs.tables:{log}").handlers.clear()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_get_the_mode_the_umask_gives(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        write_tsv([{"a": 1}], ["a"], tmp_path / "pooled.tsv")
        atomic_write(tmp_path / "figure.png", lambda h: h.write(b"\x89PNG"), binary=True)
    finally:
        os.umask(previous)
    for name in ("pooled.tsv", "figure.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode
