"""Derivations: numbers the pipeline computes from what a source printed.

A source rarely prints the statistic an analysis needs. The conversions below turn what
was printed into what is needed, and each one returns a :class:`Derived`: the value, a
short method name (it becomes a flag in ``effects.tsv``) and the arithmetic written out
with the numbers used, so that a reviewer can redo it by hand. Nothing here is typed into
``data/``: the harmonize step calls these functions on the printed values and records
the text next to the result.

References for the formulas are given in each docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from alsmeta.effects.measures import normal_quantile

#: Calendar conversions (Julian year of 365.25 days).
DAYS_PER_YEAR = 365.25
MONTHS_PER_YEAR = 12.0
WEEKS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR / 7.0  # 4.348214...

#: Duration units as printed, in months.
MONTHS_PER = {
    "days": MONTHS_PER_YEAR / DAYS_PER_YEAR,
    "weeks": 7.0 * MONTHS_PER_YEAR / DAYS_PER_YEAR,
    "months": 1.0,
    "years": MONTHS_PER_YEAR,
}

#: Rate units as printed: how many printed units make one "per month" (the rate per month
#: is the printed rate times this factor). ``per_period`` needs the period's length.
PER_MONTH_FACTOR = {
    "per_month": 1.0,
    "per_year": 1.0 / MONTHS_PER_YEAR,
    "per_week": WEEKS_PER_MONTH,
}


@dataclass(frozen=True)
class Derived:
    """A derived number, the name of the method, and the arithmetic as text."""

    value: float
    method: str
    text: str


class DerivationError(ValueError):
    """The printed numbers do not allow this derivation (the message says why)."""


def _g(x: float) -> str:
    """A number as it appears in derivation texts (up to 6 significant digits)."""
    return f"{x:.6g}"


def _round_half_up(x: float, decimals: int = 0) -> float:
    """Round halves away from zero, as people round when they print a percentage."""
    scale = 10.0**decimals
    return math.floor(x * scale + 0.5 + 1e-9) / scale


def printed_decimals(value: float) -> int:
    """Decimals of a number as it was printed (34.7 -> 1, 30 -> 0), from its shortest repr."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


# --- counts ---------------------------------------------------------------------------


def count_from_percent(percent: float, n: int, decimals: int | None = None) -> Derived:
    """Number of participants behind a percentage of ``n`` printed without the count.

    Rounding rule: ``count = floor(percent / 100 * n + 0.5)``, i.e. the nearest whole
    number with halves rounded up. The text also checks the count against the printed
    percentage at the precision it was printed (``decimals``; by default the decimals of
    ``percent``): it lists every count of ``n`` whose percentage rounds to the printed
    value, so a reader sees whether the count is the only one consistent with the source,
    one of several, or (for an approximate percentage) none.
    """
    if n <= 0:
        raise DerivationError("a percentage needs a positive denominator")
    if not 0 <= percent <= 100:
        raise DerivationError(f"{_g(percent)}% is not a percentage")
    if decimals is None:
        decimals = printed_decimals(percent)
    exact = percent / 100.0 * n
    count = int(math.floor(exact + 0.5))
    consistent = [k for k in range(n + 1) if _round_half_up(100.0 * k / n, decimals) == percent]
    check = f"{count}/{n} = {100.0 * count / n:.{decimals + 1}f}%"
    if consistent == [count]:
        check += f"; the only count of {n} that prints as {_g(percent)}%"
    elif count in consistent:
        others = ", ".join(str(k) for k in consistent if k != count)
        check += f"; {others} of {n} would also print as {_g(percent)}%"
    else:
        check += f"; no count of {n} prints as exactly {_g(percent)}% (approximate percentage)"
    text = (
        f"events = round({_g(percent)}% x {n} = {_g(exact)}) = {count} "
        f"(nearest whole number, halves up); {check}"
    )
    return Derived(count, "count_from_percent", text)


# --- standard errors ------------------------------------------------------------------


def se_from_ci(lower: float, upper: float, level: float = 0.95, scale: str = "identity"):
    """SE from a symmetric normal-theory confidence interval.

    ``se = (upper - lower) / (2 z)`` with ``z = Phi^-1(1/2 + level/2)`` (Cochrane
    Handbook 6.5.2.2). For a ratio (odds ratio, risk ratio) the interval is symmetric on
    the log scale: ``scale="log"`` uses ``log(upper) - log(lower)`` and gives the SE of
    the log ratio (Handbook 6.3.2).
    """
    if not lower < upper:
        raise DerivationError(f"the CI {_g(lower)} to {_g(upper)} is empty")
    z = normal_quantile(level)
    if scale == "identity":
        se = (upper - lower) / (2.0 * z)
        text = f"SE = ({_g(upper)} - ({_g(lower)}))/(2 x {z:.4f}) = {_g(se)}"
    elif scale == "log":
        if lower <= 0:
            raise DerivationError("a ratio CI must be positive")
        se = (math.log(upper) - math.log(lower)) / (2.0 * z)
        text = f"SE(log) = (ln {_g(upper)} - ln {_g(lower)})/(2 x {z:.4f}) = {_g(se)}"
    else:
        raise ValueError(f"scale must be identity or log, not {scale!r}")
    return Derived(se, "se_from_ci", f"{text} (normal-theory {level:.0%} CI)")


def se_from_p(
    estimate: float,
    p: float,
    test: str = "z",
    df: float | None = None,
    sided: str = "two",
    note: str = "",
) -> Derived:
    """SE of an estimate from the p-value of its test against 0 (Altman & Bland 2011).

    ``se = |estimate| / q`` with ``q = Phi^-1(1 - p/2)`` for a z test, or the
    ``t(df)`` quantile for a t test. A one-sided p is doubled first (the estimate is taken
    to lie in the tested direction). The test is an assumption whenever the source does
    not name it; the text says which test was used, followed by ``note``.
    """
    if not 0 < p < 1:
        raise DerivationError("p must lie strictly between 0 and 1")
    if estimate == 0:
        raise DerivationError("an SE cannot be recovered from a p-value when the estimate is 0")
    steps = []
    if sided == "one":
        if 2 * p >= 1:
            raise DerivationError(f"a one-sided p of {_g(p)} gives no two-sided p below 1")
        steps.append(f"two-sided p = 2 x {_g(p)} = {_g(2 * p)}")
        p = 2 * p
    elif sided != "two":
        raise ValueError(f"sided must be one or two, not {sided!r}")
    if test == "z":
        q = float(stats.norm.ppf(1 - p / 2))
        name = f"z(1 - {_g(p)}/2)"
    elif test == "t":
        if df is None or df < 1:
            raise DerivationError("a t test needs its degrees of freedom")
        q = float(stats.t.ppf(1 - p / 2, df))
        name = f"t_{_g(df)}(1 - {_g(p)}/2)"
    else:
        raise ValueError(f"test must be z or t, not {test!r}")
    se = abs(estimate) / q
    why = f"{test} test" + (f"; {note}" if note else "")
    steps.append(f"SE = |{_g(estimate)}|/{name} = {_g(abs(estimate))}/{q:.4f} = {_g(se)} ({why})")
    return Derived(se, "se_from_p", "; ".join(steps))


def se_of_difference(se_arm: float, se_comparator: float) -> Derived:
    """SE of a difference between two independent estimates: ``sqrt(se1^2 + se2^2)``."""
    se = math.sqrt(se_arm**2 + se_comparator**2)
    text = (
        f"SE = sqrt({_g(se_arm)}^2 + {_g(se_comparator)}^2) = {_g(se)} "
        "(arms independent: SE of a difference of two arm estimates)"
    )
    return Derived(se, "se_of_difference", text)


def se_from_sd(sd: float, n: int) -> Derived:
    """SE of a mean from its SD: ``sd / sqrt(n)``."""
    if n < 1:
        raise DerivationError("an SE from an SD needs n >= 1")
    if not sd > 0:
        raise DerivationError(
            f"the SD is {_g(sd)}: an SE derived from it would give the effect zero variance"
        )
    se = sd / math.sqrt(n)
    return Derived(se, "se_from_sd", f"SE = SD/sqrt(n) = {_g(sd)}/sqrt({n}) = {_g(se)}")


def sd_of_change(sd_pre: float, sd_post: float, r: float) -> Derived:
    """SD of a within-person change from the pre and post SDs and their correlation ``r``.

    ``sqrt(sd_pre^2 + sd_post^2 - 2 r sd_pre sd_post)`` (Cochrane Handbook 6.5.2.8). The
    correlation is an assumption; the text names it.
    """
    if not -1 <= r <= 1:
        raise DerivationError("a correlation lies between -1 and 1")
    sd = math.sqrt(sd_pre**2 + sd_post**2 - 2.0 * r * sd_pre * sd_post)
    text = (
        f"SD of change = sqrt({_g(sd_pre)}^2 + {_g(sd_post)}^2 - 2 x {_g(r)} x {_g(sd_pre)} x "
        f"{_g(sd_post)}) = {_g(sd)} (pre/post correlation r = {_g(r)} assumed)"
    )
    return Derived(sd, "sd_from_pre_post", text)


# --- medians and quartiles to mean and SD ---------------------------------------------


def mean_sd_from_median_iqr(median: float, q1: float, q3: float, n: int):
    """Mean and SD from the median, the quartiles and n (scenario "IQR").

    Mean: Luo et al. 2018 (Stat Methods Med Res 27:1785), ``(0.7 + 0.39/n)(q1 + q3)/2 +
    (0.3 - 0.39/n) m``. SD: Wan et al. 2014 (BMC Med Res Methodol 14:135),
    ``(q3 - q1) / eta(n)`` with ``eta(n) = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25))``.
    Both assume a roughly normal distribution. Returns two :class:`Derived`.
    """
    if not q1 <= median <= q3:
        raise DerivationError("the median must lie between the quartiles")
    if n < 2:
        raise DerivationError("n must be at least 2")
    w = 0.39 / n
    mean = (0.7 + w) * (q1 + q3) / 2.0 + (0.3 - w) * median
    eta = 2.0 * float(stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25)))
    sd = (q3 - q1) / eta
    return (
        Derived(
            mean,
            "mean_from_median_iqr",
            f"mean = (0.7 + 0.39/{n}) x ({_g(q1)} + {_g(q3)})/2 + (0.3 - 0.39/{n}) x "
            f"{_g(median)} = {_g(mean)} (Luo 2018)",
        ),
        Derived(
            sd,
            "sd_from_iqr",
            f"SD = ({_g(q3)} - {_g(q1)})/{eta:.6f} = {_g(sd)} "
            f"(Wan 2014, eta = 2 Phi^-1((0.75 x {n} - 0.125)/({n} + 0.25)))",
        ),
    )


def mean_sd_from_median_range(median: float, minimum: float, maximum: float, n: int):
    """Mean and SD from the median, the range and n (scenario "range").

    Mean: Luo et al. 2018, ``w (a + b)/2 + (1 - w) m`` with ``w = 4/(4 + n^0.75)``.
    SD: Wan et al. 2014, ``(b - a) / xi(n)`` with ``xi(n) = 2 Phi^-1((n - 0.375)/(n + 0.25))``.
    Returns two :class:`Derived`.
    """
    if not minimum <= median <= maximum:
        raise DerivationError("the median must lie within the range")
    if n < 2:
        raise DerivationError("n must be at least 2")
    w = 4.0 / (4.0 + n**0.75)
    mean = w * (minimum + maximum) / 2.0 + (1.0 - w) * median
    xi = 2.0 * float(stats.norm.ppf((n - 0.375) / (n + 0.25)))
    sd = (maximum - minimum) / xi
    return (
        Derived(
            mean,
            "mean_from_median_range",
            f"mean = {w:.6f} x ({_g(minimum)} + {_g(maximum)})/2 + {1 - w:.6f} x {_g(median)} = "
            f"{_g(mean)} (Luo 2018, weight 4/(4 + {n}^0.75))",
        ),
        Derived(
            sd,
            "sd_from_range",
            f"SD = ({_g(maximum)} - ({_g(minimum)}))/{xi:.6f} = {_g(sd)} "
            f"(Wan 2014, xi = 2 Phi^-1(({n} - 0.375)/({n} + 0.25)))",
        ),
    )


# --- units, durations and signs -------------------------------------------------------


def duration_months(value: float, unit: str) -> Derived:
    """A duration as printed (e.g. 28 weeks) in months (Julian year: 1 week = 12/52.18 months)."""
    if unit not in MONTHS_PER:
        raise DerivationError(f"unknown duration unit {unit!r}")
    months = value * MONTHS_PER[unit]
    if unit == "months":
        return Derived(months, "", f"{_g(value)} months")
    return Derived(
        months,
        f"{unit}_to_months",
        f"{_g(value)} {unit} = {_g(months)} months ({_g(MONTHS_PER[unit])} months per {unit[:-1]})",
    )


def rate_per_month(
    value: float, unit: str, period: float | None = None, period_unit: str | None = None
) -> Derived:
    """A rate (points or % per some time) expressed per month.

    ``per_year`` values are divided by 12, ``per_week`` values multiplied by 365.25/12/7
    (4.348 weeks a month), and ``per_period`` values divided by the period's length in
    months, which must be printed (``period`` with ``period_unit``).
    """
    if unit == "per_period":
        if period is None or period_unit is None:
            raise DerivationError(
                "printed per period and the period's length is not reported, so it cannot be "
                "expressed per month"
            )
        months = duration_months(period, period_unit).value
        rate = value / months
        return Derived(
            rate,
            "per_period_to_per_month",
            f"{_g(value)} per period of {_g(period)} {period_unit} = {_g(rate)} per month",
        )
    if unit not in PER_MONTH_FACTOR:
        raise DerivationError(f"unknown rate unit {unit!r}")
    rate = value * PER_MONTH_FACTOR[unit]
    if unit == "per_month":
        return Derived(rate, "", "")
    how = "/ 12" if unit == "per_year" else f"x {WEEKS_PER_MONTH:.4f} weeks a month"
    return Derived(
        rate, f"{unit}_to_per_month", f"{_g(value)} {unit.replace('_', ' ')} {how} = {_g(rate)}"
    )


def signed(value: float, sign_convention: str) -> Derived:
    """A value in the sign convention "negative = decline" (higher = better function).

    ``slope``: as printed. ``decline_rate``: a "rate of decline" printed as a positive
    number is negated, so that a post-minus-pre change is positive when progression slows.
    """
    if sign_convention == "slope":
        return Derived(value, "", "")
    if sign_convention == "decline_rate":
        return Derived(
            -value,
            "sign_normalised",
            f"rate of decline {_g(value)} (positive = loss) negated to {_g(-value)}",
        )
    raise ValueError(f"unknown sign convention {sign_convention!r}")


# --- two-arm binary comparisons -------------------------------------------------------


def log_odds_ratio(events: int, n: int, comparator_events: int, comparator_n: int, add=0.5):
    """Log odds ratio of arm vs comparator and its variance from the 2x2 counts.

    ``yi = ln(a d / (b c))`` and ``vi = 1/a + 1/b + 1/c + 1/d`` (Woolf 1955), with ``add``
    added to all four cells when any cell is 0 (metafor ``escalc("OR")`` with its default
    ``add=1/2, to="only0"``). Returns ``(yi, vi, text)``.
    """
    a, b = events, n - events
    c, d = comparator_events, comparator_n - comparator_events
    if min(a, b, c, d) < 0:
        raise DerivationError("events must lie between 0 and n in both arms")
    added = add if min(a, b, c, d) == 0 else 0.0
    if added == 0 and min(a, b, c, d) == 0:
        raise DerivationError("a zero cell and no continuity correction: no finite log OR")
    a, b, c, d = (x + added for x in (a, b, c, d))
    if min(a, b, c, d) <= 0:
        raise DerivationError("a zero cell and no continuity correction: no finite log OR")
    yi = math.log(a * d / (b * c))
    vi = 1 / a + 1 / b + 1 / c + 1 / d
    corrected = f" ({_g(added)} added to every cell)" if added else ""
    text = (
        f"2x2 table {_g(a)}/{_g(b)} vs {_g(c)}/{_g(d)}{corrected}: log OR = "
        f"ln({_g(a)} x {_g(d)}/({_g(b)} x {_g(c)})) = {yi:.6f}; "
        f"vi = 1/{_g(a)} + 1/{_g(b)} + 1/{_g(c)} + 1/{_g(d)} = {vi:.6f} (Woolf)"
    )
    return yi, vi, text
