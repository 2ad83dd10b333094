"""The models beside the random-effects model in pooled rows (alsmeta.analysis.binary_models):
common-effect columns for every analysis, Mantel-Haenszel and Peto columns for binary
comparisons, and the zero-cell headline rule (pooling.zero_cell_method), against metafor 3.8
(tests/fixtures/metafor/binary_models_fixtures.json, relative 1e-9)."""

import json
import math
from pathlib import Path

import pytest
from synthetic import pooling_settings

from alsmeta.analysis.pooling import pool_all
from alsmeta.effects.measures import two_group_binary

FIXTURE = Path(__file__).parents[1] / "fixtures" / "metafor" / "binary_models_fixtures.json"
REF = json.loads(FIXTURE.read_text())
EXACT = dict(rel=1e-9, abs=1e-12)
DEFINITION = {"label": "X vs control", "kind": "binary_comparison", "measure": "OR"}


def comparison_rows(name, add=0.5):
    """Analysed rows of a fixture data set as the harmonize step makes them (escalc OR,
    ``add`` to every cell of a study with a zero cell)."""
    d = REF["datasets"][name]
    rows = []
    for i, (a, n1, c, n2) in enumerate(zip(d["ai"], d["n1i"], d["ci"], d["n2i"], strict=True)):
        yi, vi, added = two_group_binary("OR", a, n1, c, n2, add=add)
        rows.append(
            {
                "outcome": "x",
                "effect_id": f"e{i}",
                "events": a,
                "n": n1,
                "comparator_events": c,
                "comparator_n": n2,
                "yi": float(yi),
                "vi": float(vi),
                "continuity_added": float(added),
                "measure": "OR",
                "route": "it",
            }
        )
    return rows


def pool(rows, **keys):
    return pool_all(rows, ["x"], {"x": DEFINITION}, [], pooling_settings(**keys))[0][0]


@pytest.mark.parametrize("name", ["bcg", "zero_cells", "two_trial"])
def test_pooled_row_carries_every_model_as_metafor(name):
    row = pool(comparison_rows(name))
    ref = REF["fits"][name]
    for prefix, key in (
        ("ce", "ee_or"),
        ("mh_or", "mh_or"),
        ("mh_rr", "mh_rr"),
        ("peto_or", "peto_or"),
    ):
        assert row[f"{prefix}_estimate"] == pytest.approx(math.exp(ref[key]["b"]), **EXACT)
        assert row[f"{prefix}_ci_lower"] == pytest.approx(math.exp(ref[key]["ci_lb"]), **EXACT)
        assert row[f"{prefix}_ci_upper"] == pytest.approx(math.exp(ref[key]["ci_ub"]), **EXACT)
        assert row[f"{prefix}_p_value"] == pytest.approx(ref[key]["pval"], **EXACT)
    assert row["count_models_note"] == ""


def test_zero_cell_headline_is_mantel_haenszel_and_keeps_the_random_effects_result():
    row = pool(comparison_rows("zero_cells"))
    mh = REF["fits"]["zero_cells"]["mh_or"]
    assert row["method"].startswith("Mantel-Haenszel odds ratio")
    assert row["estimate"] == pytest.approx(math.exp(mh["b"]), **EXACT)
    assert row["ci_lower"] == pytest.approx(math.exp(mh["ci_lb"]), **EXACT)
    assert row["p_value"] == pytest.approx(mh["pval"], **EXACT)
    assert row["pi_lower"] is None and "zero cell" in row["note"]
    # The random-effects odds ratio on corrected cells stays beside it.
    corrected = pool(comparison_rows("zero_cells"), zero_cell_method="inverse_variance")
    assert corrected["method"] == "inverse variance"
    assert row["random_effects_estimate"] == pytest.approx(corrected["estimate"], rel=1e-12)
    assert corrected["random_effects_estimate"] == corrected["estimate"]
    peto = pool(comparison_rows("zero_cells"), zero_cell_method="peto")
    assert peto["estimate"] == pytest.approx(
        math.exp(REF["fits"]["zero_cells"]["peto_or"]["b"]), **EXACT
    )


def test_no_zero_cell_keeps_the_random_effects_headline():
    row = pool(comparison_rows("bcg"))
    assert row["method"] == "inverse variance"
    assert row["estimate"] == row["random_effects_estimate"]


def test_counts_that_did_not_make_the_effect_keep_the_count_models_out():
    """A printed odds ratio with counts shown beside it: MH and Peto would pool other
    numbers than the forest plot shows, so they are left out and the note says why."""
    rows = comparison_rows("two_trial")
    rows[1] = {**rows[1], "yi": math.log(1.33), "vi": 0.14}
    row = pool(rows)
    assert row.get("mh_or_estimate") is None and row.get("peto_or_estimate") is None
    assert "e1" in row["count_models_note"]
    assert row["ce_estimate"] is not None


def test_two_trial_default_interval_includes_one_and_contains_walds():
    """Cudkowicz 2022 serious AEs (23/95 vs 17/94) plus a small trial (3/24 vs 2/24), pooled
    with the shipped defaults: the ad hoc Knapp-Hartung OR interval includes 1 and contains
    the Wald one (0.76 to 2.83); Knapp-Hartung without the floor gives 1.04 to 2.06."""
    rows = comparison_rows("two_trial")
    default = pool(rows)
    wald = pool(rows, inference="wald")
    plain = pool(rows, inference="knapp_hartung")
    assert default["inference"] == "knapp_hartung_adhoc"
    assert default["ci_lower"] < 1 < default["ci_upper"]
    assert default["ci_lower"] <= wald["ci_lower"] and default["ci_upper"] >= wald["ci_upper"]
    assert (wald["ci_lower"], wald["ci_upper"]) == pytest.approx((0.755, 2.828), abs=1e-3)
    assert (plain["ci_lower"], plain["ci_upper"]) == pytest.approx((1.036, 2.061), abs=1e-3)


def test_a_mantel_haenszel_headline_is_drawn_without_a_prediction_row():
    """The forest plot of a zero-cell comparison (no prediction interval: a common-effect
    headline) draws its total and names the model, with no prediction row."""
    from alsmeta.figures import forest
    from alsmeta.figures import outcome as outcome_figures

    rows = comparison_rows("zero_cells")
    pooled, weights = pool_all(rows, ["x"], {"x": DEFINITION}, [], pooling_settings())
    for i, r in enumerate(rows):  # what the selection adds for display
        z = 1.959964 * math.sqrt(r["vi"])
        r.update(
            label=f"Trial {i}",
            study_id=f"t{i}",
            definition="all-cause SAE",
            estimate=math.exp(r["yi"]),
            ci_lower=math.exp(r["yi"] - z),
            ci_upper=math.exp(r["yi"] + z),
        )
    overall = pooled[0]
    assert overall["pi_lower"] is None
    plot = outcome_figures.overall_forest(
        DEFINITION,
        outcome_figures.Settings(ci_level=0.95, level=0.95),
        rows,
        overall,
        {w["effect_id"]: w["weight_pct"] for w in weights},
        [],
    )
    assert [r.kind for r in plot.rows].count("prediction") == 0
    assert any("Mantel-Haenszel" in note for note in plot.footnotes)
    forest.draw(plot)
