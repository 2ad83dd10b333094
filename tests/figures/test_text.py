"""The one rule for writing numbers, shared by the figures and the report."""

import pytest

from alsmeta.figures.text import level_text, num


@pytest.mark.parametrize(
    ("value", "digits", "written"),
    [
        (3.37, 2, "3.37"),
        (-0.25, 2, "\u22120.25"),
        (-0.001, 2, "0.00"),  # rounds to zero: no minus sign on a zero
        (0.0, 2, "0.00"),
        (0.0001, 2, "< 0.01"),  # a positive bound (a ratio's) is never written as 0
        (0.0004, 1, "< 0.1"),
        (999.994, 2, "999.99"),
        (1000.0, 2, "1000.00"),
        (984733.23, 2, "> 1,000"),
        (-3702473190.62, 2, "< \u22121,000"),
        (float("inf"), 2, "not estimable"),
        (float("nan"), 2, "not estimable"),
    ],
)
def test_extreme_values_have_one_rule(value, digits, written):
    assert num(value, digits) == written


@pytest.mark.parametrize(("level", "written"), [(0.95, "95%"), (0.9, "90%"), (0.99, "99%")])
def test_levels_are_written_as_percentages(level, written):
    assert level_text(level) == written
