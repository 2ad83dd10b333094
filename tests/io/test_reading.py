"""Unreadable input files and malformed numbers: each gives one line naming the file,
the line and column, and what is wrong."""

import codecs
from pathlib import Path

import pytest
from badinput import copy_data, edit_cell, message

from alsmeta.io.reading import parse_number
from alsmeta.io.tsv import read_tsv


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path)


def test_latin1_is_named_with_its_byte_offset(data):
    path = data["arms"]
    line = edit_cell(path, "baek2012_msc", "notes", "café")
    raw = Path(path).read_text(encoding="utf-8").encode("latin-1")
    Path(path).write_bytes(raw)
    offset = raw.index(b"caf\xe9") + 3
    column = offset - raw.rindex(b"\n", 0, offset)
    assert message(data) == (
        f"{path}, line {line}, column {column}: byte 0xe9 at byte offset {offset} is not UTF-8 "
        "(is the file Latin-1 or Windows-1252? save it as UTF-8)"
    )


def test_utf16_is_named(data):
    path = data["studies"]
    Path(path).write_bytes(Path(path).read_text(encoding="utf-8").encode("utf-16"))
    assert message(data) == (
        f"{path}: is UTF-16 or UTF-32 text (as Excel's 'Unicode Text' saves it); save it as UTF-8"
    )


def test_a_utf8_byte_order_mark_is_dropped(data):
    path = data["studies"]
    Path(path).write_bytes(codecs.BOM_UTF8 + Path(path).read_bytes())
    line = edit_cell(path, "baek2012", "year", "20x2")
    assert message(data).startswith(f"{path}, line {line} (study_id 'baek2012'), column 'year'")


def test_a_directory_instead_of_a_file(data):
    path = data["quotes"]
    Path(path).unlink()
    Path(path).mkdir()
    assert message(data) == f"{path}: is a directory, not a file"


def test_a_nul_byte_is_named(data):
    path = data["arms"]
    line = edit_cell(path, "baek2012_msc", "notes", "a\0b")
    column = Path(path).read_text(encoding="utf-8").split("\n")[line - 1].index("\0") + 1
    assert message(data) == f"{path}, line {line}, column {column}: a NUL byte"


def test_an_over_long_cell(data):
    path = data["arms"]
    line = edit_cell(path, "baek2012_msc", "notes", "x" * 20_000)
    assert message(data) == (
        f"{path}, line {line} (arm_id 'baek2012_msc'), column 'notes': a cell of 20000 "
        "characters (at most 10000)"
    )


def test_a_cell_too_long_for_the_reader(data):
    path = data["arms"]
    line = edit_cell(path, "baek2012_msc", "notes", "x" * 200_000)
    assert message(data) == f"{path}, line {line}: a cell longer than 10000 characters"


def test_an_over_long_id_is_not_echoed_whole(data):
    path = data["arms"]
    line = edit_cell(path, "baek2012_msc", "arm_id", "a" * 5000)
    cut = f"'{'a' * 199}... (5002 characters)"
    assert message(data) == (
        f"{path}, line {line} (arm_id {cut}), column 'arm_id': {cut} does not match "
        "'^[a-z]+[0-9]{4}[a-z]?_[a-z0-9_]+$'"
    )


@pytest.mark.parametrize(
    "text", ["1_13", "nan", "NaN", "inf", "-Infinity", "1 3", "1.2.3", "0x1f", "1e"]
)
def test_the_number_grammar_refuses(data, text):
    path = data["efficacy"]
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    row_id = lines[1].split("\t")[0]
    line = edit_cell(path, row_id, "mean", text) if "mean" in lines[0].split("\t") else None
    assert message(data) == (
        f"{path}, line {line} (eff_id {row_id!r}), column 'mean': {text!r} is not a number "
        "(digits, one decimal point, an exponent)"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.13", 1.13), ("-0.5", -0.5), ("+2", 2.0), (".5", 0.5), ("1e-3", 0.001), ("3.", 3.0)],
)
def test_the_number_grammar_accepts(text, value):
    assert parse_number(text) == value


def test_results_tables_read_back_strictly(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\tc\n1_000\tnan\t2.5\n", encoding="utf-8")
    assert read_tsv(path) == [{"a": "1_000", "b": "nan", "c": 2.5}]
