"""How the report writes one value of an outcome: percentages for proportions, else 2 decimals.

Plain text, not HTML (escape it where it goes into the page).
"""

from __future__ import annotations

from alsmeta.figures.text import num, readable


def value(kind: str, x) -> str:
    if x is None or x == "":
        return ""
    return f"{num(100 * x, 1)}%" if kind == "proportion" else num(x)


def interval(kind: str, lo, hi) -> str:
    return f"{value(kind, lo)} to {value(kind, hi)}"


def short_reason(reason: str) -> str:
    """'k = 1' from 'k = 1: at least 2 studies ...' (the full reason is in the analysis list)."""
    return readable(reason).split(":")[0]


def weight_text(weight) -> str:
    """A study's weight in an analysis; the GLMM has no inverse-variance weights."""
    return "GLMM, no weight" if weight is None else f"{weight:.1f}%"
