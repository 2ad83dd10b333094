"""Forest-plot controls (figures.forest, figures.forest_overrides): the study order and the
axis limits reach the plot, and a bad value stops the run with one line naming its key."""

import pytest
from badinput import SCHEMAS, shipped_config
from synthetic import difference_analysis

from alsmeta.figures import outcome as outcome_figures
from alsmeta.io.config import check_config
from alsmeta.io.errors import InputError
from alsmeta.io.tables import load_schema

DIFFERENCE = {"label": "Slope difference (synthetic)", "kind": "slope_change_difference"}


def _study_order(sort: str, rows, pooled, weights) -> list[str]:
    settings = outcome_figures.Settings(0.95, 0.95, sort=sort)
    spec = outcome_figures.overall_forest(DIFFERENCE, settings, rows, pooled, weights, [])
    return [r.cells["study"] for r in spec.rows if r.kind == "study"]


def test_study_rows_follow_the_configured_order():
    rows, (pooled, weights) = difference_analysis(6)
    rows = [{**r, "year": 2020 - i % 3} for i, r in enumerate(rows)]
    labels = [r["label"] for r in rows]
    assert _study_order("listed", rows, pooled, weights) == labels
    by_year = sorted(rows, key=lambda r: r["year"])  # stable: ties stay listed
    assert _study_order("year", rows, pooled, weights) == [r["label"] for r in by_year]
    by_weight = sorted(rows, key=lambda r: -weights[r["effect_id"]])
    assert _study_order("weight", rows, pooled, weights) == [r["label"] for r in by_weight]
    by_effect = sorted(rows, key=lambda r: r["estimate"])
    assert _study_order("effect", rows, pooled, weights) == [r["label"] for r in by_effect]


def test_configured_axis_limits_replace_the_chosen_ones():
    rows, (pooled, weights) = difference_analysis(6)
    settings = outcome_figures.Settings(0.95, 0.95, xlim=[-3.0, 2.0])
    spec = outcome_figures.overall_forest(DIFFERENCE, settings, rows, pooled, weights, [])
    assert spec.scale.limits == (-3.0, 2.0)
    chosen = outcome_figures.overall_forest(
        DIFFERENCE, outcome_figures.Settings(0.95, 0.95), rows, pooled, weights, []
    )
    assert chosen.scale.limits is None


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (
            {"forest": {"sort": "alphabetical", "xlim": None}},
            "config key 'figures.forest.sort': 'alphabetical' is not one of ",
        ),
        (
            {"forest_overrides": {"no_such_outcome": {"sort": "year"}}},
            "config key 'figures.forest_overrides.no_such_outcome': 'no_such_outcome' is not "
            "defined in outcome_definitions",
        ),
        (
            {"forest_overrides": {"slope_change": {"xlim": [1, -1]}}},
            "config key 'figures.forest_overrides.slope_change.xlim': the lower limit (1) "
            "must be below the upper (-1)",
        ),
        (
            {"forest_overrides": {"death_vs_control": {"xlim": [0, 10]}}},
            "config key 'figures.forest_overrides.death_vs_control.xlim': death_vs_control "
            "is drawn on a log axis: its limits must be above 0",
        ),
        (
            {"forest": {"sort": "listed", "xlim": [0, 50]}},
            "config key 'figures.forest.xlim': any_ae is a proportion: its limits are between "
            "0 and 1 (0.5 = 50%)",
        ),
        (
            {"forest_overrides": {"serious_ae": {"xlim": [0.1]}}},
            "config key 'figures.forest_overrides.serious_ae.xlim': [0.1] is too short",
        ),
    ],
)
def test_a_bad_forest_control_names_its_key(figures, expected):
    config = shipped_config()
    config["figures"].update(figures)
    with pytest.raises(InputError) as info:
        check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
    assert str(info.value).startswith(expected), str(info.value)
    assert "\n" not in str(info.value)


def test_a_risk_difference_may_have_limits_below_zero():
    config = shipped_config()
    config["outcome_definitions"]["death_vs_control"]["measure"] = "RD"
    config["figures"]["forest_overrides"] = {"death_vs_control": {"xlim": [-0.5, 0.5]}}
    check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))
