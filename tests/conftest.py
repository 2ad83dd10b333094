"""Shared test fixtures: repository paths, the shipped config, data and harmonized effects,
and the frozen metafor reference numbers."""

import json
from pathlib import Path

import pytest
import yaml

from alsmeta.effects.harmonize import harmonize
from alsmeta.io.tables import TABLES, load_dataset

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def metafor():
    """Reference numbers from metafor 3.8 (tests/fixtures/metafor/make_fixtures.R)."""
    return json.loads((FIXTURES / "metafor" / "fixtures.json").read_text())


@pytest.fixture(scope="module")
def config():
    """The shipped config/config.yaml (one copy per test module, which may change it)."""
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.fixture(scope="module")
def data():
    """The shipped data/ tables, validated."""
    paths = {t: str(ROOT / "data" / f"{t}.tsv") for t in TABLES}
    return load_dataset(paths, ROOT / "workflow" / "schemas")


@pytest.fixture(scope="module")
def harmonized(data):
    """The shipped data harmonized with the default settings (a list of effect rows)."""
    return harmonize(data, add=0.5, to="only0", level=0.95, r=0.5)
