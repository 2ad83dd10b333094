"""How the report writes one value of an outcome: percentages for proportions, else 2 decimals.

Plain text, not HTML (escape it where it goes into the page).
"""

from __future__ import annotations

from alsmeta.figures.text import num, readable
from alsmeta.kinds import is_event_rate


def value(kind: str, x) -> str:
    if x is None or x == "":
        return ""
    return f"{num(100 * x, 1)}%" if is_event_rate(kind) else num(x)


def interval(kind: str, lo, hi) -> str:
    return f"{value(kind, lo)} to {value(kind, hi)}"


def short_reason(reason: str) -> str:
    """'k = 1' from 'k = 1: at least 2 studies ...' (the full reason is in the analysis list)."""
    return readable(reason).split(":")[0]


#: Why a row of a pooled GLMM has no weight: the binomial-normal model is fitted to the counts
#: by maximum likelihood, not as an inverse-variance average (Stijnen et al. 2010).
GLMM_NO_WEIGHT = "none (GLMM: no inverse-variance weights)"


def weight_text(weight, pooled: dict | None) -> str:
    """A row's weight in one analysis (its pooled.tsv row ``pooled``), or why it has none."""
    if weight is not None:
        return f"{weight:.1f}%"
    if pooled is None or pooled["status"] != "pooled":
        return "not pooled"
    if "GLMM" in str(pooled.get("method") or ""):
        return GLMM_NO_WEIGHT
    return "not in this analysis"


def data_text(row: dict, unit: str) -> str:
    """A data row's own numbers: 'events/n' (two arms: 'events/n vs events/n'), else its
    estimate in ``unit`` (the kinds registry's, or the row's own) with its sample sizes."""
    if row.get("events") is not None and row.get("n") is not None:
        counts = f"{row['events']}/{row['n']}"
        if row.get("comparator_events") is not None:
            counts += f" vs {row['comparator_events']}/{row['comparator_n']}"
        return counts
    if row.get("estimate") is None:
        return "not computable"
    n = f"n = {row['n']}" if row.get("n") is not None else "n not reported"
    if row.get("comparator_n") is not None:
        n += f" vs {row['comparator_n']}"
    return f"{num(row['estimate'])} {unit}, {n}".replace(" ,", ",")
