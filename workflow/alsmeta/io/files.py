"""Writing outputs so that a file appears whole or not at all, and JSON records between jobs."""

from __future__ import annotations

import errno
import json
import os
import tempfile
import threading
from pathlib import Path

#: Why a write fails that is the machine's, not the pipeline's: named in one line.
_WRITE_FAILURES = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EFBIG: "the file exceeds the size limit set for this process (ulimit -f)",
}

#: Set once an output could not be written for a reason of the machine's: the console
#: then stays quiet after the job's one line (alsmeta.io.console).
WRITE_FAILED = threading.Event()


def _process_umask() -> int:
    """The process's umask, read without changing it where the system says it
    (``/proc/self/status``, Linux 4.7+): setting it to read it back would, for a moment,
    change the mode of files that jobs running in other threads create."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


class OutputError(OSError):
    """An output that could not be written; the message is one line and says that the
    previous file, if any, is kept."""


def atomic_write(path: str | Path, write, *, binary: bool = False) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place:
    a failed job never leaves a half-written output, and never removes the previous one.
    A full disk (or a read-only or forbidden folder) raises :class:`OutputError`.

    The file gets the mode any new file would (``0o666`` less the umask): the temporary
    file from :func:`tempfile.mkstemp` is private (``0600``) whatever the umask, and a
    report a colleague cannot open is no shared output."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o666 & ~_process_umask())
    except OSError as exc:
        raise _output_error(path, exc) from None
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, **mode) as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in _WRITE_FAILURES:
            raise _output_error(path, exc) from None
        raise


def _output_error(path: Path, exc: OSError) -> OSError:
    if exc.errno not in _WRITE_FAILURES:
        return exc
    kept = "the previous file is kept" if path.exists() else "nothing was written"
    WRITE_FAILED.set()
    return OutputError(
        exc.errno, f"{path}: cannot be written: {_WRITE_FAILURES[exc.errno]} ({kept})"
    )


def remove_other_formats(folder: str | Path, keep: list[str], known: list[str]) -> list[Path]:
    """Remove the files in ``folder`` whose extension is one of ``known`` but not of
    ``keep`` (figures of a format the config no longer asks for), so that no figure is
    left beside newer ones; returns what was removed, sorted."""
    removed = sorted(
        path
        for ext in sorted(set(known) - set(keep))
        for path in Path(folder).glob(f"*.{ext}")
        if path.is_file()
    )
    for path in removed:
        path.unlink()
    return removed


def write_json(record, path: str | Path) -> None:
    """A job's intermediate result, read back exactly (floats round-trip), in a stable order."""
    atomic_write(path, lambda h: h.write(json.dumps(record, indent=1, ensure_ascii=False) + "\n"))


def read_json(path: str | Path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
