"""Writing outputs so that a file appears whole or not at all, and JSON records between jobs."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then rename it into place:
    a failed job never leaves a half-written output."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(record, path: str | Path) -> None:
    """A job's intermediate result, read back exactly (floats round-trip), in a stable order."""
    atomic_write(path, lambda h: h.write(json.dumps(record, indent=1, ensure_ascii=False) + "\n"))


def read_json(path: str | Path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
