"""A TSV as a spreadsheet reads it: the cells, and whether any would run as a formula."""

import csv
import re

#: What a spreadsheet treats as the start of a formula (OWASP, "CSV Injection").
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: A cell a spreadsheet reads as a number (plain decimal notation).
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cells(path):
    """Every cell, as Python's csv module (like a spreadsheet's import) splits the file."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def assert_no_formula(path):
    """No cell a spreadsheet would run: each cell starting with a trigger is a number."""
    for line, row in enumerate(spreadsheet_cells(path), start=1):
        for cell in row:
            if cell.startswith(TRIGGERS):
                assert NUMBER.fullmatch(cell), f"{path}, line {line}: formula cell {cell!r}"
