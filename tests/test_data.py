"""The shipped data: traceable, and true to the shared sources it was built from.

The checks against ../shared need the shared folder beside the repository (as in CI);
without it they are skipped and say so.
"""

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from alsmeta.tables import TABLES, load_dataset

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
needs_shared = pytest.mark.skipif(
    not (SHARED / "extraction" / "DOSSIER.md").exists(),
    reason="../shared (dossier and seeds) is not beside the repository",
)

NUMERIC = {
    "arms": ["n_randomized", "n_treated"],
    "adverse_events": ["events", "percent", "n"],
    "efficacy": [
        "mean",
        "sd",
        "se",
        "ci_lower",
        "ci_upper",
        "p_value",
        "pre_mean",
        "pre_sd",
        "post_mean",
        "post_sd",
        "n",
        "comparator_n",
    ],
}


@pytest.fixture(scope="module")
def data():
    return load_dataset(
        {t: str(ROOT / "data" / f"{t}.tsv") for t in TABLES}, ROOT / "workflow" / "schemas"
    )


def test_every_number_has_source_locator_quote_and_tier(data):
    checked = 0
    for table, columns in NUMERIC.items():
        for row in data[table]:
            if any(row.get(c) is not None for c in columns):
                for field in ("locator", "quote_id", "tier"):
                    assert row.get(field), (table, row.line, field)
                if table != "arms":
                    assert row.get("source"), (table, row.line, "source")
                checked += 1
    assert checked >= 40


def test_quote_references_resolve_to_verbatim_text(data):
    quotes = {q["quote_id"]: q["text"] for q in data["quotes"]}
    for table in ("adverse_events", "efficacy"):
        for row in data[table]:
            for ref in row["quote_id"]:
                if not ref.startswith(("dossier:", "seed:")):
                    assert len(quotes[ref]) > 10


def test_every_dossier_trial_has_a_study_row(data):
    trials = {s["trial_id"] for s in data["studies"]}
    assert {f"T{i:02d}" for i in range(1, 21)} <= trials


@needs_shared
def test_seeds_are_the_shared_seeds_unchanged():
    shared = sorted(p.name for p in (SHARED / "seeds").iterdir())
    ours = sorted(p.name for p in (ROOT / "seeds").iterdir() if p.suffix == ".txt")
    assert ours == shared
    match, mismatch, errors = filecmp.cmpfiles(
        SHARED / "seeds", ROOT / "seeds", shared, shallow=False
    )
    assert mismatch == [] and errors == []


@needs_shared
def test_quotes_and_sources_regenerate_from_the_dossier(tmp_path):
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "data/tools/quotes_from_dossier.py"),
            str(SHARED / "extraction" / "DOSSIER.md"),
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for name in ("quotes.tsv", "sources.tsv"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / name).read_bytes(), name


@needs_shared
def test_every_quote_id_in_the_dossier_is_in_quotes_tsv(data):
    import re

    text = (SHARED / "extraction" / "DOSSIER.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^- \[([A-Z0-9]+-Q[0-9]+|M-[A-Z][0-9]+)\]", text, re.M))
    assert defined == {q["quote_id"] for q in data["quotes"]}
