"""The extracted tables by name, and the JSON schemas (YAML) that describe them and the
config.

Only the standard library and PyYAML are imported here: the workflow reads these names
and schemas every time it is parsed, a no-op run included, without importing jsonschema
(the rows themselves are read and checked by :mod:`alsmeta.io.tables`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

#: Tables in the order they are validated, with the column holding each row's id.
TABLES: dict[str, str] = {
    "quotes": "quote_id",
    "extra_quotes": "quote_id",
    "sources": "source_ref",
    "dossier_gaps": "label",
    "studies": "study_id",
    "arms": "arm_id",
    "conflicts": "conflict_group",
    "overlap_groups": "overlap_group",
    "adverse_events": "ae_id",
    "efficacy": "eff_id",
    "responders": "resp_id",
    "gaps": "study_id",
    "risk_of_bias": "study_id",
}

#: libyaml's parser where PyYAML has it (the pure-Python one is ~10x slower).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def file_stamp(path) -> tuple:
    """(modification time in ns, size) of ``path``, or () when it cannot be read: the key
    under which a file's parsed content is cached in this process."""
    try:
        stat = Path(path).stat()
    except OSError:
        return ()
    return (stat.st_mtime_ns, stat.st_size)


def load_schema(path: str | Path) -> dict:
    """A table's (or the config's) JSON schema, as written in YAML; to be treated as
    read-only (a schema is read once per process while its file is unchanged)."""
    return _load_schema(str(path), file_stamp(path))


@functools.lru_cache(maxsize=64)
def _load_schema(path: str, _stamp: tuple) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_YAML_LOADER)
