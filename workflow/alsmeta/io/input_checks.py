"""The run's inputs checked before any job starts, once per state of those inputs.

Every run of the workflow checks its merged config against
``workflow/schemas/config.schema.yaml`` and every data table, row by row, against its
schema, then what the config and the tables name in each other (:func:`check_inputs`):
bad input stops the run with one line before ``results/`` is touched. That check reads
every row with jsonschema, whose import alone takes about 0.15 s; on a run with nothing
to do it was a quarter of what the workflow adds to Snakemake's own start-up.

:func:`check_inputs_once` skips it when everything it reads is, byte for byte, what a
check that passed read before: the merged config, every data table and the GRADE
judgements (and where their paths resolve), every schema, the checking code (this module
and every package module it imports, :func:`~alsmeta.io.code_inputs.code_inputs`) and
the installed jsonschema and PyYAML (the location and time of their files). A SHA-256
fingerprint of all of them is kept in ``.snakemake/alsmeta/inputs_checked`` once a check
passes (the last :data:`KEPT` of them, so that switching between config files does not
check again); any changed byte changes the fingerprint, and the check runs. A check that
fails is never recorded. Which jobs re-run is Snakemake's decision from the rules'
inputs and params, and does not depend on this record.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path

from alsmeta.io.code_inputs import code_inputs
from alsmeta.io.config_file import check_data_paths, check_finite
from alsmeta.io.errors import InputError
from alsmeta.io.schemas import load_schema

#: Where the fingerprints of passed checks are kept (Snakemake's own folder in the
#: working directory: a fresh checkout has none).
RECORD = Path(".snakemake/alsmeta/inputs_checked")
#: How many fingerprints are kept, newest last.
KEPT = 16


def check_inputs(config: dict, root: str | Path, schema_dir: str | Path) -> None:
    """Check the merged ``config`` and the data it names; raise
    :class:`~alsmeta.io.errors.InputError` (or ``InputErrors``) at the first problem.

    ``root`` is the workflow's folder (data paths must resolve inside it or inside
    ``data_root_allowed``); ``schema_dir`` holds the config's and the tables' schemas."""
    # Imported here: a run whose inputs passed before does not import jsonschema at all.
    from alsmeta.io.config import check_config, check_references
    from alsmeta.io.grade_judgements import read_judgements
    from alsmeta.io.tables import load_dataset

    check_finite(config)
    check_config(config, load_schema(f"{schema_dir}/config.schema.yaml"))
    _check_paths(config, root)
    check_references(config, load_dataset(config["data"], schema_dir))
    read_judgements(
        config["grade"]["judgements"],
        f"{schema_dir}/grade_judgements.schema.yaml",
        config["outcome_definitions"],
    )


def _check_paths(config: dict, root: str | Path) -> list[str]:
    """The data tables' and the GRADE judgements' paths, each refused (InputError) unless it
    resolves inside ``root`` or ``data_root_allowed``."""
    allowed = config["data_root_allowed"]
    judgements = {"judgements": config["grade"]["judgements"]}
    check_data_paths(config["data"], root, allowed)
    check_data_paths(judgements, root, allowed, "grade")
    return [*config["data"].values(), *judgements.values()]


def fingerprint(config: dict, root: str | Path, schema_dir: str | Path) -> str | None:
    """SHA-256 of everything :func:`check_inputs` reads (see the module's docstring), or
    None when the config does not name its files as the schema says, a data path is
    refused (its file is not opened) or a file cannot be read: the check then runs and
    names the problem."""
    digest = hashlib.sha256()

    def add(*parts) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else str(part).encode("utf-8")
            digest.update(len(data).to_bytes(8, "little") + data)

    here = Path(__file__)
    code = [here, *map(Path, code_inputs(here, here.parents[1]))]
    try:
        data = _check_paths(config, root)
        root = Path(root).resolve()
        add(sys.version, root, json.dumps(config, sort_keys=True, default=repr))
        for path in [*data, *sorted(Path(schema_dir).glob("*.yaml")), *code]:
            add(path, (root / path).resolve(), Path(path).read_bytes())
        for package in ("jsonschema", "yaml"):
            origin = importlib.util.find_spec(package).origin
            add(package, origin, os.stat(origin).st_mtime_ns)
    except (InputError, OSError, KeyError, TypeError, AttributeError):
        return None
    return digest.hexdigest()


def check_inputs_once(config: dict, root: str | Path, schema_dir: str | Path) -> None:
    """:func:`check_inputs`, unless a check of the same inputs passed before."""
    key = fingerprint(config, root, schema_dir)
    passed = _passed()
    if key is not None and key in passed:
        return
    check_inputs(config, root, schema_dir)
    if key is not None:
        _remember([*passed, key][-KEPT:])


def _passed() -> list[str]:
    try:
        return RECORD.read_text(encoding="utf-8").split()
    except OSError:
        return []


def _remember(keys: list[str]) -> None:
    """Write the record; a folder that cannot be written only costs the next run a check."""
    try:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        tmp = RECORD.with_name(f".{RECORD.name}.{os.getpid()}.tmp")
        tmp.write_text("\n".join(keys) + "\n", encoding="utf-8")
        os.replace(tmp, RECORD)
    except OSError:
        pass
