"""The workflow's own reading of its config files: strict YAML, one line per problem.

Snakemake's loader takes the last of two equal keys, accepts ``.nan``, and reports a syntax
error or an empty file without a line. Every config file a run uses is read here first:
a duplicated key, an explicit YAML tag, a NaN or infinite number, a syntax error or an
empty file stops the run with ``path:LINE: problem``.

How override files merge (stated for users in config/README.md): Snakemake merges each
``--configfile`` into ``config/config.yaml`` key by key, except that a prior (a mapping
with a ``family`` key) given in an override replaces the shipped one whole
(:func:`replace_whole_priors`).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import yaml

from alsmeta.io.errors import InputError
from alsmeta.io.reading import MAX_FIELD, NUMBER, echo, read_text

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ConfigError(Exception):
    def __init__(self, mark, what: str):
        self.line = mark.line + 1
        self.what = what


class _StrictLoader(_BASE):
    """PyYAML's safe loader, refusing duplicate keys and non-finite numbers."""


def _mapping(loader, node, deep=False):
    first: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise _ConfigError(key_node.start_mark, "a key must be a plain value")
        if key in first:
            raise _ConfigError(
                key_node.start_mark,
                f"key {echo(key)} appears twice in one mapping (first on line {first[key]})",
            )
        first[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


def _construct_map(loader, node):
    data: dict = {}
    yield data
    data.update(_mapping(loader, node, deep=True))


def _plain_number(node) -> None:
    """YAML 1.1 reads ``1_000`` as 1000, ``0x1f`` as 31, ``1:30`` as 90 and ``010`` as 8: a
    typo there would be a silently different number. Only plain decimal numbers are
    accepted."""
    if not NUMBER.match(node.value):
        raise _ConfigError(
            node.start_mark,
            f"{echo(node.value)} is not a plain number (digits, one sign, one decimal point, "
            "an exponent; no underscores, no hexadecimal, octal or sexagesimal forms)",
        )


def _construct_int(loader, node):
    _plain_number(node)
    if node.value.lstrip("+-").startswith("0") and len(node.value.lstrip("+-")) > 1:
        raise _ConfigError(
            node.start_mark,
            f"{echo(node.value)} has a leading zero, which YAML reads as an octal number: "
            "write it without",
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


def _construct_float(loader, node):
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if math.isfinite(value):
        _plain_number(node)
    if not math.isfinite(value):
        raise _ConfigError(
            node.start_mark, f"{echo(node.value)} is not a finite number (NaN and inf are refused)"
        )
    return value


def _construct_str(loader, node):
    value = loader.construct_scalar(node)
    if len(value) > MAX_FIELD:
        raise _ConfigError(
            node.start_mark, f"a value of {len(value)} characters (at most {MAX_FIELD})"
        )
    return value


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def load_config_file(path: str | Path, name: str | None = None) -> dict:
    """The mapping in the YAML (or JSON) file ``path``, read strictly; ``name`` is how
    messages call the file (default: the path). Raises :class:`InputError`."""
    name = str(path) if name is None else name
    text = read_text(path, name)
    try:
        for token in yaml.scan(text, Loader=_BASE):
            if isinstance(token, yaml.TagToken):
                raise _ConfigError(
                    token.start_mark,
                    "an explicit YAML tag (!...) is refused: write the value plainly",
                )
        loaded = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a safe loader)
    except _ConfigError as error:
        raise InputError(f"{name}:{error.line}", error.what) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        column = f" (column {mark.column + 1})" if mark is not None else ""
        problem = error.problem or error.context or "not valid YAML"
        start = error.context_mark
        if error.problem and error.context and start is not None and mark is not None:
            if start.line != mark.line:
                problem += f" ({error.context}, which starts on line {start.line + 1})"
        raise InputError(f"{name}{line}", f"YAML syntax error{column}: {problem}") from None
    except yaml.YAMLError as error:
        raise InputError(name, f"not valid YAML ({echo(str(error))})") from None
    if loaded is None:
        raise InputError(name, "the file is empty (a mapping of config keys is required)")
    if not isinstance(loaded, dict):
        raise InputError(
            f"{name}:1", f"the top level is a {type(loaded).__name__}, not a mapping of config keys"
        )
    return loaded


def replace_whole_priors(config: dict, overrides: list[dict]) -> None:
    """Apply the one exception to Snakemake's key-by-key merge of ``--configfile``: a
    mapping with a ``family`` key (a prior) in an override replaces the shipped mapping
    whole. Switching ``tau`` from ``{family: half_normal, scale: 0.5}`` to
    ``{family: lognormal, meanlog: -3.0, sdlog: 1.5}`` then gives that lognormal prior,
    not one that also carries the shipped ``scale``. ``overrides`` are the override files'
    mappings, in the order given (a later one wins); ``config`` is changed in place."""
    for override in overrides:
        for path, prior in _priors(override):
            target = config
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = copy.deepcopy(prior)


def _priors(mapping: dict, path: tuple = ()):
    """(key path, mapping) of every mapping with a ``family`` key inside ``mapping``."""
    for key, value in mapping.items():
        if isinstance(value, dict):
            if "family" in value:
                yield (*path, key), value
            else:
                yield from _priors(value, (*path, key))


def check_finite(config, key: str = "") -> None:
    """No NaN or infinite number anywhere in the merged config (a ``--config`` value too)."""
    if isinstance(config, dict):
        for name, value in config.items():
            check_finite(value, f"{key}.{name}" if key else str(name))
    elif isinstance(config, list):
        for i, value in enumerate(config):
            check_finite(value, f"{key}.{i}")
    elif isinstance(config, float) and not math.isfinite(config):
        raise InputError(
            f"config key {key!r}", f"{config!r} is not a finite number (NaN and inf are refused)"
        )


def check_data_paths(
    data: dict, root: str | Path, allowed: str | None, section: str = "data"
) -> None:
    """Each data path resolves inside ``root`` (the repository) or inside ``allowed`` (the
    folder config key ``data_root_allowed`` names). A refused path is named by its config
    key (``section``.name); its file is not opened."""
    root = Path(root).resolve()
    folders = [root]
    if allowed is not None:
        folders.append((root / allowed).resolve())
    for table, path in data.items():
        resolved = (root / path).resolve()
        if not any(resolved.is_relative_to(folder) for folder in folders):
            where = "the repository" + (" or data_root_allowed" if allowed is not None else "")
            raise InputError(
                f"config key '{section}.{table}'",
                f"{echo(str(path))} is outside {where}; to read data from another folder, "
                "name it in config key 'data_root_allowed'",
            )


def main(argv: list[str] | None = None) -> int:
    """``python -m alsmeta.io.config_file FILE...``: read each config file as the workflow
    does and print its one-line problem, if any. Snakemake reads a ``--configfile`` before
    the workflow can: a file that is not YAML at all gets Snakemake's own two-line
    ``WorkflowError`` without the file's name or line; this names both."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m alsmeta.io.config_file",
        description="Check config files as the workflow reads them (strict YAML).",
    )
    parser.add_argument("files", nargs="+")
    failed = 0
    for path in parser.parse_args(argv).files:
        try:
            load_config_file(path)
        except InputError as error:
            print(f"Input error: {error}", file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
