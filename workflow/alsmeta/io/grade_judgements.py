"""data/grade_judgements.tsv: the GRADE judgements a panel records, read strictly.

The table is read with the strict reading layer (:func:`alsmeta.io.tables.read_table`:
every cell typed and checked against workflow/schemas/grade_judgements.schema.yaml), then
checked across rows: the outcome is defined in config ``outcome_definitions``, the
judgement fits its domain (rating down or up), and an outcome has at most one row per
domain. The first problem stops the run with one line naming the file, the line and the
column.
"""

from __future__ import annotations

from pathlib import Path

from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_schema, read_table

#: Domains that rate up, and the judgements each side accepts.
UPGRADING = ("large_effect", "dose_response", "plausible_confounding")
DOWN_WORDS = ("not_serious", "serious", "very_serious")
UP_WORDS = ("no_upgrade", "upgrade_one", "upgrade_two")


def read_judgements(path: str | Path, schema_path: str | Path, outcomes) -> list[dict]:
    """The recorded judgements as dicts (the row's columns and its ``line``); ``outcomes``:
    the defined outcome names."""
    path = str(path)
    rows = read_table(path, load_schema(schema_path), "outcome")
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in rows:
        where = f"{path}, line {row.line}"
        if row["outcome"] not in outcomes:
            raise InputError(
                f"{where}, column 'outcome'",
                f"unknown outcome {row['outcome']!r} (not in config outcome_definitions)",
            )
        domain, judgement = row["domain"], row["judgement"]
        allowed = UP_WORDS if domain in UPGRADING else DOWN_WORDS
        if judgement not in allowed:
            raise InputError(
                f"{where}, column 'judgement'",
                f"{judgement!r} does not fit domain {domain!r} (one of {', '.join(allowed)})",
            )
        key = (row["outcome"], domain)
        if key in seen:
            raise InputError(
                f"{where}, column 'domain'",
                f"a second {domain!r} judgement for {row['outcome']!r} (first on line {seen[key]})",
            )
        seen[key] = row.line
        out.append({**row.values, "line": row.line})
    return out
