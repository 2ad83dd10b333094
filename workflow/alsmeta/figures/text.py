"""How numbers are written in figures, tables and the report: one place, so they agree.

Light on purpose (no matplotlib), so the report can use it without paying for a plotting
import.
"""

from __future__ import annotations

import math

from alsmeta.kinds import is_event_rate

MINUS = "\u2212"

#: Test-for-subgroup-differences columns read from pooled.tsv when the statistics provide them.
SUBGROUP_TEST_COLUMNS = ("q_between", "q_between_df", "q_between_p")


def fmt_p(p) -> str:
    """P as RevMan prints it: 'P < 0.001', else three decimals (two when >= 0.01)."""
    if p is None:
        return "P not available"
    if p < 0.001:
        return "P < 0.001"
    return f"P = {p:.3f}" if p < 0.01 else f"P = {p:.2f}"


#: Magnitude beyond which a number is written only as beyond it: an interval bound from
#: two studies under t(1) can reach 10^6 (a ratio) and no outcome here has a real value
#: that large, so its digits would only look precise.
LARGEST = 1000
NOT_ESTIMABLE = "not estimable"


def num(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` decimals with a true minus sign; one rule for extreme values,
    shared by the figures and the report: beyond +/-1,000 "> 1,000" ("< −1,000"), a
    positive value that would round to zero "< 0.01" (at ``digits`` decimals; a ratio's
    bound is never 0), and a value that is not finite "not estimable"."""
    if not math.isfinite(x):
        return NOT_ESTIMABLE
    if abs(x) > LARGEST:
        return f"> {LARGEST:,}" if x > 0 else f"< {MINUS}{LARGEST:,}"
    text = f"{x:.{digits}f}"
    if 0 < x and float(text) == 0:
        return f"< {10**-digits:.{digits}f}"
    if text.startswith("-") and float(text) != 0:
        return MINUS + text[1:]
    return text.lstrip("-")


def effect_text(kind: str, estimate, lower, upper) -> str:
    if is_event_rate(kind):
        return f"{num(100 * estimate, 1)} [{num(100 * lower, 1)}, {num(100 * upper, 1)}]"
    return f"{num(estimate)} [{num(lower)}, {num(upper)}]"


def interval_text(kind: str, lower, upper) -> str:
    if is_event_rate(kind):
        return f"[{num(100 * lower, 1)}, {num(100 * upper, 1)}]"
    return f"[{num(lower)}, {num(upper)}]"


def readable(reason: str) -> str:
    return str(reason).replace("tau^2", "\u03c4\u00b2")


def heterogeneity_line(pooled: dict) -> str:
    """RevMan's line, naming which I^2 leads (tau^2-based, metafor's) and giving the other."""
    estimator = pooled.get("estimator_used") or pooled["estimator"]
    if pooled.get("q") in (None, ""):  # the GLMM has no Cochran's Q
        return (
            f"Heterogeneity: \u03c4\u00b2 = {pooled['tau2']:.3g} (ML, binomial-normal GLMM); "
            f"I\u00b2 = {pooled['i2_tau2_pct']:.0f}% (\u03c4\u00b2-based)"
        )
    return (
        f"Heterogeneity: \u03c4\u00b2 = {pooled['tau2']:.3g} ({estimator}); "
        f"Q = {pooled['q']:.2f}, df = {pooled['q_df']} ({fmt_p(pooled['q_p'])}); "
        f"I\u00b2 = {pooled['i2_tau2_pct']:.0f}% "
        f"(\u03c4\u00b2-based; Q-based {pooled['i2_q_pct']:.0f}%)"
    )


def overall_test_line(pooled: dict, kind: str) -> str:
    if is_event_rate(kind):
        return "Test for overall effect: not applicable (a proportion has no null value to test)"
    stat = "t" if pooled.get("df") not in (None, "") else "Z"
    df = f", df = {pooled['df']:.0f}" if stat == "t" else ""
    return (
        f"Test for overall effect: {stat} = {num(pooled['statistic'])}{df} "
        f"({fmt_p(pooled['p_value'])})"
    )


def subgroup_test_line(pooled_rows: list[dict], variable: str) -> str:
    """'Test for subgroup differences' from pooled.tsv columns, or why there is none."""
    for row in pooled_rows:
        if row["subgroup_variable"] != variable:
            continue
        if all(row.get(c) not in (None, "") for c in SUBGROUP_TEST_COLUMNS):
            line = (
                f"Test for subgroup differences: Q = {row['q_between']:.2f}, "
                f"df = {row['q_between_df']:g} ({fmt_p(row['q_between_p'])})"
            )
            if row.get("i2_between_pct") not in (None, ""):
                line += f", I\u00b2 = {row['i2_between_pct']:.0f}%"
            line += " (separate \u03c4\u00b2 per subgroup)"
            if row.get("qm") not in (None, ""):
                df2 = f", {row['qm_df2']:g}" if row.get("qm_df2") not in (None, "") else ""
                stat = "F" if df2 else "QM"
                line += (
                    f"; common \u03c4\u00b2: {stat}({row['qm_df1']:g}{df2}) = {row['qm']:.2f} "
                    f"({fmt_p(row['qm_p'])})"
                )
            return line
    return "Test for subgroup differences: none (it needs two subgroups with an estimate)"


def level_text(level: float) -> str:
    """An interval level as the figures and the report print it: 0.95 -> '95%'."""
    return f"{100 * level:g}%"
