"""Shared test fixtures: repository paths and the frozen metafor reference numbers."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def metafor():
    """Reference numbers from metafor 3.8 (tests/fixtures/metafor/make_fixtures.R)."""
    return json.loads((FIXTURES / "metafor" / "fixtures.json").read_text())
