"""GRADE's inconsistency domain (Guyatt et al. 2011, GRADE guidelines 7: rating the quality
of evidence, inconsistency. J Clin Epidemiol 64:1294-1302): heterogeneity large enough to
matter, read from I² and the prediction interval of the headline result.

Down one level when the τ²-based I² is 50% or more, two when it is 75% or more; for a
comparison, also down one when the prediction interval includes no effect while the
confidence (or credible) interval does not. One study: not assessable, not rated down.
"""

from __future__ import annotations

from alsmeta.analysis.grade.levels import Rating
from alsmeta.kinds import KINDS, is_event_rate

DOMAIN = "Inconsistency"


def interval_text(kind: str, lower: float, upper: float) -> str:
    if is_event_rate(kind):
        return f"{100 * lower:.1f}% to {100 * upper:.1f}%"
    return f"{lower:.2f} to {upper:.2f}"


def rating(kind: str, view: dict | None, pi_name: str, why: str = "one study") -> Rating:
    """``view``: the headline result (estimate, ci_*, pi_*, i2_tau2_pct), None where nothing
    was pooled (``why``); ``pi_name``: how the prediction interval is named ('95% PI')."""
    if view is None:
        return Rating(DOMAIN, 0, f"not assessable ({why})")
    i2 = view.get("i2_tau2_pct")
    pi = f"{pi_name} {interval_text(kind, view['pi_lower'], view['pi_upper'])}"
    if i2 is None:  # Bayesian headline where the frequentist model did not pool
        levels, reason = 0, f"I\u00b2 not estimable; {pi}"
    else:
        levels = 2 if i2 >= 75 else 1 if i2 >= 50 else 0
        reason = f"I\u00b2 = {i2:.0f}% (\u03c4\u00b2-based); {pi}"
    null = KINDS[kind].null or 0.0
    if not is_event_rate(kind) and levels == 0:
        ci_excludes = view["ci_lower"] > null or view["ci_upper"] < null
        pi_includes = view["pi_lower"] <= null <= view["pi_upper"]
        if ci_excludes and pi_includes:
            levels = 1
            reason += " includes no effect while the interval of the pooled effect does not"
    return Rating(DOMAIN, -levels, reason if levels else f"not serious ({reason})")


RULE = (
    "Guyatt et al. 2011, GRADE guidelines 7 (J Clin Epidemiol 64:1294): down one level when "
    "the \u03c4\u00b2-based I\u00b2 is 50% or more, two when it is 75% or more; for a "
    "comparison, also down one level when the prediction interval includes no effect while "
    "the interval of the pooled effect does not. Not assessable with one study (not rated "
    "down)."
)
