"""Helpers for the bad-input tests: a writable copy of data/, one edited cell, the message
for bad data or a bad config."""

import shutil
from pathlib import Path

import pytest
import yaml

from alsmeta.io.config import check_config
from alsmeta.io.errors import InputError
from alsmeta.io.tables import TABLES, load_dataset, load_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "workflow" / "schemas"


def copy_data(tmp_path) -> dict:
    """A writable copy of data/ and the paths load_dataset takes."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return {t: str(tmp_path / "data" / f"{t}.tsv") for t in TABLES}


def shipped_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def edit_cell(path, row_id, column, value):
    """Set one cell of the row whose first cell is row_id; returns the file line number."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if cells[0] == row_id:
            cells[header.index(column)] = value
            lines[number - 1] = "\t".join(cells)
            Path(path).write_text("\n".join(lines), encoding="utf-8")
            return number
    raise AssertionError(f"{row_id} not in {path}")


def message(paths):
    """The one-line message load_dataset raises for the tables at ``paths``."""
    with pytest.raises(InputError) as info:
        load_dataset(paths, SCHEMAS)
    return str(info.value)


def config_message(config: dict) -> str:
    """The one-line message the config check raises for ``config`` (it must refuse it)."""
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    return str(info.value)
