"""The Bayesian engine (alsmeta.stats.bayes) against published and independent references.

References and tolerances (tests/fixtures/bayes/README.md says where each number comes from):

* bayesmeta's printed results (Röver 2020, J Stat Softw 93(6); bayesmeta 3.4 vignette).
  Quantities bayesmeta integrates numerically (everything about tau) must agree to the
  printed digits: within half a unit of the last printed digit. Quantities bayesmeta
  reads off its discrete normal-mixture approximation of the posterior (the DIRECT
  algorithm of Röver & Friede 2017, J Comput Graph Stat 26(4), default divergence bound
  delta = 1%: everything about mu, theta_new and the shrinkage theta_i) carry that
  approximation's error and are compared within 0.005 posterior SDs (0.0002 for
  probabilities); that these are bayesmeta's error and not ours is shown by
  :func:`test_mixture_quantities_match_adaptive_quadrature`, which recomputes them
  by adaptive quadrature (scipy.integrate.quad) to 1e-8.
* An independent MCMC fit (emcee 3.1.6, fixed seed): posterior quantiles within 4 Monte
  Carlo standard errors (batch means).
* Exact special cases: k = 1 with a flat mu prior (the tau posterior is the prior).
* Grid refinement: 4x the nodes changes no reported quantile by more than 1e-5 posterior
  SDs (normal-normal) or 1e-3 (binomial-normal).
* Binomial-normal vs normal-normal on logits for 10,000 per study: within 0.005 SDs.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from alsmeta.stats.bayes import (
    BayesResult,
    BayesSettings,
    TauPrior,
    binomial_normal,
    binomial_normal_batch,
    normal_normal,
    normal_normal_batch,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bayes"
INF = float("inf")
QUANTILE_FIELDS = (
    "mu_lower",
    "mu_median",
    "mu_upper",
    "tau_lower",
    "tau_median",
    "tau_upper",
    "pred_lower",
    "pred_median",
    "pred_upper",
)


def _read(name):
    with open(FIXTURES / name, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _rubin():
    rows = _read("rubin1981.tsv")
    y = np.array([float(r["effect"]) for r in rows])
    return y, np.array([float(r["stderr"]) for r in rows]) ** 2


def _log_odds_ratio(a, n1, c, n2):
    """metafor escalc(measure="OR") with its default add = 1/2 to = "only0"."""
    b, d = n1 - a, n2 - c
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


def _crins(randomized_only=False):
    rows = _read("crins2014.tsv")
    if randomized_only:
        rows = [r for r in rows if r["randomized"] == "yes"]
    pairs = [
        _log_odds_ratio(
            *(float(r[c]) for c in ("exp_ar_events", "exp_total", "cont_ar_events", "cont_total"))
        )
        for r in rows
    ]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


HN05 = TauPrior("half_normal", 0.5)
EXAMPLES = {
    "rubin_hc25": (_rubin, {"tau_prior": TauPrior("half_cauchy", 25.0), "mu_sd": 50.0}),
    "rubin_uniform": (_rubin, {"tau_prior": TauPrior("uniform"), "mu_sd": INF}),
    "crins_hn05": (_crins, {"tau_prior": HN05, "mu_sd": 4.0}),
    "crins_randomized_hn05": (lambda: _crins(True), {"tau_prior": HN05, "mu_sd": 4.0}),
}


def test_crins_log_odds_ratios_match_the_printed_escalc_values():
    # bayesmeta vignette, section "Computing effect sizes": print(crins.es[, c("yi", "vi")])
    y, v = _crins()
    printed_y = [-2.3097, -0.4595, -2.3026, -1.7579, -1.2585, -2.4179]
    printed_v = [0.3594, 0.3096, 0.7750, 0.2078, 0.4122, 2.3373]
    assert np.allclose(y, printed_y, atol=5e-5) and np.allclose(v, printed_v, atol=5e-5)


def _published():
    return _read("published.tsv")


def _value(result: BayesResult, row):
    if row["field"] == "mu_prob_negative":
        return 1.0 - result.mu_prob_positive
    value = getattr(result, row["field"])
    return value[int(row["study"])] if row["study"] else value


def _half_unit(printed: str) -> float:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals


@pytest.mark.parametrize(
    "row", _published(), ids=lambda r: f"{r['example']}-{r['field']}{r['study']}@{r['level']}"
)
def test_bayesmeta_published_numbers(row):
    data, kwargs = EXAMPLES[row["example"]]
    y, v = data()
    result = normal_normal(y, v, BayesSettings(level=float(row["level"]), **kwargs))
    ours, printed = _value(result, row), float(row["value"])
    if row["computed_by"] == "integration":
        assert abs(ours - printed) <= _half_unit(row["value"]) * (1 + 1e-9), (ours, printed)
    else:
        field = row["field"]
        if "prob" in field:
            tolerance = 2e-4
        else:
            sd = result.pred_sd if field.startswith("pred") else result.mu_sd
            tolerance = 0.005 * sd
        assert abs(ours - printed) <= tolerance, (ours, printed, tolerance)


def test_turner_prior_quantiles_match_bayesmeta():
    # Röver 2020, Section 3.4 (p. 31): TurnerEtAlPrior("surgical", "pharmacological",
    # "placebo / control")$qprior(c(0.025, 0.5, 0.975)); its parameters (log tau^2 ~
    # N(-2.14, 1.74^2)) are Turner et al. 2015 Table IV as tabulated in bayesmeta's source.
    prior = TauPrior("lognormal", meanlog=-2.14, sdlog=1.74)
    printed = ["0.06233896", "0.34300852", "1.88734045"]
    ours = prior.quantile([0.025, 0.5, 0.975])
    for value, text in zip(ours, printed, strict=True):
        assert abs(value - float(text)) <= _half_unit(text)


@pytest.mark.parametrize(
    "prior",
    [
        TauPrior("half_normal", 0.5),
        TauPrior("half_cauchy", 1.0),
        TauPrior("lognormal", meanlog=-2.56, sdlog=1.74),
    ],
    ids=lambda p: p.family,
)
def test_tau_prior_densities(prior):
    density = lambda t: math.exp(prior.logpdf(t))  # noqa: E731
    total = integrate.quad(density, 0, np.inf, epsabs=0, epsrel=1e-11, limit=500)[0]
    assert total == pytest.approx(1.0, rel=1e-9)
    median = float(prior.quantile(0.5))
    half = integrate.quad(density, 0, median, epsabs=0, epsrel=1e-11, limit=500)[0]
    assert half == pytest.approx(0.5, rel=1e-9)
    t = np.array([0.05, 0.3, 2.0])
    expected = {
        "half_normal": stats.halfnorm.logpdf(t, scale=0.5),
        "half_cauchy": stats.halfcauchy.logpdf(t, scale=1.0),
        # tau^2 ~ LN(-2.56, 1.74): density of tau = 2 tau f(tau^2)
        "lognormal": np.log(2 * t) + stats.lognorm.logpdf(t**2, s=1.74, scale=math.exp(-2.56)),
    }[prior.family]
    assert np.allclose(prior.logpdf(t), expected, rtol=1e-12)
    assert prior.logpdf(-0.1) == -np.inf


def test_describe_is_plain_text():
    assert TauPrior("half_normal", 0.5).describe() == "half-normal, scale 0.5"
    assert TauPrior("half_cauchy", 1.0).describe() == "half-Cauchy, scale 1"
    assert (
        TauPrior("lognormal", meanlog=-2.56, sdlog=1.74).describe()
        == "log-normal on tau^2, log tau^2 mean -2.56, SD 1.74"
    )
    assert BayesSettings(HN05, mu_sd=4.0).describe_mu() == "normal, mean 0, SD 4"


# --- independent recomputation of the mixture quantities by adaptive quadrature ----------


class _Quadrature:
    """The normal-normal posterior by scipy.integrate.quad over tau (independent code)."""

    def __init__(self, y, v, prior: TauPrior, mu_mean, mu_sd):
        self.y, self.v, self.prior, self.m0, self.s0 = y, v, prior, mu_mean, mu_sd
        self.opts = {"epsabs": 0, "epsrel": 1e-12, "limit": 1000}
        self.z = integrate.quad(self.density, 0, np.inf, **self.opts)[0]

    def conditional(self, tau):
        w = 1 / (self.v + tau * tau)
        prec = w.sum() + (0 if math.isinf(self.s0) else 1 / self.s0**2)
        shift = 0 if math.isinf(self.s0) else self.m0 / self.s0**2
        mean = ((w * self.y).sum() + shift) / prec
        return mean, 1 / math.sqrt(prec)

    def density(self, tau):
        # marginal likelihood of tau (mu integrated out), written as the product of the
        # normal densities with mu at its conditional mean, divided by mu's conditional density
        mean, sd = self.conditional(tau)
        log_lik = stats.norm.logpdf(self.y, mean, np.sqrt(self.v + tau * tau)).sum()
        if not math.isinf(self.s0):
            log_lik += stats.norm.logpdf(mean, self.m0, self.s0)
        log_lik -= stats.norm.logpdf(mean, mean, sd)
        return math.exp(log_lik + float(self.prior.logpdf(tau)) + 30.0)

    def expect(self, g):
        return integrate.quad(lambda t: self.density(t) * g(t), 0, np.inf, **self.opts)[0] / self.z

    def cdf(self, x, component):
        return self.expect(lambda t: stats.norm.cdf(x, *component(t)))

    def quantile(self, p, component, lo=-200, hi=200):
        return optimize.brentq(lambda x: self.cdf(x, component) - p, lo, hi, xtol=1e-12)


@pytest.mark.parametrize("example", ["rubin_hc25", "crins_hn05"])
def test_mixture_quantities_match_adaptive_quadrature(example):
    data, kwargs = EXAMPLES[example]
    y, v = data()
    result = normal_normal(y, v, BayesSettings(**kwargs))
    quad = _Quadrature(y, v, kwargs["tau_prior"], 0.0, kwargs["mu_sd"])

    def mu(t):
        return quad.conditional(t)

    def pred(t):
        m, s = quad.conditional(t)
        return m, math.sqrt(s * s + t * t)

    def theta(i):
        def component(t):
            m, s = quad.conditional(t)
            b = t * t / (v[i] + t * t)
            return b * y[i] + (1 - b) * m, math.sqrt(b * v[i] + (1 - b) ** 2 * s * s)

        return component

    scale = max(abs(result.mu_median), result.mu_sd)
    checks = [
        (result.mu_mean, quad.expect(lambda t: mu(t)[0])),
        (result.mu_median, quad.quantile(0.5, mu)),
        (result.mu_lower, quad.quantile(0.025, mu)),
        (result.mu_upper, quad.quantile(0.975, mu)),
        (result.pred_lower, quad.quantile(0.025, pred)),
        (result.pred_upper, quad.quantile(0.975, pred)),
        (result.shrinkage_median[0], quad.quantile(0.5, theta(0))),
        (result.shrinkage_upper[1], quad.quantile(0.975, theta(1))),
    ]
    for ours, reference in checks:
        assert abs(ours - reference) <= 1e-8 * scale, (ours, reference)
    assert abs(result.mu_prob_positive - (1 - quad.cdf(0.0, mu))) <= 1e-10


# --- exact special cases --------------------------------------------------------------


@pytest.mark.parametrize(
    "prior", [TauPrior("half_normal", 0.5), TauPrior("half_cauchy", 0.5)], ids=lambda p: p.family
)
def test_single_study_with_flat_mu_prior_leaves_the_tau_prior_unchanged(prior):
    # With k = 1 and a flat mu prior the marginal likelihood of tau is constant, so tau's
    # posterior is its prior, and mu | y is the mixture of N(y, v + tau^2) over that prior.
    result = normal_normal([0.4], [0.09], BayesSettings(prior, mu_sd=INF))
    for ours, p in zip(
        (result.tau_lower, result.tau_median, result.tau_upper), (0.025, 0.5, 0.975), strict=True
    ):
        assert ours == pytest.approx(float(prior.quantile(p)), rel=1e-6)
    assert result.mu_median == pytest.approx(0.4, abs=1e-12)
    assert math.isfinite(result.mu_upper) and math.isfinite(result.pred_upper)


@pytest.mark.parametrize(
    ("k", "mu_sd", "tau_mean_finite", "tau_sd_finite", "mu_moments_finite"),
    [
        (1, INF, False, False, False),  # tail exponent 2: no mean of tau, nor of mu
        (2, INF, True, False, False),  # 3: tau has a mean, no variance; mu no variance
        (1, 10.0, True, False, True),  # 3, but mu's normal prior bounds its variance
        (2, 10.0, True, True, True),  # 4
    ],
)
def test_moments_a_heavy_tailed_posterior_lacks_are_not_reported(
    k, mu_sd, tau_mean_finite, tau_sd_finite, mu_moments_finite
):
    # half-Cauchy tau prior: posterior tail tau^-(2 + k - 1) (flat mu) or tau^-(2 + k)
    y, v = [0.4, -0.2][:k], [0.09, 0.04][:k]
    result = normal_normal(y, v, BayesSettings(TauPrior("half_cauchy", 0.5), mu_sd=mu_sd))
    assert math.isfinite(result.tau_mean) is tau_mean_finite
    assert math.isfinite(result.tau_sd) is tau_sd_finite
    assert math.isfinite(result.pred_sd) is tau_sd_finite
    assert math.isfinite(result.mu_sd) is (mu_moments_finite or tau_sd_finite)
    assert math.isfinite(result.mu_mean) is (mu_moments_finite or tau_mean_finite)
    assert all(math.isfinite(getattr(result, f)) for f in QUANTILE_FIELDS)


def test_negligible_heterogeneity_gives_the_conjugate_normal_posterior():
    y, v = np.array([0.2, 0.5, -0.1]), np.array([0.04, 0.09, 0.05])
    result = normal_normal(y, v, BayesSettings(TauPrior("half_normal", 1e-9), mu_sd=2.0))
    precision = (1 / v).sum() + 1 / 4.0
    mean, sd = (y / v).sum() / precision, 1 / math.sqrt(precision)
    assert result.mu_median == pytest.approx(mean, abs=1e-9)
    assert result.mu_upper == pytest.approx(mean + 1.959963984540054 * sd, abs=1e-9)
    assert result.mu_sd == pytest.approx(sd, rel=1e-9)


# --- MCMC -----------------------------------------------------------------------------


def _batch_means_se(draws, q, batches=20):
    """Quantile and its Monte Carlo SE: ``draws`` is (steps, walkers), split over time."""
    estimate = np.quantile(draws, q)
    parts = np.array_split(draws, batches, axis=0)
    values = np.array([np.quantile(part, q) for part in parts])
    return estimate, values.std(ddof=1) / math.sqrt(batches)


def _run_emcee(log_prob, start, steps, burn, seed):
    import emcee

    rng = np.random.default_rng(seed)
    walkers, dim = start.shape
    sampler = emcee.EnsembleSampler(walkers, dim, log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()
    sampler.run_mcmc(start + 1e-3 * rng.standard_normal(start.shape), steps, progress=False)
    return sampler.get_chain(discard=burn)  # (steps - burn, walkers, dim)


def _check_against_chain(result, mu_draws, tau_draws):
    checked = []
    for draws, fields in (
        (mu_draws, ("mu_lower", "mu_median", "mu_upper")),
        (tau_draws, ("tau_lower", "tau_median", "tau_upper")),
    ):
        for q, field in zip((0.025, 0.5, 0.975), fields, strict=True):
            estimate, se = _batch_means_se(draws, q)
            ours = getattr(result, field)
            assert abs(ours - estimate) <= 4 * se, (field, ours, estimate, se)
            checked.append(se)
    return checked


def test_normal_normal_agrees_with_mcmc():
    y, v = _crins()
    settings = BayesSettings(HN05, mu_sd=4.0)
    result = normal_normal(y, v, settings)

    def log_prob(theta):  # (walkers, 2): mu, log tau
        mu, log_tau = theta[:, 0], theta[:, 1]
        tau = np.exp(log_tau)
        sd = np.sqrt(v[None, :] + tau[:, None] ** 2)
        ll = stats.norm.logpdf(y[None, :], mu[:, None], sd).sum(axis=1)
        return ll + stats.norm.logpdf(mu, 0, 4) + stats.halfnorm.logpdf(tau, scale=0.5) + log_tau

    chain = _run_emcee(log_prob, np.tile([-1.5, math.log(0.3)], (32, 1)), 12000, 1000, 2026)
    ses = _check_against_chain(result, chain[:, :, 0], np.exp(chain[:, :, 1]))
    assert max(ses) < 0.02  # the comparison has teeth: MC SE small against the posterior SDs


def test_binomial_normal_agrees_with_mcmc_for_zero_counts():
    # Non-centred latent model: theta_i = mu + tau eta_i, eta_i ~ N(0, 1).
    events, n = np.array([0.0, 2.0]), np.array([40.0, 35.0])
    settings = BayesSettings(HN05, mu_sd=3.0)
    result = binomial_normal(events, n, settings)

    def log_prob(theta):  # mu, log tau, eta_1, eta_2
        mu, log_tau, eta = theta[:, 0], theta[:, 1], theta[:, 2:]
        tau = np.exp(log_tau)
        logit = mu[:, None] + tau[:, None] * eta
        ll = (events * logit - n * np.logaddexp(0, logit)).sum(axis=1)
        prior = stats.norm.logpdf(mu, 0, 3) + stats.halfnorm.logpdf(tau, scale=0.5)
        return ll + prior + log_tau + stats.norm.logpdf(eta).sum(axis=1)

    chain = _run_emcee(log_prob, np.tile([-3.5, math.log(0.3), 0, 0], (32, 1)), 12000, 1000, 7)
    ses = _check_against_chain(result, chain[:, :, 0], np.exp(chain[:, :, 1]))
    assert max(ses) < 0.05


# --- integration accuracy -------------------------------------------------------------

ACCURACY_CASES = {
    "rubin_half_cauchy": (*_rubin(), {"tau_prior": TauPrior("half_cauchy", 25.0), "mu_sd": 50.0}),
    "rubin_uniform": (*_rubin(), {"tau_prior": TauPrior("uniform"), "mu_sd": INF}),
    "crins": (*_crins(), {"tau_prior": HN05, "mu_sd": 4.0}),
    "k1_half_cauchy_flat": (
        [1.2],
        [0.3],
        {"tau_prior": TauPrior("half_cauchy", 0.5), "mu_sd": INF},
    ),
    "k2": ([1.2, -0.3], [0.1, 0.4], {"tau_prior": HN05}),
    "k3_turner": (
        [1.2, -0.3, 0.5],
        [0.01, 0.04, 0.02],
        {"tau_prior": TauPrior("lognormal", meanlog=-2.56, sdlog=1.74)},
    ),
    "k30_precise": (
        np.random.default_rng(1).normal(0, 1, 30),
        np.random.default_rng(2).uniform(0.001, 0.01, 30),
        {"tau_prior": TauPrior("half_normal", 1.0)},
    ),
}


@pytest.mark.parametrize("case", list(ACCURACY_CASES))
def test_normal_normal_grid_refinement(case):
    y, v, kwargs = ACCURACY_CASES[case]
    coarse = normal_normal(y, v, BayesSettings(**kwargs))
    fine = normal_normal(y, v, BayesSettings(grid_points=512, **kwargs))
    # scale: the posterior SD, or the 95% interval's width where that is smaller (a
    # half-Cauchy posterior's SD is that of its truncation, astronomically large)
    tau_scale = min(coarse.tau_sd, coarse.tau_upper - coarse.tau_lower)
    mu_scale = min(coarse.mu_sd, coarse.mu_upper - coarse.mu_lower)
    for field in QUANTILE_FIELDS + ("mu_mean", "mu_sd"):
        scale = tau_scale if field.startswith("tau") else mu_scale
        a, b = getattr(coarse, field), getattr(fine, field)
        if not math.isfinite(a):  # a moment the posterior does not have: the same on both
            assert repr(a) == repr(b), field
            continue
        assert abs(a - b) <= 1e-5 * scale, field
    for name in ("shrinkage_lower", "shrinkage_median", "shrinkage_upper"):
        diff = np.abs(np.subtract(getattr(coarse, name), getattr(fine, name)))
        assert diff.max() <= 1e-5 * mu_scale, name
    assert coarse.integration_error >= 0


BINOMIAL_CASES = {
    "all_zero_k4": ([0, 0, 0, 0], [40, 35, 36, 30]),
    "k1": ([3], [20]),
    "k1_zero": ([0], [10]),
}


@pytest.mark.parametrize("case", list(BINOMIAL_CASES))
def test_binomial_normal_grid_refinement(case):
    events, n = BINOMIAL_CASES[case]
    coarse = binomial_normal(events, n, BayesSettings(HN05))
    fine = binomial_normal(events, n, BayesSettings(HN05, grid_points=256))
    for field in QUANTILE_FIELDS + ("mu_mean", "rate_mean"):
        scale = coarse.tau_sd if field.startswith("tau") else coarse.mu_sd
        if field == "rate_mean":
            scale = coarse.rate_mean
        assert abs(getattr(coarse, field) - getattr(fine, field)) <= 1e-3 * scale, field
    for field in ("rate_lower", "rate_median", "rate_upper"):
        assert getattr(coarse, field) == pytest.approx(getattr(fine, field), rel=1e-3)


def test_binomial_normal_matches_normal_normal_for_large_counts():
    events, n = np.array([1200, 2500, 3100, 1800]), np.full(4, 10_000)
    settings = BayesSettings(HN05, mu_sd=10.0)
    binomial = binomial_normal(events, n, settings)
    normal = normal_normal(np.log(events / (n - events)), 1 / events + 1 / (n - events), settings)
    for field in QUANTILE_FIELDS + ("mu_mean",):
        scale = binomial.tau_sd if field.startswith("tau") else binomial.mu_sd
        assert abs(getattr(binomial, field) - getattr(normal, field)) <= 0.005 * scale, field


# --- edge cases and bad input ---------------------------------------------------------


def test_all_zero_counts_and_single_studies_give_finite_honest_intervals():
    settings = BayesSettings(HN05, mu_sd=10.0)
    results = binomial_normal_batch(
        [[0, 0, 0, 0], [0], [5]], [[41, 35, 35, 30], [12], [12]], settings
    )
    for result in results:
        values = [v for v in dataclasses.asdict(result).values() if isinstance(v, float)]
        assert all(math.isfinite(x) for x in values)
        assert 0 < result.rate_lower < result.rate_median < result.rate_upper < 1
        assert result.mu_lower < result.mu_median < result.mu_upper
    zero = results[0]
    # 0 events in 141: the upper limit is a few percent, the lower one prior-driven.
    assert 0.001 < zero.rate_upper < 0.05
    single = normal_normal([0.4], [0.09], settings)
    assert single.k == 1 and single.mu_lower < 0.4 < single.mu_upper
    assert single.pred_lower < single.mu_lower and single.pred_upper > single.mu_upper


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: normal_normal([0.1, 0.2], [0.1, -0.2], s), "every sampling variance"),
        (lambda s: normal_normal([0.1, float("nan")], [0.1, 0.2], s), "an effect size (yi)"),
        (lambda s: normal_normal([0.1, 0.2], [0.1], s), "equal length"),
        (lambda s: normal_normal([], [], s), "no studies"),
        (lambda s: binomial_normal([5], [3], s), "between 0 and n"),
        (lambda s: binomial_normal([-1], [3], s), "between 0 and n"),
        (lambda s: binomial_normal([1.5], [3], s), "whole numbers"),
        (lambda s: binomial_normal([float("nan")], [3], s), "not finite"),
        (lambda s: binomial_normal([1], [3], dataclasses.replace(s, mu_sd=INF)), "proper"),
        (
            lambda s: normal_normal(
                [0.1, 0.2], [0.1, 0.1], BayesSettings(TauPrior("uniform"), mu_sd=INF)
            ),
            "improper posterior with k = 2",
        ),
        (
            lambda s: normal_normal_batch([[0.1], [0.2, 0.3]], [[0.1], [0.1, 0]], s),
            "analysis 1: every sampling variance",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(BayesSettings(HN05))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: TauPrior("gamma"), "tau prior family must be one of"),
        (lambda: TauPrior("half_normal", -1.0), "scale must be positive"),
        (lambda: TauPrior("lognormal", meanlog=-2.0), "meanlog and sdlog"),
        (lambda: TauPrior("half_normal", 0.5, meanlog=1.0), "apply to lognormal only"),
        (lambda: BayesSettings(HN05, mu_sd=0.0), "mu_sd must be positive"),
        (lambda: BayesSettings(HN05, level=1.0), "level must lie strictly between"),
        (lambda: BayesSettings(HN05, grid_points=100), "multiple of 16"),
        (lambda: BayesSettings("half_normal"), "tau_prior must be a TauPrior"),
    ],
)
def test_bad_settings_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def _assert_identical(a: BayesResult, b: BayesResult):
    for name, x in dataclasses.asdict(a).items():
        y = getattr(b, name)
        if isinstance(x, float) and math.isnan(x):
            assert math.isnan(y), name
        else:
            assert x == y, (name, x, y)


def test_batch_composition_changes_no_digit():
    rng = np.random.default_rng(11)
    target_y, target_v = _crins()
    settings = BayesSettings(HN05, mu_sd=4.0)
    alone = normal_normal(target_y, target_v, settings)
    yis, vis = [], []
    for j in range(1000):
        k = 6 if j % 2 else int(rng.integers(1, 12))
        yis.append(rng.normal(0, 1, k))
        vis.append(rng.uniform(0.01, 1.0, k))
    yis.insert(517, target_y)
    vis.insert(517, target_v)
    batch = normal_normal_batch(yis, vis, settings)
    _assert_identical(batch[517], alone)  # every field, to the last bit
    _assert_identical(batch[3], normal_normal(yis[3], vis[3], settings))


def test_per_analysis_settings_and_rows():
    y, v = _crins()
    settings = [BayesSettings(HN05, mu_sd=4.0), BayesSettings(TauPrior("half_cauchy", 0.5))]
    results = normal_normal_batch([y, y], [v, v], settings)
    _assert_identical(results[0], normal_normal(y, v, settings[0]))
    _assert_identical(results[1], normal_normal(y, v, settings[1]))
    row = results[0].as_row()
    assert row["bayes_prior"] == "half-normal, scale 0.5"
    assert row["bayes_interval"] == "central" and row["bayes_k"] == 6
    assert row["bayes_shrinkage_median"].count(";") == 5
    assert all(key.startswith("bayes_") for key in row)
    no_shrinkage = normal_normal(y, v, settings[0], shrinkage=False)
    assert no_shrinkage.shrinkage_median == () and no_shrinkage.mu_upper == results[0].mu_upper


def test_binomial_batch_matches_single_fits():
    settings = BayesSettings(HN05)
    batch = binomial_normal_batch([[0, 1], [3]], [[20, 25], [30]], settings)
    _assert_identical(batch[1], binomial_normal([3], [30], settings))
    assert special.logit(batch[1].rate_median) == pytest.approx(batch[1].pred_median, abs=1e-12)


# --- binomial-normal: the per-study integral, its modes, the results cache -----------------

# (events, n, mu, tau): zero and full counts, a vanishing and a very large tau (whose far
# nodes take the log-sum-exp path), mu far from the data
LOGLIK_POINTS = [
    (0, 98, -3.0, 0.5),
    (0, 98, -100.0, 0.01),
    (3, 40, -2.6, 1e-6),
    (23, 78, -1.0, 1.5),
    (40, 40, 5.0, 0.3),
    (38, 40, 3.0, 2.0),
    (0, 10, 0.0, 500.0),
    (3, 10, -1.0, 300.0),
    (0, 98, 11.6, 0.4),
]


def _mode(x, n, mu, tau):
    """The integrand's mode by bisection on its gradient (independent of the engine)."""
    lo, hi = mu + tau * tau * (x - n), mu + tau * tau * x
    for _ in range(400):
        mid = 0.5 * (lo + hi)
        if x - n * special.expit(mid) - (mid - mu) / tau**2 > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _log_kernel(x, n, mu, tau, t):
    return x * t - n * np.logaddexp(0.0, t) - 0.5 * ((t - mu) / tau) ** 2


@pytest.mark.parametrize("point", LOGLIK_POINTS, ids=lambda p: "-".join(map(str, p)))
def test_binomial_integral_is_the_textbook_adaptive_gauss_hermite_rule(point):
    # log sum_h w_h exp(z_h^2) f(m + sqrt(2) s z_h) sqrt(2) s, f the integrand, m its mode,
    # s = (n p (1 - p) + 1 / tau^2)^(-1/2), with a max-shifted log-sum-exp
    from alsmeta.stats.bayes import HERMITE_NODES, _binomial_loglik

    x, n, mu, tau = point
    m = _mode(x, n, mu, tau)
    p = special.expit(m)
    s = 1.0 / math.sqrt(n * p * (1 - p) + 1 / tau**2)
    z, w = np.polynomial.hermite.hermgauss(HERMITE_NODES)
    terms = np.log(w) + z * z + _log_kernel(x, n, mu, tau, m + math.sqrt(2) * s * z)
    reference = special.logsumexp(terms) + math.log(
        math.sqrt(2) * s / (tau * math.sqrt(2 * math.pi))
    )
    ours = float(_binomial_loglik(np.array([x], float), np.array([n], float), mu, tau))
    assert abs(ours - reference) <= 1e-10 * (1 + abs(reference)), (ours, reference)


@pytest.mark.parametrize("point", [p for p in LOGLIK_POINTS if p[3] <= 1.5])
def test_binomial_integral_matches_adaptive_quadrature(point):
    # where the 15-node rule is exact to 1e-9 (not for a zero count under a very wide
    # random effect, whose skewed integrand the rule resolves to about 1e-2)
    from alsmeta.stats.bayes import _binomial_loglik

    x, n, mu, tau = point
    m = _mode(x, n, mu, tau)
    p = special.expit(m)
    s = 1.0 / math.sqrt(n * p * (1 - p) + 1 / tau**2)
    top = _log_kernel(x, n, mu, tau, m)
    value = integrate.quad(
        lambda t: math.exp(_log_kernel(x, n, mu, tau, t) - top),
        m - 60 * s,
        m + 60 * s,
        points=[m],
        epsabs=0,
        epsrel=1e-13,
        limit=1000,
    )[0]
    reference = top + math.log(value) - math.log(tau * math.sqrt(2 * math.pi))
    ours = float(_binomial_loglik(np.array([x], float), np.array([n], float), mu, tau))
    assert abs(ours - reference) <= 1e-9 * (1 + abs(reference)), (ours, reference)


def test_binomial_modes_converge_where_plain_newton_cycles():
    # 0 of 98 with mu far above the data: plain Newton jumps between about -4.4 and 8.9
    from alsmeta.stats.bayes import _binomial_modes

    x, n, mu, tau2 = 0.0, 98.0, 11.61290323, 0.16368099
    ours = _binomial_modes(np.array([x]), np.array([n]), np.array([mu]), np.array([tau2]))[0]
    assert abs(ours - _mode(x, n, mu, math.sqrt(tau2))) <= 1e-11


def test_a_repeated_binomial_analysis_is_looked_up_with_identical_results():
    from alsmeta.stats import bayes

    settings = BayesSettings(HN05)
    events, n = [0, 2, 0], [40, 35, 22]
    bayes._BINOMIAL_CACHE.clear()
    first = binomial_normal(events, n, settings)
    assert binomial_normal(np.array(events, float), n, settings) is first
    batch = binomial_normal_batch([[1], events, [-0.0, 2, 0]], [[9], n, n], settings)
    assert batch[1] is first and batch[2] is first
    bayes._BINOMIAL_CACHE.clear()
    _assert_identical(binomial_normal(events, n, settings), first)  # recomputed: same bits
    assert binomial_normal(events, n, dataclasses.replace(settings, level=0.9)) is not first
