"""GRADE's risk-of-bias domain, from each study's appraisal weighted by its share of the
analysis (Guyatt et al. 2011, GRADE guidelines 4: rating the quality of evidence, study
limitations (risk of bias). J Clin Epidemiol 64:407-415: rate down when the information
from studies at high risk is enough to affect the interpretation, once for serious and
twice for very serious limitations).

Config ``risk_of_bias.grade``: down two levels when studies at critical risk carry
``very_serious_share`` % of the weight or more; down one when studies at high risk or
worse carry ``serious_share`` %, or studies with some concerns or worse carry
``some_concerns_share`` % (null switches that part off).
"""

from __future__ import annotations

from alsmeta.analysis.grade.evidence import Evidence
from alsmeta.analysis.grade.levels import Rating
from alsmeta.io.risk_of_bias import DEFAULTS, LEVEL_NAMES, TOOLS, counted_level, readable

DOMAIN = "Risk of bias"


def _settings(settings: dict | None) -> dict:
    return {**DEFAULTS, **(settings or {})}


def level_of(judged: dict, settings: dict | None):
    """row -> its study's common risk-of-bias level (0 low ... 3 critical) as GRADE counts
    it here: unassessed and 'no information' as configured, a secondary source as high."""

    def level(r) -> int:
        counted = counted_level(judged.get(r["study_id"]), settings)
        return max(counted, 2) if r["tier"] == "secondary" else counted

    return level


def weights_by_level(evidence: Evidence, settings: dict | None = None) -> dict[int, float]:
    """Percent of an analysis' weight at each risk-of-bias level (0 low, 1 some concerns or
    moderate, 2 high or serious, 3 critical): the weighted summary plot's bars."""
    level = level_of(evidence.judged, settings)
    return {lv: evidence.share(lambda r, lv=lv: level(r) == lv) for lv in LEVEL_NAMES}


def rating(evidence: Evidence, settings: dict | None = None) -> Rating:
    """The domain's rating and the shares and studies behind it (``settings``: config
    ``risk_of_bias``)."""
    judged = evidence.judged
    grade = _settings(settings)["grade"]
    level = level_of(judged, settings)

    def named(r):
        j = judged.get(r["study_id"])
        what = f"{TOOLS[j.tool].name} {readable(j.overall)}" if j else "not assessed"
        return f"{r['label']}: {what}" + (", secondary source" if r["tier"] == "secondary" else "")

    shares = {lv: evidence.share(lambda r, lv=lv: level(r) >= lv) for lv in (1, 2, 3)}
    by_level: dict[int, list[str]] = {}
    for r in evidence.rows:
        by_level.setdefault(level(r), []).append(named(r))
    parts = [
        f"{LEVEL_NAMES[lv]}: " + "; ".join(sorted(set(by_level[lv])))
        for lv in sorted(by_level, reverse=True)
    ]
    detail = (
        f"{shares[2]:.0f}% of the weight at high risk or worse, {shares[1]:.0f}% with some "
        f"concerns or worse ({' | '.join(parts)})"
    )
    if shares[3] >= grade["very_serious_share"]:
        return Rating(DOMAIN, -2, f"very serious: {shares[3]:.0f}% at critical risk; {detail}")
    if shares[2] >= grade["serious_share"]:
        return Rating(DOMAIN, -1, f"serious: {detail}")
    limit = grade["some_concerns_share"]
    if limit is not None and shares[1] >= limit:
        return Rating(
            DOMAIN,
            -1,
            f"serious: {detail}; some concerns carry {limit:g}% or more "
            "(risk_of_bias.grade.some_concerns_share)",
        )
    return Rating(DOMAIN, 0, f"not serious ({detail})")


def rule_text(settings: dict | None = None) -> str:
    """The rule as the reader sees it, with the configured thresholds."""
    grade = _settings(settings)["grade"]
    text = (
        "Each study's overall judgement for the outcome's scope (data/risk_of_bias.tsv: RoB 2 "
        "for randomized trials, ROBINS-I for non-randomized and externally controlled "
        "comparisons, the JBI case-series checklist for single-arm studies) is put on one "
        "scale: low; some concerns (RoB 2) or moderate (ROBINS-I, JBI); high (RoB 2, JBI) or "
        "serious (ROBINS-I); critical (ROBINS-I). 'No information' and a study without an "
        f"assessment count as {readable(_settings(settings)['no_information_counts_as'])}, "
        "and a value from a secondary source as high. Following GRADE (Guyatt et al. 2011, "
        "GRADE guidelines 4, J Clin Epidemiol 64:407: rate down when the information from "
        "studies at high risk is enough to affect the interpretation, once for serious and "
        "twice for very serious limitations): down two levels when studies at critical risk "
        f"carry {grade['very_serious_share']:g}% of the weight or more; down one level when "
        f"studies at high risk or worse carry {grade['serious_share']:g}% or more"
    )
    if grade["some_concerns_share"] is not None:
        text += (
            f", or when studies with some concerns or worse carry "
            f"{grade['some_concerns_share']:g}% or more"
        )
    else:
        text += (
            " (some concerns alone never rate down: risk_of_bias.grade.some_concerns_share is null)"
        )
    return (
        text + ". Weight means the inverse-variance weight; for a GLMM analysis, which has "
        "none, the share of participants; a single study carries all of it."
    )
