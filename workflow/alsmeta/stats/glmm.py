"""Binomial-normal GLMM (random-intercept logistic model) for single-arm proportions.

Model (Stijnen, Hamza & Ozdemir 2010, "Random effects meta-analysis of event
outcome in the framework of the generalized linear mixed model", Stat Med 29:3046;
Hamza, van Houwelingen & Stijnen 2008):

    x_i ~ Binomial(n_i, expit(theta_i)),   theta_i = mu + u_i,   u_i ~ N(0, tau^2).

Study i's marginal likelihood, written in the standardised random effect
``b_i = u_i / tau`` (lme4's "spherical" random effect, Bates et al. 2015,
J Stat Softw 67(1)), is

    L_i(mu, tau) = int Binom(x_i; n_i, expit(mu + tau b)) phi(b) db,

and ``(mu, tau^2)`` maximise ``sum_i log L_i``. The integral is computed by
*adaptive* Gauss-Hermite quadrature (Pinheiro & Bates 1995, J Comput Graph
Stat 4:12; Liu & Pierce 1994, Biometrika 81:624), as ``lme4::glmer`` does for
``nAGQ > 1``: with ``g(b) = Binom(x; n, expit(mu + tau b)) phi(b)``, its mode
``b~`` (the conditional mode of b_i given the data and current (mu, tau)) and
curvature ``s^2 = -d^2 log g / db^2 = 1 + tau^2 n p~(1 - p~)`` at the mode,

    L_i ~= (1 / s) sum_j w_j exp(z_j^2 / 2) g(b~ + z_j / s),

where ``(z_j, w_j)`` is the Q-point Gauss-Hermite rule for the weight
``exp(-z^2 / 2)`` (``numpy.polynomial.hermite_e.hermegauss``). Q = 1 is the
Laplace approximation (lme4's ``nAGQ = 1``). The log-likelihood includes the
binomial coefficients ``log choose(n_i, x_i)``.

Estimation is maximum likelihood over ``(mu, tau)``. Because ``L`` depends on
tau only through tau^2 it is even in tau, so the optimiser works on the real
line ``t`` (``tau = |t|``) with damped Newton steps; the boundary ``tau = 0``
(the common-proportion binomial GLM, ``mu = logit(sum x / sum n)``) is also
evaluated explicitly and chosen whenever it is at least as good, so tau^2 = 0
is reached exactly.

Definitions follow metafor's ``rma.glmm(measure = "PLO", method = "ML")``
(Viechtbauer 2010, J Stat Softw 36(3)), which calls ``lme4::glmer`` with
``nAGQ = 7`` by default (an argument of rma.glmm, not a control setting):

* ``se``: metafor reports lme4's ``vcov()``, which (``use.hessian = TRUE``, the
  default whenever the derivatives were computed) is the fixed-effect block of
  the inverse of the *full* observed information, the Hessian of the deviance
  in (theta, beta) with theta = tau: ``vcov = 2 [H_dev^-1]_{beta beta}``. Here
  ``se^2 = [H^-1]_{mu mu}`` with H the Hessian of ``-log L`` in (mu, tau) by
  central differences: the same quantity (the mu-block of the full inverse is
  invariant to how tau is parametrised at a stationary point). It is larger
  than the tau-conditional ``1 / H_{mu mu}``. At tau = 0 the cross derivative
  vanishes by symmetry, so both coincide and ``se^2 = 1 / H_{mu mu}`` (which is
  also what lme4 falls back to there). H is Richardson-extrapolated (error
  O(h^4)); lme4 uses one central difference with step 1e-4, which is why its se
  can differ in the 4th digit when the information matrix is nearly singular.
* CI ``mu +/- z se``; z statistic ``mu / se`` with a two-sided normal p-value.
* Prediction interval ``mu +/- z sqrt(se^2 + tau^2)`` (metafor's ``predict``).
* ``I^2 = 100 tau^2 / (tau^2 + v~)`` and ``H^2 = tau^2 / v~ + 1`` with metafor's
  "typical" within-study variance ``v~ = (k - 1) sum w / ((sum w)^2 - sum w^2)``
  (Higgins & Thompson 2002), ``w_i = 1 / v_i`` and ``v_i = 1/(x_i + a) +
  1/(n_i - x_i + a)`` the escalc("PLO") variance with ``a = 1/2`` for studies
  with 0 or n_i events and ``a = 0`` otherwise. Only I^2/H^2 use these v_i.

Two pooled rates, both reported (on the proportion scale):

* ``expit(mu)``: the *conditional* rate of a study with a typical (median) random
  effect, u = 0: the median of the study-specific rates. The CI ``expit(mu +/- z se)``.
  With a large tau^2 it is far below the average rate (serious AEs: 0.017% at tau^2
  = 22 with 23/95 events in one study).
* ``E[expit(mu + tau Z)]``, Z ~ N(0, 1): the *population-averaged* (marginal) rate,
  the mean of the study-specific rates over the fitted random-effects distribution
  (Zeger, Liang & Albert 1988, Biometrics 44:1049; Stijnen et al. 2010, section 3).
  It is computed by adaptive numerical integration over Z (scipy ``quad``, split at
  0 and at the centre of the step ``z = -mu / tau``, relative tolerance 1e-12). Its 95% CI is a
  delta-method (Wald) interval on the logit of the marginal rate, with the ML
  covariance of (mu, tau) (the same inverse observed information as ``se``) and the
  derivatives ``dm/dmu = E[p(1-p)]``, ``dm/dtau = E[Z p(1-p)]`` by the same
  integration, back-transformed with expit so the bounds stay in (0, 1). The delta
  method was chosen over a parametric simulation because it has no Monte Carlo error
  and no seed, so every run and every machine gives the same digits, and it can be
  checked against an independent computation exactly (make_glmm_fixtures.R integrates
  the fitted lme4 model in R). At tau = 0 both rates are ``expit(mu)`` with the same
  CI. Like the CI of mu it rests on asymptotic normality, which is rough with few
  studies and a poorly identified tau: with few studies the pipeline uses the
  profile-likelihood intervals of :mod:`alsmeta.stats.glmm_profile` instead.

Accuracy of the quadrature: 7 points (metafor's default) is ample for ordinary
data, but not when many studies have 0 events and tau is large. Each such
study's integrand is then a smoothed step in b, which Gauss-Hermite rules
integrate slowly: for 7 zero-event studies and one with 23/95, the 7-point
log-likelihood is 0.14 off the exact one and the 7-point ML estimates (mu = -11.6,
tau^2 = 36) are far from the exact ML ones (mu = -9.07, tau^2 = 22.7, reached with
100+ points). Compare fits with more points when in doubt.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import integrate, special, stats

__all__ = ["GlmmError", "GlmmResult", "binomial_normal", "log_likelihood", "marginal_mean"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
#: Newton iterations allowed for (mu, tau) and for each conditional mode.
_MAX_ITER = 200
_MODE_MAX_ITER = 200
#: Relative Newton step below which (mu, tau) has converged. The finite-difference
#: gradient carries round-off of about 1e-10, which in a flat likelihood (large se)
#: moves the Newton step by up to ~1e-8 relative: this is the noise floor.
_STEP_TOL = 1e-7
#: |mu| or tau beyond this (logit scale) means the likelihood has no finite maximum.
_DIVERGED = 100.0


class GlmmError(ValueError):
    """Data the binomial-normal GLMM cannot be fitted to, or a fit that failed."""


@dataclass(frozen=True)
class GlmmResult:
    """An ML fit of the binomial-normal GLMM; estimate and intervals on the logit scale."""

    k: int
    estimate: float  # mu, the pooled logit
    se: float
    statistic: float  # z = mu / se
    p_value: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    i2: float  # percent
    h2: float
    n_quadrature: int
    converged: bool  # always True here: a fit that does not converge raises GlmmError
    loglik: float  # maximised log-likelihood under the Q-point AGHQ, incl. log choose(n, x)
    iterations: int
    method: str
    #: Population-averaged rate E[expit(mu + tau Z)] and its delta-method CI (proportions).
    marginal_estimate: float
    marginal_ci_lower: float
    marginal_ci_upper: float

    def as_dict(self) -> dict:
        return asdict(self)


# --- input checks ------------------------------------------------------------------


def _as_counts(events, n) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(events, dtype=float).ravel()
    m = np.asarray(n, dtype=float).ravel()
    if x.shape != m.shape:
        raise GlmmError(f"events and n have different lengths ({x.size} and {m.size})")
    if x.size < 2:
        raise GlmmError(f"the binomial-normal GLMM needs at least 2 studies, got k = {x.size}")
    for i, (xi, ni) in enumerate(zip(x, m, strict=True), start=1):
        if not (math.isfinite(ni) and ni == math.floor(ni) and ni >= 1):
            raise GlmmError(f"study {i}: n = {ni:g} is not a positive whole number")
        if not (math.isfinite(xi) and xi == math.floor(xi)):
            raise GlmmError(f"study {i}: events = {xi:g} is not a whole number")
        if not 0 <= xi <= ni:
            raise GlmmError(f"study {i}: events = {xi:g} is outside 0..n (n = {ni:g})")
    if np.all(x == 0):
        raise GlmmError(
            "every study has 0 events: the likelihood keeps increasing as the pooled rate "
            "goes to 0, so the random-effects model has no finite estimate"
        )
    if np.all(x == m):
        raise GlmmError(
            "every study has events = n: the likelihood keeps increasing as the pooled rate "
            "goes to 1, so the random-effects model has no finite estimate"
        )
    return x, m


def _check_n_quadrature(n_quadrature) -> int:
    if isinstance(n_quadrature, bool) or not isinstance(n_quadrature, int | np.integer):
        raise GlmmError(f"n_quadrature must be an integer >= 1, got {n_quadrature!r}")
    if n_quadrature < 1:
        raise GlmmError(f"n_quadrature must be an integer >= 1, got {n_quadrature}")
    return int(n_quadrature)


# --- the marginal likelihood ---------------------------------------------------------


@lru_cache(maxsize=32)
def _rule(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes z_j and log(w_j) + z_j^2/2 of the Q-point rule for the weight exp(-z^2/2)."""
    z, w = hermegauss(q)
    return z, np.log(w) + 0.5 * z**2


def _conditional_modes(mu, t, x, n):
    """Mode of ``log g(b) = x eta - n log(1 + e^eta) - b^2/2``, ``eta = mu + t b``.

    ``mu``, ``t``: shape (m, 1); ``x``, ``n``: shape (k,). Returns b~ and the
    curvature s^2 = 1 + t^2 n p(1 - p) at it, shape (m, k). log g is strictly
    concave and its root lies in ``t (x - n [0, 1])``, so Newton's method is
    safeguarded by bisection inside that bracket.
    """
    lo = np.minimum(t * (x - n), t * x)
    hi = np.maximum(t * (x - n), t * x)
    b = np.zeros(np.broadcast_shapes(mu.shape, x.shape))  # 0 lies in every bracket
    for _ in range(_MODE_MAX_ITER):
        step, lo, hi = _newton_step(mu, t, x, n, b, lo, hi)
        new = b + step
        outside = (new <= lo) | (new >= hi)
        new = np.where(outside, 0.5 * (lo + hi), new)
        done = np.abs(new - b) <= 1e-14 * (1.0 + np.abs(b))
        b = new
        if done.all():
            break
    else:
        # Newton can bounce between the two ends of the bracket without leaving it (a
        # steep side far from the root, e.g. zero events at a large tau): finish those
        # with the stricter safeguard of Press et al.'s rtsafe (Numerical Recipes, 9.4).
        b = _modes_rtsafe(mu, t, x, n, b, lo, hi)
    p = special.expit(mu + t * b)
    return b, 1.0 + t * t * n * p * (1.0 - p)


def _newton_step(mu, t, x, n, b, lo, hi):
    """Newton's step for the conditional modes at ``b``, and the bracket [lo, hi] narrowed
    by the sign of the gradient there."""
    p = special.expit(mu + t * b)
    grad = t * (x - n * p) - b
    curv = 1.0 + t * t * n * p * (1.0 - p)
    return grad / curv, np.where(grad > 0, b, lo), np.where(grad > 0, hi, b)


def _modes_rtsafe(mu, t, x, n, b, lo, hi):
    """The conditional modes from bracket [lo, hi] and start b: Newton's step where it
    shrinks faster than bisection (|step| below half the step before), bisection elsewhere."""
    previous = hi - lo
    for _ in range(_MODE_MAX_ITER):
        step, lo, hi = _newton_step(mu, t, x, n, b, lo, hi)
        new = b + step
        slow = (new <= lo) | (new >= hi) | (np.abs(2.0 * step) > np.abs(previous))
        new = np.where(slow, 0.5 * (lo + hi), new)
        previous = new - b
        done = (np.abs(previous) <= 1e-14 * (1.0 + np.abs(b))) | (
            hi - lo <= 1e-14 * (1.0 + np.abs(b))
        )
        b = new
        if done.all():
            return b
    raise GlmmError("conditional modes of the random effects did not converge")


def _neg_loglik(mu, t, x, n, log_choose, q):
    """-log L(mu, tau = |t|) under Q-point AGHQ, for arrays mu, t of shape (m,)."""
    mu = np.asarray(mu, dtype=float)[:, None]
    t = np.asarray(t, dtype=float)[:, None]
    b0, s2 = _conditional_modes(mu, t, x, n)
    s = np.sqrt(s2)
    z, log_wz = _rule(q)
    b = b0[..., None] + z / s[..., None]  # (m, k, q)
    eta = mu[..., None] + t[..., None] * b
    log_g = x[:, None] * eta - n[:, None] * np.logaddexp(0.0, eta) - 0.5 * b * b
    per_study = special.logsumexp(log_g + log_wz, axis=-1) - np.log(s) - _LOG_SQRT_2PI
    return -(per_study.sum(axis=-1) + log_choose)


def log_likelihood(events, n, mu: float, tau2: float, n_quadrature: int = 7) -> float:
    """Marginal log-likelihood of (mu, tau^2) by Q-point adaptive Gauss-Hermite quadrature.

    Includes ``log choose(n_i, x_i)``. With many points (e.g. 60) it matches
    numerical integration to 1e-8 for ordinary data; zero-event studies with a
    large tau need far more (see the module docstring).
    """
    x = np.asarray(events, dtype=float).ravel()
    m = np.asarray(n, dtype=float).ravel()
    q = _check_n_quadrature(n_quadrature)
    if not tau2 >= 0:
        raise GlmmError(f"tau2 must be >= 0, got {tau2}")
    log_choose = _log_choose(x, m)
    return float(-_neg_loglik([mu], [math.sqrt(tau2)], x, m, log_choose, q)[0])


def _log_choose(x, n) -> float:
    return float(
        np.sum(special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1))
    )


# --- optimisation --------------------------------------------------------------------


class _Objective:
    """-log L with finite-difference derivatives, every stencil evaluated in one batch."""

    def __init__(self, x, n, q):
        self.x, self.n, self.q = x, n, q
        self.log_choose = _log_choose(x, n)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        points = np.atleast_2d(points)
        return _neg_loglik(points[:, 0], points[:, 1], self.x, self.n, self.log_choose, self.q)

    def derivatives(self, p: np.ndarray, gradient_only: bool = False):
        """Value, central-difference gradient and Hessian at p = (mu, t).

        Steps are relative to max(1, |p_i|): eps^(1/3) for the gradient and
        eps^(1/4) for the Hessian, the usual optimal orders for central differences.
        """
        scale = np.maximum(1.0, np.abs(p))
        hg = 6e-6 * scale
        hh = 1.2e-4 * scale
        e = np.eye(2)
        pts = [p]
        pts += [p + s * hg[i] * e[i] for i in range(2) for s in (1, -1)]
        if not gradient_only:
            pts += [p + s * hh[i] * e[i] for i in range(2) for s in (1, -1)]
            pts += [p + np.array([a * hh[0], c * hh[1]]) for a in (1, -1) for c in (1, -1)]
        f = self(np.array(pts))
        grad = np.array([(f[1] - f[2]) / (2 * hg[0]), (f[3] - f[4]) / (2 * hg[1])])
        if gradient_only:
            return f[0], grad, None
        hess = np.empty((2, 2))
        hess[0, 0] = (f[5] - 2 * f[0] + f[6]) / hh[0] ** 2
        hess[1, 1] = (f[7] - 2 * f[0] + f[8]) / hh[1] ** 2
        hess[0, 1] = hess[1, 0] = (f[9] - f[10] - f[11] + f[12]) / (4 * hh[0] * hh[1])
        return f[0], grad, hess

    def hessian(self, p: np.ndarray) -> np.ndarray:
        """Hessian at p for the standard error: central differences with steps h and 2h,
        combined by Richardson extrapolation, ``(4 H(h) - H(2h)) / 3`` (error O(h^4)).

        The information matrix can be nearly singular (prop_serious_ae: corr(mu, tau)
        ~ 0.98), where a plain O(h^2) difference moves the se in the 4th digit.
        """
        base = 1e-3 * np.maximum(1.0, np.abs(p))
        pts = [p]
        for h in (base, 2 * base):
            pts += [p + np.array([s * h[0], 0.0]) for s in (1, -1)]
            pts += [p + np.array([0.0, s * h[1]]) for s in (1, -1)]
            pts += [p + np.array([a * h[0], c * h[1]]) for a in (1, -1) for c in (1, -1)]
        f = self(np.array(pts))
        out = []
        for j, h in enumerate((base, 2 * base)):
            g = f[1 + 8 * j : 9 + 8 * j]
            hess = np.empty((2, 2))
            hess[0, 0] = (g[0] - 2 * f[0] + g[1]) / h[0] ** 2
            hess[1, 1] = (g[2] - 2 * f[0] + g[3]) / h[1] ** 2
            hess[0, 1] = hess[1, 0] = (g[4] - g[5] - g[6] + g[7]) / (4 * h[0] * h[1])
            out.append(hess)
        return (4 * out[0] - out[1]) / 3


def _newton(obj: _Objective, start: np.ndarray):
    """Damped Newton minimisation of -log L over (mu, t); returns (p, f, iterations)."""
    p = np.asarray(start, dtype=float)
    steps = 0.5 ** np.arange(0, 31)
    for iteration in range(1, _MAX_ITER + 1):
        f, grad, hess = obj.derivatives(p)
        if not (np.isfinite(f) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            raise GlmmError(
                f"the GLMM likelihood is not finite at mu = {p[0]:.6g}, tau = {abs(p[1]):.6g}"
            )
        # Modified Newton: eigenvalues of a non-positive-definite Hessian are made positive.
        evals, evecs = np.linalg.eigh(hess)
        floor = 1e-8 * max(1.0, np.max(np.abs(evals)))
        evals = np.maximum(np.abs(evals), floor)
        step = -(evecs @ ((evecs.T @ grad) / evals))
        # Backtracking line search, all candidate step lengths in one batch.
        candidates = p + steps[:, None] * step
        values = obj(candidates)
        ok = values <= f + 1e-4 * steps * (grad @ step)
        if ok.any():
            alpha = steps[np.argmax(ok)]
        else:
            alpha = 0.0
        p_new = p + alpha * step
        if abs(p_new[0]) > _DIVERGED or abs(p_new[1]) > _DIVERGED:
            raise GlmmError(
                "the GLMM likelihood has no finite maximum: the estimates diverged "
                f"(mu = {p_new[0]:.4g}, tau = {abs(p_new[1]):.4g}), as happens when every "
                "study's proportion is 0 or 1"
            )
        small = np.all(np.abs(step) <= _STEP_TOL * np.maximum(1.0, np.abs(p)))
        if alpha == 0.0:
            # No decrease at any step length: we are at the optimum within round-off
            # if the Newton step is already tiny.
            if np.all(np.abs(step) <= 1e-6 * np.maximum(1.0, np.abs(p))):
                return p, f, iteration
            raise GlmmError(
                "the GLMM fit did not converge: the line search found no decrease at "
                f"mu = {p[0]:.6g}, tau = {abs(p[1]):.6g}"
            )
        p = p_new
        if small:
            return p, float(obj(p)[0]), iteration
    raise GlmmError(
        f"the GLMM fit did not converge in {_MAX_ITER} Newton iterations "
        f"(last mu = {p[0]:.6g}, tau = {abs(p[1]):.6g})"
    )


def _start(x, n) -> np.ndarray:
    """Pooled logit and a DerSimonian-Laird tau on escalc-style logits (0.5 if 0 or n)."""
    add = np.where((x == 0) | (x == n), 0.5, 0.0)
    y = np.log((x + add) / (n - x + add))
    v = 1.0 / (x + add) + 1.0 / (n - x + add)
    w = 1.0 / v
    ybar = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - ybar) ** 2)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - (x.size - 1)) / c)
    mu0 = special.logit(x.sum() / n.sum())
    return np.array([mu0, min(max(math.sqrt(tau2), 0.3), 5.0)])


def _typical_variance(x, n) -> float:
    """metafor's v~ for I^2 (rma.glmm, i2def = "1"), from escalc("PLO") variances."""
    add = np.where((x == 0) | (x == n), 0.5, 0.0)
    w = 1.0 / (1.0 / (x + add) + 1.0 / (n - x + add))
    k = x.size
    return float((k - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum()))


def _expectation(f, mu: float, tau: float) -> float:
    """``E[f(mu + tau Z)]`` for Z ~ N(0, 1), by quad split at ``z = 0`` (the peak of the
    normal density) and at the centre of the step, ``z = -mu / tau`` (clipped to
    [-40, 40], beyond which the density underflows)."""
    step = min(40.0, max(-40.0, -mu / tau))
    cuts = (-math.inf, *sorted((0.0, step)), math.inf)

    def g(z):
        return f(mu + tau * z) * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)

    total = 0.0
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if hi > lo:
            total += integrate.quad(g, lo, hi, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return total


def marginal_mean(mu: float, tau2: float) -> float:
    """Population-averaged proportion ``E[expit(mu + tau Z)]``, Z ~ N(0, 1) (the mean of the
    study-specific rates under the fitted random-effects distribution; ``expit(mu)`` at
    tau^2 = 0)."""
    if not tau2 >= 0:
        raise GlmmError(f"tau2 must be >= 0, got {tau2}")
    if tau2 == 0:
        return float(special.expit(mu))
    return _expectation(special.expit, mu, math.sqrt(tau2))


def _marginal_interval(mu, tau, cov, crit) -> tuple[float, float, float]:
    """Marginal rate and its delta-method CI on the logit scale; ``cov`` of (mu, tau)."""
    m = marginal_mean(mu, tau * tau)
    if tau == 0.0:
        # dm/dtau = E[Z p(1 - p)] = 0 at tau = 0, and dm/dmu = m (1 - m): the logit of m
        # is mu, with mu's se.
        se_logit = math.sqrt(cov[0, 0])
    else:

        def slope(eta):
            return special.expit(eta) * special.expit(-eta)

        d_mu = _expectation(slope, mu, tau)
        d_tau = _expectation(lambda eta: (eta - mu) / tau * slope(eta), mu, tau)
        grad = np.array([d_mu, d_tau]) / (m * (1.0 - m))
        se_logit = math.sqrt(float(grad @ cov @ grad))
    centre = special.logit(m)
    return (
        m,
        float(special.expit(centre - crit * se_logit)),
        float(special.expit(centre + crit * se_logit)),
    )


# --- public API ----------------------------------------------------------------------


def binomial_normal(events, n, n_quadrature: int = 7, level: float = 0.95) -> GlmmResult:
    """Fit the binomial-normal random-intercept model by ML (see the module docstring).

    ``events`` and ``n``: per-study event counts and sample sizes (whole numbers,
    0 <= events <= n, n >= 1, at least 2 studies). ``n_quadrature``: points of the
    adaptive Gauss-Hermite rule (7 = metafor's ``rma.glmm`` default; 1 = Laplace).
    ``level``: confidence level of the CI and prediction interval.

    Raises GlmmError for fewer than 2 studies, counts outside 0..n, all-zero or
    all-n counts (the ML pooled logit is then -inf / +inf), and fits that do not
    converge or diverge.
    """
    x, m = _as_counts(events, n)
    q = _check_n_quadrature(n_quadrature)
    if not 0 < level < 1:
        raise GlmmError(f"level must lie strictly between 0 and 1, got {level}")
    k = x.size
    obj = _Objective(x, m, q)

    p_int, f_int, iterations = _newton(obj, _start(x, m))
    p_int = np.array([p_int[0], abs(p_int[1])])

    # The boundary tau = 0: a binomial GLM with one common logit, closed form.
    p_bnd = np.array([special.logit(x.sum() / m.sum()), 0.0])
    f_bnd = float(obj(p_bnd)[0])
    p, f = (p_bnd, f_bnd) if f_bnd <= f_int + 1e-12 else (p_int, f_int)

    hess = obj.hessian(p)
    mu, tau = float(p[0]), float(p[1])
    if tau == 0.0:
        # d^2(-log L)/dmu dtau = 0 at tau = 0 (L is even in tau): the mu-block of the
        # inverse is 1 / H_mumu, the binomial GLM's observed information.
        if not hess[0, 0] > 0:
            raise GlmmError("the observed information for mu is not positive at tau = 0")
        var_mu = 1.0 / hess[0, 0]
        cov = np.array([[var_mu, 0.0], [0.0, 0.0]])
    else:
        if not (np.all(np.linalg.eigvalsh(hess) > 0)):
            raise GlmmError(
                "the GLMM fit did not converge to a maximum: the observed information is not "
                f"positive definite at mu = {mu:.6g}, tau = {tau:.6g}"
            )
        cov = np.linalg.inv(hess)
        var_mu = float(cov[0, 0])
    se = math.sqrt(var_mu)
    tau2 = tau * tau
    crit = float(stats.norm.ppf(0.5 + level / 2))
    z = mu / se
    pi_half = crit * math.sqrt(var_mu + tau2)
    vt = _typical_variance(x, m)
    marginal = _marginal_interval(mu, tau, cov, crit)
    method = (
        "binomial-normal GLMM, ML, Laplace approximation (adaptive Gauss-Hermite, 1 point)"
        if q == 1
        else f"binomial-normal GLMM, ML, adaptive Gauss-Hermite ({q} points)"
    )
    return GlmmResult(
        k=k,
        estimate=mu,
        se=se,
        statistic=z,
        p_value=float(2 * stats.norm.sf(abs(z))),
        ci_lower=mu - crit * se,
        ci_upper=mu + crit * se,
        pi_lower=mu - pi_half,
        pi_upper=mu + pi_half,
        tau2=tau2,
        i2=100.0 * tau2 / (vt + tau2),
        h2=tau2 / vt + 1.0,
        n_quadrature=q,
        converged=True,
        loglik=-f,
        iterations=iterations,
        method=method,
        marginal_estimate=marginal[0],
        marginal_ci_lower=marginal[1],
        marginal_ci_upper=marginal[2],
    )
