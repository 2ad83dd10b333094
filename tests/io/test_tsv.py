"""Output TSVs as a spreadsheet reads them: no text cell is a formula, numbers stay numbers,
and the pipeline reads its own tables back as they were."""

import pytest
from spreadsheet import assert_no_formula, spreadsheet_cells

from alsmeta.io.tsv import read_tsv, write_tsv

HOSTILE = [
    '=HYPERLINK("http://example.org","x")',
    "+1+1",
    "-2: I² = 81% (τ²-based)",
    "@SUM(A1:A2)",
    "=",
    "-",
    "-inf",
    "'=already quoted once",
    "''@twice",
]
PLAIN = ["'no major adverse events'", "oh2018_msc", "p < 0.05", "1 - 2", "'"]


def test_hostile_text_is_quoted_and_numbers_are_not(tmp_path):
    path = tmp_path / "t.tsv"
    rows = [{"text": t, "number": -0.25} for t in HOSTILE + PLAIN]
    rows += [{"text": "-0.5", "number": 1.5e-3}, {"text": "+1.5e-3", "number": -3}]
    write_tsv(rows, ["text", "number"], path)
    cells = spreadsheet_cells(path)
    assert cells[0] == ["text", "number"]
    body = cells[1:]
    assert_no_formula(path)
    # Text that would be a formula gets exactly one quote in front; other text is unchanged.
    for written, original in zip((r[0] for r in body), HOSTILE + PLAIN, strict=False):
        expected = "'" + original if original in HOSTILE else original
        assert written == expected
    # Numbers written from floats and ints, and text that is a plain number, stay numbers.
    assert [float(r[1]) for r in body] == [r["number"] for r in rows]
    assert [r[0] for r in body[-2:]] == ["-0.5", "+1.5e-3"]
    assert body[-1][1] == "-3"


def test_read_tsv_gives_back_the_text_that_was_written(tmp_path):
    path = tmp_path / "t.tsv"
    rows = [{"text": t, "number": -0.25} for t in HOSTILE + PLAIN]
    write_tsv(rows, ["text", "number"], path)
    assert read_tsv(path) == rows


@pytest.mark.parametrize("bad", ["a\tb", "a\nb", "\rHYPERLINK", "a\rb"])
def test_a_cell_that_would_split_the_row_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="column 'text': a tab, newline or carriage return"):
        write_tsv([{"text": bad}], ["text"], tmp_path / "t.tsv")
