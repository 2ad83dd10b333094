"""Absolute effects: the risk with MSC at an assumed control risk, per 1,000 (Cochrane
Handbook 5.1, sections 12.5.4.2-12.5.4.3; GRADEpro's corresponding risk), and the summed
events and participants of an event rate."""

from __future__ import annotations

import statistics

#: What a per-1,000 bound on summed counts assumes (said wherever it is shown).
COMMON_RATE_ASSUMPTION = "assuming one common rate across studies"


def corresponding_risk(measure: str, acr: float, effect: float) -> float:
    """The risk with the intervention for an assumed control risk and a relative effect.

    OR: ACR x OR / (1 - ACR + ACR x OR); RR: ACR x RR; RD: ACR + RD, capped to [0, 1].
    """
    if measure == "OR":
        risk = acr * effect / (1 - acr + acr * effect)
    elif measure == "RR":
        risk = acr * effect
    else:
        risk = acr + effect
    return min(1.0, max(0.0, risk))


def per_1000(difference: float) -> str:
    """'61 more' or '44 fewer' (per 1,000), as GRADEpro prints a risk difference."""
    d = round(1000 * difference)
    return f"{abs(d)} {'more' if d > 0 else 'fewer'}"


def assumed_control_risk(rows) -> tuple[float | None, str]:
    """The median control-group risk of the analysed comparisons, and its basis."""
    risks = [
        r["comparator_events"] / r["comparator_n"]
        for r in rows
        if r.get("comparator_events") is not None and r.get("comparator_n")
    ]
    if not risks:
        return None, ""
    n = len(risks)
    basis = (
        f"median control-group risk of the {n} studies"
        if n > 1
        else "control-group risk of the 1 study"
    )
    return statistics.median(risks), basis


def absolute_comparison(measure: str, acr: float, est: float, lo: float, hi: float) -> str:
    """'61 more per 1,000 (from 44 fewer to 212 more)': the interval limits transformed alike."""
    diff, low, high = (corresponding_risk(measure, acr, x) - acr for x in (est, lo, hi))
    return f"{per_1000(diff)} per 1,000 (from {per_1000(low)} to {per_1000(high)})"


def common_rate(pooled, rows, level: float = 0.95) -> tuple[int, int, float, float]:
    """Summed events and participants of a proportion outcome with their exact interval,
    assuming one common rate across studies: pooled.tsv's ``common_rate_*`` columns where
    the analysis wrote them, else Clopper-Pearson on the analysed rows' sums."""
    events = sum(r["events"] for r in rows)
    n = sum(r["n"] for r in rows)
    lo, hi = pooled.get("common_rate_ci_lower"), pooled.get("common_rate_ci_upper")
    if lo is None or hi is None:
        from alsmeta.effects.measures import clopper_pearson  # scipy: only where used

        low, high = clopper_pearson(events, n, level)
        lo, hi = float(low), float(high)
    return events, n, lo, hi


def rate_text(est: float, lo: float, hi: float) -> str:
    """'109 per 1,000 (61 to 186)'."""
    return f"{1000 * est:.0f} per 1,000 ({1000 * lo:.0f} to {1000 * hi:.0f})"


def counts_text(events: int, n: int) -> str:
    """'23 events in 121 participants'."""
    return f"{events} event{'' if events == 1 else 's'} in {n} participants"
