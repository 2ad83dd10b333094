"""Pooling of analysed rows (alsmeta.analysis.pooling): back-transformed proportions against
metafor 3.8 (tests/fixtures/metafor/fixtures.json), named outcomes where nothing can be pooled,
subgroups, and the Knapp-Hartung coverage simulation.

The fits themselves (random_effects against metafor) are tested in stats/test_random_effects.py
and stats/test_engine.py.
"""

import pytest
from metafor_reference import reference_fits
from synthetic import coverage_simulation, pooling_settings

from alsmeta.analysis.pooling import pool_all
from alsmeta.stats.random_effects import PoolingError, random_effects

INFERENCE = {"z": "wald", "knha": "knapp_hartung"}
#: metafor's predict() follows the test: z for Wald, t(k-1) for Knapp-Hartung.
PREDICTION = {"z": "z", "knha": "t_k1"}


@pytest.fixture(scope="module")
def fits(metafor):
    return reference_fits(metafor)


def test_back_transformed_proportions_match_metafor(metafor, fits):
    for ref in fits:
        data = metafor["datasets"][ref["dataset"]]
        if data["type"] != "proportion":
            continue
        rows = [
            {
                "outcome": "x",
                "effect_id": f"e{i}",
                "yi": y,
                "vi": v,
                "n": n,
                "route": "it",
                "measure": "PLO",
            }
            for i, (y, v, n) in enumerate(zip(data["yi"], data["vi"], data["ni"], strict=True))
        ]
        pooling = pooling_settings(
            estimator=ref["method"],
            inference=INFERENCE[ref["test"]],
            prediction=PREDICTION[ref["test"]],
        )
        pooled, _ = pool_all(rows, ["x"], {"x": {"label": "x", "kind": "proportion"}}, [], pooling)
        row = pooled[0]
        prop = ref["prop"]
        for ours, theirs in [
            ("estimate", "est"),
            ("ci_lower", "ci_lb"),
            ("ci_upper", "ci_ub"),
            ("pi_lower", "pi_lb"),
            ("pi_upper", "pi_ub"),
        ]:
            assert row[ours] == pytest.approx(prop[theirs], rel=1e-6, abs=1e-9), (
                ref["dataset"],
                ours,
            )
        assert row["n_total"] == sum(data["ni"])


def test_k_below_two_is_a_named_outcome():
    with pytest.raises(PoolingError, match="k = 1: at least 2 studies"):
        random_effects([0.5], [0.1])
    pooled, weights = pool_all(
        [{"outcome": "x", "effect_id": "a", "yi": 0.5, "vi": 0.1, "n": 30, "route": "it"}],
        ["x"],
        {"x": {"label": "X", "kind": "slope_change"}},
        [],
        pooling_settings(inference="knapp_hartung"),
    )
    assert pooled[0]["status"] == "not_pooled"
    assert pooled[0]["reason"] == "k = 1: at least 2 studies are needed to estimate tau^2"
    assert weights == []


def test_no_study_is_a_named_outcome():
    pooled, _ = pool_all(
        [],
        ["x"],
        {"x": {"label": "X", "kind": "proportion"}},
        ["route"],
        pooling_settings(inference="wald"),
    )
    assert [(p["status"], p["reason"]) for p in pooled] == [
        ("not_pooled", "k = 0: no study meets the criteria")
    ]


def test_subgroups_pool_within_levels():
    rows = [
        {"outcome": "x", "effect_id": f"e{i}", "yi": y, "vi": 0.05, "n": 20, "route": r}
        for i, (y, r) in enumerate([(0.1, "a"), (0.3, "a"), (1.0, "b"), (1.2, "b"), (2.0, "c")])
    ]
    pooled, weights = pool_all(
        rows,
        ["x"],
        {"x": {"label": "X", "kind": "slope_change"}},
        ["route"],
        pooling_settings(estimator="DL", inference="wald"),
    )
    by_level = {(p["subgroup_variable"], p["subgroup_level"]): p for p in pooled}
    assert by_level[("overall", "all")]["k"] == 5
    assert by_level[("route", "a")]["estimate"] == pytest.approx(0.2)
    assert by_level[("route", "b")]["estimate"] == pytest.approx(1.1)
    assert by_level[("route", "c")]["status"] == "not_pooled"
    assert sum(
        w["weight_pct"] for w in weights if w["subgroup_variable"] == "overall"
    ) == pytest.approx(100)


def _glmm_pool(events, n):
    rows = [
        {
            "outcome": "x",
            "effect_id": f"e{i}",
            "events": e,
            "n": m,
            "yi": 0.0,
            "vi": 1.0,
            "measure": "PLO",
            "route": "it",
        }
        for i, (e, m) in enumerate(zip(events, n, strict=True))
    ]
    pooling = pooling_settings(
        inference="knapp_hartung", proportion_method="glmm", glmm_quadrature_points=21
    )
    return pool_all(rows, ["x"], {"x": {"label": "X", "kind": "proportion"}}, [], pooling)


#: R 4.2: binom.test(x, n)$conf.int, printed with options(digits = 15).
BINOM_TEST = {(0, 67): (0.0, 0.0535696541270968), (67, 67): (0.946430345872903, 1.0)}


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            [0, 0, 0],
            "0 events in 67 participants (3 studies): the random-effects model has no finite "
            "estimate; assuming one common rate, the exact 95% upper bound is 5.36%",
        ),
        (
            [20, 35, 12],
            "67 events in 67 participants (3 studies): the random-effects model has no finite "
            "estimate; assuming one common rate, the exact 95% lower bound is 94.6%",
        ),
    ],
)
def test_all_zero_and_all_full_rates_are_answered_by_the_common_rate(events, message):
    """Not pooled, with a reason in the reader's words, and the summed counts with the
    exact interval (against R's binom.test to relative 1e-9)."""
    pooled, weights = _glmm_pool(events, [20, 35, 12])
    row = pooled[0]
    assert row["status"] == "not_pooled"
    assert row["reason"] == message
    assert weights == []
    x = sum(events)
    assert (row["events_total"], row["n_total"], row["common_rate_estimate"]) == (x, 67, x / 67)
    lower, upper = BINOM_TEST[(x, 67)]
    assert row["common_rate_ci_lower"] == pytest.approx(lower, rel=1e-9, abs=1e-15)
    assert row["common_rate_ci_upper"] == pytest.approx(upper, rel=1e-9)
    assert "common to all studies" in row["common_rate_label"]
    assert "marginal_estimate" not in row


def test_glmm_rows_carry_both_rates_with_their_labels():
    pooled, _ = _glmm_pool([0, 3, 1], [20, 35, 12])
    row = pooled[0]
    assert row["status"] == "pooled"
    assert row["estimate_label"] == "conditional median rate (typical study)"
    assert row["marginal_label"] == "population-averaged rate"
    assert row["marginal_ci_lower"] < row["marginal_estimate"] < row["marginal_ci_upper"]
    assert row["estimate"] <= row["marginal_estimate"]  # rare events: the mean exceeds the median
    assert (row["events_total"], row["common_rate_estimate"]) == (4, 4 / 67)


def test_knapp_hartung_coverage_by_simulation():
    # 2,000 meta-analyses of k = 5, mu = 0.5, tau^2 = 0.1, v_i ~ U(0.05, 0.2), fixed seed.
    coverage = coverage_simulation(n_meta=2000, k=5, mu=0.5, tau2=0.1)
    print(
        f"coverage of 95% CIs: Wald {coverage['wald']:.4f}, "
        f"Knapp-Hartung {coverage['knapp_hartung']:.4f} (MC SE {coverage['monte_carlo_se']:.4f})"
    )
    assert 0.93 <= coverage["knapp_hartung"] <= 0.97
    # Wald intervals ignore the uncertainty in tau^2 and are too narrow at k = 5.
    assert coverage["wald"] < coverage["knapp_hartung"] - 0.01
