"""GRADE's reasons to rate non-randomised evidence up (Guyatt et al. 2011, GRADE
guidelines 9: rating up the quality of evidence. J Clin Epidemiol 64:1311-1316): a large
effect, a dose-response gradient, and plausible confounding that would reduce the effect
shown. Only evidence that started Low is rated up, and not where risk of bias already rated
it down (GRADE 9: rating up is for studies without serious limitations).

* Large effect, computed for ratios: up one level when the whole interval lies beyond
  ``grade.upgrading.large_ratio`` (or below its inverse), two beyond
  ``very_large_ratio`` (GRADE 9: RR > 2 or < 0.5 large, > 5 or < 0.2 very large). Rates
  and changes without a comparator show no effect and are never rated up for it.
* Dose-response and plausible confounding: recorded judgements only
  (data/grade_judgements.tsv); without one, not rated up.
"""

from __future__ import annotations

from alsmeta.analysis.grade.levels import Rating
from alsmeta.kinds import KINDS

LARGE_EFFECT, DOSE_RESPONSE, CONFOUNDING = "Large effect", "Dose-response", "Plausible confounding"


def large_effect(kind, start_level, rob_levels, lower, upper, settings) -> Rating:
    """The large-effect rating of an interval ``lower`` to ``upper``."""
    if start_level != "Low" or not KINDS[kind].controlled:
        return Rating(LARGE_EFFECT, 0, "not applicable (randomized evidence, or no comparator)")
    if not KINDS[kind].log_scale:
        return Rating(LARGE_EFFECT, 0, "not rated up (no rule for mean differences)")
    if rob_levels < 0:
        return Rating(LARGE_EFFECT, 0, "not rated up (rated down for risk of bias)")
    large, very = settings.large_ratio, settings.very_large_ratio
    for levels, limit in ((2, very), (1, large)):
        if lower > limit or upper < 1 / limit:
            return Rating(
                LARGE_EFFECT, levels, f"interval {lower:.2f} to {upper:.2f} beyond {limit:g}"
            )
    return Rating(LARGE_EFFECT, 0, f"not large (interval {lower:.2f} to {upper:.2f})")


def recorded_only(domain: str, start_level: str) -> Rating:
    """Dose-response or plausible confounding without a recorded judgement."""
    if start_level != "Low":
        return Rating(domain, 0, "not applicable (evidence starts High)")
    return Rating(domain, 0, "not rated up: no judgement recorded in data/grade_judgements.tsv")


def rule_text(settings) -> str:
    return (
        "Guyatt et al. 2011, GRADE guidelines 9 (J Clin Epidemiol 64:1311): only evidence "
        "that starts Low, and is not rated down for risk of bias, is rated up. Large effect: "
        f"an odds or risk ratio whose whole interval lies beyond {settings.large_ratio:g} "
        f"(or below 1/{settings.large_ratio:g}) goes up one level, beyond "
        f"{settings.very_large_ratio:g} two (grade.upgrading). Dose-response and plausible "
        "confounding: recorded judgements only. Rates and changes in treated arms without a "
        "comparator show no effect of MSC and are never rated up for one."
    )
