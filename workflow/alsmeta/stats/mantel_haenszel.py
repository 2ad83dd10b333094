"""Mantel-Haenszel common odds ratio and risk ratio of 2x2 tables, without continuity correction.

For study i with ``a_i`` events of ``n1_i`` treated, ``c_i`` events of ``n2_i`` controls,
``b_i = n1_i - a_i``, ``d_i = n2_i - c_i`` and ``N_i = n1_i + n2_i``:

* Odds ratio (Mantel & Haenszel 1959): ``OR = sum R_i / sum S_i`` with ``R_i = a_i d_i / N_i``,
  ``S_i = b_i c_i / N_i``; variance of ``log OR`` by Robins, Breslow & Greenland (1986,
  Biometrics 42:311-323)::

      sum P_i R_i / (2 R^2) + sum (P_i S_i + Q_i R_i) / (2 R S) + sum Q_i S_i / (2 S^2)

  with ``P_i = (a_i + d_i) / N_i``, ``Q_i = (b_i + c_i) / N_i``, ``R = sum R_i``, ``S = sum S_i``.
* Risk ratio (Rothman & Greenland; Greenland & Robins 1985, Biometrics 41:55-68):
  ``RR = sum a_i n2_i / N_i / sum c_i n1_i / N_i``; variance of ``log RR``::

      sum (n1_i n2_i (a_i + c_i) - a_i c_i N_i) / N_i^2 / (sum a_i n2_i / N_i  sum c_i n1_i / N_i)

A zero cell needs no correction: the estimate sums over studies, and a study without
events in either arm adds nothing to any sum. This is metafor's ``rma.mh`` with its
defaults, whose ``add = 1/2, to = "only0"`` reach only the per-study outcomes it prints
(the second elements, for the MH estimate itself, are ``0``, ``"none"``, ``FALSE``).
Continuity corrections bias pooled odds ratios of sparse data (Sweeting, Sutton & Lambert
2004, Stat Med 23:1351-1375; Bradburn et al. 2007, Stat Med 26:53-77). Inference is a
normal (Wald) test and interval on the log scale.
"""

from __future__ import annotations

import math

from alsmeta.stats.common_effect import CommonEstimate, normal_inference


def _tables(ai, n1i, ci, n2i):
    tables = []
    for a, n1, c, n2 in zip(ai, n1i, ci, n2i, strict=True):
        a, n1, c, n2 = float(a), float(n1), float(c), float(n2)
        if not (0 <= a <= n1 and 0 <= c <= n2 and n1 > 0 and n2 > 0):
            raise ValueError("Mantel-Haenszel: events must lie between 0 and n, n > 0")
        tables.append((a, n1 - a, c, n2 - c, n1, n2, n1 + n2))
    if not tables:
        raise ValueError("Mantel-Haenszel: no study")
    return tables


def mantel_haenszel_or(ai, n1i, ci, n2i, level: float = 0.95) -> CommonEstimate:
    """Mantel-Haenszel log odds ratio with the Robins-Breslow-Greenland variance.

    Parameters
    ----------
    ai, n1i : sequence of int
        Events and participants of the treated arm, one per study.
    ci, n2i : sequence of int
        Events and participants of the comparator arm.
    level : float
        Interval level.

    Raises
    ------
    ValueError
        Counts out of range, or no finite estimate (``sum R_i`` or ``sum S_i`` is 0).
    """
    tables = _tables(ai, n1i, ci, n2i)
    r = [a * d / n for a, b, c, d, _, _, n in tables]
    s = [b * c / n for a, b, c, d, _, _, n in tables]
    p = [(a + d) / n for a, b, c, d, _, _, n in tables]
    q = [(b + c) / n for a, b, c, d, _, _, n in tables]
    big_r, big_s = math.fsum(r), math.fsum(s)
    if big_r == 0 or big_s == 0:
        raise ValueError("Mantel-Haenszel odds ratio: no finite estimate (0 or infinite)")
    var = (
        math.fsum(pi * ri for pi, ri in zip(p, r, strict=True)) / (2 * big_r**2)
        + math.fsum(pi * si + qi * ri for pi, si, qi, ri in zip(p, s, q, r, strict=True))
        / (2 * big_r * big_s)
        + math.fsum(qi * si for qi, si in zip(q, s, strict=True)) / (2 * big_s**2)
    )
    return normal_inference(len(tables), math.log(big_r / big_s), math.sqrt(var), level)


def mantel_haenszel_rr(ai, n1i, ci, n2i, level: float = 0.95) -> CommonEstimate:
    """Mantel-Haenszel log risk ratio with the Greenland-Robins variance (arguments as
    :func:`mantel_haenszel_or`)."""
    tables = _tables(ai, n1i, ci, n2i)
    num = math.fsum(a * n2 / n for a, _, c, _, n1, n2, n in tables)
    den = math.fsum(c * n1 / n for a, _, c, _, n1, n2, n in tables)
    if num == 0 or den == 0:
        raise ValueError("Mantel-Haenszel risk ratio: no finite estimate (0 or infinite)")
    var = math.fsum((n1 * n2 * (a + c) - a * c * n) / n**2 for a, _, c, _, n1, n2, n in tables)
    return normal_inference(len(tables), math.log(num / den), math.sqrt(var / (num * den)), level)
