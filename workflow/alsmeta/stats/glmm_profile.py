"""Profile-likelihood intervals of the binomial-normal GLMM's two pooled rates.

With two to four studies the Wald intervals of :mod:`alsmeta.stats.glmm` (``mu +/- z se``,
and the delta method on the logit of the marginal rate) rest on a quadratic approximation
of a log-likelihood that is far from quadratic: tau is barely identified. The profile
likelihood interval needs no such approximation (Venzon & Moolgavkar 1988, Appl Stat
37:87-94; Hardy & Thompson 1996, Stat Med 15:619-629, for random-effects meta-analysis).

* Typical-study rate ``expit(mu)``: ``{mu : 2 (l_max - max_tau l(mu, tau)) <= c}``, c the
  chi-square(1) quantile at ``level``; the interval of ``expit(mu)`` is expit of its ends
  (what ``lme4::confint(fit, method = "profile")`` gives for the intercept).
* Population-averaged rate ``m = E[expit(mu + tau Z)]``: ``{m0 : 2 (l_max - max_tau
  l(mu(m0, tau), tau)) <= c}``, where for each tau, ``mu(m0, tau)`` solves
  ``E[expit(mu + tau Z)] = m0`` (the marginal rate is increasing in mu).

``l`` is the same adaptive Gauss-Hermite log-likelihood the ML fit maximises
(:func:`alsmeta.stats.glmm.log_likelihood`), with the same number of points. The inner
maximum over tau is a scan of a fixed grid on ``tau`` followed by a bounded Brent search
in the bracket around the best grid point. The marginal rate inside the profile is the
expectation by the trapezoidal rule on a fixed grid of Z (spacing 0.04 on [-12, 12]; the
rule converges geometrically for the smooth integrand: within 3e-14 relative of adaptive
quadrature for mu in [-30, 5] and tau in [0.05, 15]). An end the profile does not reach
(it stays within c of the maximum as the rate goes to 0 or 1, e.g. with zero events in
most studies), or one reached only with tau at the grid's end (TAU_MAX = 15 on the logit
scale, a spread of study rates no data here support), is the boundary of the parameter
space, 0 or 1, and the interval's method says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from alsmeta.stats.glmm import _check_n_quadrature, _log_choose, _neg_loglik

#: Grid of tau for the inner maximisation: 0 to TAU_MAX (logit scale), denser near 0.
TAU_MAX = 15.0
_TAU_GRID = TAU_MAX * np.linspace(0.0, 1.0, 81) ** 2
#: Fixed grid of Z for the marginal rate E[expit(mu + tau Z)].
_Z = np.linspace(-12.0, 12.0, 601)
_Z_WEIGHTS = np.exp(-0.5 * _Z**2) * (_Z[1] - _Z[0]) / math.sqrt(2.0 * math.pi)
#: |mu| beyond which the profile is taken to have reached the boundary (rate 0 or 1).
MU_LIMIT = 30.0


@dataclass(frozen=True)
class ProfileInterval:
    """A profile-likelihood interval on the proportion scale and how each end was found."""

    lower: float
    upper: float
    method: str


def _marginal(mu, tau):
    """E[expit(mu + tau Z)] for arrays mu, tau of the same shape (trapezoidal rule)."""
    mu, tau = np.asarray(mu, dtype=float), np.asarray(tau, dtype=float)
    eta = mu[..., None] + tau[..., None] * _Z
    return special.expit(eta) @ _Z_WEIGHTS


def _mu_for_marginal(m0: float, tau):
    """mu with E[expit(mu + tau Z)] = m0 for every tau: Newton's method on mu (the marginal
    rate is increasing in mu, with slope E[p(1 - p)]) from the probit-approximation start
    ``logit(m0) sqrt(1 + 0.346 tau^2)`` (Zeger, Liang & Albert 1988), each step kept inside
    a bracket that bisection shrinks when Newton would leave it."""
    tau = np.asarray(tau, dtype=float)
    target = math.log(m0) - math.log1p(-m0)
    mu = target * np.sqrt(1.0 + 0.346 * tau**2)
    lo = np.full(tau.shape, -np.inf)
    hi = np.full(tau.shape, np.inf)
    for _ in range(100):
        p = special.expit(mu[..., None] + tau[..., None] * _Z)
        gap = p @ _Z_WEIGHTS - m0
        slope = (p * (1.0 - p)) @ _Z_WEIGHTS
        hi = np.where(gap > 0, mu, hi)
        lo = np.where(gap <= 0, mu, lo)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = mu - gap / slope
        inside = np.isfinite(step) & (step > lo) & (step < hi)
        bisect = np.where(
            np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi), mu - np.sign(gap) * 2.0
        )
        new = np.where(inside, step, bisect)
        if np.all(np.abs(new - mu) <= 1e-12 * np.maximum(1.0, np.abs(mu))):
            return new
        mu = new
    return mu


class _Profile:
    """Log-likelihood of one data set, profiled over tau."""

    def __init__(self, events, n, n_quadrature: int):
        self.x = np.asarray(events, dtype=float)
        self.n = np.asarray(n, dtype=float)
        self.q = _check_n_quadrature(n_quadrature)
        self.log_choose = _log_choose(self.x, self.n)

    def loglik(self, mu, tau):
        mu, tau = np.atleast_1d(mu).astype(float), np.atleast_1d(tau).astype(float)
        return -_neg_loglik(mu, tau, self.x, self.n, self.log_choose, self.q)

    def max_over_tau(self, mu_of_tau) -> tuple[float, bool]:
        """max over tau of l(mu_of_tau(tau), tau) (grid scan, then Brent in the bracket),
        and whether it lies at the grid's end TAU_MAX (the profile is then capped)."""
        values = self.loglik(mu_of_tau(_TAU_GRID), _TAU_GRID)
        values = np.where(np.isfinite(values), values, -np.inf)
        best = int(np.argmax(values))
        lo = _TAU_GRID[max(best - 1, 0)]
        hi = _TAU_GRID[min(best + 1, _TAU_GRID.size - 1)]
        capped = best == _TAU_GRID.size - 1
        if hi <= lo:
            return float(values[best]), capped

        def negative(t):
            return -float(self.loglik(mu_of_tau(np.array([t])), np.array([t]))[0])

        found = optimize.minimize_scalar(
            negative, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
        )
        return max(float(values[best]), -float(found.fun)), capped


def _end(deficit, start: float, direction: float, limit: float):
    """Where ``deficit`` (< 0 at ``start``, increasing away from it) crosses 0, searching
    from ``start`` towards ``limit``; None when it does not before ``limit``, or where the
    maximising tau at the crossing is the grid's end (the profile there is capped by
    TAU_MAX, so the crossing is not the likelihood's own)."""
    step = 0.25 * direction
    inner = start
    while True:
        outer = start + step
        if (outer - limit) * direction >= 0:
            outer = limit
        if deficit(outer)[0] > 0:
            root = optimize.brentq(lambda v: deficit(v)[0], inner, outer, xtol=1e-10, rtol=1e-10)
            return None if deficit(root)[1] else root
        if outer == limit:
            return None
        inner, step = outer, step * 2


def typical_rate_interval(events, n, mu_hat, loglik_max, n_quadrature, level=0.95):
    """Profile-likelihood interval of expit(mu) (see the module docstring)."""
    profile = _Profile(events, n, n_quadrature)
    crit = float(stats.chi2.ppf(level, 1))

    def deficit(mu):
        value, capped = profile.max_over_tau(lambda t: np.full_like(t, mu))
        return 2.0 * (loglik_max - value) - crit, capped

    lower = _end(deficit, mu_hat, -1.0, -MU_LIMIT)
    upper = _end(deficit, mu_hat, 1.0, MU_LIMIT)
    return ProfileInterval(
        0.0 if lower is None else float(special.expit(lower)),
        1.0 if upper is None else float(special.expit(upper)),
        _method("profile likelihood of mu over tau", level, lower is None, upper is None),
    )


def marginal_rate_interval(events, n, marginal_hat, loglik_max, n_quadrature, level=0.95):
    """Profile-likelihood interval of the population-averaged rate (module docstring)."""
    profile = _Profile(events, n, n_quadrature)
    crit = float(stats.chi2.ppf(level, 1))

    def deficit(logit_m0):
        m0 = float(special.expit(logit_m0))
        value, capped = profile.max_over_tau(lambda t: _mu_for_marginal(m0, t))
        return 2.0 * (loglik_max - value) - crit, capped

    centre = float(special.logit(marginal_hat))
    lower = _end(deficit, centre, -1.0, -MU_LIMIT)
    upper = _end(deficit, centre, 1.0, MU_LIMIT)
    return ProfileInterval(
        0.0 if lower is None else float(special.expit(lower)),
        1.0 if upper is None else float(special.expit(upper)),
        _method(
            "profile likelihood of the marginal rate over tau (mu solved for each tau)",
            level,
            lower is None,
            upper is None,
        ),
    )


def _method(text: str, level: float, open_lower: bool, open_upper: bool) -> str:
    ends = [s for s, flag in (("lower", open_lower), ("upper", open_upper)) if flag]
    tail = f"; the {' and '.join(ends)} end is not reached: boundary" if ends else ""
    return f"{text}, chi-square(1) at {level:.0%}{tail}"
