"""config/README.md, written from the configuration schema: every key, what it means, the
values it takes and the value config/config.yaml ships.

Run from the repository root after editing workflow/schemas/config.schema.yaml or
config/config.yaml::

    python -m alsmeta.io.config_docs

A test regenerates the page and fails when the committed one differs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

SCHEMA = Path("workflow/schemas/config.schema.yaml")
CONFIG = Path("config/config.yaml")
README = Path("config/README.md")

#: How a key inside a map (an object whose keys are the user's names) is written.
ENTRY = "<name>"


@dataclass(frozen=True)
class Key:
    """One documented key: dotted path (``<name>`` for a map's entries) and its schema."""

    path: tuple[str, ...]
    schema: dict

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def _resolve(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _map_entry(schema: dict) -> dict | None:
    """The schema of a map's entries, when ``schema`` is a map of user-named entries."""
    entry = schema.get("additionalProperties")
    return entry if isinstance(entry, dict) else None


def schema_keys(schema: dict, root: dict | None = None, path=()) -> list[Key]:
    """Every key the schema defines, depth first, in the schema's order."""
    root = schema if root is None else root
    keys = []
    for name, child in schema.get("properties", {}).items():
        child = _resolve(child, root)
        keys.append(Key((*path, name), child))
        keys += schema_keys(child, root, (*path, name))
    entry = _map_entry(schema)
    if entry is not None and ("properties" in entry or _map_entry(entry) is not None):
        keys += schema_keys(_resolve(entry, root), root, (*path, ENTRY))
    return keys


def config_keys(config: dict, schema: dict, root: dict | None = None, path=()) -> list[str]:
    """The documented key (dotted, ``<name>`` for map entries) of every key in ``config``;
    a key the schema does not define is returned as written, so it shows up as undocumented."""
    root = schema if root is None else root
    found = []
    for name, value in config.items():
        child = schema.get("properties", {}).get(name)
        entry = _map_entry(schema)
        if child is not None:
            key = (*path, name)
            found.append(".".join(key))
        elif entry is not None:
            # A map's entries are the map's documented key; their own keys are listed.
            child, key = entry, (*path, ENTRY)
        else:
            found.append(".".join((*path, str(name))))
            continue
        child = _resolve(child, root)
        if isinstance(value, dict) and ("properties" in child or _map_entry(child)):
            found += config_keys(value, child, root, key)
    return sorted(set(found), key=found.index)


#: Stands for a key that config.yaml leaves out (an optional key).
NOT_SET = object()


def shipped_value(config: dict, path: tuple[str, ...]):
    """The value config.yaml ships for ``path``: ``...`` under a map entry (it varies),
    :data:`NOT_SET` for an optional key it leaves out."""
    node = config
    for part in path:
        if part == ENTRY:
            return ...
        if not isinstance(node, dict) or part not in node:
            return NOT_SET
        node = node[part]
    return node


def _flow(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.strip().removesuffix("...").strip()


def _allowed(schema: dict) -> str:
    items = schema.get("items", {})
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if schema.get("type") == "array":
        if "enum" in items:
            return "list of " + ", ".join(f"`{v}`" for v in items["enum"])
        return f"list of {items.get('type', 'values')}s"
    if schema.get("type") == "object":
        entry = _map_entry(schema)
        if entry is not None and "properties" not in schema:
            return "map: name -> " + (_allowed(entry) or "entry")
        return "section"
    kind = schema.get("type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    bounds = [
        f"{word} {schema[bound]:g}"
        for bound, word in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if bound in schema
    ]
    return " or ".join(k for k in kinds if k) + (f" ({', '.join(bounds)})" if bounds else "")


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(key: Key, config: dict) -> str:
    if key.schema.get("type") == "object" and "properties" in key.schema:
        return ""
    value = shipped_value(config, key.path)
    if value is ...:
        return "per entry"
    if value is NOT_SET:
        default = key.schema.get("default", NOT_SET)
        return "not set" if default is NOT_SET else f"not set (`{_flow(default)}`)"
    if isinstance(value, dict) and _map_entry(key.schema) is not None:
        entry = _map_entry(key.schema)
        if "properties" in entry or _map_entry(entry) is not None:
            return "entries: " + ", ".join(f"`{name}`" for name in value)
    return f"`{_flow(value)}`"


def render(schema: dict, config: dict) -> str:
    """config/README.md as text."""
    lines = [
        "# config/ — the workflow's settings",
        "",
        "<!-- Written by `python -m alsmeta.io.config_docs` from "
        "workflow/schemas/config.schema.yaml and config/config.yaml; do not edit by hand. -->",
        "",
        _cell(schema["description"]),
        "",
        "- `config.yaml`: every key, with the values the primary analysis uses (the Default "
        "column below) and the reason for each judgement in its comments.",
        "- `sensitivity_broad.yaml`: the broad sensitivity analysis, merged over it: "
        "`snakemake --cores 4 --configfile config/sensitivity_broad.yaml`.",
        "- One key on the command line: `snakemake --cores 4 --config "
        "'pooling={estimator: DL}'` (a section given this way replaces that section's "
        "keys it names).",
        "",
        "**How files merge.** Each `--configfile` (in the order given) is merged into "
        "config/config.yaml key by key: a key it names replaces the shipped value, a "
        "mapping it names is merged the same way one level down, a list replaces the whole "
        "list, and a key it does not name keeps the shipped value. One exception: a prior "
        "(a mapping with a `family` key, such as `bayes.priors.<name>.tau`) named in an "
        "override replaces the shipped prior whole, so that switching its family does not "
        "keep the old family's parameters: `tau: {family: lognormal, meanlog: -3.0, sdlog: "
        "1.5}` is that lognormal prior, without the shipped `scale`. `--config` values "
        "apply last. Snakemake reads a `--configfile` before the workflow does: a file that "
        "is not YAML at all gets its two-line `WorkflowError`, without the file's name; "
        "`python -m alsmeta.io.config_file FILE` names the file and line.",
        "",
        f"`{ENTRY}` stands for a name you choose (an outcome, a conflict group, a data "
        "value). Default is the value config/config.yaml ships.",
    ]
    keys = schema_keys(schema)
    for section in schema["properties"]:
        top = next(k for k in keys if k.path == (section,))
        lines += ["", f"## `{section}`", ""]
        if "description" in top.schema:
            lines += [_cell(top.schema["description"]), ""]
        lines += ["| Key | Meaning | Values | Default |", "|---|---|---|---|"]
        for key in keys:
            if key.path[0] != section or key is top and _allowed(top.schema) == "section":
                continue
            meaning = "(above)" if key is top else _cell(key.schema.get("description", ""))
            lines.append(
                f"| `{key.dotted}` | {meaning} | "
                f"{_cell(_allowed(key.schema))} | {_cell(_default(key, config))} |"
            )
    return "\n".join(lines) + "\n"


def load(root: Path = Path()) -> tuple[dict, dict]:
    """(schema, config) as shipped under ``root``."""
    with open(root / SCHEMA, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    with open(root / CONFIG, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    return schema, config


def main(argv: list[str] | None = None) -> int:
    """``python -m alsmeta.io.config_docs [ROOT]``: rewrite ROOT/config/README.md (ROOT: the
    repository, default the current folder) from the schema and the shipped config."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m alsmeta.io.config_docs",
        description="Write config/README.md from the config schema and config/config.yaml.",
    )
    parser.add_argument("root", nargs="?", default=".", help="the repository (default: .)")
    root = Path(parser.parse_args(argv).root)
    schema, config = load(root)
    (root / README).write_text(render(schema, config), encoding="utf-8")
    print(f"wrote {root / README}: {len(schema_keys(schema))} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
