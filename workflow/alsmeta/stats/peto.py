"""Peto's one-step odds ratio of 2x2 tables (Yusuf et al. 1985, Prog Cardiovasc Dis
27:335-371).

For study i with ``a_i`` events of ``n1_i`` treated and ``c_i`` of ``n2_i`` controls,
``m_i = a_i + c_i`` events in ``N_i = n1_i + n2_i``: observed minus expected
``O_i - E_i = a_i - n1_i m_i / N_i`` and its hypergeometric variance
``V_i = n1_i n2_i m_i (N_i - m_i) / (N_i^2 (N_i - 1))``. Then
``log OR = sum (O_i - E_i) / sum V_i`` with variance ``1 / sum V_i`` and a normal test and
interval (metafor ``rma.peto``). No continuity correction: a study with no events (or only
events) has ``V_i = 0`` and adds nothing. Least biased for rare events in balanced arms
with modest effects (Bradburn et al. 2007, Stat Med 26:53-77).
"""

from __future__ import annotations

import math

from alsmeta.stats.common_effect import CommonEstimate, normal_inference


def peto_or(ai, n1i, ci, n2i, level: float = 0.95) -> CommonEstimate:
    """Peto log odds ratio (arguments as :func:`alsmeta.stats.mantel_haenszel.mantel_haenszel_or`).

    Raises
    ------
    ValueError
        Counts out of range, or no study with both events and non-events (``sum V_i = 0``).
    """
    o_minus_e, variance = [], []
    for a, n1, c, n2 in zip(ai, n1i, ci, n2i, strict=True):
        a, n1, c, n2 = float(a), float(n1), float(c), float(n2)
        if not (0 <= a <= n1 and 0 <= c <= n2 and n1 > 0 and n2 > 0):
            raise ValueError("Peto: events must lie between 0 and n, n > 0")
        n, m = n1 + n2, a + c
        o_minus_e.append(a - n1 * m / n)
        variance.append(n1 * n2 * m * (n - m) / (n**2 * (n - 1)))
    total = math.fsum(variance)
    if total == 0:
        raise ValueError("Peto odds ratio: no study has both events and non-events")
    return normal_inference(
        len(variance), math.fsum(o_minus_e) / total, math.sqrt(1.0 / total), level
    )
