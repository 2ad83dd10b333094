"""Effect sizes from reported statistics, one function per conversion.

Every function works on plain numbers (or numpy arrays for the proportion functions)
and states its definition. The harmonize step calls them and records which one was
used for every row, so each number in ``effects.tsv`` can be re-derived by hand.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONTINUITY_TARGETS = ("only0", "all", "none")


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
    if to not in CONTINUITY_TARGETS:
        raise ValueError(f"to must be one of {CONTINUITY_TARGETS}, not {to!r}")
    x = np.asarray(events, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("events must lie between 0 and n")
    if to == "all":
        added = np.full_like(x, add)
    elif to == "only0":
        added = np.where((x == 0) | (x == n), add, 0.0)
    else:
        added = np.zeros_like(x)
    xa, ya = x + added, n - x + added
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


def count_from_percent(percent: float, n: int) -> int:
    """Number of participants behind a printed percentage of ``n``.

    The count is ``percent / 100 * n`` rounded to the nearest whole number, halves
    rounded up (``floor(x + 0.5)``). The caller flags the result as derived.
    """
    return int(math.floor(percent / 100.0 * n + 0.5))


def normal_quantile(level: float) -> float:
    """Two-sided normal critical value for a confidence level (1.959964 at 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2.0))


def se_from_sd(sd: float, n: int) -> float:
    """Standard error of a mean from its SD: ``sd / sqrt(n)``."""
    return sd / math.sqrt(n)


def se_from_ci(lower: float, upper: float, level: float = 0.95) -> float:
    """Standard error from a symmetric normal-theory CI: ``(upper - lower) / (2 z)``."""
    return (upper - lower) / (2.0 * normal_quantile(level))


def se_from_p(estimate: float, p: float) -> float:
    """Standard error from a two-sided p-value, assuming a z test of ``estimate = 0``.

    ``se = |estimate| / z`` with ``z = Phi^-1(1 - p/2)`` (Altman & Bland 2011, "How to
    obtain the confidence interval from a P value"). A small-sample t test would give
    a larger SE; the assumption is recorded with the result.
    """
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    if estimate == 0:
        raise ValueError("an SE cannot be recovered from a p-value when the estimate is 0")
    return abs(estimate) / float(stats.norm.ppf(1 - p / 2))


def sd_of_change(sd_pre: float, sd_post: float, r: float) -> float:
    """SD of a within-person change from the pre and post SDs and their correlation ``r``.

    ``sqrt(sd_pre^2 + sd_post^2 - 2 r sd_pre sd_post)`` (Cochrane Handbook 6.5.2.8).
    """
    return math.sqrt(sd_pre**2 + sd_post**2 - 2.0 * r * sd_pre * sd_post)


#: Months per unit of a reported slope; points_per_period has no fixed length.
MONTHS_PER_UNIT = {"points_per_month": 1.0, "points_per_year": 12.0}


def to_per_month(value: float, unit: str) -> float:
    """Express a slope (or its SD/SE) per month: per-year values are divided by 12."""
    if unit not in MONTHS_PER_UNIT:
        raise ValueError(f"a slope in {unit} has no fixed length in months")
    return value / MONTHS_PER_UNIT[unit]


def as_slope(value: float, sign_convention: str) -> float:
    """Signed slope (negative = decline) from a value in the source's sign convention.

    A "rate of decline" printed as a positive number (``decline_rate``) is negated.
    """
    if sign_convention == "slope":
        return value
    if sign_convention == "decline_rate":
        return -value
    raise ValueError(f"unknown sign convention {sign_convention!r}")
