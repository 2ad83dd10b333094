"""Profile-likelihood intervals of the GLMM's typical-study and population-averaged rates
(alsmeta.stats.glmm_profile) against a brute-force computation in R
(tests/fixtures/metafor/make_glmm_profile_fixtures.R: likelihood by integrate(), ML by optim(),
profile by optimize(), ends by uniroot(); no code shared with the Python module).

Tolerance: the ends agree to a relative 1e-6 (the Python likelihood is adaptive
Gauss-Hermite with 101 points, R's is integrate() at rel.tol 1e-10; both searches stop
near 1e-10 on the logit scale). An end R does not reach within 30 logits is null there and
0 (lower) or 1 (upper) here.
"""

import json
from pathlib import Path

import pytest
from scipy import special

from alsmeta.stats.glmm import binomial_normal, marginal_mean
from alsmeta.stats.glmm_profile import marginal_rate_interval, typical_rate_interval

FIXTURE = Path(__file__).parents[1] / "fixtures" / "metafor" / "glmm_profile_fixtures.json"
REF = json.loads(FIXTURE.read_text())
POINTS = 101
TOL = dict(rel=1e-6, abs=1e-9)


def _fit(name):
    data = REF["datasets"][name]
    return data["x"], data["n"], binomial_normal(data["x"], data["n"], POINTS)


@pytest.mark.parametrize("name", sorted(REF["fits"]))
def test_ml_fit_matches_the_brute_force_one(name):
    ref = REF["fits"][name]
    _, _, fit = _fit(name)
    assert fit.loglik == pytest.approx(ref["loglik"], rel=1e-8)
    assert fit.marginal_estimate == pytest.approx(ref["marginal"], rel=1e-5)


@pytest.mark.parametrize("name", sorted(REF["fits"]))
@pytest.mark.parametrize(
    ("rate", "interval"), [("typical", typical_rate_interval), ("marginal", marginal_rate_interval)]
)
def test_profile_interval_matches_r(name, rate, interval):
    ref = REF["fits"][name]
    x, n, fit = _fit(name)
    estimate = fit.marginal_estimate if rate == "marginal" else special.expit(fit.estimate)
    centre = fit.marginal_estimate if rate == "marginal" else fit.estimate
    got = interval(x, n, centre, fit.loglik, POINTS)
    assert got.lower == pytest.approx(ref[f"{rate}_lower"] or 0.0, **TOL)
    assert got.upper == pytest.approx(ref[f"{rate}_upper"] or 1.0, **TOL)
    assert got.lower < estimate < got.upper


def test_profile_interval_is_wider_than_wald_for_sparse_rates():
    """Serious AEs (0/7, 0/19, 23/95): the Wald interval of the marginal rate rests on a
    quadratic log-likelihood in (mu, tau) that three studies do not give; the profile one
    is not symmetric on the logit scale."""
    x, n, fit = _fit("serious_ae")
    got = marginal_rate_interval(x, n, fit.marginal_estimate, fit.loglik, POINTS)
    assert (got.lower, got.upper) != pytest.approx(
        (fit.marginal_ci_lower, fit.marginal_ci_upper), rel=1e-3
    )
    assert marginal_mean(fit.estimate, fit.tau2) == pytest.approx(fit.marginal_estimate)
