"""Reading and validating the extracted trial tables.

Each table in ``data/`` has a JSON-schema (YAML) in ``workflow/schemas/`` that is both
its documentation and its contract. A cell is read as text, converted by the type the
schema gives its column, and the row is then checked with :mod:`jsonschema`. Cross-table
checks (unknown ids, events > N, duplicate ids) follow. One pass lists every problem
(:class:`~alsmeta.io.errors.InputErrors`), one line each naming the file, the line, the
row id and the column, with "did you mean" where a close id exists; the cross-table checks
run once every cell reads, so that a bad cell is not reported again as a missing id.

Only the standard library and jsonschema are imported here: the workflow validates its
inputs when it is parsed, before any job starts (:mod:`alsmeta.io.input_checks`), and that
must stay fast. The table names and the schemas themselves are :mod:`alsmeta.io.schemas`.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema

from alsmeta.io.errors import InputError, InputErrors, did_you_mean
from alsmeta.io.reading import (
    MAX_FIELD,
    echo,
    parse_integer,
    parse_number,
    read_text,
    short_message,
)
from alsmeta.io.risk_of_bias import TOOLS, tool_for_design
from alsmeta.io.schemas import TABLES, file_stamp, load_schema

#: The tables that hold extracted numbers (one value row each), with their id column.
VALUE_TABLES = {"adverse_events": "ae_id", "efficacy": "eff_id", "responders": "resp_id"}

#: Tables that cannot be empty: the analysis is of studies, through their arms.
_NOT_EMPTY = {"studies": "a study", "arms": "an arm"}

#: Tables whose id column is not unique by design.
_NOT_UNIQUE = ("gaps", "sources", "dossier_gaps", "risk_of_bias")

#: Quote references that point at something other than a dossier quote: a value the
#: dossier prints only in one of its tables (``dossier:T03``), its list of non-MSC
#: studies (``dossier:non_msc``), or a seed document (``seed:001_0e30866ec1de99a6``).
_NON_QUOTE_REF = re.compile(r"^(dossier:(T[0-9]{2}|non_msc)|seed:[0-9]{3}_[0-9a-f]{16})$")


@dataclass(frozen=True)
class Row:
    """One data row: typed values by column, and the line it came from."""

    line: int
    values: dict

    def get(self, column, default=None):
        return self.values.get(column, default)

    def __getitem__(self, column):
        return self.values[column]


def read_named_table(path: str | Path, schema_path: str | Path, table: str) -> list[Row]:
    """One table of :data:`TABLES`, checked against its schema; read once per process
    while the files are unchanged (the rows are to be treated as read-only)."""
    return _read_named_table(
        str(path), file_stamp(path), str(schema_path), file_stamp(schema_path), table
    )


@functools.lru_cache(maxsize=16)
def _read_named_table(path, _stamp, schema_path, _schema_stamp, table) -> list[Row]:
    return read_table(path, load_schema(schema_path), TABLES[table])


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
        return parse_integer(text)
    if kind == "number":
        return parse_number(text)
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError(f"{echo(text)} is not true or false")
        return text == "true"
    return text


def _describe(error: jsonschema.ValidationError) -> tuple[str | None, str]:
    """Column and a short message for a jsonschema error on a row."""
    if error.validator == "required":
        column = re.search(r"'([^']+)'", error.message).group(1)
        return column, "a value is required"
    column = error.path[0] if error.path else None
    message = short_message(error)
    if error.validator == "enum":
        message += did_you_mean(error.instance, error.validator_value)
    return column, message


def read_table(
    path: str | Path, schema: dict, id_column: str, errors: list | None = None
) -> list[Row]:
    """Read one TSV table and check every row against its schema.

    A problem with the file or its header raises :class:`InputError`. A problem in a row
    raises it too, unless ``errors`` is given: then each bad row's first problem is added
    to ``errors``, the row is left out, and reading goes on."""
    path = str(path)
    properties = schema["properties"]
    text = read_text(path)
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        records = _rows(path, reader)
        try:
            header = next(records)[1]
        except StopIteration:
            raise InputError(path, "the file is empty (a header row is required)") from None
        header = [h.strip() for h in header]
        for column in header:
            if column not in properties:
                raise InputError(
                    f"{path}, line 1",
                    f"unknown column {echo(column)} (allowed: {', '.join(properties)})",
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
        for line, cells in records:
            if not any(c.strip() for c in cells):
                continue
            try:
                rows.append(_read_row(path, line, cells, header, properties, validator, id_column))
            except InputError as error:
                if errors is None:
                    raise
                errors.append(error)
    return rows


def _read_row(path, line, cells, header, properties, validator, id_column) -> Row:
    """One row, converted and checked against the schema (InputError at its first problem)."""
    if len(cells) != len(header):
        raise InputError(
            f"{path}, line {line}",
            f"{len(cells)} cells but the header has {len(header)} columns",
        )
    values = {}
    row_id = cells[header.index(id_column)].strip() if id_column in header else ""
    where = f"{path}, line {line}" + (f" ({id_column} {echo(row_id)})" if row_id else "")
    for column, cell in zip(header, cells, strict=True):
        if len(cell) > MAX_FIELD:
            raise InputError(
                f"{where}, column {column!r}",
                f"a cell of {len(cell)} characters (at most {MAX_FIELD})",
            )
        cell = cell.strip()
        if cell == "":
            continue
        try:
            values[column] = _convert(cell, properties[column])
        except ValueError as exc:
            raise InputError(f"{where}, column {column!r}", str(exc)) from None
    problems = sorted(validator.iter_errors(values), key=lambda e: (list(e.path), e.message))
    if problems:
        column, message = _describe(problems[0])
        raise InputError(f"{where}, column {column!r}", message)
    return Row(line, values)


def _rows(path: str, reader):
    """(line, cells) for each row of ``reader``; a cell too long for the reader is an
    InputError naming its line."""
    line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise InputError(
                f"{path}, line {reader.line_num}", f"a cell longer than {MAX_FIELD} characters"
            ) from None
        line += 1
        yield line, cells


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
        raise InputError(
            f"{path}, line {row.line}, column {column!r}",
            f"unknown {what} {value!r}{did_you_mean(value, known)}",
        )


def load_dataset(paths: dict[str, str], schema_dir: str | Path) -> dict[str, list[Row]]:
    """Read and validate every table, then check the references between them.

    ``paths`` maps each table name in :data:`TABLES` to its file. Returns the typed rows
    by table name (to be treated as read-only). Raises :class:`InputErrors` listing every
    problem found (the cross-table checks once every cell reads). The workflow validates
    when it is parsed and its jobs run in the same process, so a dataset is read once per
    process while its files are unchanged.
    """
    missing = [name for name in TABLES if name not in paths]
    if missing:
        raise InputError("config key 'data'", f"no path given for table(s) {', '.join(missing)}")
    return _load_dataset(
        tuple((name, str(paths[name]), file_stamp(paths[name])) for name in TABLES),
        str(schema_dir),
        _stamp_dir(schema_dir),
    )


def load_job_dataset(inputs) -> dict[str, list[Row]]:
    """The dataset a job's named inputs hold (one input per table, and ``schemas``)."""
    return load_dataset({t: inputs[t] for t in TABLES}, Path(inputs.schemas[0]).parent)


def _stamp_dir(folder) -> tuple:
    return tuple(sorted((p.name, file_stamp(p)) for p in Path(folder).glob("*.yaml")))


@functools.lru_cache(maxsize=4)
def _load_dataset(files: tuple, schema_dir: str, _schemas: tuple) -> dict[str, list[Row]]:
    paths = {name: path for name, path, _ in files}
    schema_dir = Path(schema_dir)
    data = {}
    errors: list[InputError] = []
    had_rows = {}
    for name, id_column in TABLES.items():
        schema = load_schema(schema_dir / f"{name}.schema.yaml")
        before = len(errors)
        try:
            data[name] = read_table(paths[name], schema, id_column, errors)
        except InputError as error:
            errors.append(error)
            data[name] = None
        had_rows[name] = bool(data[name]) or len(errors) > before
    for name, what in _NOT_EMPTY.items():
        if not had_rows[name]:
            errors.append(
                InputError(
                    paths[name],
                    f"the table has a header but no rows (at least {what} is required)",
                )
            )
    if errors:
        raise InputErrors(errors)
    for name, id_column in TABLES.items():
        if name not in _NOT_UNIQUE:
            _collect(errors, _check_unique, paths[name], data[name], id_column)
    _check_references(paths, data, errors)
    if errors:
        raise InputErrors(errors)
    return data


def _collect(errors: list, check, *args) -> None:
    """Run ``check(*args)``; the InputError it raises, if any, joins ``errors``."""
    try:
        check(*args)
    except InputError as error:
        errors.append(error)


def _check_references(paths: dict, data: dict, errors: list) -> None:
    """The checks between tables (ids that must exist, arms of the right study, counts
    within their denominators, ...), every problem added to ``errors``."""

    # A seed quote id (SEED000-Q1) also fits the dossier pattern: each id lives in one table.
    in_quotes = {r["quote_id"]: r.line for r in data["quotes"]}
    for row in data["extra_quotes"]:
        if row["quote_id"] in in_quotes:
            errors.append(
                InputError(
                    f"{paths['extra_quotes']}, line {row.line}, column 'quote_id'",
                    f"quote id {row['quote_id']!r} is also in {paths['quotes']} (line "
                    f"{in_quotes[row['quote_id']]}); a quote id belongs to one quote table",
                )
            )
    quotes = {r["quote_id"]: r["trial_id"] for r in data["quotes"] + data["extra_quotes"]}
    studies = {r["study_id"]: r for r in data["studies"]}
    _check_quote_sources(paths, data, errors)
    arms = {r["arm_id"]: r for r in data["arms"]}

    def check_quotes(table, column):
        for row in data[table]:
            for ref in row.get(column) or []:
                if ref not in quotes and not _NON_QUOTE_REF.match(ref):
                    errors.append(
                        InputError(
                            f"{paths[table]}, line {row.line}, column {column!r}",
                            f"unknown quote id {ref!r} (not in {paths['quotes']} or "
                            f"{paths['extra_quotes']}){did_you_mean(ref, quotes)}",
                        )
                    )
                study = studies.get(row.get("study_id"))
                # (a review's quote, trial M, may speak of any trial)
                if (
                    ref in quotes
                    and study is not None
                    and quotes[ref] not in ("M", study["trial_id"])
                ):
                    errors.append(
                        InputError(
                            f"{paths[table]}, line {row.line}, column {column!r}",
                            f"quote {ref!r} is from trial {quotes[ref]}, but study "
                            f"{study['study_id']!r} is trial {study['trial_id']} (a row cites "
                            "quotes of its own trial)",
                        )
                    )

    check_quotes("studies", "quote_ids")
    check_quotes("risk_of_bias", "quote_ids")
    for table in ("arms", *VALUE_TABLES, "gaps", "conflicts", "overlap_groups"):
        check_quotes(table, "quote_id")
    for table in ("arms", *VALUE_TABLES, "gaps", "conflicts", "risk_of_bias"):
        for row in data[table]:
            _collect(errors, _check_ref, paths[table], row, "study_id", studies, "study_id")
    for row in data["arms"]:
        treated, randomized = row.get("n_treated"), row.get("n_randomized")
        if treated is not None and randomized is not None and treated > randomized:
            errors.append(
                InputError(
                    f"{paths['arms']}, line {row.line} (arm_id {row['arm_id']!r}), "
                    "column 'n_treated'",
                    f"n_treated ({treated}) exceeds n_randomized ({randomized})",
                )
            )
    for table, id_column in VALUE_TABLES.items():
        for row in data[table]:
            if row.get("comparator_arm_id") is not None and row["comparator_arm_id"] == row.get(
                "arm_id"
            ):
                errors.append(
                    InputError(
                        f"{paths[table]}, line {row.line} ({id_column} {row[id_column]!r}), "
                        "column 'comparator_arm_id'",
                        f"arm {row['arm_id']!r} is its own comparator",
                    )
                )
            for column in ("arm_id", "comparator_arm_id"):
                _collect(errors, _check_ref, paths[table], row, column, arms, "arm_id")
                arm = arms.get(row.get(column))
                # (a row of an unknown study is reported once, above, not once per arm)
                if (
                    arm is not None
                    and arm["study_id"] in studies
                    and arm["study_id"] != row["study_id"]
                ):
                    errors.append(
                        InputError(
                            f"{paths[table]}, line {row.line}, column {column!r}",
                            f"arm {arm['arm_id']!r} belongs to study {arm['study_id']!r}, "
                            f"not {row['study_id']!r}",
                        )
                    )

    _collect(errors, _check_durations, paths["studies"], data["studies"])
    appraised = [r for r in data["risk_of_bias"] if r["study_id"] in studies]
    _collect(errors, _check_risk_of_bias, paths["risk_of_bias"], appraised, studies)
    _collect(errors, _check_overlap_groups, paths, data)
    _collect(errors, _check_conflicts, paths, data)
    _collect(errors, _check_adverse_events, paths["adverse_events"], data["adverse_events"])
    _collect(errors, _check_efficacy, paths["efficacy"], data["efficacy"])
    _collect(errors, _check_responders, paths["responders"], data["responders"])


#: A source reference within a trial's sources (sources.tsv): [S1].
_SOURCE_REF = re.compile(r"\[S[0-9]+\]")


def _check_quote_sources(paths: dict, data: dict, errors: list) -> None:
    """Every quote names its source: each ``[Sn]`` in a quote's ``source_ref`` is a row of
    the sources table for the quote's trial (a meta-analysis quote, trial ``M``, names its
    address instead)."""
    sources = {(r["trial_id"], r["source_ref"]) for r in data["sources"]}
    for row in data["quotes"]:
        if row["trial_id"] == "M":
            continue
        refs = _SOURCE_REF.findall(row["source_ref"])
        where = f"{paths['quotes']}, line {row.line} (quote_id {row['quote_id']!r}), column "
        if not refs:
            errors.append(
                InputError(
                    f"{where}'source_ref'",
                    f"{row['source_ref']!r} names no source: write its [Sn] in {paths['sources']}",
                )
            )
        for ref in refs:
            if (row["trial_id"], ref) not in sources:
                errors.append(
                    InputError(
                        f"{where}'source_ref'",
                        f"no source {ref} of trial {row['trial_id']} in {paths['sources']} "
                        f"(add a row: {row['trial_id']}, {ref}, what and where the source is)",
                    )
                )


def _check_risk_of_bias(path: str, rows: list[Row], studies: dict) -> None:
    """Each row's tool fits the study's design, its domain the tool, its judgement the
    tool's vocabulary; one row per study, scope and domain; every domain for scope all."""
    first: dict[tuple, int] = {}
    seen: dict[str, dict] = {}
    for row in rows:
        study = row["study_id"]
        where = f"{path}, line {row.line} (study_id {study!r})"
        tool = TOOLS[row["tool"]]
        expected = tool_for_design(studies[study]["design"])
        if expected != row["tool"]:
            raise InputError(
                f"{where}, column 'tool'",
                f"{row['tool']!r} does not fit design {studies[study]['design']!r} "
                f"(use {expected or 'no tool: this design is not appraised'})",
            )
        if row["domain"] not in tool.domains:
            raise InputError(
                f"{where}, column 'domain'",
                f"{row['domain']!r} is not a domain of {tool.name} ({', '.join(tool.domains)})",
            )
        if row["judgement"] not in tool.judgements:
            raise InputError(
                f"{where}, column 'judgement'",
                f"{row['judgement']!r} is not a {tool.name} judgement "
                f"({', '.join(tool.judgements)})",
            )
        key = (study, row["outcome_scope"], row["domain"])
        if key in first:
            raise InputError(
                f"{where}, column 'domain'",
                f"a second row for {row['domain']} with scope {row['outcome_scope']!r} "
                f"(the first is on line {first[key]})",
            )
        first[key] = row.line
        seen.setdefault(study, {"line": row.line, "domains": set()})
        if row["outcome_scope"] == "all":
            seen[study]["domains"].add(row["domain"])
    for study, info in seen.items():
        tool = TOOLS[tool_for_design(studies[study]["design"])]
        missing = [d for d in tool.domains if d not in info["domains"]]
        if missing:
            raise InputError(
                f"{path}, line {info['line']} (study_id {study!r}), column 'domain'",
                f"no row with scope 'all' for {', '.join(missing)} ({tool.name} needs every "
                "domain)",
            )


def _check_durations(path: str, rows: list[Row]) -> None:
    """A duration and its unit come together (studies: lead_in, follow_up)."""
    for row in rows:
        for column in ("lead_in", "follow_up"):
            if (row.get(column) is None) != (row.get(f"{column}_unit") is None):
                missing = f"{column}_unit" if row.get(column) is not None else column
                raise InputError(
                    f"{path}, line {row.line} (study_id {row['study_id']!r}), column {missing!r}",
                    f"{column} and {column}_unit go together",
                )


def _described(described: dict, group: str, where: str, path: str, noun: str) -> Row:
    """The row of ``path`` that describes ``group`` (used at ``where``); an InputError
    when it has none."""
    if group not in described:
        raise InputError(where, f"{noun} {group!r} is not in {path}")
    return described[group]


def _check_overlap_groups(paths: dict, data: dict) -> None:
    """Every overlap group used is described, at the right level, with two members or more."""
    described = {g["overlap_group"]: g for g in data["overlap_groups"]}
    members: dict[str, set[str]] = {name: set() for name in described}
    studies: dict[str, tuple[str, int]] = {}
    for table, level, id_column in (("studies", "study", "study_id"), ("arms", "arm", "arm_id")):
        for row in data[table]:
            for group in row.get("overlap_group") or []:
                where = f"{paths[table]}, line {row.line}, column 'overlap_group'"
                description = _described(
                    described, group, where, paths["overlap_groups"], "overlap group"
                )
                if description["level"] != level:
                    raise InputError(
                        where,
                        f"overlap group {group!r} has level {description['level']!r} in "
                        f"{paths['overlap_groups']}, but is used on a {level} row",
                    )
                members[group].add(row[id_column])
                study = studies.setdefault(group, (row["study_id"], row.line))
                if level == "arm" and study[0] != row["study_id"]:
                    raise InputError(
                        where,
                        f"arm-level overlap group {group!r} spans two studies ({study[0]!r} on "
                        f"line {study[1]}, {row['study_id']!r} here); an arm-level group "
                        "holds arms of one study",
                    )
    for group, row in described.items():
        if len(members[group]) < 2:
            raise InputError(
                f"{paths['overlap_groups']}, line {row.line} (overlap_group {group!r})",
                f"an overlap group needs two members or more; found {sorted(members[group])}",
            )


def _check_conflicts(paths: dict, data: dict) -> None:
    """Every conflict group used is described; rows use its versions, and all its versions exist."""
    described = {c["conflict_group"]: c for c in data["conflicts"]}
    seen: dict[str, set[str]] = {name: set() for name in described}
    for table, id_column in VALUE_TABLES.items():
        for row in data[table]:
            group, version = row.get("conflict_group"), row.get("conflict_version")
            where = f"{paths[table]}, line {row.line} ({id_column} {row[id_column]!r})"
            if (group is None) != (version is None):
                column = "conflict_version" if group is not None else "conflict_group"
                raise InputError(
                    f"{where}, column {column!r}", "conflict_group and conflict_version go together"
                )
            if group is None:
                continue
            at_group = f"{where}, column 'conflict_group'"
            description = _described(
                described, group, at_group, paths["conflicts"], "conflict group"
            )
            if description["study_id"] != row["study_id"]:
                raise InputError(
                    at_group,
                    f"conflict group {group!r} belongs to study {description['study_id']!r}",
                )
            if version not in description["versions"]:
                raise InputError(
                    f"{where}, column 'conflict_version'",
                    f"{version!r} is not a version of conflict group {group!r} "
                    f"({', '.join(description['versions'])})",
                )
            seen[group].add(version)
    for group, row in described.items():
        where = f"{paths['conflicts']}, line {row.line} (conflict_group {group!r})"
        if len(row["versions"]) < 2:
            raise InputError(f"{where}, column 'versions'", "a conflict needs two versions or more")
        missing = [v for v in row["versions"] if v not in seen[group]]
        if missing:
            raise InputError(
                f"{where}, column 'versions'",
                f"no data row carries version(s) {', '.join(missing)}",
            )


def _check_count(where: str, row: Row) -> None:
    """count_basis against events / percent / n (adverse_events and responders)."""
    basis, events, percent = row["count_basis"], row.get("events"), row.get("percent")
    if basis == "count" and events is None:
        raise InputError(f"{where}, column 'events'", "count_basis is 'count' but events is empty")
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
    if basis == "not_reported" and (events is not None or percent is not None):
        column = "events" if events is not None else "percent"
        raise InputError(
            f"{where}, column {column!r}", "count_basis is 'not_reported' but a value is given"
        )
    n = row.get("n")
    if events is not None and n is not None and events > n:
        raise InputError(f"{where}, column 'events'", f"events ({events}) exceed n ({n})")
    if n is None and row.get("n_source") is not None:
        raise InputError(f"{where}, column 'n_source'", "n_source is set but n is empty")


def _check_adverse_events(path: str, rows: list[Row]) -> None:
    for row in rows:
        _check_count(f"{path}, line {row.line} (ae_id {row['ae_id']!r})", row)


#: Efficacy measures that compare an arm with a comparator, and the measure families
#: within which one row per arm, population and source version is primary.
CONTRASTS = ("slope_change_difference", "change_from_baseline_difference")
FAMILY = {
    "slope_change": "slope",
    "slope_pre_post": "slope",
    "slope_change_difference": "slope_difference",
    "change_from_baseline": "change",
    "change_from_baseline_difference": "change_difference",
}


def _together(where: str, row: Row, columns: tuple[str, ...]) -> None:
    given = [c for c in columns if row.get(c) is not None]
    if given and len(given) != len(columns):
        missing = next(c for c in columns if row.get(c) is None)
        raise InputError(
            f"{where}, column {missing!r}",
            f"{' and '.join(columns)} go together (given: {', '.join(given)})",
        )


def _check_primary(path, rows, id_column, key_of, what) -> None:
    primary = {}
    for row in rows:
        if not row["is_primary"]:
            continue
        key = key_of(row)
        if key in primary:
            raise InputError(
                f"{path}, line {row.line} ({id_column} {row[id_column]!r}), column 'is_primary'",
                f"a second primary row for {what} (the first is on line {primary[key]}); mark "
                "one row as primary",
            )
        primary[key] = row.line


def _check_efficacy(path: str, rows: list[Row]) -> None:
    for row in rows:
        where = f"{path}, line {row.line} (eff_id {row['eff_id']!r})"
        measure = row["measure"]
        contrast = measure in CONTRASTS
        for columns in (
            ("ci_lower", "ci_upper"),
            ("timepoint", "timepoint_unit"),
            ("arm_mean", "comparator_mean"),
            ("arm_se", "comparator_se"),
        ):
            _together(where, row, columns)
        lo, hi = row.get("ci_lower"), row.get("ci_upper")
        if lo is not None and lo > hi:
            raise InputError(
                f"{where}, column 'ci_lower'", f"ci_lower ({lo}) exceeds ci_upper ({hi})"
            )
        if contrast and row.get("comparator_arm_id") is None:
            raise InputError(
                f"{where}, column 'comparator_arm_id'", f"a {measure} row needs the comparator arm"
            )
        if not contrast:
            for column in (
                "comparator_arm_id",
                "arm_mean",
                "arm_se",
                "comparator_mean",
                "comparator_se",
                "comparator_n",
                "n_total",
            ):
                if row.get(column) is not None:
                    raise InputError(
                        f"{where}, column {column!r}",
                        f"only between-arm rows ({', '.join(CONTRASTS)}) have {column} "
                        f"(measure is {measure!r})",
                    )
        if measure.startswith("change_from_baseline") != (row["unit"] == "total"):
            raise InputError(
                f"{where}, column 'unit'",
                "a change from baseline has unit 'total' and a slope a rate unit "
                f"(measure {measure!r}, unit {row['unit']!r})",
            )
        if row.get("pre_period") is not None or row.get("post_period") is not None:
            if row["unit"] != "per_period":
                raise InputError(
                    f"{where}, column 'unit'", "period lengths are given only for unit per_period"
                )
            if row.get("period_unit") is None:
                raise InputError(f"{where}, column 'period_unit'", "a period length needs its unit")
        if measure == "slope_pre_post":
            for column in ("pre_mean", "post_mean"):
                if row.get(column) is None:
                    raise InputError(
                        f"{where}, column {column!r}",
                        "a slope_pre_post row needs pre_mean and post_mean",
                    )
        else:
            has_quartiles = row.get("q1") is not None or row.get("q3") is not None
            has_range = row.get("minimum") is not None or row.get("maximum") is not None
            if has_quartiles:
                _together(where, row, ("median", "q1", "q3"))
            if has_range:
                _together(where, row, ("median", "minimum", "maximum"))
            estimate = (
                row.get("mean") is not None
                or row.get("arm_mean") is not None
                or row.get("median") is not None
            )
            if not estimate and row.get("p_value") is None:
                raise InputError(
                    f"{where}, column 'mean'",
                    f"a {measure} row needs its estimate (mean, arm means or median) or at "
                    "least the p-value printed for it",
                )
    _check_primary(
        path,
        rows,
        "eff_id",
        lambda r: (
            r["study_id"],
            r["arm_id"],
            r.get("comparator_arm_id"),
            FAMILY[r["measure"]],
            "fvc" if r["scale"] == "fvc_percent_predicted" else "alsfrs",
            r.get("population"),
            r.get("conflict_version"),
        ),
        "this arm, measure family, population and source version",
    )


def responder_key(row, arm_id=None) -> tuple:
    """What pairs an arm's responder row with its comparator's row."""
    return (
        row["study_id"],
        arm_id or row["arm_id"],
        row["response_definition"],
        row.get("timepoint"),
        row.get("timepoint_unit"),
        row.get("window"),
        row.get("population"),
        row.get("conflict_version"),
    )


def _check_responders(path: str, rows: list[Row]) -> None:
    by_key: dict[tuple, list[Row]] = {}
    for row in rows:
        by_key.setdefault(responder_key(row), []).append(row)
    for row in rows:
        where = f"{path}, line {row.line} (resp_id {row['resp_id']!r})"
        _check_count(where, row)
        _together(where, row, ("timepoint", "timepoint_unit"))
        _together(where, row, ("ci_lower", "ci_upper"))
        comparator = row.get("comparator_arm_id")
        for column in ("odds_ratio", "ci_lower"):
            if row.get(column) is not None and comparator is None:
                raise InputError(
                    f"{where}, column {column!r}", "an odds ratio needs the comparator arm"
                )
        if row.get("ci_lower") is not None:
            if row.get("odds_ratio") is None:
                raise InputError(f"{where}, column 'odds_ratio'", "a CI needs its odds ratio")
            if not row["ci_lower"] <= row["odds_ratio"] <= row["ci_upper"]:
                raise InputError(
                    f"{where}, column 'odds_ratio'", "the odds ratio lies outside its CI"
                )
        if comparator is not None:
            matches = by_key.get(responder_key(row, comparator), [])
            if len(matches) > 1:
                raise InputError(
                    f"{where}, column 'comparator_arm_id'",
                    f"{len(matches)} rows of arm {comparator!r} match this comparison (lines "
                    f"{', '.join(str(m.line) for m in matches)}); keep one",
                )
    _check_primary(
        path,
        rows,
        "resp_id",
        lambda r: (
            r["study_id"],
            r["arm_id"],
            r.get("comparator_arm_id"),
            r["response_definition"],
            r.get("population"),
            r.get("conflict_version"),
        ),
        "this arm, response definition, population and source version",
    )
