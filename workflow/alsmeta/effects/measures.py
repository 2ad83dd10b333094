"""Effect sizes on the analysis scale, one function per measure (metafor's escalc).

Every function works on plain numbers (or numpy arrays for the proportion functions)
and states its definition. The harmonize step calls them and records which one was
used for every row, so each number in ``effects.tsv`` can be re-derived by hand.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from alsmeta.kinds import BINARY_MEASURES as TWO_GROUP_MEASURES
from alsmeta.kinds import PROPORTION_MEASURES

CONTINUITY_TARGETS = ("only0", "all", "none")
#: Proportion measures metafor's escalc corrects by default (``add = 1/2``). For PFT and
#: PAS, which are finite at 0 and n events, escalc sets ``add = 0`` unless ``add`` is
#: passed explicitly (metafor 3.8 ``?escalc``, Note: "for certain measures the use of such
#: a bias correction makes little sense and for these measures, the function internally
#: sets add=0 ... "PAS", "PFT" ... One can still force the use of the bias correction by
#: explicitly setting the add argument to some non-zero value").
CORRECTED_BY_DEFAULT = ("PLO", "PR")


def logit_proportion(events, n, add: float = 0.5, to: str = "only0"):
    """Logit-transformed proportion and its sampling variance (metafor ``escalc("PLO")``).

    With ``x`` events in ``n``: ``yi = log(x / (n - x))`` and ``vi = 1/x + 1/(n - x)``.
    The continuity correction adds ``add`` to both the events and the non-events
    (so ``n`` grows by ``2 * add``) of the studies ``to`` selects: ``"only0"`` those
    with 0 or ``n`` events (metafor's default, ``add=1/2, to="only0"``), ``"all"``
    every study, ``"none"`` no study. A study left with 0 or ``n`` events has no
    finite logit: its ``yi`` and ``vi`` are NaN and the caller must report why.

    Returns ``(yi, vi, added)`` as float arrays, ``added`` being the correction applied
    to each study (0 where none was).
    """
    xa, m, added = _corrected_counts(events, n, add, to)
    ya = m - xa
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (xa > 0) & (ya > 0)
        yi = np.where(ok, np.log(xa / ya), np.nan)
        vi = np.where(ok, 1.0 / xa + 1.0 / ya, np.nan)
    return yi, vi, added


def expit(x):
    """Inverse logit, ``1 / (1 + exp(-x))`` (metafor ``transf.ilogit``)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def clopper_pearson(events, n, level: float = 0.95):
    """Exact (Clopper-Pearson, 1934) confidence interval for a binomial proportion.

    The limits are beta quantiles: ``B(a/2; x, n-x+1)`` and ``B(1-a/2; x+1, n-x)``,
    with 0 and 1 at ``x = 0`` and ``x = n``; the same interval as R's ``binom.test``.
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        upper = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    return lower, upper


def normal_quantile(level: float) -> float:
    """Two-sided normal critical value for a confidence level (1.959964 at 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2.0))


# --- other proportion measures (metafor escalc "PFT", "PAS", "PR") --------------------


def _corrected_counts(events, n, add, to):
    x = np.asarray(events, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("events must lie between 0 and n")
    if to not in CONTINUITY_TARGETS:
        raise ValueError(f"to must be one of {CONTINUITY_TARGETS}, not {to!r}")
    if to == "all":
        added = np.full_like(x, add)
    elif to == "only0":
        added = np.where((x == 0) | (x == n), add, 0.0)
    else:
        added = np.zeros_like(x)
    return x + added, n + 2 * added, added


def default_add(measure: str, add: float = 0.5) -> float:
    """The correction escalc applies to ``measure`` when ``add`` is not passed explicitly:
    ``add`` for PLO and PR, 0 for PFT and PAS (see :data:`CORRECTED_BY_DEFAULT`)."""
    if measure not in PROPORTION_MEASURES:
        raise ValueError(f"measure must be one of {PROPORTION_MEASURES}, not {measure!r}")
    return add if measure in CORRECTED_BY_DEFAULT else 0.0


def proportion_effect(measure, events, n, add: float | None = None, to: str = "only0"):
    """``(yi, vi, added)`` for a proportion measure, following metafor's escalc.

    * ``PLO`` logit, see :func:`logit_proportion`.
    * ``PR`` raw proportion ``p = x/n``, ``vi = p(1-p)/n``; the continuity correction
      applies as for PLO (a 0/n or n/n study would otherwise have ``vi = 0``).
    * ``PAS`` arcsine square root ``asin(sqrt(p))``, ``vi = 1/(4n)``.
    * ``PFT`` Freeman-Tukey double arcsine
      ``(asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))) / 2``, ``vi = 1/(4n + 2)``.

    ``add = None`` is escalc's default: 1/2 for PLO and PR, none for PFT and PAS
    (:func:`default_add`). An explicit ``add`` is applied to every measure the same way, as
    escalc does with an explicit ``add`` (``x + add`` events in ``n + 2 add``; for PFT and
    PAS the corrected n also enters ``vi``).
    """
    if add is None:
        add = default_add(measure)
    if measure == "PLO":
        return logit_proportion(events, n, add=add, to=to)
    if measure == "PR":
        x, m, added = _corrected_counts(events, n, add, to)
        p = x / m
        return p, p * (1 - p) / m, added
    if measure not in PROPORTION_MEASURES:
        raise ValueError(f"measure must be one of {PROPORTION_MEASURES}, not {measure!r}")
    x, n, added = _corrected_counts(events, n, add, to)
    if measure == "PAS":
        return np.arcsin(np.sqrt(x / n)), 1.0 / (4.0 * n), added
    yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return yi, 1.0 / (4.0 * n + 2.0), added


def inverse_pft(y, n):
    """Freeman-Tukey back-transform at sample size ``n`` (Miller 1978; metafor transf.ipft).

    ``p = (1 - sgn(cos 2y) sqrt(1 - (sin 2y + (sin 2y - 1/sin 2y)/n)^2)) / 2``, set to 0 or 1
    beyond the transform of 0 and 1 events at that n. With ``n`` the harmonic mean of the
    studies' sizes this is metafor's ``transf.ipft.hm``.
    """
    y = np.asarray(y, dtype=float)
    s = np.sin(2 * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 1 - (s + (s - 1 / s) / n) ** 2
        p = 0.5 * (1 - np.sign(np.cos(2 * y)) * np.sqrt(inner))
    low = proportion_effect("PFT", [0], [n], to="none")[0][0]
    high = proportion_effect("PFT", [n], [n], to="none")[0][0]
    p = np.where(np.isnan(p), np.nan, p)
    p = np.where(y <= low, 0.0, p)
    return np.where(y >= high, 1.0, p)


def back_transform(measure, y, harmonic_n=None):
    """Proportion from a value on the measure's scale (the inverse of the transform)."""
    y = np.asarray(y, dtype=float)
    if measure == "PLO":
        return expit(y)
    if measure == "PR":
        return y
    if measure == "PAS":
        return np.sin(np.clip(y, 0, np.pi / 2)) ** 2
    if measure == "PFT":
        if harmonic_n is None:
            raise ValueError("the Freeman-Tukey back-transform needs the harmonic mean n")
        return inverse_pft(y, harmonic_n)
    raise ValueError(f"measure must be one of {PROPORTION_MEASURES}, not {measure!r}")


def wilson(events, n, level: float = 0.95):
    """Wilson (1927) score interval without continuity correction (R prop.test(correct=FALSE))."""
    x = np.asarray(events, dtype=float)
    n = np.asarray(n, dtype=float)
    z = normal_quantile(level)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


# --- two-group comparisons (metafor escalc "OR", "RR", "RD", "MD") ----------------------

BINARY_MEASURES = tuple(TWO_GROUP_MEASURES)


def two_group_binary(
    measure, a, n1, c, n2, add: float = 0.5, to: str = "only0", drop00: bool = False
):
    """``(yi, vi, added)`` comparing arm 1 (a events of n1) with arm 2 (c of n2).

    * ``OR`` log odds ratio, ``vi = 1/a + 1/b + 1/c + 1/d``;
    * ``RR`` log risk ratio, ``vi = 1/a - 1/n1 + 1/c - 1/n2``;
    * ``RD`` risk difference, ``vi = p1(1-p1)/n1 + p2(1-p2)/n2``.

    Zero cells: ``add`` goes to all four cells of the studies ``to`` selects (``only0``:
    those with a zero cell, metafor's default; metafor 3.8 corrects RD the same way).
    ``drop00`` makes studies with no events in either arm (or all events in both) not
    computable (NaN). A study whose variance is 0 is not computable either.
    """
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (a, n1, c, n2))
    b, d = n1 - a, n2 - c
    if np.any(np.array([a, b, c, d]) < 0):
        raise ValueError("events must lie between 0 and n in both arms")
    if measure not in BINARY_MEASURES:
        raise ValueError(f"measure must be one of {BINARY_MEASURES}, not {measure!r}")
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    if to == "all":
        added = np.full_like(a, add)
    elif to == "only0":
        added = np.where(zero, add, 0.0)
    else:
        added = np.zeros_like(a)
    a2, b2, c2, d2 = a + added, b + added, c + added, d + added
    m1, m2 = a2 + b2, c2 + d2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            yi = np.log(a2 * d2 / (b2 * c2))
            vi = 1 / a2 + 1 / b2 + 1 / c2 + 1 / d2
        elif measure == "RR":
            yi = np.log((a2 / m1) / (c2 / m2))
            vi = 1 / a2 - 1 / m1 + 1 / c2 - 1 / m2
        else:
            p1, p2 = a2 / m1, c2 / m2
            yi = p1 - p2
            vi = p1 * (1 - p1) / m1 + p2 * (1 - p2) / m2
    bad = ~np.isfinite(yi) | ~np.isfinite(vi) | (vi <= 0)
    if drop00:
        bad |= ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    return np.where(bad, np.nan, yi), np.where(bad, np.nan, vi), added
