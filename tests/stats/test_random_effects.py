"""Random-effects fits against metafor 3.8 (tests/fixtures/metafor/fixtures.json).

Tolerance: relative 1e-6 with an absolute floor of 1e-9 (1e-6 for I^2 and H^2, which
are percentages and ratios that amplify round-off where tau^2 is near 0). The engine
solves the score equation by the Illinois method to 2^-50 of the root (ROOT_TOLERANCE);
metafor uses Fisher scoring: both converge to the optimum, not to each other's last digit.
Pooling of analysed rows with these fits (pool_all) is tested in analysis/test_pooling.py.
"""

import math

import numpy as np
import pytest
from metafor_reference import reference_fits

from alsmeta.stats.random_effects import PoolingError, Settings, fit_batch, random_effects

FIELDS = {
    "estimate": "b",
    "se": "se",
    "ci_lower": "ci_lb",
    "ci_upper": "ci_ub",
    "pi_lower": "pi_lb",
    "pi_upper": "pi_ub",
    "tau2": "tau2",
    "q": "QE",
    "q_p": "QEp",
    "p_value": "pval",
    "statistic": "stat",
}
PERCENT_FIELDS = {"i2_tau2": "i2_tau2", "i2_q": "i2_q", "h2": "h2"}
INFERENCE = {"z": "wald", "knha": "knapp_hartung"}
#: metafor's predict() follows the test: z for Wald, t(k-1) for Knapp-Hartung.
PREDICTION = {"z": "z", "knha": "t_k1"}


def _ids(metafor_fits):
    return [f"{f['dataset']}-{f['method']}-{f['test']}" for f in metafor_fits]


@pytest.fixture(scope="module")
def fits(metafor):
    return reference_fits(metafor)


def test_fixture_coverage(metafor, fits):
    combos = {(f["dataset"], f["method"], f["test"]) for f in fits}
    assert len(combos) == len(metafor["datasets"]) * 3 * 2 == 48


def test_every_fit_matches_metafor(metafor, fits):
    checked = 0
    for ref in fits:
        data = metafor["datasets"][ref["dataset"]]
        got = random_effects(
            data["yi"],
            data["vi"],
            ref["method"],
            INFERENCE[ref["test"]],
            prediction=PREDICTION[ref["test"]],
        )
        where = f"{ref['dataset']} {ref['method']} {ref['test']}"
        assert got.k == ref["k"], where
        for ours, theirs in FIELDS.items():
            assert getattr(got, ours) == pytest.approx(ref[theirs], rel=1e-6, abs=1e-9), (
                where,
                ours,
            )
        for ours, theirs in PERCENT_FIELDS.items():
            assert getattr(got, ours) == pytest.approx(ref[theirs], rel=1e-6, abs=1e-6), (
                where,
                ours,
            )
        np.testing.assert_allclose(got.weights_pct, ref["weights_pct"], rtol=1e-6, atol=1e-7)
        if ref["test"] == "knha":
            assert got.df == ref["df"] == ref["k"] - 1
        else:
            assert math.isnan(got.df)
        checked += 1
    assert checked == 48


def test_bcg_reml_headline(metafor, fits):
    # The textbook example: BCG vaccine trials, log risk ratio, REML, z.
    data = metafor["datasets"]["bcg"]
    got = random_effects(data["yi"], data["vi"], "REML", "wald")
    assert got.estimate == pytest.approx(-0.7145323, abs=1e-6)
    assert got.tau2 == pytest.approx(0.3132433, abs=1e-6)
    assert got.i2_tau2 == pytest.approx(92.22, abs=0.01)
    assert got.i2_q == pytest.approx(92.12, abs=0.01)


@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([0.1, float("nan")], [0.1, 0.1], "effect size is missing"),
        ([0.1, 0.2], [0.1, 0.0], "sampling variance must be positive"),
        ([0.1, 0.2], [0.1, -1.0], "sampling variance must be positive"),
    ],
)
def test_bad_inputs_are_named_not_crashes(yi, vi, message):
    with pytest.raises(PoolingError, match=message):
        random_effects(yi, vi)


def test_all_zero_events_pool_to_the_corrected_rate():
    # Four 0/20 studies: identical logits, tau^2 = 0, Q = 0, I^2 = 0 (not NaN).
    from alsmeta.effects.measures import logit_proportion

    yi, vi, _ = logit_proportion([0, 0, 0, 0], [20, 20, 20, 20])
    with pytest.raises(PoolingError, match="Knapp-Hartung variance is 0"):
        random_effects(yi, vi, inference="knapp_hartung")
    got = random_effects(yi, vi, inference="wald")
    assert got.tau2 == pytest.approx(0.0, abs=1e-10)
    assert got.q == pytest.approx(0.0, abs=1e-12)
    assert got.i2_q == 0.0 and got.i2_tau2 == pytest.approx(0.0, abs=1e-8)
    assert got.estimate == pytest.approx(math.log(0.5 / 20.5), rel=1e-9)


@pytest.mark.parametrize("estimator", ["REML", "ML", "PM"])
@pytest.mark.parametrize("k", [3, 12])
def test_an_analysis_does_not_depend_on_the_rest_of_its_batch(estimator, k):
    """Exact (bitwise) equality: an analysis fitted alone and as one column among 1,000
    random others (some with the same k, so they share a vectorized fit) gives the same
    floats in every field. Without per-analysis stopping and row-by-row sums, REML tau^2
    moved by up to ~3e-7 relative with the company it kept."""
    rng = np.random.default_rng(20261201)
    m, k_max = 1001, 15
    Y = np.full((k_max, m), np.nan)
    V = np.full((k_max, m), np.nan)
    ks = rng.integers(2, k_max + 1, size=m)
    ks[0] = k
    for j, kj in enumerate(ks):
        V[:kj, j] = rng.uniform(0.005, 2.0, size=kj)
        Y[:kj, j] = rng.normal(rng.normal(0, 1), rng.uniform(0, 1.5), size=kj) + rng.normal(
            0, np.sqrt(V[:kj, j])
        )
    settings = Settings(estimator=estimator, inference="knapp_hartung")
    alone = fit_batch(Y[:k, :1], V[:k, :1], settings)[0]
    together = fit_batch(Y, V, settings)
    assert sum(ks == k) > 10  # the analysis really shares its vectorized fit
    assert alone["status"] == "pooled"
    for name, value in alone.items():
        other = together[0][name]
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(other), name
        else:
            assert other == value, name  # ==, not approx: the same bits
