"""Bayesian random-effects meta-analysis by deterministic numerical integration.

Two models, both with independent priors ``p(mu, tau) = p(mu) p(tau)``:

* **normal-normal** (:func:`normal_normal`): ``y_i ~ N(theta_i, v_i)``,
  ``theta_i ~ N(mu, tau^2)``, ``v_i`` known (Röver 2020, J Stat Softw 93(6), the model of
  the bayesmeta R package; Friede, Röver, Wandel & Neuenschwander 2017, Biom J 59(4)).
* **binomial-normal** (:func:`binomial_normal`): ``x_i ~ Bin(n_i, expit(theta_i))``,
  ``theta_i ~ N(mu, tau^2)``: the exact binomial likelihood of single-arm counts on the
  logit scale, usable when every count is 0 (where no maximum-likelihood GLMM fit exists).

Priors. ``mu ~ N(mu_mean, mu_sd^2)``, or flat on the real line when ``mu_sd = inf``
(bayesmeta's default; normal-normal only). ``tau`` (the between-study standard deviation)
has a :class:`TauPrior`: half-normal or half-Cauchy with a scale, or a log-normal prior
**on tau^2** as Turner et al. (2015, Stat Med 34(6)) state their empirical priors
(``log tau^2 ~ N(meanlog, sdlog^2)``), or a flat improper prior on tau (bayesmeta's default,
kept to reproduce its published examples).

Integration (normal-normal). Given tau, the posterior of mu is normal (conjugate), so only
tau is integrated numerically, on ``s = log(1 + tau / c)`` with ``c = sqrt(min v_i)``
(linear near tau = 0, logarithmic in the tail). The integration range is found per
analysis by zooming: the log posterior of s is evaluated on a uniform grid over
``[0, log(1 + tau_hi / c)]`` with ``tau_hi = 1e14`` times the larger of the prior scale
and the data scale, and the range is narrowed to the points within ``LOG_DENSITY_DROP``
(40) natural-log units of the maximum, plus one step on each side; twice. On that range a
composite Gauss-Legendre rule of ``grid_points`` nodes (panels of ``ORDER`` = 8) gives the
marginal posterior of tau; the panel edges follow the zoom's last grid (a fifth spread
evenly, two fifths by the density's variation, two fifths by its mass). tau's quantiles
come from the rule's interpolating polynomial in the panel holding them. mu, a new
study's theta_new (predictive) and each study's theta_i (shrinkage) are mixtures of
normals over the tau nodes; their quantiles are roots of the mixture CDF (safeguarded
Newton).

Integration (binomial-normal): see :func:`binomial_normal`.

``integration_error`` is the largest absolute change of the reported mu, tau and
predictive quantiles when the same rule is run with half the panels (twice the step).
The reported values come from the finer rule, whose error is far smaller (the rules
converge geometrically; the tests bound it by refining the grid).

Intervals are central (equal-tailed) credible intervals: the ``(1 - level)/2`` and
``(1 + level)/2`` posterior quantiles. bayesmeta prints shortest intervals by default;
its ``qposterior()`` gives the central ones compared in the tests.

Every result is a function of its own analysis' data and settings only: a batch is
split into groups of equal k and settings, each group is one set of elementwise array
operations, and iterative steps stop per analysis, so batch composition changes no digit.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import asdict, dataclass

import numpy as np

TAU_FAMILIES = ("half_normal", "half_cauchy", "lognormal", "uniform")
#: Gauss-Legendre nodes per panel of the composite rules.
ORDER = 8
#: Points of each zoom level that finds the integration range.
ZOOM_POINTS = 128
ZOOM_LEVELS = 2
#: The range keeps every point whose log posterior density is within this of the maximum.
LOG_DENSITY_DROP = 40.0
#: tau_hi (top of the first zoom level) is this times the prior's and the data's scale.
TAU_RANGE_FACTOR = 1e14
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


# --- priors and settings -------------------------------------------------------------


@dataclass(frozen=True)
class TauPrior:
    """Prior of the between-study standard deviation tau (>= 0).

    ``half_normal`` / ``half_cauchy``: on tau, with ``scale``. ``lognormal``: on **tau^2**,
    ``log tau^2 ~ N(meanlog, sdlog^2)`` (Turner et al. 2015); :meth:`logpdf` is the
    implied density of tau, ``2 tau`` times the density of tau^2. ``uniform``: flat,
    improper, on tau >= 0 (bayesmeta's default; the posterior is proper only for k >= 3
    with a flat mu prior, k >= 2 with a normal one).
    """

    family: str
    scale: float = 0.5
    meanlog: float | None = None
    sdlog: float | None = None

    def __post_init__(self):
        if self.family not in TAU_FAMILIES:
            raise ValueError(f"tau prior family must be one of {TAU_FAMILIES}, not {self.family!r}")
        if self.family in ("half_normal", "half_cauchy"):
            if not (isinstance(self.scale, int | float) and math.isfinite(self.scale)):
                raise ValueError(f"{self.family} tau prior: scale must be a finite number")
            if self.scale <= 0:
                raise ValueError(
                    f"{self.family} tau prior: scale must be positive, not {self.scale}"
                )
        if self.family == "lognormal":
            if self.meanlog is None or self.sdlog is None:
                raise ValueError(
                    "lognormal tau prior: meanlog and sdlog (of log tau^2) are required"
                )
            if not (math.isfinite(self.meanlog) and math.isfinite(self.sdlog)):
                raise ValueError("lognormal tau prior: meanlog and sdlog must be finite")
            if self.sdlog <= 0:
                raise ValueError(f"lognormal tau prior: sdlog must be positive, not {self.sdlog}")
        elif self.meanlog is not None or self.sdlog is not None:
            raise ValueError(f"{self.family} tau prior: meanlog and sdlog apply to lognormal only")

    @property
    def proper(self) -> bool:
        return self.family != "uniform"

    def logpdf(self, tau):
        """Log density of tau (``-inf`` below 0; the uniform prior's is 0, unnormalised)."""
        tau = np.asarray(tau, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.family == "half_normal":
                z = tau / self.scale
                out = math.log(2.0) - _LOG_SQRT_2PI - math.log(self.scale) - 0.5 * z * z
            elif self.family == "half_cauchy":
                z = tau / self.scale
                out = math.log(2.0 / (math.pi * self.scale)) - np.log1p(z * z)
            elif self.family == "lognormal":
                z = (2.0 * np.log(tau) - self.meanlog) / self.sdlog
                const = math.log(2.0) - math.log(self.sdlog) - _LOG_SQRT_2PI
                out = const - np.log(tau) - 0.5 * z * z
                out = np.where(tau > 0, out, -np.inf)
            else:
                out = np.zeros_like(tau)
        return np.where(tau >= 0, out, -np.inf)

    def quantile(self, p):
        """Prior quantile of tau at probability ``p`` (proper priors only)."""
        from scipy.special import ndtri

        p = np.asarray(p, dtype=float)
        if self.family == "half_normal":
            return self.scale * ndtri(0.5 + 0.5 * p)
        if self.family == "half_cauchy":
            return self.scale * np.tan(0.5 * np.pi * p)
        if self.family == "lognormal":
            return np.exp(0.5 * (self.meanlog + self.sdlog * ndtri(p)))
        raise ValueError("a uniform (improper) tau prior has no quantiles")

    def typical_scale(self) -> float:
        """A scale of tau the prior covers (used only to bound the integration range)."""
        if self.family == "lognormal":
            return math.exp(0.5 * (self.meanlog + 8.0 * self.sdlog))
        if self.family == "uniform":
            return 0.0
        return float(self.scale)

    def describe(self) -> str:
        if self.family == "half_normal":
            return f"half-normal, scale {self.scale:g}"
        if self.family == "half_cauchy":
            return f"half-Cauchy, scale {self.scale:g}"
        if self.family == "lognormal":
            return f"log-normal on tau^2, log tau^2 mean {self.meanlog:g}, SD {self.sdlog:g}"
        return "uniform on tau >= 0 (improper)"


@dataclass(frozen=True)
class BayesSettings:
    """Priors and integration settings of one Bayesian analysis.

    ``mu ~ N(mu_mean, mu_sd^2)``; ``mu_sd = inf`` is a flat improper prior (normal-normal
    only). ``grid_points``: Gauss-Legendre nodes per integrated dimension, a multiple of
    ``2 * ORDER`` (16) so that the half-step check uses whole panels.
    """

    tau_prior: TauPrior
    mu_mean: float = 0.0
    mu_sd: float = 10.0
    level: float = 0.95
    grid_points: int = 128

    def __post_init__(self):
        if not isinstance(self.tau_prior, TauPrior):
            raise ValueError("tau_prior must be a TauPrior")
        if not (isinstance(self.mu_mean, int | float) and math.isfinite(self.mu_mean)):
            raise ValueError(f"mu_mean must be a finite number, not {self.mu_mean!r}")
        if not isinstance(self.mu_sd, int | float) or math.isnan(self.mu_sd) or self.mu_sd <= 0:
            raise ValueError(f"mu_sd must be positive (inf for a flat prior), not {self.mu_sd!r}")
        if not (isinstance(self.level, int | float) and 0 < self.level < 1):
            raise ValueError(f"level must lie strictly between 0 and 1, not {self.level!r}")
        if (
            not isinstance(self.grid_points, int)
            or self.grid_points < 2 * ORDER
            or self.grid_points % (2 * ORDER)
        ):
            raise ValueError(
                f"grid_points must be a positive multiple of {2 * ORDER}, not {self.grid_points!r}"
            )

    @property
    def mu_flat(self) -> bool:
        return math.isinf(self.mu_sd)

    def describe_mu(self) -> str:
        if self.mu_flat:
            return "uniform on the real line (improper)"
        return f"normal, mean {self.mu_mean:g}, SD {self.mu_sd:g}"


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class BayesResult:
    """Posterior summaries of one analysis, on the analysis scale (logit for proportions).

    ``mu_*``: the mean effect; ``tau_*``: the between-study SD; ``pred_*``: theta_new of a
    new study (posterior predictive); ``shrinkage_*``: per-study theta_i, in input order
    (empty for the binomial-normal model). Intervals are central, at ``level``.
    ``mu_prob_positive`` is P(mu > 0 | data). ``rate_*`` (binomial-normal only, NaN
    otherwise): the proportion in a new study, ``expit(theta_new)``: its median and
    central interval are ``expit`` of the ``pred_*`` quantiles; ``rate_mean`` is
    ``E[expit(theta_new) | data]``, which is also the posterior mean of the
    population-averaged proportion ``E[expit(theta) | mu, tau]``. Means and SDs that the
    posterior does not have (a half-Cauchy or uniform tau prior with very few studies;
    see :func:`tau_tail_exponent`) are ``inf`` (SDs, tau's mean) or NaN (undefined means).
    """

    k: int
    model: str
    mu_median: float
    mu_mean: float
    mu_sd: float
    mu_lower: float
    mu_upper: float
    mu_prob_positive: float
    tau_median: float
    tau_mean: float
    tau_sd: float
    tau_lower: float
    tau_upper: float
    pred_median: float
    pred_mean: float
    pred_sd: float
    pred_lower: float
    pred_upper: float
    shrinkage_mean: tuple
    shrinkage_median: tuple
    shrinkage_lower: tuple
    shrinkage_upper: tuple
    rate_mean: float
    rate_median: float
    rate_lower: float
    rate_upper: float
    level: float
    interval: str
    prior: str
    mu_prior: str
    grid_points: int
    integration_error: float

    def as_row(self, prefix: str = "bayes_") -> dict:
        """Flat TSV row: tuples become ``;``-joined numbers (10 significant digits)."""
        row = {}
        for name, value in asdict(self).items():
            if isinstance(value, tuple):
                value = ";".join(f"{x:.10g}" for x in value)
            row[prefix + name] = value
        return row


# --- validation ----------------------------------------------------------------------


def _two_vectors(first, second, names: str, where: str):
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"{where}{names} must be one-dimensional and of equal length")
    if a.size == 0:
        raise ValueError(f"{where}no studies (k = 0)")
    return a, b


def _check_normal(yi, vi, where: str):
    y, v = _two_vectors(yi, vi, "yi and vi", where)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{where}an effect size (yi) is missing or not finite")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{where}every sampling variance (vi) must be positive and finite")
    return y, v


def _settings_per_analysis(settings, first: list, second: list, names: str) -> list:
    """One BayesSettings per analysis, from one shared or a list; lengths checked."""
    if len(first) != len(second):
        raise ValueError(f"{names} must hold the same number of analyses")
    if isinstance(settings, BayesSettings):
        return [settings] * len(first)
    settings = list(settings)
    if len(settings) != len(first):
        raise ValueError("settings must be one BayesSettings or one per analysis")
    for j, s in enumerate(settings):
        if not isinstance(s, BayesSettings):
            raise ValueError(f"analysis {j}: settings must be a BayesSettings")
    return settings


def _check_improper(k: int, settings: BayesSettings, where: str):
    if settings.tau_prior.proper:
        return
    needed = 3 if settings.mu_flat else 2
    if k < needed:
        raise ValueError(
            f"{where}a uniform tau prior gives an improper posterior with k = {k} "
            f"(needs k >= {needed} with a {'flat' if settings.mu_flat else 'normal'} mu prior)"
        )


# --- quadrature helpers --------------------------------------------------------------


def _gauss_legendre():
    nodes, weights = np.polynomial.legendre.leggauss(ORDER)
    vander = np.vander(nodes, ORDER, increasing=True)  # f_j = sum_r c_r t_j^r
    return nodes, weights, np.linalg.inv(vander)


_GL = _gauss_legendre()


def _composite(edges):
    """Nodes and weights (both ``(m, panels * ORDER)``) of a composite rule on panel edges."""
    t, w, _ = _GL
    left, width = edges[:, :-1], np.diff(edges, axis=1)
    x = left[:, :, None] + 0.5 * width[:, :, None] * (t + 1.0)
    wt = 0.5 * width[:, :, None] * w
    m = edges.shape[0]
    return x.reshape(m, -1), wt.reshape(m, -1)


def _zoom(logdens, lo, hi, levels=ZOOM_LEVELS, points=ZOOM_POINTS):
    """Narrow [lo, hi] (per row) to where ``logdens`` is within LOG_DENSITY_DROP of its max.

    Returns the range and the last level's grid and log densities (for :func:`_edges`).
    """
    for _ in range(levels):
        frac = np.linspace(0.0, 1.0, points)
        step = (hi - lo) / (points - 1)
        x = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        f = logdens(x)
        keep = f >= np.max(f, axis=1, keepdims=True) - LOG_DENSITY_DROP
        first = np.argmax(keep, axis=1)
        last = points - 1 - np.argmax(keep[:, ::-1], axis=1)
        new_lo = np.maximum(lo, lo + (first - 1) * step)
        new_hi = np.minimum(hi, lo + (last + 1) * step)
        lo, hi = new_lo, new_hi
    return lo, hi, x, f


#: Shares of the panels placed evenly, by the density's variation and by its mass.
PANEL_SHARES = (0.2, 0.4, 0.4)


def _edges(lo, hi, grid, logf, panels):
    """Panel edges on [lo, hi] from the zoom's last ``grid`` and log densities ``logf``.

    A fifth of the panels are spread evenly, two fifths follow the variation of the density
    (a steep flank such as a zero-count likelihood's cliff, or a peak far narrower than
    the range, gets panels of its own) and two fifths its mass (so the tails where the
    quantiles lie are resolved as finely as the centre).
    """
    xs = np.clip(grid, lo[:, None], hi[:, None])
    dens = np.exp(logf - logf.max(axis=1, keepdims=True))
    dx = np.diff(xs, axis=1)
    inside = dx > 0
    parts = [dx, np.abs(np.diff(dens, axis=1)) * inside, 0.5 * (dens[:, 1:] + dens[:, :-1]) * dx]
    monitor = np.zeros_like(dx)
    for share, part in zip(PANEL_SHARES, parts, strict=True):
        total = part.sum(axis=1, keepdims=True)
        fallback = dx / (hi - lo)[:, None]
        monitor += share * np.where(total > 0, part / np.where(total > 0, total, 1.0), fallback)
    cum = np.concatenate([np.zeros((grid.shape[0], 1)), np.cumsum(monitor, axis=1)], axis=1)
    cum = cum / cum[:, -1:]
    levels = np.linspace(0.0, 1.0, panels + 1)
    idx = np.clip((cum[:, None, :] <= levels[None, :, None]).sum(axis=2) - 1, 0, dx.shape[1] - 1)
    r = np.arange(grid.shape[0])[:, None]
    c0, c1 = cum[r, idx], cum[r, idx + 1]
    frac = np.where(c1 > c0, (levels[None, :] - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0)
    edges = xs[r, idx] + np.clip(frac, 0.0, 1.0) * dx[r, idx]
    edges[:, 0], edges[:, -1] = lo, hi
    return np.maximum.accumulate(edges, axis=1)


def _panel_setup(density, edges):
    t, w, vinv = _GL
    m = density.shape[0]
    f = density.reshape(m, -1, ORDER)
    width = np.diff(edges, axis=1)
    mass = 0.5 * width * (f * w).sum(axis=2)
    cum = np.concatenate([np.zeros((m, 1)), np.cumsum(mass, axis=1)], axis=1)
    return f, width, cum, vinv


_POWERS = np.arange(1, ORDER + 1)


def _panel_quantiles(density, edges, probs):
    """Quantiles of a density given at the nodes of a composite Gauss-Legendre rule.

    The CDF is the rule's panel masses up to the panel holding the quantile, then the
    integral of the interpolating polynomial through that panel's nodes (whose integral
    over the whole panel is the rule's, so the CDF is continuous); bisection in the panel.
    """
    coef, const, width, cum = _panel_interpolants(density, edges)
    m, panels = width.shape
    rows = np.arange(m)
    out = np.empty((m, len(probs)))
    for q, p in enumerate(probs):
        target = p * cum[:, -1]
        idx = np.minimum((cum[:, 1:-1] < target[:, None]).sum(axis=1), panels - 1)
        c, c0 = coef[rows, idx], const[rows, idx]
        need = (target - cum[rows, idx]) / (0.5 * width[rows, idx])
        a, b = np.full(m, -1.0), np.full(m, 1.0)
        for _ in range(55):
            mid = 0.5 * (a + b)
            value = c[:, ORDER - 1]
            for r in range(ORDER - 2, -1, -1):
                value = value * mid + c[:, r]
            below = value * mid - c0 < need
            a, b = np.where(below, mid, a), np.where(below, b, mid)
        out[:, q] = edges[rows, idx] + width[rows, idx] * 0.5 * (a + b + 2.0) * 0.5
    return out


def _panel_interpolants(density, edges):
    """Per row and panel: the antiderivative (from the panel's left edge) of the rule's
    interpolating polynomial, as Horner coefficients and a constant, and the CDF at edges."""
    f, width, cum, vinv = _panel_setup(density, edges)
    coef = (vinv[None, None, :, :] * f[:, :, None, :]).sum(axis=3) / _POWERS  # (m, P, ORDER)
    const = (coef * (-1.0) ** _POWERS).sum(axis=2)
    return coef, const, width, cum


def _panel_cdf(interpolants, edges, x, density=False):
    """Normalised CDF at ``x`` (``(m, ...)``, any trailing shape) of a rule's density;
    with ``density``, also the density there (the interpolating polynomial)."""
    coef, const, width, cum = interpolants
    m, panels = width.shape
    shape = x.shape
    xf = x.reshape(m, -1)
    rows = np.arange(m)[:, None]
    idx = np.clip((edges[:, None, 1:-1] <= xf[:, :, None]).sum(axis=2), 0, panels - 1)
    w_idx = width[rows, idx]
    tt = np.clip(2.0 * (xf - edges[rows, idx]) / np.where(w_idx > 0, w_idx, 1.0) - 1.0, -1, 1)
    c = coef[rows, idx]  # (m, n, ORDER)
    part = c[..., ORDER - 1]
    for r in range(ORDER - 2, -1, -1):
        part = part * tt + c[..., r]
    part = part * tt - const[rows, idx]
    value = cum[rows, idx] + 0.5 * w_idx * part
    below, above = xf <= edges[:, :1], xf >= edges[:, -1:]
    value = np.where(below, 0.0, np.where(above, cum[:, -1:], value))
    cdf = np.clip(value / cum[:, -1:], 0.0, 1.0).reshape(shape)
    if not density:
        return cdf
    slope = ORDER * c[..., ORDER - 1]
    for r in range(ORDER - 2, -1, -1):
        slope = slope * tt + (r + 1) * c[..., r]
    pdf = np.where(below | above, 0.0, slope) / cum[:, -1:]
    return cdf, pdf.reshape(shape)


def _cdf_quantiles(cdf_pdf, probs, start, lo, hi):
    """Roots of ``cdf(v) = p`` for all ``probs`` at once, inside ``[lo, hi]``.

    ``cdf_pdf(v)`` gives the CDF and density at the points ``v`` (one per probability).
    Safeguarded Newton from ``start``: a step leaving the bracket is a bisection; each
    root stops once its step is below ``1e-13 + 1e-14 |v|`` (the tolerance of the scalar
    root-finder this replaces).
    """
    p = np.asarray(probs, dtype=float)
    lo, hi = np.full(p.shape, float(lo)), np.full(p.shape, float(hi))
    v = np.clip(np.asarray(start, dtype=float), lo, hi)
    done = np.zeros(p.shape, dtype=bool)
    for _ in range(200):
        cdf, pdf = cdf_pdf(v)
        diff = cdf - p
        lo = np.where(~done & (diff < 0), v, lo)
        hi = np.where(~done & (diff > 0), v, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = v - diff / pdf
        # inclusive: at the root within rounding the Newton point may equal a bracket end
        ok = np.isfinite(newton) & (newton >= lo) & (newton <= hi)
        new = np.where(ok, newton, 0.5 * (lo + hi))
        new = np.where(done | (diff == 0), v, new)
        tol = 1e-13 + 1e-14 * np.abs(v)
        done |= (ok & (np.abs(newton - v) <= tol)) | (hi - lo <= tol) | (diff == 0)
        v = new
        if done.all():
            break
    return v


def _mixture_quantiles(weights, means, sds, probs):
    """Quantiles of normal mixtures: ``weights``/``means``/``sds`` are ``(..., C)``.

    Safeguarded Newton on the mixture CDF from the moment-matched normal quantile; each
    element stops on its own criterion (so a batch does not change its digits).
    """
    from scipy.special import ndtr, ndtri

    mean = (weights * means).sum(axis=-1)
    var = (weights * (sds * sds + means * means)).sum(axis=-1) - mean * mean
    sd = np.sqrt(np.maximum(var, 0.0))
    lo0 = (means - 40.0 * sds).min(axis=-1)
    hi0 = (means + 40.0 * sds).max(axis=-1)
    shape = mean.shape
    flat_w = weights.reshape(-1, weights.shape[-1])
    flat_m = means.reshape(flat_w.shape)
    flat_s = sds.reshape(flat_w.shape)
    flat_inv = 1.0 / flat_s
    flat_wd = (
        flat_w * flat_inv / math.sqrt(2 * math.pi)
    )  # weight times the density's 1/(s sqrt(2 pi))
    n = flat_w.shape[0]
    results = []
    for p in probs:
        x = (mean + sd * ndtri(p)).reshape(-1)
        lo, hi = lo0.reshape(-1).copy(), hi0.reshape(-1).copy()
        x = np.clip(x, lo, hi)
        active = np.ones(x.shape, dtype=bool)
        scale = np.maximum(sd.reshape(-1), 1e-300)
        for _ in range(100):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            everyone = idx.size == n  # no gathers while every element is still iterating
            w_i = flat_w if everyone else flat_w[idx]
            m_i = flat_m if everyone else flat_m[idx]
            inv_i = flat_inv if everyone else flat_inv[idx]
            wd_i = flat_wd if everyone else flat_wd[idx]
            xi = x[idx]
            z = (xi[:, None] - m_i) * inv_i
            cdf = (w_i * ndtr(z)).sum(axis=1) - p
            pdf = (wd_i * np.exp(-0.5 * z * z)).sum(axis=1)
            lo[idx] = np.where(cdf < 0, xi, lo[idx])
            hi[idx] = np.where(cdf >= 0, xi, hi[idx])
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = xi - cdf / pdf
            # inclusive: at the root within rounding the Newton point may equal a bracket end
            ok = np.isfinite(newton) & (newton >= lo[idx]) & (newton <= hi[idx])
            new = np.where(ok, newton, 0.5 * (lo[idx] + hi[idx]))
            done = ok & (np.abs(newton - xi) <= 1e-14 * (np.abs(xi) + scale[idx]))
            done |= cdf == 0
            done |= (hi[idx] - lo[idx]) <= 1e-15 * (np.abs(xi) + scale[idx])
            x[idx] = np.where(cdf == 0, xi, new)
            active[idx[done]] = False
        results.append(x.reshape(shape))
    return np.stack(results, axis=-1)


# --- normal-normal -------------------------------------------------------------------


def _nn_conditional(y, v, tau, settings):
    """Per tau node: log marginal likelihood (+const), conditional mean and SD of mu.

    ``y``/``v`` are ``(m, k)``, ``tau`` is ``(m, G)``. A normal mu prior enters as one
    more observation ``mu_mean`` with variance ``mu_sd^2``.
    """
    big_v = v[:, None, :] + (tau * tau)[:, :, None]
    w = 1.0 / big_v
    prec0 = 0.0 if settings.mu_flat else 1.0 / settings.mu_sd**2
    sw = w.sum(axis=2) + prec0
    mean = ((w * y[:, None, :]).sum(axis=2) + prec0 * settings.mu_mean) / sw
    resid = y[:, None, :] - mean[:, :, None]
    loglik = -0.5 * (
        np.log(big_v).sum(axis=2)
        + (w * resid * resid).sum(axis=2)
        + prec0 * (mean - settings.mu_mean) ** 2
        + np.log(sw)
    )
    return loglik, mean, 1.0 / np.sqrt(sw), big_v


def _nn_group(y, v, settings: BayesSettings, shrinkage: bool = True) -> list[dict]:
    """Fit the m analyses of ``(m, k)`` arrays that share k and settings."""
    m, k = y.shape
    prior = settings.tau_prior
    c = np.sqrt(v.min(axis=1))
    data_scale = np.maximum(np.sqrt(v.max(axis=1)), y.max(axis=1) - y.min(axis=1))
    tau_hi = TAU_RANGE_FACTOR * np.maximum(data_scale, prior.typical_scale())

    def log_post_s(s):
        tau = c[:, None] * np.expm1(s)
        loglik = _nn_conditional(y, v, tau, settings)[0]
        return loglik + prior.logpdf(tau) + np.log(tau + c[:, None])

    zoomed = _zoom(log_post_s, np.zeros(m), np.log1p(tau_hi / c))
    alpha = 0.5 * (1.0 - settings.level)
    probs = (alpha, 0.5, 1.0 - alpha)
    panels = settings.grid_points // ORDER
    fine = _nn_summaries(y, v, c, _edges(*zoomed, panels), settings, probs, shrinkage)
    coarse = _nn_summaries(y, v, c, _edges(*zoomed, panels // 2), settings, probs)
    keys = ("mu_q", "tau_q", "pred_q")
    error = np.max(np.concatenate([np.abs(fine[n] - coarse[n]) for n in keys], axis=1), axis=1)
    rows = []
    for j in range(m):
        rows.append(
            {
                "k": k,
                "model": "normal_normal",
                "mu_median": fine["mu_q"][j, 1],
                "mu_mean": fine["mu_mean"][j],
                "mu_sd": fine["mu_sd"][j],
                "mu_lower": fine["mu_q"][j, 0],
                "mu_upper": fine["mu_q"][j, 2],
                "mu_prob_positive": fine["mu_pos"][j],
                "tau_median": fine["tau_q"][j, 1],
                "tau_mean": fine["tau_mean"][j],
                "tau_sd": fine["tau_sd"][j],
                "tau_lower": fine["tau_q"][j, 0],
                "tau_upper": fine["tau_q"][j, 2],
                "pred_median": fine["pred_q"][j, 1],
                "pred_mean": fine["mu_mean"][j],
                "pred_sd": np.sqrt(fine["mu_sd"][j] ** 2 + fine["tau2_mean"][j]),
                "pred_lower": fine["pred_q"][j, 0],
                "pred_upper": fine["pred_q"][j, 2],
                "shrinkage_mean": tuple(fine["shr_mean"][j]) if shrinkage else (),
                "shrinkage_median": tuple(fine["shr_q"][j, :, 1]) if shrinkage else (),
                "shrinkage_lower": tuple(fine["shr_q"][j, :, 0]) if shrinkage else (),
                "shrinkage_upper": tuple(fine["shr_q"][j, :, 2]) if shrinkage else (),
                "rate_mean": math.nan,
                "rate_median": math.nan,
                "rate_lower": math.nan,
                "rate_upper": math.nan,
                "integration_error": error[j],
            }
        )
    return rows


def _nn_summaries(y, v, c, edges, settings, probs, shrinkage=False):
    from scipy.special import ndtr

    s, ws = _composite(edges)
    tau = c[:, None] * np.expm1(s)
    loglik, cmean, csd, big_v = _nn_conditional(y, v, tau, settings)
    logpost = loglik + settings.tau_prior.logpdf(tau) + np.log(tau + c[:, None])
    dens = np.exp(logpost - logpost.max(axis=1, keepdims=True))  # density of s, unnormalised
    weights = ws * dens
    weights = weights / weights.sum(axis=1, keepdims=True)
    out = {
        "tau_q": c[:, None] * np.expm1(_panel_quantiles(dens, edges, probs)),
        "tau_mean": (weights * tau).sum(axis=1),
        "mu_mean": (weights * cmean).sum(axis=1),
    }
    out["tau2_mean"] = (weights * tau * tau).sum(axis=1)
    tau_var = out["tau2_mean"] - out["tau_mean"] ** 2
    out["tau_sd"] = np.sqrt(np.maximum(tau_var, 0.0))
    second = (weights * (csd * csd + cmean * cmean)).sum(axis=1)
    out["mu_sd"] = np.sqrt(np.maximum(second - out["mu_mean"] ** 2, 0.0))
    out["mu_pos"] = (weights * ndtr(cmean / csd)).sum(axis=1)
    out["mu_q"] = _mixture_quantiles(weights, cmean, csd, probs)
    out["pred_q"] = _mixture_quantiles(weights, cmean, np.sqrt(csd * csd + tau * tau), probs)
    if shrinkage:
        b = (tau * tau)[:, :, None] / big_v  # (m, G, k)
        smean = b * y[:, None, :] + (1.0 - b) * cmean[:, :, None]
        ssd = np.sqrt(b * v[:, None, :] + (1.0 - b) ** 2 * (csd * csd)[:, :, None])
        smean_k = np.ascontiguousarray(np.moveaxis(smean, 2, 1))  # (m, k, G)
        ssd_k = np.ascontiguousarray(np.moveaxis(ssd, 2, 1))
        wk = np.ascontiguousarray(np.broadcast_to(weights[:, None, :], smean_k.shape))
        out["shr_mean"] = (wk * smean_k).sum(axis=2)
        out["shr_q"] = _mixture_quantiles(wk, smean_k, ssd_k, probs)
    return out


def tau_tail_exponent(settings: BayesSettings, k: int) -> float:
    """``a`` with the posterior density of tau falling as ``tau^-a`` for large tau.

    The prior contributes 2 (half-Cauchy), 0 (uniform) or an infinite rate (half-normal,
    log-normal); the likelihood, with mu integrated out, ``k - 1`` under a flat mu prior
    and ``k`` under a normal one (each study's marginal likelihood falls as 1/tau; a
    flat prior gives one power back). Binomial-normal counts as a normal mu prior.
    """
    prior = {"half_cauchy": 2.0, "uniform": 0.0}.get(settings.tau_prior.family, math.inf)
    return prior + (k - 1 if settings.mu_flat else k)


def _moments_that_exist(row: dict, settings: BayesSettings) -> dict:
    """Replace moments the posterior does not have (heavy tails) by inf or NaN.

    ``E tau^r`` is finite iff the tail exponent exceeds r + 1. tau's mean is then +inf and
    its SD inf; theta_new's mean is undefined (NaN) and its SD inf; so are mu's under a
    flat mu prior (with a normal prior mu's conditional variance is bounded). Quantiles
    always exist and are unaffected.
    """
    a = tau_tail_exponent(settings, row["k"])
    if a <= 3:
        row.update(tau_sd=math.inf, pred_sd=math.inf)
        if settings.mu_flat:
            row["mu_sd"] = math.inf
    if a <= 2:
        row.update(tau_mean=math.inf, pred_mean=math.nan)
        if settings.mu_flat:
            row["mu_mean"] = math.nan
    return row


def _finish(row: dict, settings: BayesSettings) -> BayesResult:
    row = {n: (x.item() if isinstance(x, np.generic) else x) for n, x in row.items()}
    row = _moments_that_exist(row, settings)
    for name in ("shrinkage_mean", "shrinkage_median", "shrinkage_lower", "shrinkage_upper"):
        row[name] = tuple(float(x) for x in row[name])
    return BayesResult(
        **row,
        level=settings.level,
        interval="central",
        prior=settings.tau_prior.describe(),
        mu_prior=settings.describe_mu(),
        grid_points=settings.grid_points,
    )


def normal_normal_batch(
    yis: list, vis: list, settings, shrinkage: bool = True
) -> list[BayesResult]:
    """Fit many normal-normal analyses; ``settings`` is one BayesSettings or one per analysis.

    Analyses sharing k and settings are fitted in one vectorized call; a bad analysis
    raises ValueError naming its position. ``shrinkage=False`` skips the per-study
    posteriors (most of the cost for large k); the ``shrinkage_*`` tuples are then empty.
    """
    settings = _settings_per_analysis(settings, yis, vis, "yis and vis")
    checked = []
    for j, (yi, vi, s) in enumerate(zip(yis, vis, settings, strict=True)):
        y, v = _check_normal(yi, vi, f"analysis {j}: ")
        _check_improper(y.size, s, f"analysis {j}: ")
        checked.append((y, v))
    groups: dict = {}
    for j, ((y, _), s) in enumerate(zip(checked, settings, strict=True)):
        groups.setdefault((y.size, s), []).append(j)
    results: list[BayesResult | None] = [None] * len(yis)
    for (_, s), members in groups.items():
        y = np.ascontiguousarray(np.stack([checked[j][0] for j in members]))
        v = np.ascontiguousarray(np.stack([checked[j][1] for j in members]))
        for j, row in zip(members, _nn_group(y, v, s, shrinkage), strict=True):
            results[j] = _finish(row, s)
    return results


def normal_normal(yi, vi, settings: BayesSettings, shrinkage: bool = True) -> BayesResult:
    """Fit one normal-normal analysis (any k >= 1); see the module docstring."""
    return normal_normal_batch([yi], [vi], settings, shrinkage)[0]


# --- binomial-normal -----------------------------------------------------------------

#: Gauss-Hermite nodes of the adaptive rule for each study's integral over theta_i.
HERMITE_NODES = 15
#: The zooms that find the integration ranges and place the panels need the log density
#: to far less than a unit (the range keeps 40 units): a smaller rule and looser modes.
ZOOM_HERMITE_NODES = 5
ZOOM_TOL = 1e-8
#: Zoom of the conditional range of mu given tau: levels and points per level.
MU_ZOOM_LEVELS = 3
MU_ZOOM_POINTS = 32
#: The mu zoom at a rule's tau node starts from its neighbours' ranges widened by this.
MU_RANGE_PAD = 0.25
#: Points of each zoom level of the tau range (each point zooms its own mu range).
TAU_ZOOM_POINTS = 32
#: Gauss-Hermite nodes of the predictive CDF's average over a new study's deviation.
PREDICTIVE_HERMITE_NODES = 64
#: The tau range of the binomial-normal model ends at this upper prior quantile.
BINOMIAL_TAU_QUANTILE = 1.0 - 1e-12


def _check_binomial(events, n, settings, where: str):
    x, size = _two_vectors(events, n, "events and n", where)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(size))):
        raise ValueError(f"{where}an event count or sample size is missing or not finite")
    if np.any(x != np.round(x)) or np.any(size != np.round(size)):
        raise ValueError(f"{where}event counts and sample sizes must be whole numbers")
    if np.any(size < 1):
        raise ValueError(f"{where}every sample size n must be at least 1")
    if np.any(x < 0) or np.any(x > size):
        raise ValueError(f"{where}every event count must lie between 0 and n")
    if settings.mu_flat:
        raise ValueError(
            f"{where}the binomial-normal model needs a proper (finite mu_sd) prior for mu: "
            "with all-zero counts a flat prior gives an improper posterior"
        )
    if not settings.tau_prior.proper:
        raise ValueError(f"{where}the binomial-normal model needs a proper tau prior")
    return x, size


_HERMITE_CACHE: dict = {}


def _hermite(nodes=None):
    """Gauss-Hermite nodes and weights, and log weights (computed once per size)."""
    nodes = HERMITE_NODES if nodes is None else nodes
    if nodes not in _HERMITE_CACHE:
        z, w = np.polynomial.hermite.hermgauss(nodes)
        _HERMITE_CACHE[nodes] = (z, w, np.log(w))
    return _HERMITE_CACHE[nodes]


#: Grid points x studies evaluated together by :func:`_binomial_loglik`. Its working
#: arrays hold up to ``HERMITE_NODES // 2`` values per element, so a block costs tens of MB
#: whatever k is (the (tau, mu) grid times k would be gigabytes at k in the thousands).
LOGLIK_BLOCK = 2**17


def _binomial_loglik(x, size, mu, tau, nodes=None, tol=1e-12):
    """``sum_i log int Bin(x_i | n_i, expit(theta)) N(theta | mu, tau^2) dtheta`` (no log C(n, x)).

    ``mu`` and ``tau`` broadcast together (shape S); ``x``/``size`` are ``(k,)``. Adaptive
    Gauss-Hermite: each integrand is centred at its mode (safeguarded Newton inside the
    bracket ``mu + tau^2 [x - n, x]`` that holds the root of its concave log) and scaled
    by its curvature there. The grid points are taken in blocks of about
    :data:`LOGLIK_BLOCK` / k; every value is computed elementwise and summed over the
    studies of its own grid point, so the blocks change no digit, only the memory.
    """
    mu, tau = np.asarray(mu, dtype=float), np.asarray(tau, dtype=float)
    shape = np.broadcast_shapes(mu.shape, tau.shape)
    mu, tau = np.broadcast_to(mu, shape).ravel(), np.broadcast_to(tau, shape).ravel()
    out = np.empty(mu.size)
    step = max(1, LOGLIK_BLOCK // max(x.size, 1))
    for start in range(0, mu.size, step):
        block = slice(start, start + step)
        out[block] = _binomial_loglik_block(x, size, mu[block], tau[block], nodes, tol)
    return out.reshape(shape)


def _binomial_loglik_block(x, size, mu, tau, nodes, tol):
    """:func:`_binomial_loglik` at the grid points ``mu``, ``tau`` (equal 1-d arrays)."""
    from scipy.special import expit

    mu = mu[:, None]
    # tau = 0 (the zoom's first point) is the limit of a vanishing variance
    tau2 = np.maximum(tau**2, 1e-100)[:, None]
    shape = np.broadcast_shapes(mu.shape, tau2.shape, x.shape)
    xa, na = np.broadcast_to(x, shape).ravel(), np.broadcast_to(size, shape).ravel()
    ma, ta = np.broadcast_to(mu, shape).ravel(), np.broadcast_to(tau2, shape).ravel()
    theta = _binomial_modes(xa, na, ma, ta, tol)
    theta = theta.reshape(shape)
    # the smaller of p and 1 - p at the mode (accurate in both tails)
    small = expit(-np.abs(theta))
    pq = small * (1.0 - small)
    info_mode = size * pq  # n p (1 - p); the integrand's curvature there is 1 / sigma^2
    sigma = 1.0 / np.sqrt(info_mode + 1.0 / tau2)
    at_mode = x * theta - size * np.logaddexp(0.0, theta) - 0.5 * (theta - mu) ** 2 / tau2
    z, w, log_w = _hermite(nodes)
    positive = z > 0  # the rule is symmetric: nodes +-z pair up, and z = 0 adds its weight
    d = (math.sqrt(2.0) * sigma)[..., None] * z[positive]
    remainders = _softplus_remainders(small[..., None], 0.5 * pq[..., None], d)
    terms = [np.exp(log_w[positive] - size[:, None] * r) for r in remainders]
    ratio = w[z == 0].sum() + (terms[0] + terms[1]).sum(axis=-1)
    # log(sqrt(2) sigma / tau) - log(sqrt(2 pi)) = -log(1 + n p (1 - p) tau^2) / 2 - log(sqrt(pi))
    log_scale = -0.5 * np.log1p(info_mode * tau2) - 0.5 * math.log(math.pi)
    per_study = at_mode + np.log(ratio) + log_scale
    return per_study.sum(axis=-1)


def _binomial_modes(x, n, mu, tau2, tol=1e-12):
    """Modes of ``x theta - n softplus(theta) - (theta - mu)^2 / (2 tau^2)`` (flat arrays).

    Safeguarded Newton inside the bracket ``mu + tau^2 [x - n, x]`` that holds the root of
    the concave log's gradient (a step leaving it, or not halving the previous one, is a
    bisection: rtsafe's safeguard, as Newton can cycle across the sigmoid's bend), from the
    normal-approximation mode (prior mu, empirical logit with its information). Each
    element stops on its own (step, or the bound on the error Newton's step leaves, below
    ``tol (1 + |theta|)``) and is not moved again;
    the working arrays shrink to the unconverged elements once they are fewer than half.
    """
    from scipy.special import expit

    lo = mu + tau2 * (x - n)
    hi = mu + tau2 * x
    p0 = (x + 0.5) / (n + 1.0)
    info = n * p0 * (1.0 - p0)
    theta = np.clip((mu / tau2 + info * np.log(p0 / (1.0 - p0))) / (1.0 / tau2 + info), lo, hi)
    out = theta.copy()
    where_ = np.arange(theta.size)  # positions in ``out`` of the working elements
    inv_t = 1.0 / tau2
    # the error after a Newton step h is at most 0.05 n tau^2 (2 h)^2 (|f''| <= 0.0962 n,
    # |f'| >= 1 / tau^2, the previous error at most 2 h): stop once that is below tol
    quad = 0.2 * n * tau2
    going = np.ones(theta.size, dtype=bool)
    last = hi - lo  # the previous step (rtsafe's safeguard)
    for _ in range(200):
        pr = expit(theta)
        npr = n * pr
        grad = x - npr - (theta - mu) * inv_t
        step = grad / (npr * (1.0 - pr) + inv_t)
        new = theta + step
        up = grad > 0
        lo = np.where(up, theta, lo)
        hi = np.where(up, hi, theta)
        # bisect where Newton leaves the bracket or fails to halve the previous step (it can
        # cycle across the sigmoid's bend when tau^2 n is large)
        newton = (new >= lo) & (new <= hi) & (2.0 * np.abs(step) <= np.abs(last))
        new = np.where(newton, new, 0.5 * (lo + hi))
        new = np.where(going, new, theta)
        last = new - theta
        limit = tol * (1.0 + np.abs(new))
        settled = newton & (quad * step * step <= limit) & (quad * np.abs(step) <= 1.0)
        going &= (np.abs(last) > limit) & ~settled
        theta = new
        left = np.count_nonzero(going)
        if left == 0:
            break
        if 2 * left < going.size:  # write back the converged, keep iterating the rest
            out[where_] = theta
            keep = np.flatnonzero(going)
            where_, theta, lo, hi = where_[keep], theta[keep], lo[keep], hi[keep]
            x, n, mu, inv_t, last = x[keep], n[keep], mu[keep], inv_t[keep], last[keep]
            quad = quad[keep]
            going = np.ones(keep.size, dtype=bool)
    out[where_] = theta
    return out


#: Node offsets beyond this take the log-sum-exp form of :func:`_softplus_remainders`
#: (``expm1`` overflows past about 709).
FAR_NODE = 700.0


def _softplus_remainders(small, half_pq, d):
    """``R(+d)`` and ``R(-d)``: the remainders of softplus's second-order Taylor expansion
    about the mode, ``R(e) = sp(t + e) - sp(t) - p e - p (1 - p) e^2 / 2`` (d >= 0).

    At node ``t + e`` of the adaptive rule the log integrand minus its value at the mode
    plus ``z^2`` is ``-n R(e)``: the mode's equation ``x - n p = (t - mu) / tau^2`` cancels
    the linear terms and ``1 - sigma^2 / tau^2 = n p (1 - p) sigma^2`` the quadratic ones,
    so no term is divided by a vanishing tau^2. With ``small = min(p, 1 - p)`` (and, where
    p > 1/2, ``e`` replaced by ``-e``, which swaps the pair),
    ``sp(t + e) - sp(t) - p e = log1p(small * expm1(e)) - small * e``, accurate in both tails.
    """
    linear = small * d
    quadratic = half_pq * d * d
    up = np.expm1(np.minimum(d, FAR_NODE))
    down = -up / (up + 1.0)  # expm1(-d)
    plus = np.log1p(small * up) - linear - quadratic
    minus = np.log1p(small * down) + linear - quadratic
    far = d > FAR_NODE
    if far.any():  # far nodes of a very wide integrand: the same remainders by log-sum-exp
        small, linear, quadratic = (
            np.broadcast_to(a, d.shape)[far] for a in (small, linear, quadratic)
        )
        t = np.log(small) - np.log1p(-small)  # the mode on the side where p <= 1/2
        base = np.logaddexp(0.0, t)
        plus[far] = np.logaddexp(0.0, t + d[far]) - base - linear - quadratic
        minus[far] = np.logaddexp(0.0, t - d[far]) - base + linear - quadratic
    return plus, minus


def _binomial_mu_range(x, size, tau, settings, lo, hi, levels=MU_ZOOM_LEVELS):
    """Zoom the range of mu given each tau (rows: tau nodes); also the log of each
    conditional's mass on the last zoom level (a Riemann sum), which the tau zoom uses."""
    log_mu_prior = _normal_logpdf_factory(settings)

    def logdens(mu):
        loglik = _binomial_loglik(x, size, mu, tau[:, None], ZOOM_HERMITE_NODES, ZOOM_TOL)
        return loglik + log_mu_prior(mu)

    zoomed = _zoom(logdens, lo, hi, levels, MU_ZOOM_POINTS)
    grid, f = zoomed[2], zoomed[3]
    top = f.max(axis=1, keepdims=True)
    step = grid[:, 1] - grid[:, 0]
    log_mass = top[:, 0] + np.log(np.exp(f - top).sum(axis=1) * step)
    return zoomed, log_mass


def _binomial_node_mu_zoom(x, size, s, tau, settings, known):
    """The mu zoom at the rule's tau nodes ``s``, started from the ranges the tau zoom found.

    ``known`` = (mu_lo, mu_hi, s_known, lo_known, hi_known): the full mu range and the
    zoomed mu ranges at the tau zoom's last grid (which spans every node). Each node starts
    from the union of its two neighbours' ranges, widened by ``MU_RANGE_PAD`` of its width
    on each side, and zooms one level; a node whose density at a widened end is still
    within ``LOG_DENSITY_DROP`` of its maximum (the range may be cut) zooms afresh from the
    full range.
    """
    mu_lo, mu_hi, s_known, lo_known, hi_known = known
    j = np.clip(np.searchsorted(s_known, s), 1, s_known.size - 1)
    lo = np.minimum(lo_known[j - 1], lo_known[j])
    hi = np.maximum(hi_known[j - 1], hi_known[j])
    pad = MU_RANGE_PAD * (hi - lo)
    lo, hi = np.maximum(lo - pad, mu_lo), np.minimum(hi + pad, mu_hi)
    zoomed = _binomial_mu_range(x, size, tau, settings, lo, hi, levels=1)[0]
    f = zoomed[3]
    floor = f.max(axis=1) - LOG_DENSITY_DROP
    cut = ((f[:, 0] >= floor) & (lo > mu_lo)) | ((f[:, -1] >= floor) & (hi < mu_hi))
    redo = np.flatnonzero(cut)
    if redo.size:
        full = np.full(redo.size, mu_lo), np.full(redo.size, mu_hi)
        again = _binomial_mu_range(x, size, tau[redo], settings, *full)[0]
        for part, new in zip(zoomed, again, strict=True):
            part[redo] = new
    return zoomed


def _normal_logpdf_factory(settings):
    def log_mu_prior(mu):
        z = (mu - settings.mu_mean) / settings.mu_sd
        return -0.5 * z * z - math.log(settings.mu_sd) - _LOG_SQRT_2PI

    return log_mu_prior


def _binomial_fit(x, size, settings: BayesSettings) -> dict:
    from scipy.special import expit

    prior = settings.tau_prior
    k = x.size
    se = np.sqrt(1.0 / (x + 0.5) + 1.0 / (size - x + 0.5))
    c = float(se.min())
    logits = np.log((x + 0.5) / (size - x + 0.5))
    mu_lo = min(settings.mu_mean - 12.0 * settings.mu_sd, logits.min() - 5.0)
    mu_hi = max(settings.mu_mean + 12.0 * settings.mu_sd, logits.max() + 5.0)
    tau_hi = float(prior.quantile(BINOMIAL_TAU_QUANTILE))

    def tau_of(s):
        return c * np.expm1(s)

    known = {}  # the mu ranges at the last call's tau points (the zoom's last level)

    def log_post_s(s):  # s: (1, S)
        tau = tau_of(s[0])
        full = np.full(tau.shape, mu_lo), np.full(tau.shape, mu_hi)
        zoomed, log_mass = _binomial_mu_range(x, size, tau, settings, *full)
        known["ranges"] = (mu_lo, mu_hi, s[0], zoomed[0], zoomed[1])
        return (log_mass + prior.logpdf(tau) + np.log(tau + c))[None, :]

    s_zoom = _zoom(
        log_post_s, np.zeros(1), np.array([math.log1p(tau_hi / c)]), ZOOM_LEVELS, TAU_ZOOM_POINTS
    )
    alpha = 0.5 * (1.0 - settings.level)
    probs = (alpha, 0.5, 1.0 - alpha)
    ranges = known["ranges"]
    fine = _binomial_summaries(x, size, c, s_zoom, ranges, settings, 1, probs)
    coarse = _binomial_summaries(
        x, size, c, s_zoom, ranges, settings, 2, probs, (fine["mu_q"], fine["pred_q"])
    )
    error = max(float(np.max(np.abs(fine[n] - coarse[n]))) for n in ("mu_q", "tau_q", "pred_q"))
    mu_q, tau_q, pred_q = fine["mu_q"], fine["tau_q"], fine["pred_q"]
    return {
        "k": k,
        "model": "binomial_normal",
        "mu_median": mu_q[1],
        "mu_mean": fine["mu_mean"],
        "mu_sd": fine["mu_sd"],
        "mu_lower": mu_q[0],
        "mu_upper": mu_q[2],
        "mu_prob_positive": fine["mu_pos"],
        "tau_median": tau_q[1],
        "tau_mean": fine["tau_mean"],
        "tau_sd": fine["tau_sd"],
        "tau_lower": tau_q[0],
        "tau_upper": tau_q[2],
        "pred_median": pred_q[1],
        "pred_mean": fine["mu_mean"],
        "pred_sd": math.sqrt(fine["mu_sd"] ** 2 + fine["tau2_mean"]),
        "pred_lower": pred_q[0],
        "pred_upper": pred_q[2],
        "shrinkage_mean": (),
        "shrinkage_median": (),
        "shrinkage_lower": (),
        "shrinkage_upper": (),
        "rate_mean": fine["rate_mean"],
        "rate_median": float(expit(pred_q[1])),
        "rate_lower": float(expit(pred_q[0])),
        "rate_upper": float(expit(pred_q[2])),
        "integration_error": error,
    }


def _binomial_summaries(x, size, c, s_zoom, mu_ranges, settings, coarsen, probs, start=None):
    """Posterior summaries on a tau rule with, per tau node, its own rule for mu.

    ``start``: the mu and theta_new quantiles of a finer rule, where the root-finding of
    this rule's starts (by default the moment-matched normal quantiles); a rule given them
    (the half-step check of ``integration_error``) computes only the quantiles.
    """
    from scipy.special import expit, ndtr, ndtri

    panels = settings.grid_points // ORDER // coarsen
    s_edges = _edges(*s_zoom, panels)
    s, ws = _composite(s_edges)
    s, ws = s[0], ws[0]
    tau = c * np.expm1(s)
    g = tau.size
    mu_zoom = _binomial_node_mu_zoom(x, size, s, tau, settings, mu_ranges)
    mu_edges = _edges(*mu_zoom, panels)
    mu, wm = _composite(mu_edges)  # (G, G): row l holds the mu rule given tau node l
    log_mu_prior = _normal_logpdf_factory(settings)
    logjoint = (
        _binomial_loglik(x, size, mu, tau[:, None])
        + log_mu_prior(mu)
        + (settings.tau_prior.logpdf(tau) + np.log(tau + c))[:, None]
    )
    joint = np.exp(logjoint - logjoint.max())
    s_dens = (wm * joint).sum(axis=1)  # marginal density of s at its nodes (unnormalised)
    weights = ws[:, None] * wm * joint
    weights = weights / weights.sum()
    tau_w = weights.sum(axis=1)
    out = {
        "tau_q": c * np.expm1(_panel_quantiles(s_dens[None, :], s_edges, probs)[0]),
        "tau_mean": float((tau_w * tau).sum()),
        "tau2_mean": float((tau_w * tau * tau).sum()),
        "mu_mean": float((weights * mu).sum()),
    }
    out["tau_sd"] = math.sqrt(max(out["tau2_mean"] - out["tau_mean"] ** 2, 0.0))
    out["mu_sd"] = math.sqrt(max(float((weights * mu * mu).sum()) - out["mu_mean"] ** 2, 0.0))

    interp = _panel_interpolants(joint, mu_edges)
    zh, wh = _hermite(PREDICTIVE_HERMITE_NODES)[:2]
    zh, wh = math.sqrt(2.0) * zh, wh / math.sqrt(math.pi)
    # P(theta_new <= x | tau_l): where mu | tau_l is at least as wide as tau_l, the mean
    # over z ~ N(0, 1) of the conditional CDF of mu at x - tau_l z (Gauss-Hermite); where it
    # is narrower, the normal mixture over that row's mu nodes (exact convolution of each).
    cond_mean = (wm * joint * mu).sum(axis=1) / s_dens
    cond_sd = np.sqrt(np.maximum((wm * joint * mu * mu).sum(axis=1) / s_dens - cond_mean**2, 0))
    wide = cond_sd >= tau
    row_w = wm * joint / s_dens[:, None]

    rows_wide, rows_narrow = np.flatnonzero(wide), np.flatnonzero(~wide)

    def subset(rows):
        return tuple(part[rows] for part in interp), mu_edges[rows]

    interp_wide, edges_wide = subset(rows_wide)
    tau_narrow = tau[rows_narrow, None, None]

    def mu_cdf(values):
        cdf, pdf = _panel_cdf(interp, mu_edges, np.tile(values, (g, 1)), density=True)
        return tau_w @ cdf, tau_w @ pdf

    def pred_cdf(values):
        cdf = np.empty((g, values.size))
        pdf = np.empty((g, values.size))
        if rows_wide.size:
            shifted = values[None, :, None] - tau[rows_wide, None, None] * zh
            cdf_z, pdf_z = _panel_cdf(interp_wide, edges_wide, shifted, density=True)
            cdf[rows_wide], pdf[rows_wide] = cdf_z @ wh, pdf_z @ wh
        if rows_narrow.size:
            u = (values[None, :, None] - mu[rows_narrow, None, :]) / tau_narrow
            w_n = row_w[rows_narrow, None, :]
            cdf[rows_narrow] = (w_n * ndtr(u)).sum(axis=2)
            pdf[rows_narrow] = (w_n * np.exp(-0.5 * u * u)).sum(axis=2) / (
                math.sqrt(2.0 * math.pi) * tau_narrow[..., 0]
            )
        return tau_w @ cdf, tau_w @ pdf

    lo, hi = float(mu_edges[:, 0].min()), float(mu_edges[:, -1].max())
    margin = 40.0 * float(tau.max())
    normal = ndtri(np.asarray(probs))
    mu_start = out["mu_mean"] + out["mu_sd"] * normal if start is None else start[0]
    pred_sd = math.sqrt(out["mu_sd"] ** 2 + out["tau2_mean"])
    pred_start = out["mu_mean"] + pred_sd * normal if start is None else start[1]
    out["mu_q"] = _cdf_quantiles(mu_cdf, probs, mu_start, lo, hi)
    out["pred_q"] = _cdf_quantiles(pred_cdf, probs, pred_start, lo - margin, hi + margin)
    if start is not None:  # the half-step check uses the quantiles only
        return out
    out["mu_pos"] = 1.0 - float(mu_cdf(np.zeros(1))[0][0])
    z, w = _hermite(PREDICTIVE_HERMITE_NODES)[:2]
    marginal = (expit(mu[..., None] + math.sqrt(2.0) * tau[:, None, None] * z) * w).sum(axis=-1)
    out["rate_mean"] = float((weights * marginal).sum() / math.sqrt(math.pi))
    return out


def binomial_normal(events, n, settings: BayesSettings) -> BayesResult:
    """Single-arm counts on the exact binomial likelihood, logit-normal random effect.

    ``x_i ~ Bin(n_i, expit(theta_i))``, ``theta_i ~ N(mu, tau^2)``, any k >= 1, zero
    counts included; mu needs a proper normal prior (with all-zero counts a flat one
    leaves the posterior improper), tau a proper prior. Each study's integral over
    theta_i is an adaptive Gauss-Hermite rule (``HERMITE_NODES`` nodes centred at the
    integrand's mode and scaled by its curvature, as lme4's nAGQ). tau is integrated as in
    :func:`normal_normal` on ``s = log(1 + tau / c)`` (``c`` the smallest empirical-logit
    SE), from 0 to the prior's ``1 - 1e-12`` quantile, zoomed; for every tau node mu has
    its own zoomed range and composite Gauss-Legendre rule, so a posterior that narrows
    sharply as tau -> 0, or a zero-count likelihood's cliff, is resolved. ``grid_points``
    nodes on each of the two axes. The zooms (which only place ranges and panels) use a
    ``ZOOM_HERMITE_NODES`` rule; a rule's mu zoom at its tau nodes starts from the ranges
    found at the tau zoom's neighbouring points (:func:`_binomial_node_mu_zoom`).
    Quantiles: tau's from the interpolating polynomials as in the normal-normal model;
    mu's by root-finding on the mixture over tau nodes of mu's conditional CDFs;
    theta_new's on ``P(theta_new <= x | tau) = E_z F(x - tau z)``
    (Gauss-Hermite over z) where mu | tau is at least as wide as tau, else on the normal
    mixture over the mu nodes. Results on the logit scale; ``rate_*`` describe the
    proportion in a new study (see :class:`BayesResult`). Shrinkage estimates are not
    computed for this model (empty tuples). Cost: see tests/benchmarks/engine.py; a
    repeated analysis (same counts in the same order, same settings) is looked up.
    """
    x, size = _check_binomial(events, n, settings, "")
    return _binomial_cached(x, size, settings)


def binomial_normal_batch(events_list: list, n_list: list, settings) -> list[BayesResult]:
    """Fit many binomial-normal analyses (one BayesSettings or one per analysis).

    Each analysis is integrated on its own grid, one after the other; an analysis repeating
    an earlier one's counts, in the same order, and settings is not integrated again.
    """
    settings = _settings_per_analysis(settings, events_list, n_list, "events_list and n_list")
    checked = []
    for j, (x, n, s) in enumerate(zip(events_list, n_list, settings, strict=True)):
        checked.append(_check_binomial(x, n, s, f"analysis {j}: "))
    return [_binomial_cached(x, size, s) for (x, size), s in zip(checked, settings, strict=True)]


#: Binomial-normal results kept for analyses that repeat an earlier one's counts and
#: settings (a subgroup holding every study of the overall analysis), least recently used
#: dropped first. A result depends on its inputs only, so a kept one is the one recomputed.
BINOMIAL_CACHE_SIZE = 256
_BINOMIAL_CACHE: OrderedDict = OrderedDict()


def _binomial_cached(x, size, settings: BayesSettings) -> BayesResult:
    x, size = x + 0.0, size + 0.0  # -0.0 -> 0.0, so equal keys mean equal inputs
    key = (tuple(x.tolist()), tuple(size.tolist()), settings)
    result = _BINOMIAL_CACHE.get(key)
    if result is None:
        result = _finish(_binomial_fit(x, size, settings), settings)
        _BINOMIAL_CACHE[key] = result
        if len(_BINOMIAL_CACHE) > BINOMIAL_CACHE_SIZE:
            _BINOMIAL_CACHE.popitem(last=False)
    else:
        _BINOMIAL_CACHE.move_to_end(key)
    return result
