"""The summary-of-findings adapter (alsmeta.report.sof) and its editable exports, on the
stored summary_of_findings rows and on rows with the columns the table does not have yet."""

from __future__ import annotations

import csv

import docx
import pytest
from report_page import OUTCOMES, fixture

from alsmeta.analysis.grade.levels import SYMBOLS
from alsmeta.report.sof import (
    GROUP_LINE,
    SofRow,
    export_headers,
    interval_name,
    layout,
    rows_of,
)
from alsmeta.report.sof_export import write_docx, write_tsv


@pytest.fixture
def definitions(inputs):
    return inputs["config"]["outcome_definitions"]


@pytest.fixture
def table(definitions):
    return layout(rows_of(fixture("summary_of_findings"), definitions, OUTCOMES))


def test_a_column_the_table_does_not_have_yet_is_read_when_present(definitions):
    row = {**fixture("summary_of_findings")[0], "importance": "", "follow_up": ""}
    plain = SofRow.of(row, definitions[row["outcome"]])
    assert plain.importance == plain.follow_up == plain.outcome_details == ""
    richer = SofRow.of(
        {
            **row,
            "importance": "critical",
            "follow_up": "median 6 months",
            "indirectness": "-1: a population unlike the panel's",
            "other_framework": "Bayesian: 3.1% (95% CrI 0.2% to 40%)",
        },
        definitions[row["outcome"]],
    )
    assert richer.outcome_details == "critical; follow-up median 6 months"
    assert richer.other_framework.startswith("Bayesian")
    indirect = [d for d in richer.domains if d.name == "Indirectness"]
    assert [(d.levels, d.reason) for d in indirect] == [(-1, "a population unlike the panel's")]
    assert indirect[0].text == "Indirectness (\u22121): a population unlike the panel's"


def test_rows_are_grouped_and_reasons_numbered_once(table):
    assert [r.outcome for r in table.main] == [
        "serious_ae",
        "treatment_related_sae",
        "death",
        "headache",
        "slope_change",
    ]
    assert [r.outcome for r in table.later] == ["serious_ae_any_definition"]
    assert [r.outcome for r in table.no_study] == ["any_ae"]
    numbers = list(table.footnotes.values())
    assert numbers == list(range(1, len(numbers) + 1))
    every_reason = {d.text for r in (*table.main, *table.later) for d in r.domains}
    assert set(table.footnotes) == every_reason
    # Two rows with the same reason share its number.
    marks = [set(table.marks(r)) for r in (*table.main, *table.later)]
    assert any(a & b for i, a in enumerate(marks) for b in marks[i + 1 :])


def test_the_interval_is_named_from_config():
    pooling = {"level": 0.9, "primary_framework": "frequentist"}
    assert interval_name(pooling) == "90% CI"
    assert interval_name({**pooling, "primary_framework": "bayesian"}) == "90% CrI"
    assert interval_name({**pooling, "level": 0.975}) == "97.5% CI"
    assert export_headers("90% CI")[3:5] == [
        "Relative effect (90% CI)",
        "Absolute effect (90% CI)",
    ]


def test_the_tsv_pastes_as_one_table_with_its_footnotes(table, tmp_path):
    path = tmp_path / "sof.tsv"
    write_tsv(table, "95% CI", path)
    with open(path, encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle, delimiter="\t"))
    assert lines[0] == export_headers("95% CI")
    assert {len(line) for line in lines} == {8}
    first = lines[1]
    sae = table.main[0]
    assert first[0] == sae.label and first[2] == f"{sae.participants} ({sae.studies})"
    assert first[5] == f"{SYMBOLS[sae.certainty]} {sae.certainty}"
    assert first[6] == ", ".join(str(n) for n in table.marks(sae))
    labels = [line[0] for line in lines]
    assert labels.index(GROUP_LINE) == 1 + len(table.main)
    assert "No study met the criteria: Any adverse event." in labels
    notes = [line for line in lines if line[0].startswith("Footnote ")]
    assert [(n[0], n[-1]) for n in notes] == [
        (f"Footnote {n}", text) for text, n in table.footnotes.items()
    ]


def test_the_docx_is_an_editable_word_table_and_the_same_bytes_every_time(table, tmp_path):
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    write_docx(table, "95% CI", "Summary of findings", first)
    write_docx(table, "95% CI", "Summary of findings", second)
    assert first.read_bytes() == second.read_bytes()
    document = docx.Document(str(first))
    grid = document.tables[0]
    assert [c.text for c in grid.rows[0].cells] == export_headers("95% CI")
    rows = [[c.text for c in r.cells] for r in grid.rows[1:]]
    assert len(rows) == len(table.main) + 1 + len(table.later) + 1
    assert rows[0][0] == table.main[0].label
    # The group line and the no-study line span the table (one merged cell).
    assert set(rows[len(table.main)]) == {GROUP_LINE}
    assert set(rows[-1]) == {"No study met the criteria: Any adverse event."}
    paragraphs = [p.text for p in document.paragraphs]
    assert [f"{n}. {text}" for text, n in table.footnotes.items()] == paragraphs[
        -len(table.footnotes) :
    ]
