"""config/README.md documents every configuration key, and is the page the schema makes."""

import re
from pathlib import Path

import pytest
import yaml

from alsmeta.io.config_docs import README, config_keys, load, render, schema_keys

ROOT = Path(__file__).resolve().parents[2]
#: Every configuration file the repository ships or runs in CI.
CONFIG_FILES = ["config/config.yaml", "config/sensitivity_broad.yaml", ".test/config/config.yaml"]


def documented_rows() -> set[str]:
    """The keys config/README.md has a row (or, for a section, a heading) for."""
    text = (ROOT / README).read_text(encoding="utf-8")
    return set(re.findall(r"^(?:\| |## )`([^`]+)`", text, re.M))


def test_config_readme_is_what_the_schema_makes():
    schema, config = load(ROOT)
    assert (ROOT / README).read_text(encoding="utf-8") == render(schema, config), (
        "config/README.md is out of date: run `python -m alsmeta.io.config_docs`"
    )


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_every_key_of_a_shipped_config_is_documented(name):
    schema, _ = load(ROOT)
    config = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    keys = config_keys(config, schema)
    assert keys
    assert set(keys) <= documented_rows(), set(keys) - documented_rows()


def test_every_documented_key_has_a_meaning():
    schema, _ = load(ROOT)
    keys = schema_keys(schema)
    assert len(keys) > 100
    assert [k.dotted for k in keys if not k.schema.get("description")] == []
    assert {k.dotted for k in keys} == documented_rows()


def test_a_key_the_schema_does_not_define_is_reported():
    schema, config = load(ROOT)
    config["pooling"]["estimater"] = "REML"
    config["outcome_definitions"]["death"]["lable"] = "x"
    keys = config_keys(config, schema)
    assert {"pooling.estimater", "outcome_definitions.<name>.lable"} <= set(keys)
    assert not {"pooling.estimater", "outcome_definitions.<name>.lable"} & documented_rows()
