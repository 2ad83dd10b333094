"""Fixtures of the report tests."""

import pytest
from report_page import report_inputs


@pytest.fixture(scope="session")
def figure_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("figures")


@pytest.fixture
def inputs(figure_dir) -> dict:
    """Fresh keyword arguments of build_report (a test may change them)."""
    return report_inputs(figure_dir)
