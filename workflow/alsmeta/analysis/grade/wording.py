"""Plain-language statements, worded by certainty as GRADE advises (Santesso N, Glenton C,
Dahm P, et al. GRADE guidelines 26: informative statements to communicate the findings of
systematic reviews of interventions. J Clin Epidemiol 2020;119:126-135, Table 2:
"reduces/increases", "probably", "may", "The evidence is very uncertain about the effect
of ...").

Santesso et al. word comparisons. A rate in treated arms carries their qualifiers over to a
single-group quantity. A before-after change within treated arms is never worded as an
effect of MSC: it says what changed, that the comparison is uncontrolled, and that this
does not show an effect.
"""

from __future__ import annotations

from alsmeta.analysis.grade.absolute import corresponding_risk
from alsmeta.analysis.grade.imprecision import Imprecision
from alsmeta.kinds import KINDS

#: Who receives the intervention, as the statements name it.
INTERVENTION = "MSC"
#: Comparisons, by certainty: (an important effect, little to no difference).
STATEMENTS = {
    "High": (
        "{intervention} {verb_s} {outcome}.",
        "{intervention} results in little to no difference in {outcome}.",
    ),
    "Moderate": (
        "{intervention} probably {verb_s} {outcome}.",
        "{intervention} probably results in little to no difference in {outcome}.",
    ),
    "Low": (
        "{intervention} may {verb} {outcome}.",
        "{intervention} may result in little to no difference in {outcome}.",
    ),
    "Very low": (
        "The evidence is very uncertain about the effect of {intervention} on {outcome}.",
        "The evidence is very uncertain about the effect of {intervention} on {outcome}.",
    ),
}
#: A rate in treated arms without a comparator.
RATE_STATEMENTS = {
    "High": "{subject} is about {value}.",
    "Moderate": "{subject} is probably about {value}.",
    "Low": "{subject} may be about {value}.",
    "Very low": "The evidence is very uncertain about {subject_lower}.",
}
#: A before-after change within treated arms: never an effect of MSC.
UNCONTROLLED = "in uncontrolled before-after comparisons; this does not show an effect of MSC"
WITHIN_ARM_STATEMENTS = {
    "High": "{subject} after MSC was {value} than before, " + UNCONTROLLED + ".",
    "Moderate": "{subject} after MSC was probably {value} than before, " + UNCONTROLLED + ".",
    "Low": "{subject} after MSC may have been {value} than before, " + UNCONTROLLED + ".",
    "Very low": (
        "The evidence is very uncertain about {subject_lower} after MSC compared with "
        "before, from uncontrolled before-after comparisons; it does not show an effect of MSC."
    ),
}
#: What each within-arm kind's statement calls the quantity that changed.
WITHIN_ARM_SUBJECTS = {
    "slope_change": "The ALSFRS-R decline",
    "fvc_slope_change": "The decline in FVC",
}
#: What the statements say where nothing is graded.
UNGRADED_STATEMENTS = {
    "No evidence": "No study met the criteria for {outcome}.",
    "Not assessed": "The studies of {outcome} could not be combined; see the results.",
}
#: Comparative kinds: (outcome phrase, "{}" standing for the label's own; verbs of an
#: effect below the null and above it, each as (third person, base form)).
EFFECT_WORDS = {
    "binary_comparison": ("the risk of {}", ("reduces", "reduce"), ("increases", "increase")),
    "responder_odds_ratio": (
        "response {}",
        ("reduces", "reduce"),
        ("increases", "increase"),
    ),
    "slope_change_difference": (
        "the decline in ALSFRS-R",
        ("speeds", "speed"),
        ("slows", "slow"),
    ),
    "alsfrs_change_difference": (
        "the ALSFRS-R change from baseline",
        ("worsens", "worsen"),
        ("improves", "improve"),
    ),
    "fvc_slope_change_difference": (
        "the decline in FVC",
        ("speeds", "speed"),
        ("slows", "slow"),
    ),
}


def outcome_phrase(kind: str, label: str, effect: bool = True) -> str:
    """What the statement calls the outcome: its label up to ', MSC' or '(unit)', or the
    kind's phrase of an effect (``effect``) from :data:`EFFECT_WORDS`. A responder
    comparison keeps its definition, so that outcomes with different thresholds read
    differently: 'response defined as ALSFRS-R slope improved by >= 50%'."""
    phrase = label.split(", MSC")[0].split(" (")[0].strip()
    if effect and kind == "responder_odds_ratio":
        definition = phrase.removeprefix("Responders").lstrip(", ")
        phrase = definition if definition.startswith("on ") else f"defined as {definition}"
    # Lower-case the first letter unless it starts an acronym (ALSFRS-R, FVC).
    phrase = phrase if phrase[1:2].isupper() else phrase[:1].lower() + phrase[1:]
    words = EFFECT_WORDS.get(kind, ("{}",))[0] if effect else "{}"
    return words.format(phrase)


def important(kind: str, measure: str, est: float, acr: float | None, thresholds=None) -> bool:
    """Whether a comparison's point estimate is beyond the appreciable thresholds."""
    t = thresholds or Imprecision()
    if KINDS[kind].log_scale:
        ratio = est
        if measure == "RD":  # judged on the risk ratio it implies at the assumed risk
            ratio = corresponding_risk("RD", acr, est) / acr if acr else 1.0
        low, high = t.ratio_appreciable
        return not low < ratio < high
    return abs(est) >= t.difference(kind)


def change_value(kind: str, est: float) -> str:
    """'about 1.13 points/month slower' (a decline after MSC slower than before), or 'no
    different'."""
    if est == 0:
        return "no different"
    return f"about {abs(est):.2f} {KINDS[kind].unit} {'slower' if est > 0 else 'faster'}"


def statement(
    kind, label, certainty, est=None, measure="OR", acr=None, value="", thresholds=None
) -> str:
    """The plain-language statement of one outcome in GRADE's wording for its certainty
    (``thresholds``: what counts as an appreciable effect, :class:`Imprecision`;
    ``value``: the rate as worded, for a rate)."""
    outcome = outcome_phrase(kind, label, certainty not in UNGRADED_STATEMENTS)
    if certainty in UNGRADED_STATEMENTS:
        return UNGRADED_STATEMENTS[certainty].format(outcome=outcome)
    if kind in EFFECT_WORDS:
        null = 0.0 if measure == "RD" or not KINDS[kind].log_scale else 1.0
        below, above = EFFECT_WORDS[kind][1:]
        verb_s, verb = below if est < null else above
        template = STATEMENTS[certainty][0 if important(kind, measure, est, acr, thresholds) else 1]
        return template.format(intervention=INTERVENTION, verb_s=verb_s, verb=verb, outcome=outcome)
    if kind in WITHIN_ARM_SUBJECTS:
        subject = WITHIN_ARM_SUBJECTS[kind]
        return WITHIN_ARM_STATEMENTS[certainty].format(
            subject=subject,
            subject_lower=subject[:1].lower() + subject[1:],
            value=change_value(kind, est),
        )
    aside = "," if "," in outcome else ""  # 'responders, relative slope improvement, with MSC'
    subject = f"The rate of {outcome}{aside} with {INTERVENTION}"
    return RATE_STATEMENTS[certainty].format(
        subject=subject, subject_lower=subject[:1].lower() + subject[1:], value=value
    )


RULE = (
    "Worded by certainty as GRADE advises (Santesso et al. 2020, GRADE guidelines 26, J Clin "
    "Epidemiol 119:126): high 'reduces/increases', moderate 'probably', low 'may', very low "
    "'the evidence is very uncertain'; 'little to no difference' when the point estimate is "
    "within the appreciable thresholds of the imprecision rule. Rates in treated arms carry "
    "the same qualifiers. A before-after change within treated arms says what changed, "
    "that the comparison is uncontrolled and that it does not show an effect of MSC."
)
