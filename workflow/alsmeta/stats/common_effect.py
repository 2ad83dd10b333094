"""The common-effect (fixed-effect, "equal-effects") model: inverse-variance weighting.

``mu = sum w_i y_i / sum w_i`` with ``w_i = 1 / v_i``, ``se = 1 / sqrt(sum w_i)``, a z test
and the normal ``level`` interval ``mu +/- z se`` (metafor ``rma(method = "EE")``, the
"fixed-effect" inverse-variance model of RevMan; Borenstein et al. 2010, Res Synth
Methods 1:97-111). It assumes every study estimates one true effect: beside the
random-effects model it shows how much the between-study variance widens the answer.

:class:`CommonEstimate` is also the result of the other common-effect estimators
(:mod:`alsmeta.stats.mantel_haenszel`, :mod:`alsmeta.stats.peto`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class CommonEstimate:
    """A common-effect result on the analysis scale (log for ratios), normal inference."""

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    statistic: float
    p_value: float


def normal_inference(k: int, estimate: float, se: float, level: float) -> CommonEstimate:
    """Wald z statistic, two-sided p and the normal ``level`` interval of an estimate."""
    z = stats.norm.ppf(0.5 + level / 2.0)
    statistic = estimate / se
    return CommonEstimate(
        k=k,
        estimate=estimate,
        se=se,
        ci_lower=estimate - z * se,
        ci_upper=estimate + z * se,
        statistic=statistic,
        p_value=float(2 * stats.norm.sf(abs(statistic))),
    )


def common_effect(yi, vi, level: float = 0.95) -> CommonEstimate:
    """Inverse-variance common-effect estimate of effect sizes ``yi`` with variances ``vi``.

    Parameters
    ----------
    yi, vi : sequence of float
        Effect sizes and their sampling variances (positive, finite), one per study.
    level : float
        Interval level.

    Raises
    ------
    ValueError
        No study, or a variance that is not positive and finite.
    """
    yi, vi = [float(y) for y in yi], [float(v) for v in vi]
    if not yi or len(yi) != len(vi):
        raise ValueError("common effect: one variance per effect size, at least one study")
    if not all(math.isfinite(v) and v > 0 for v in vi) or not all(map(math.isfinite, yi)):
        raise ValueError("common effect: every effect size and variance must be finite, v > 0")
    weights = [1.0 / v for v in vi]
    total = math.fsum(weights)
    estimate = math.fsum(w * y for w, y in zip(weights, yi, strict=True)) / total
    return normal_inference(len(yi), estimate, math.sqrt(1.0 / total), level)
