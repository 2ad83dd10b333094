"""Deterministic TSV output: fixed float format, no index, atomic replace, no formulas.

A spreadsheet opening a TSV runs a text cell that begins with ``=``, ``+``, ``-`` or ``@``
as a formula (OWASP, "CSV Injection"). :func:`write_tsv` therefore writes such a text cell
with one ``'`` in front (``-2: I² = 81%`` is written ``'-2: I² = 81%``), which makes every
spreadsheet show it as text. Numbers are not text: a float or int is written as the number,
and a str that is a plain decimal number (``-0.25``, ``+1.5e-3``) is one a spreadsheet reads
as that number, so neither gets the quote. A tab, newline or carriage return (OWASP's other
two triggers among them) cannot be in a cell at all: it would split the row. A text cell
that already begins with quotes before a trigger gets one more, so that :func:`read_tsv`,
which removes one, gives back exactly the text that was written.
"""

from __future__ import annotations

import math
from pathlib import Path

from alsmeta.io.files import atomic_write
from alsmeta.io.reading import INTEGER, NUMBER

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
#: The one character put before such a cell.
TEXT_PREFIX = "'"


def needs_text_prefix(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` (after any leading quotes) as a formula."""
    bare = text.lstrip(TEXT_PREFIX)
    return bare.startswith(FORMULA_TRIGGERS) and not NUMBER.match(bare)


def safe_text(text: str) -> str:
    """``text`` as written to a cell: with one ``'`` in front if it would be a formula."""
    return TEXT_PREFIX + text if needs_text_prefix(text) else text


def unsafe_text(cell: str) -> str:
    """The inverse of :func:`safe_text`: the text a written cell holds."""
    return cell[1:] if cell.startswith(TEXT_PREFIX) and needs_text_prefix(cell) else cell


def format_cell(value) -> str:
    """One cell: '' for missing, true/false, integers as such, floats to 10 significant
    digits, text as :func:`safe_text` writes it."""
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
    return safe_text(str(value))


def write_tsv(rows: list[dict], columns: list[str], path: str | Path) -> None:
    """Write ``rows`` (dicts) with ``columns`` in order; the file appears whole or not at all."""

    def write(handle):
        handle.write("\t".join(columns) + "\n")
        for row in rows:
            cells = [format_cell(row.get(c)) for c in columns]
            for column, cell in zip(columns, cells, strict=True):
                if "\t" in cell or "\n" in cell or "\r" in cell:
                    raise ValueError(
                        f"column {column!r}: a tab, newline or carriage return in {cell!r}"
                    )
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
    return unsafe_text(text)


def read_tsv(path: str | Path) -> list[dict]:
    """Read a TSV this package wrote back into dicts with numbers and booleans parsed and
    text as it was before :func:`write_tsv` guarded it against formulas."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = handle.read().split("\n")
    header = lines[0].split("\t")
    return [
        dict(zip(header, map(_parse, line.split("\t")), strict=True)) for line in lines[1:] if line
    ]
