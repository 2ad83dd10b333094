"""Random-effects pooling of many analyses at once, with every statistic's definition stated.

Analyses are columns of a padded ``(k_max, m)`` array (unused cells NaN). They are
grouped by their number of studies k and each group is fitted in one vectorized call:
no process and no Python loop iteration per analysis.

Between-study variance tau^2 (intercept-only model; ``w_i = 1/v_i``):

* ``DL``  DerSimonian & Laird (1986), method of moments (closed form, as PyMARE computes it).
* ``REML``, ``ML``  restricted / full maximum likelihood (profile likelihood in tau^2,
  as PyMARE and metafor define it). Located by a scan of the likelihood over a fixed grid
  (PyMARE's scan, on the scale ``tau^2 = s u / (1 - u)`` with ``s`` the DL estimate plus
  the mean sampling variance), then the score equation is solved inside the bracket the
  best grid point gives by the Illinois method (:func:`_bracketed_root`: a secant step
  kept inside a bracket that shrinks on both sides; superlinear, about 10 steps) until the
  bracket is within :data:`ROOT_TOLERANCE` of the root's value (a few units in the last
  place). The score is checked at the returned value; where it is not solved the analysis
  falls back to the configured estimator and says so (``estimator_used``, ``note``).

Every analysis' result is a function of its own data only, to the last bit: each
iterative search stops per analysis (an analysis that has converged is not moved by the
iterations the others still need), and sums over studies are taken row by row in study
order (numpy's pairwise summation would add a lone column in a different order than
the same column inside a wider array). Adding or removing other analyses of a batch
therefore never changes an analysis' printed digits.
* ``PM``  Paule & Mandel (1982): the tau^2 >= 0 at which the generalised Q statistic
  ``sum (y_i - mu)^2 / (v_i + tau^2)`` equals k - 1 (0 if it is below k - 1 at 0).
* ``HE``  Hedges (1983): ``max(0, sum (y_i - ybar)^2 / (k-1) - sum v_i / k)``.
* ``SJ``  Sidik & Jonkman (2005): ``tau0^2 = sum (y_i - ybar)^2 / k``, then
  ``tau^2 = tau0^2 sum w_i (y_i - mu_w)^2 / (k-1)`` with ``w_i = 1/(v_i + tau0^2)``
  (metafor's "SJ").

Inference on the pooled mean ``mu = sum w_i y_i / sum w_i`` with ``w_i = 1/(v_i + tau^2)``:

* ``wald``  ``se^2 = 1 / sum w_i``, normal quantiles.
* ``knapp_hartung``  ``se^2 = q / sum w_i`` with ``q = sum w_i (y_i - mu)^2 / (k-1)``,
  t(k-1) quantiles (Hartung & Knapp 2001; Sidik & Jonkman 2002).
* ``knapp_hartung_adhoc``  as above with ``q`` floored at 1, so the interval is never
  narrower than Wald's (Knapp & Hartung 2003; metafor ``test="adhoc"``).

Prediction interval ``mu +/- c sqrt(se^2 + tau^2)``: ``t_k1`` t(k-1) (metafor's
``predict()`` under Knapp-Hartung), ``t_k2`` t(k-2) (Higgins, Thompson & Spiegelhalter
2009; needs k >= 3), ``z`` normal.

Heterogeneity: Cochran's Q with fixed-effect weights, df = k - 1; I^2 tau^2-based
``100 tau^2 / (tau^2 + s^2)`` with ``s^2 = (k-1) sum w / ((sum w)^2 - sum w^2)`` (Higgins
& Thompson 2002; metafor's printed value) and Q-based ``100 max(0, (Q - df)/Q)``;
``H^2 = (tau^2 + s^2) / s^2``. The CI of tau^2 is the Q-profile interval (Viechtbauer
2007): the tau^2 at which the generalised Q equals the chi-square(k-1) quantiles, and
the I^2 / H^2 intervals follow from its limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

ESTIMATORS = ("REML", "ML", "DL", "PM", "HE", "SJ")
INFERENCES = ("knapp_hartung", "knapp_hartung_adhoc", "wald")
PREDICTIONS = ("t_k1", "t_k2", "z")

#: REML/ML search: ``maxiter`` caps the root-finding steps on the score equation. An
#: interior root is reached in about 10; a step that would leave the bracket bisects it
#: instead, so the cap binds only for a root within about 2^-100 of a bracket end.
LIKELIHOOD_OPTIONS = {"maxiter": 100}
#: Every root of this module (REML/ML score, Paule-Mandel, the Q-profile limits) is
#: returned once its bracket is narrower than this fraction of the bracket's upper end
#: (2^-50, about 9e-16: four units in the last place), or, for a root at 0, exactly.
ROOT_TOLERANCE = 2.0**-50
#: Scan of the likelihood, as fractions u of [0, 1) on ``tau^2 = s u / (1 - u)`` (PyMARE's
#: grid without its end point u = 1, tau^2 = infinity).
_SCAN_FRACTIONS = np.unique(
    np.concatenate(
        [np.linspace(0.0, 1.0, 25)[:-1], [1e-6, 1e-4, 1e-2], 1.0 - np.array([1e-2, 1e-4, 1e-6])]
    )
)
#: Warm-started REML/ML refits try the brackets ``[start / f, start f]`` for these f in
#: turn before they scan (:func:`_likelihood`).
WARM_BRACKETS = (1.125, 2.0)
#: A likelihood fit counts as converged when its score, relative to sum(w), is below this.
SCORE_TOLERANCE = 1e-6


class PoolingError(ValueError):
    """Inputs a random-effects model cannot use (named reason, not a linear-algebra crash)."""


@dataclass(frozen=True)
class Settings:
    """How to pool; the defaults are the pipeline's (REML, ad hoc Knapp-Hartung, t(k-1) PI)."""

    estimator: str = "REML"
    inference: str = "knapp_hartung_adhoc"
    prediction: str = "t_k1"
    level: float = 0.95
    fallback_estimator: str = "DL"
    likelihood_options: dict = field(default_factory=lambda: dict(LIKELIHOOD_OPTIONS))

    def __post_init__(self):
        for name, value, allowed in (
            ("estimator", self.estimator, ESTIMATORS),
            ("fallback_estimator", self.fallback_estimator, ESTIMATORS),
            ("inference", self.inference, INFERENCES),
            ("prediction", self.prediction, PREDICTIONS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
        if not 0 < self.level < 1:
            raise ValueError("level must lie strictly between 0 and 1")


@dataclass(frozen=True)
class PooledEstimate:
    """A random-effects result on the analysis scale (logit for proportions)."""

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    statistic: float
    df: float  # degrees of freedom of the t reference; NaN under Wald inference
    p_value: float
    tau2: float
    tau2_ci_lower: float
    tau2_ci_upper: float
    i2_tau2: float
    i2_tau2_ci_lower: float
    i2_tau2_ci_upper: float
    i2_q: float
    h2: float
    q: float
    q_df: int
    q_p: float
    weights_pct: tuple
    estimator: str
    estimator_used: str
    inference: str
    ci_method: str
    pi_method: str
    note: str


# --- tau^2 estimators, each on (k, m) arrays with no missing cells -------------------


#: Below this many columns :func:`_colsum` accumulates in C; from it on it adds whole rows,
#: whose Python loop costs less than the (k, m) running sums. Both add in study order.
_ROW_LOOP_MIN_COLUMNS = 64


def _colsum(a):
    """Column sums of a (k, m) array, added row by row in study order: the same bits for a
    column whatever other columns share the array (numpy's ``sum`` may add a lone column
    pairwise; ``add.accumulate`` never does)."""
    if a.shape[1] < _ROW_LOOP_MIN_COLUMNS:
        return np.add.accumulate(a, axis=0)[-1]
    total = a[0].copy()
    for row in a[1:]:
        total = total + row
    return total


def _colmean(a):
    return _colsum(a) / a.shape[0]


def _colvar(a):
    """Population variance per column (``ddof = 0``), summed as :func:`_colsum`."""
    return _colmean((a - _colmean(a)) ** 2)


def _sums(y, v, tau2):
    w = 1.0 / (v + tau2)
    sw = _colsum(w)
    mu = _colsum(w * y) / sw
    return w, sw, mu


def generalised_q(y, v, tau2):
    """``sum (y_i - mu(tau^2))^2 / (v_i + tau^2)``: decreasing in tau^2."""
    w, _, mu = _sums(y, v, tau2)
    return _colsum(w * (y - mu) ** 2)


def _bracketed_root(f, target, lo, hi, iterations):
    """Vectorized Illinois method (Dowell & Jarratt 1971) for ``f(x) = target``, per column,
    where ``f(lo) > target >= f(hi)``.

    Each step takes the secant point of the bracket ends (the end kept twice in a row has
    its residual halved, so both ends move: superlinear convergence), or the midpoint when
    the secant point is not strictly inside the bracket; the bracket is then cut at that
    point by the sign of its residual. A column stops when its bracket is narrower than
    :data:`ROOT_TOLERANCE` times its upper end, or its residual is exactly 0; it is not
    moved by the steps other columns still take, so its root does not depend on them.
    At most ``iterations`` steps. Returns the end with the smaller residual; a column
    whose ends do not bracket a root takes no step and returns the end nearer to it.
    """
    lo = np.array(lo, dtype=float)
    hi = np.array(hi, dtype=float)
    f_lo, f_hi = f(lo) - target, f(hi) - target
    bracketed = (f_lo > 0) & (f_hi < 0)
    side = np.zeros(lo.shape, dtype=int)  # the end moved last: -1 lo, +1 hi
    for _ in range(iterations):
        active = bracketed & (hi - lo > ROOT_TOLERANCE * hi) & (f_lo != 0) & (f_hi != 0)
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            x = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        x = np.where((x > lo) & (x < hi), x, 0.5 * (lo + hi))
        fx = f(x) - target
        above = fx > 0
        move_lo, move_hi = active & above, active & ~above
        f_hi = np.where(move_lo & (side == -1), 0.5 * f_hi, f_hi)  # Illinois: halve the end
        f_lo = np.where(move_hi & (side == 1), 0.5 * f_lo, f_lo)  # that stayed twice
        lo, f_lo = np.where(move_lo, x, lo), np.where(move_lo, fx, f_lo)
        hi, f_hi = np.where(move_hi, x, hi), np.where(move_hi, fx, f_hi)
        side = np.where(move_lo, -1, np.where(move_hi, 1, side))
    return np.where((f_lo <= 0) | (bracketed & (np.abs(f_lo) < np.abs(f_hi))), lo, hi)


def _solve_decreasing(f, target, lower, upper_guess, iterations=200):
    """``f(x) = target`` per column with f decreasing and ``f(lower) > target``: the upper
    end is doubled until it brackets the root, then :func:`_bracketed_root`.

    Each column widens and narrows only until its own bracket is narrow enough, so its
    root does not depend on the other columns."""
    lo = np.array(lower, dtype=float)
    hi = np.array(upper_guess, dtype=float)
    for _ in range(200):  # widen until the root is bracketed
        above = f(hi) > target
        if not above.any():
            break
        lo = np.where(above, hi, lo)  # f(hi) > target: a tighter lower end
        hi = np.where(above, hi * 2.0 + 1.0, hi)
    return _bracketed_root(f, target, lo, hi, iterations)


def tau2_dl(y, v):
    k = y.shape[0]
    w, sw, mu = _sums(y, v, 0.0)
    q = _colsum(w * (y - mu) ** 2)
    c = sw - _colsum(w**2) / sw
    return np.maximum(0.0, (q - (k - 1)) / c)


def tau2_he(y, v):
    k = y.shape[0]
    ss = _colsum((y - _colmean(y)) ** 2)
    return np.maximum(0.0, ss / (k - 1) - _colsum(v) / k)


def tau2_sj(y, v):
    k = y.shape[0]
    tau0 = _colvar(y)
    # Identical estimates leave no spread to start from; tau^2 is then 0 whatever tau0 is.
    tau0 = np.where(tau0 > 0, tau0, 1e-12)
    w, _, mu = _sums(y, v, tau0)
    return tau0 * _colsum(w * (y - mu) ** 2) / (k - 1)


def tau2_pm(y, v):
    k = y.shape[0]
    at_zero = generalised_q(y, v, 0.0)
    root = _solve_decreasing(
        lambda t: generalised_q(y, v, t), k - 1, np.zeros(y.shape[1]), _colvar(y) + 1.0
    )
    return np.where(at_zero <= k - 1, 0.0, root)


def profile_nll(y, v, tau2, method):
    """Negative (restricted) log-likelihood of tau^2 with mu profiled out, up to a constant:
    ``(sum log(v_i + tau^2) + sum w_i (y_i - mu)^2) / 2``, plus ``log(sum w_i) / 2`` for REML."""
    w, sw, mu = _sums(y, v, tau2)
    nll = 0.5 * (_colsum(np.log(v + tau2)) + _colsum(w * (y - mu) ** 2))
    return nll + 0.5 * np.log(sw) if method == "REML" else nll


def _scan_bracket(y, v, method):
    """The scan of :func:`_likelihood`: per column, the bracket around the grid point of
    least ``profile_nll`` (``lo == hi == 0`` where the maximum is the boundary 0), and that
    grid point."""
    scale = tau2_dl(y, v) + _colmean(v)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    grid = np.multiply.outer(_SCAN_FRACTIONS / (1.0 - _SCAN_FRACTIONS), scale)  # (g, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.stack([profile_nll(y, v, t, method) for t in grid])
    values = np.where(np.isnan(values), np.inf, values)
    best = np.argmin(values, axis=0)
    cols = np.arange(y.shape[1])
    last = grid.shape[0] - 1
    lo = grid[np.maximum(best - 1, 0), cols]
    hi = grid[np.minimum(best + 1, last), cols]
    at_zero = (best == 0) & (likelihood_score(y, v, np.zeros(y.shape[1]), method) <= 0)
    return lo, np.where(at_zero, 0.0, hi), grid[best, cols]


def _likelihood(y, v, method, options, start=None):
    """REML/ML tau^2 per column: the score's root in a bracket from a scan or a warm start.

    The scan (:data:`_SCAN_FRACTIONS`) finds the grid point of least ``profile_nll``; the
    maximum lies between its two neighbours, where the score changes sign from + to -.
    At the first grid point (tau^2 = 0) a non-positive score means the maximum is the
    boundary 0. ``start`` (per column, optional): a nearby tau^2, such as the fit of the
    same studies but one; where the score changes sign between ``start / f`` and
    ``start f`` for the first of the factors f of :data:`WARM_BRACKETS` that brackets
    it, that is the bracket and the scan is skipped (a refit then costs about 10
    evaluations of the score instead of about 45). :func:`_bracketed_root` then solves
    the score equation in the bracket (at most ``maxiter`` steps) to
    :data:`ROOT_TOLERANCE`, whichever bracket it started from.
    """
    unknown = set(options) - set(LIKELIHOOD_OPTIONS)
    if unknown:
        raise ValueError(f"unknown likelihood options {sorted(unknown)} (known: maxiter)")
    maxiter = int(options.get("maxiter", LIKELIHOOD_OPTIONS["maxiter"]))

    def score(t):
        return likelihood_score(y, v, t, method)

    m = y.shape[1]
    warm = np.zeros(m, dtype=bool)
    if start is not None and maxiter > 0:
        start = np.asarray(start, dtype=float)
        usable = (start > 0) & np.isfinite(start)
        lo, hi = np.zeros(m), np.zeros(m)
        for factor in WARM_BRACKETS:
            trying = usable & ~warm
            if not trying.any():
                break
            lo_f = np.where(trying, start / factor, lo)
            hi_f = np.where(trying, start * factor, hi)
            with np.errstate(invalid="ignore", divide="ignore"):
                found = trying & (score(lo_f) > 0) & (score(hi_f) < 0)
            lo, hi = np.where(found, lo_f, lo), np.where(found, hi_f, hi)
            warm |= found
    if not warm.all():
        cold = ~warm
        scanned = _scan_bracket(y[:, cold], v[:, cold], method)
        if maxiter == 0:
            return scanned[2]
        if warm.any():
            lo, hi = lo.copy(), hi.copy()
            lo[cold], hi[cold] = scanned[0], scanned[1]
        else:
            lo, hi = scanned[0], scanned[1]
    return _bracketed_root(score, 0.0, lo, hi, maxiter)


def likelihood_score(y, v, tau2, method):
    """d loglik / d tau^2 for ML or REML, scaled by sum(w) (0 at an interior optimum)."""
    w, sw, mu = _sums(y, v, tau2)
    r2 = (w * (y - mu)) ** 2
    score = 0.5 * (_colsum(r2) - sw)
    if method == "REML":
        score = score + 0.5 * _colsum(w**2) / sw
    return score / sw


def _converged(y, v, tau2, method):
    score = likelihood_score(y, v, tau2, method)
    interior = np.abs(score) <= SCORE_TOLERANCE
    boundary = (tau2 <= 1e-12) & (score <= SCORE_TOLERANCE)
    return interior | boundary


def estimate_tau2(y, v, estimator, fallback="DL", options=None, start=None):
    """tau^2 per column, the estimator actually used per column, and a convergence note.
    ``start``: a nearby tau^2 per column, where known (REML/ML only; see :func:`_likelihood`)."""
    m = y.shape[1]
    if estimator in ("REML", "ML"):
        tau2 = _likelihood(y, v, estimator, options or LIKELIHOOD_OPTIONS, start)
        ok = np.isfinite(tau2) & _converged(y, v, np.where(np.isfinite(tau2), tau2, 0.0), estimator)
        used = np.where(ok, estimator, fallback).astype(object)
        if not ok.all():
            backup = estimate_tau2(y[:, ~ok], v[:, ~ok], fallback, fallback)[0]
            tau2 = tau2.copy()
            tau2[~ok] = backup
        notes = np.where(
            ok, "", f"{estimator} did not converge (score equation unsolved); used {fallback}"
        ).astype(object)
        return tau2, used, notes
    functions = {"DL": tau2_dl, "HE": tau2_he, "SJ": tau2_sj, "PM": tau2_pm}
    return (
        functions[estimator](y, v),
        np.full(m, estimator, dtype=object),
        np.full(m, "", dtype=object),
    )


# --- the batch fit ------------------------------------------------------------------


def _quantile(kind, level, df):
    upper = 0.5 + level / 2.0
    if kind == "z":
        return np.full(np.shape(df), stats.norm.ppf(upper))
    with np.errstate(invalid="ignore"):
        return np.where(df >= 1, stats.t.ppf(upper, np.maximum(df, 1)), np.nan)


def _q_profile(y, v, tau2, level):
    """Q-profile CI of tau^2 (Viechtbauer 2007): the tau^2 at which the generalised Q equals
    the chi-square(k-1) quantiles (0 where Q at 0 is already below)."""
    k, m = y.shape
    alpha = 1 - level
    hi_q, lo_q = stats.chi2.ppf(1 - alpha / 2, k - 1), stats.chi2.ppf(alpha / 2, k - 1)
    at_zero = generalised_q(y, v, 0.0)
    upper_guess = np.maximum(tau2, _colvar(y)) + 1.0

    def solve(target):
        root = _solve_decreasing(lambda t: generalised_q(y, v, t), target, np.zeros(m), upper_guess)
        return np.where(at_zero <= target, 0.0, root)

    return solve(hi_q), solve(lo_q)


def _fit_group(y, v, settings: Settings, start=None, refit=False) -> dict:
    """Fit every column of complete (k, m) arrays; returns arrays of length m. ``start``:
    see :func:`estimate_tau2`; ``refit``: see :func:`fit_batch`."""
    k, m = y.shape
    tau2, used, notes = estimate_tau2(
        y,
        v,
        settings.estimator,
        settings.fallback_estimator,
        settings.likelihood_options,
        start,
    )
    w, sw, mu = _sums(y, v, tau2)
    if settings.inference == "wald":
        var = 1.0 / sw
        df = np.full(m, np.nan)
        crit = _quantile("z", settings.level, df)
        p = 2 * stats.norm.sf(np.abs(mu / np.sqrt(var)))
    else:
        q = _colsum(w * (y - mu) ** 2) / (k - 1)
        if settings.inference == "knapp_hartung_adhoc":
            q = np.maximum(q, 1.0)
        var = q / sw
        df = np.full(m, float(k - 1))
        crit = _quantile("t", settings.level, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.t.sf(np.abs(mu / np.sqrt(var)), df)
    se = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = mu / se
    pi_df = {"t_k1": k - 1, "t_k2": k - 2, "z": np.nan}[settings.prediction]
    pi_crit = _quantile(
        "z" if settings.prediction == "z" else "t", settings.level, np.full(m, float(pi_df))
    )
    half_pi = pi_crit * np.sqrt(var + tau2)

    # Heterogeneity with fixed-effect weights.
    w0, sw0, mu0 = _sums(y, v, 0.0)
    q_fe = _colsum(w0 * (y - mu0) ** 2)
    s2 = (k - 1) * sw0 / (sw0**2 - _colsum(w0**2))
    i2_q = np.where(
        q_fe > 0, 100 * np.maximum(0.0, (q_fe - (k - 1)) / np.where(q_fe > 0, q_fe, 1)), 0.0
    )

    if refit:
        tau2_lo = tau2_hi = np.full(m, np.nan)
    else:
        tau2_lo, tau2_hi = _q_profile(y, v, tau2, settings.level)

    status = np.full(m, "pooled", dtype=object)
    reason = np.full(m, "", dtype=object)
    degenerate = ~(var > 0)
    status[degenerate] = "not_pooled"
    reason[degenerate] = (
        f"the {k} estimates are identical, so the Knapp-Hartung variance is 0 and no interval "
        "can be formed (use wald or knapp_hartung_adhoc inference)"
    )
    if settings.prediction == "t_k2" and k < 3:
        notes = np.array([f"{n}; " if n else "" for n in notes], dtype=object) + (
            "no t(k-2) prediction interval with k = 2"
        )
    return {
        "k": np.full(m, k),
        "estimate": mu,
        "se": se,
        "ci_lower": mu - crit * se,
        "ci_upper": mu + crit * se,
        "pi_lower": mu - half_pi,
        "pi_upper": mu + half_pi,
        "statistic": statistic,
        "df": df,
        "p_value": p,
        "tau2": tau2,
        "tau2_ci_lower": tau2_lo,
        "tau2_ci_upper": tau2_hi,
        "i2_tau2": 100 * tau2 / (tau2 + s2),
        "i2_tau2_ci_lower": 100 * tau2_lo / (tau2_lo + s2),
        "i2_tau2_ci_upper": 100 * tau2_hi / (tau2_hi + s2),
        "i2_q": i2_q,
        "h2": (tau2 + s2) / s2,
        "q": q_fe,
        "q_df": np.full(m, k - 1),
        "q_p": stats.chi2.sf(q_fe, k - 1),
        "weights": w / sw,
        "estimator_used": used,
        "note": notes,
        "status": status,
        "reason": reason,
    }


def method_labels(settings: Settings, k: int) -> tuple[str, str]:
    """How the CI and the prediction interval were formed, in words."""
    ci = {
        "wald": "Wald, normal",
        "knapp_hartung": f"Knapp-Hartung, t({k - 1})",
        "knapp_hartung_adhoc": f"Knapp-Hartung with ad hoc floor q >= 1, t({k - 1})",
    }[settings.inference]
    pi = {
        "t_k1": f"t({k - 1}): mu +/- t sqrt(se^2 + tau^2) (metafor predict)",
        "t_k2": f"t({k - 2}): mu +/- t sqrt(se^2 + tau^2) (Higgins 2009)",
        "z": "normal: mu +/- z sqrt(se^2 + tau^2)",
    }[settings.prediction]
    return ci, pi


def fit_batch(
    yi, vi, settings: Settings | None = None, tau2_start=None, refit: bool = False
) -> list[dict]:
    """Pool many analyses in one call.

    ``yi`` and ``vi`` are ``(k_max, m)`` arrays, one column per analysis, NaN below each
    column's last study (studies fill each column from the top). Returns one dict per
    analysis with the fields of :class:`PooledEstimate` plus ``status``/``reason``;
    analyses with k < 2 or unusable inputs are ``not_pooled`` with the reason, never a
    crash. Analyses sharing k are fitted together.

    Refits of nearly the same studies (leave-one-out, cumulative) pass ``tau2_start``, a
    nearby tau^2 per analysis (NaN where none), which replaces the likelihood scan by a
    warm bracket (:func:`_likelihood`), and ``refit=True``: what no refit table reports
    is not computed, the Q-profile interval of tau^2 (its limits and the I^2 limits are
    NaN) and the per-study weights (``weights_pct`` is empty).
    """
    settings = settings or Settings()
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    if yi.ndim == 1:
        yi, vi = yi[:, None], vi[:, None]
    if yi.shape != vi.shape:
        raise PoolingError("yi and vi must have the same shape")
    m = yi.shape[1]
    present = ~np.isnan(yi)
    k_of = present.sum(axis=0)
    results: list[dict | None] = [None] * m
    for j in range(m):  # validation only; the fits below are vectorized
        col_y, col_v = yi[present[:, j], j], vi[present[:, j], j]
        if not present[: k_of[j], j].all():
            raise PoolingError(f"analysis {j}: studies must fill the column from the top")
        reason = None
        if k_of[j] < 2:
            reason = f"k = {k_of[j]}: at least 2 studies are needed to estimate tau^2"
        elif not np.all(np.isfinite(col_v)) or np.any(col_v <= 0):
            reason = "every sampling variance must be positive and finite"
        elif not np.all(np.isfinite(col_y)):
            reason = "an effect size is not finite"
        if reason:
            results[j] = {"k": int(k_of[j]), "status": "not_pooled", "reason": reason}
    pending = np.array([results[j] is None for j in range(m)])
    for k in sorted(set(k_of[pending].tolist())):
        cols = np.flatnonzero(pending & (k_of == k))
        start = None if tau2_start is None else np.asarray(tau2_start, dtype=float)[cols]
        fitted = _fit_group(yi[:k, cols], vi[:k, cols], settings, start, refit)
        ci_method, pi_method = method_labels(settings, k)
        for i, j in enumerate(cols):
            row = {name: values[i] for name, values in fitted.items() if name != "weights"}
            row = {n: (x.item() if isinstance(x, np.generic) else x) for n, x in row.items()}
            weights = () if refit else 100 * fitted["weights"][:, i]
            row["weights_pct"] = tuple(float(x) for x in weights)
            row.update(
                estimator=settings.estimator,
                inference=settings.inference,
                ci_method=ci_method,
                pi_method=pi_method,
            )
            results[j] = row
    return results


def random_effects(
    yi,
    vi,
    estimator: str = "REML",
    inference: str = "knapp_hartung_adhoc",
    level: float = 0.95,
    prediction: str = "t_k1",
    **options,
) -> PooledEstimate:
    """Fit one analysis; raises :class:`PoolingError` where :func:`fit_batch` would not pool."""
    settings = Settings(
        estimator=estimator, inference=inference, level=level, prediction=prediction, **options
    )
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    if yi.ndim != 1 or yi.shape != vi.shape:
        raise PoolingError("yi and vi must be one-dimensional and of equal length")
    if not np.all(np.isfinite(yi)):
        raise PoolingError("an effect size is missing or not finite")
    row = fit_batch(yi, vi, settings)[0]
    if row["status"] != "pooled":
        raise PoolingError(row["reason"])
    fields = PooledEstimate.__dataclass_fields__
    return PooledEstimate(**{name: row[name] for name in fields})
