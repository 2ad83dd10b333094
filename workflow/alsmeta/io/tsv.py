"""Deterministic TSV output: fixed float format, no index, atomic replace."""

from __future__ import annotations

import math
from pathlib import Path

from alsmeta.io.files import atomic_write
from alsmeta.io.reading import INTEGER, NUMBER


def format_cell(value) -> str:
    """One cell: '' for missing, true/false, integers as such, floats to 10 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value == 0:
            return "0"
        return f"{value:.10g}"
    return str(value)


def write_tsv(rows: list[dict], columns: list[str], path: str | Path) -> None:
    """Write ``rows`` (dicts) with ``columns`` in order; the file appears whole or not at all."""

    def write(handle):
        handle.write("\t".join(columns) + "\n")
        for row in rows:
            cells = [format_cell(row.get(c)) for c in columns]
            for column, cell in zip(columns, cells, strict=True):
                if "\t" in cell or "\n" in cell:
                    raise ValueError(f"column {column!r}: a tab or newline in {cell!r}")
            handle.write("\t".join(cells) + "\n")

    atomic_write(path, write)


def _parse(text: str):
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if INTEGER.match(text):
        return int(text)
    if NUMBER.match(text):
        return float(text)
    return text


def read_tsv(path: str | Path) -> list[dict]:
    """Read a TSV this package wrote back into dicts with numbers and booleans parsed."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = handle.read().split("\n")
    header = lines[0].split("\t")
    return [
        dict(zip(header, map(_parse, line.split("\t")), strict=True)) for line in lines[1:] if line
    ]
