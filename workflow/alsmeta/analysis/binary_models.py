"""The models a metafor or RevMan user expects beside the random-effects model.

Every pooled analysis gets the inverse-variance common-effect model on the same effect
sizes (``ce_*`` columns; :mod:`alsmeta.stats.common_effect`). Every two-group binary
comparison (kinds ``binary_comparison`` and ``responder_odds_ratio``) whose rows all carry
the 2x2 counts behind their effect size gets the Mantel-Haenszel odds and risk ratios
(``mh_or_*``, ``mh_rr_*``; :mod:`alsmeta.stats.mantel_haenszel`) and Peto's odds ratio
(``peto_or_*``; :mod:`alsmeta.stats.peto`), none with a continuity correction. A row whose
counts do not reproduce its effect size (an odds ratio printed by the source, with counts
shown beside it) keeps the analysis out of the count-based models, and ``count_models_note``
says which.

Zero cells (``pooling.zero_cell_method``): the inverse-variance odds ratio needs 0.5 added
to every cell of a study with a zero cell, which biases the pooled odds ratio of sparse data
(Sweeting, Sutton & Lambert 2004, Stat Med 23:1351-1375; Bradburn et al. 2007, Stat Med
26:53-77). So an odds-ratio analysis in which any study has a zero cell is headlined by the
Mantel-Haenszel (default) or Peto odds ratio, which need no correction; its ``method``,
``ci_method`` and ``note`` say so, and the corrected random-effects result stays in the
``random_effects_*`` columns.
"""

from __future__ import annotations

import math

from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.effects.measures import two_group_binary
from alsmeta.stats.common_effect import CommonEstimate, common_effect
from alsmeta.stats.mantel_haenszel import mantel_haenszel_or, mantel_haenszel_rr
from alsmeta.stats.peto import peto_or

BINARY_KINDS = ("binary_comparison", "responder_odds_ratio")
#: Column prefix -> (estimator, what it is, in words).
COUNT_MODELS = {
    "mh_or": (mantel_haenszel_or, "Mantel-Haenszel odds ratio (Robins-Breslow-Greenland variance)"),
    "mh_rr": (mantel_haenszel_rr, "Mantel-Haenszel risk ratio (Greenland-Robins variance)"),
    "peto_or": (peto_or, "Peto odds ratio"),
}
RESULT_SUFFIXES = ("estimate", "ci_lower", "ci_upper", "p_value")
#: The random-effects result under its own name, whatever the headline is.
RANDOM_EFFECTS_COLUMNS = tuple(f"random_effects_{s}" for s in RESULT_SUFFIXES[:3])
COLUMNS = (
    *RANDOM_EFFECTS_COLUMNS,
    *(f"ce_{s}" for s in RESULT_SUFFIXES),
    *(f"{prefix}_{s}" for prefix in COUNT_MODELS for s in RESULT_SUFFIXES),
    "count_models_note",
)
HEADLINE_MODEL = {"mantel_haenszel": "mh_or", "peto": "peto_or"}


def _natural(estimate: CommonEstimate, log_scale: bool) -> list[float]:
    values = (estimate.estimate, estimate.ci_lower, estimate.ci_upper)
    return [math.exp(x) if log_scale else x for x in values] + [estimate.p_value]


def _columns(prefix: str, estimate: CommonEstimate, log_scale: bool) -> dict:
    return {
        f"{prefix}_{s}": v
        for s, v in zip(RESULT_SUFFIXES, _natural(estimate, log_scale), strict=True)
    }


def common_effect_columns(rows, to_natural, level: float) -> dict:
    """``ce_*`` of an analysis' rows: the common-effect estimate, its interval and p, on
    the natural scale (``to_natural``: the analysis' back-transform of a list of values)."""
    if not rows or any(r.get("yi") is None or r.get("vi") is None for r in rows):
        return {}
    try:
        fit = common_effect([r["yi"] for r in rows], [r["vi"] for r in rows], level)
    except ValueError:
        return {}
    lower, estimate, upper = to_natural([fit.ci_lower, fit.estimate, fit.ci_upper])
    return {
        "ce_estimate": estimate,
        "ce_ci_lower": lower,
        "ce_ci_upper": upper,
        "ce_p_value": fit.p_value,
    }


def _counts_reproduce(row, measure: str) -> bool:
    """Whether the row's 2x2 counts, with the continuity correction it records, give its
    effect size (they do not when the effect is a printed ratio with counts beside it)."""
    counts = [row.get(k) for k in ("events", "n", "comparator_events", "comparator_n")]
    if any(c is None for c in counts) or row.get("yi") is None:
        return False
    added = float(row.get("continuity_added") or 0.0)
    yi, _, _ = two_group_binary(measure, *counts, add=added, to="all" if added else "none")
    return math.isfinite(float(yi)) and abs(float(yi) - row["yi"]) <= 1e-9 * max(1, abs(yi))


def count_model_fits(kind: str, measure: str, rows, level: float) -> tuple[dict, str]:
    """The count-based fits of a binary comparison (column prefix -> log-scale
    :class:`CommonEstimate`) and the note of what could not be fitted; ({}, "") for other
    kinds."""
    if kind not in BINARY_KINDS or not rows:
        return {}, ""
    unusable = [r["effect_id"] for r in rows if not _counts_reproduce(r, measure)]
    if unusable:
        return {}, (
            "no Mantel-Haenszel or Peto estimate: the 2x2 counts of "
            f"{', '.join(unusable)} are not what its effect size was computed from"
        )
    counts = [[r[k] for r in rows] for k in ("events", "n", "comparator_events", "comparator_n")]
    fits, failed = {}, []
    for prefix, (estimator, name) in COUNT_MODELS.items():
        try:
            fits[prefix] = estimator(*counts, level=level)
        except ValueError as exc:
            failed.append(f"{name}: {exc}")
    return fits, "; ".join(failed)


def count_model_columns(fits: dict, note: str) -> dict:
    """``mh_or_*``, ``mh_rr_*``, ``peto_or_*`` (natural scale) and ``count_models_note``."""
    out = {"count_models_note": note}
    for prefix, fit in fits.items():
        out.update(_columns(prefix, fit, log_scale=True))
    return out


def has_zero_cell(rows) -> bool:
    """Whether any study of a comparison has a zero cell in its 2x2 table."""
    return any(
        min(
            r["events"],
            r["n"] - r["events"],
            r["comparator_events"],
            r["comparator_n"] - r["comparator_events"],
        )
        == 0
        for r in rows
    )


def headline_model(kind: str, measure: str, fits: dict, rows, pooling: PoolingSettings):
    """The count-based model prefix (``mh_or`` or ``peto_or``) that headlines a pooled
    odds-ratio analysis with a zero cell in any study, or None (the random-effects model)."""
    prefix = HEADLINE_MODEL.get(pooling.zero_cell_method)
    if kind not in BINARY_KINDS or measure != "OR" or prefix not in fits:
        return None
    return prefix if has_zero_cell(rows) else None


def apply_headline(row: dict, prefix: str, fit: CommonEstimate, pooling: PoolingSettings):
    """Make the count-based model ``prefix`` (its log-scale ``fit``) the headline of a
    pooled row, in place."""
    name = COUNT_MODELS[prefix][1]
    estimate, lower, upper, p_value = _natural(fit, log_scale=True)
    row.update(
        estimate=estimate,
        ci_lower=lower,
        ci_upper=upper,
        pi_lower=None,
        pi_upper=None,
        estimate_analysis=fit.estimate,
        se_analysis=fit.se,
        statistic=fit.statistic,
        df=None,
        p_value=p_value,
        method=name,
        ci_method=f"{name}, normal, no continuity correction",
        pi_method="none: a common-effect model has no prediction interval",
        note="; ".join(
            p
            for p in (
                row.get("note"),
                f"a study has a zero cell: the headline is the {name} "
                f"(pooling.zero_cell_method: {pooling.zero_cell_method}); the random-effects "
                "odds ratio on continuity-corrected cells is in random_effects_*",
            )
            if p
        ),
    )
