"""Reading and validating the extracted trial tables.

Each table in ``data/`` has a JSON-schema (YAML) in ``workflow/schemas/`` that is both
its documentation and its contract. A cell is read as text, converted by the type the
schema gives its column, and the row is then checked with :mod:`jsonschema`; the first
problem stops the run with one line naming the file, the line, the row id and the
column. Cross-table checks (unknown ids, events > N, duplicate ids) follow.

Only the standard library, PyYAML and jsonschema are imported here: the workflow
validates its inputs when it is parsed, before any job starts, and that must stay fast.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from .errors import InputError

#: Tables in the order they are validated, with the column holding each row's id.
TABLES: dict[str, str] = {
    "quotes": "quote_id",
    "sources": "source_ref",
    "studies": "study_id",
    "arms": "arm_id",
    "adverse_events": "ae_id",
    "efficacy": "eff_id",
    "gaps": "study_id",
}

#: Quote references that point at something other than a dossier quote: a value the
#: dossier prints only in one of its tables (``dossier:T03``), its list of non-MSC
#: studies (``dossier:non_msc``), or a seed document (``seed:001_0e30866ec1de99a6``).
_NON_QUOTE_REF = re.compile(r"^(dossier:(T[0-9]{2}|non_msc)|seed:[0-9]{3}_[0-9a-f]{16})$")
_INTEGER = re.compile(r"^-?[0-9]+$")


@dataclass(frozen=True)
class Row:
    """One data row: typed values by column, and the line it came from."""

    line: int
    values: dict

    def get(self, column, default=None):
        return self.values.get(column, default)

    def __getitem__(self, column):
        return self.values[column]


def load_schema(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _row_schema(schema: dict) -> dict:
    """The schema a typed row is checked against: separated cells become arrays."""
    props = {}
    for name, spec in schema["properties"].items():
        spec = dict(spec)
        if "x-separator" in spec:
            items = spec.pop("items", {})
            spec = {"type": "array", "items": {"type": "string", **items}}
        spec.pop("x-separator", None)
        props[name] = spec
    out = dict(schema)
    out["properties"] = props
    return out


def _convert(text: str, spec: dict):
    """Convert one non-empty cell by its schema type, or raise ValueError."""
    if "x-separator" in spec:
        parts = [p.strip() for p in text.split(spec["x-separator"])]
        if any(p == "" for p in parts):
            raise ValueError(f"empty item in the list {text!r}")
        return parts
    kind = spec.get("type", "string")
    if kind == "integer":
        if not _INTEGER.match(text):
            raise ValueError(f"{text!r} is not a whole number")
        return int(text)
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text == "true"
    return text


def _describe(error: jsonschema.ValidationError) -> tuple[str | None, str]:
    """Column and a short message for a jsonschema error on a row."""
    if error.validator == "required":
        column = re.search(r"'([^']+)'", error.message).group(1)
        return column, "a value is required"
    column = error.path[0] if error.path else None
    return column, error.message


def read_table(path: str | Path, schema: dict, id_column: str) -> list[Row]:
    """Read one TSV table and check every row against its schema."""
    path = str(path)
    properties = schema["properties"]
    try:
        handle = open(path, encoding="utf-8", newline="")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    with handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(path, "the file is empty (a header row is required)") from None
        header = [h.strip() for h in header]
        for column in header:
            if column not in properties:
                raise InputError(
                    f"{path}, line 1",
                    f"unknown column {column!r} (allowed: {', '.join(properties)})",
                )
        seen = set()
        for column in header:
            if column in seen:
                raise InputError(f"{path}, line 1", f"column {column!r} appears twice")
            seen.add(column)
        for column in schema.get("required", []):
            if column not in header:
                raise InputError(path, f"missing column {column!r}")
        validator = jsonschema.Draft7Validator(_row_schema(schema))
        rows = []
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise InputError(
                    f"{path}, line {line}",
                    f"{len(cells)} cells but the header has {len(header)} columns",
                )
            values = {}
            row_id = cells[header.index(id_column)].strip() if id_column in header else ""
            where = f"{path}, line {line}" + (f" ({id_column} {row_id!r})" if row_id else "")
            for column, cell in zip(header, cells, strict=True):
                cell = cell.strip()
                if cell == "":
                    continue
                try:
                    values[column] = _convert(cell, properties[column])
                except ValueError as exc:
                    raise InputError(f"{where}, column {column!r}", str(exc)) from None
            errors = sorted(validator.iter_errors(values), key=lambda e: (list(e.path), e.message))
            if errors:
                column, message = _describe(errors[0])
                raise InputError(f"{where}, column {column!r}", message)
            rows.append(Row(line, values))
    return rows


def _check_unique(path: str, rows: list[Row], column: str) -> None:
    first = {}
    for row in rows:
        key = row.get(column)
        if key in first:
            raise InputError(
                f"{path}, line {row.line}, column {column!r}",
                f"duplicate id {key!r} (first used on line {first[key]})",
            )
        first[key] = row.line


def _check_ref(path, row, column, known, what, value=None):
    value = row.get(column) if value is None else value
    if value is not None and value not in known:
        raise InputError(f"{path}, line {row.line}, column {column!r}", f"unknown {what} {value!r}")


def load_dataset(paths: dict[str, str], schema_dir: str | Path) -> dict[str, list[Row]]:
    """Read and validate every table, then check the references between them.

    ``paths`` maps each table name in :data:`TABLES` to its file. Returns the typed rows
    by table name. Raises :class:`InputError` at the first problem.
    """
    schema_dir = Path(schema_dir)
    missing = [name for name in TABLES if name not in paths]
    if missing:
        raise InputError("config key 'data'", f"no path given for table(s) {', '.join(missing)}")
    data = {}
    for name, id_column in TABLES.items():
        schema = load_schema(schema_dir / f"{name}.schema.yaml")
        data[name] = read_table(paths[name], schema, id_column)
    for name, id_column in TABLES.items():
        if name not in ("gaps", "sources"):
            _check_unique(paths[name], data[name], id_column)

    quotes = {r["quote_id"] for r in data["quotes"]}
    studies = {r["study_id"]: r for r in data["studies"]}
    arms = {r["arm_id"]: r for r in data["arms"]}

    def check_quotes(table, column):
        for row in data[table]:
            for ref in row.get(column) or []:
                if ref not in quotes and not _NON_QUOTE_REF.match(ref):
                    raise InputError(
                        f"{paths[table]}, line {row.line}, column {column!r}",
                        f"unknown quote id {ref!r} (not in {paths['quotes']})",
                    )

    check_quotes("studies", "quote_ids")
    for table in ("arms", "adverse_events", "efficacy", "gaps"):
        check_quotes(table, "quote_id")
    for table in ("arms", "adverse_events", "efficacy", "gaps"):
        for row in data[table]:
            _check_ref(paths[table], row, "study_id", studies, "study_id")
    for table in ("adverse_events", "efficacy"):
        for row in data[table]:
            for column in ("arm_id", "comparator_arm_id"):
                _check_ref(paths[table], row, column, arms, "arm_id")
                arm = arms.get(row.get(column))
                if arm is not None and arm["study_id"] != row["study_id"]:
                    raise InputError(
                        f"{paths[table]}, line {row.line}, column {column!r}",
                        f"arm {arm['arm_id']!r} belongs to study {arm['study_id']!r}, "
                        f"not {row['study_id']!r}",
                    )

    _check_adverse_events(paths["adverse_events"], data["adverse_events"])
    _check_efficacy(paths["efficacy"], data["efficacy"])
    return data


def _check_adverse_events(path: str, rows: list[Row]) -> None:
    for row in rows:
        where = f"{path}, line {row.line} (ae_id {row['ae_id']!r})"
        basis, events, percent = row["count_basis"], row.get("events"), row.get("percent")
        if basis == "count" and events is None:
            raise InputError(
                f"{where}, column 'events'", "count_basis is 'count' but events is empty"
            )
        if basis == "statement_none" and events != 0:
            raise InputError(
                f"{where}, column 'events'", "count_basis is 'statement_none', so events must be 0"
            )
        if basis == "percent":
            if percent is None:
                raise InputError(
                    f"{where}, column 'percent'", "count_basis is 'percent' but percent is empty"
                )
            if events is not None:
                raise InputError(
                    f"{where}, column 'events'",
                    "leave events empty when count_basis is 'percent': the pipeline derives it",
                )
        if events is not None and events > row["n"]:
            raise InputError(
                f"{where}, column 'events'", f"events ({events}) exceed n ({row['n']})"
            )


def _check_efficacy(path: str, rows: list[Row]) -> None:
    primary = {}
    for row in rows:
        where = f"{path}, line {row.line} (eff_id {row['eff_id']!r})"
        lo, hi = row.get("ci_lower"), row.get("ci_upper")
        if (lo is None) != (hi is None):
            column = "ci_upper" if hi is None else "ci_lower"
            raise InputError(f"{where}, column {column!r}", "a CI needs both limits")
        if lo is not None and lo > hi:
            raise InputError(
                f"{where}, column 'ci_lower'", f"ci_lower ({lo}) exceeds ci_upper ({hi})"
            )
        contrast = row["measure"] == "slope_change_difference"
        if contrast and row.get("comparator_arm_id") is None:
            raise InputError(
                f"{where}, column 'comparator_arm_id'",
                "a slope_change_difference needs the comparator arm",
            )
        if not contrast and row.get("comparator_arm_id") is not None:
            raise InputError(
                f"{where}, column 'comparator_arm_id'",
                "only slope_change_difference rows have a comparator "
                f"(measure is {row['measure']!r})",
            )
        if row["measure"] == "slope_pre_post":
            for column in ("pre_mean", "post_mean"):
                if row.get(column) is None:
                    raise InputError(
                        f"{where}, column {column!r}",
                        "a slope_pre_post row needs pre_mean and post_mean",
                    )
        elif row.get("mean") is None:
            raise InputError(f"{where}, column 'mean'", f"a {row['measure']} row needs its mean")
        if row["is_primary"]:
            family = "difference" if contrast else "within_arm"
            key = (row["study_id"], row["arm_id"], row.get("comparator_arm_id"), family)
            if key in primary:
                raise InputError(
                    f"{where}, column 'is_primary'",
                    f"a second primary row for arm {row['arm_id']!r} (the first is on line "
                    f"{primary[key]}); mark one row per arm and measure as primary",
                )
            primary[key] = row.line
