"""Summary of findings: a GRADE-style row per outcome, with rule-based certainty.

Certainty starts at High and each domain below may take it down; every downgrade carries
the numbers that triggered it. The rules are fixed here, printed in the report
(:func:`rules`), and applied to the pipeline's tables only, so the same tables always give
the same certainty. They are a transparent first pass for a guideline panel to revise, not
a substitute for its judgement (GRADE Handbook, Schünemann et al. 2013).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

from alsmeta.io.risk_of_bias import (
    DEFAULTS,
    LEVEL_NAMES,
    TOOLS,
    counted_level,
    judgement_for,
    readable,
)
from alsmeta.kinds import KINDS

LEVELS = ("Very low", "Low", "Moderate", "High")
#: GRADE's symbols: one filled circle per level, from one (Very low) to four (High).
SYMBOLS = {
    level: "\u2295" * filled + "\u25cb" * (len(LEVELS) - filled)
    for filled, level in enumerate(LEVELS, start=1)
}

#: Designs without any control group.
UNCONTROLLED = ("single_arm", "case_report")


@dataclass(frozen=True)
class Imprecision:
    """GRADE imprecision thresholds (config ``grade.imprecision``; Guyatt et al. 2011, GRADE
    guidelines 6). The defaults are the kinds registry's: CI width of a rate in events per
    1,000 (serious, very serious), GRADE's appreciable benefit and harm of ratios, the
    half-width of an appreciable difference per continuous kind, and the optimal
    information size (0 = not applied) in events and in participants."""

    rate_ci_width_per_1000: tuple[float, float] = KINDS["proportion"].appreciable
    ratio_appreciable: tuple[float, float] = KINDS["binary_comparison"].appreciable
    difference_appreciable: dict = field(
        default_factory=lambda: {
            name: kind.appreciable[0]
            for name, kind in KINDS.items()
            if kind.shows in ("within_arm", "difference")
        }
    )
    optimal_information_size_events: int = 0
    optimal_information_size_participants: int = 0

    @classmethod
    def from_config(cls, grade: dict | None) -> Imprecision:
        """From config ``grade`` (None: the registry's thresholds, no OIS)."""
        if not grade:
            return cls()
        given = grade["imprecision"]
        return cls(
            tuple(given["rate_ci_width_per_1000"]),
            tuple(given["ratio_appreciable"]),
            dict(given["difference_appreciable"]),
            given["optimal_information_size_events"],
            given["optimal_information_size_participants"],
        )

    def difference(self, kind: str) -> float:
        return self.difference_appreciable[kind]


#: Who receives the intervention, as the statements name it.
INTERVENTION = "MSC"
#: GRADE's informative statements for a comparison, by certainty: (an important effect,
#: little to no difference). Source: Santesso N, Glenton C, Dahm P, et al. GRADE guidelines
#: 26: informative statements to communicate the findings of systematic reviews of
#: interventions. J Clin Epidemiol 2020;119:126-135, Table 2 ("reduces/increases",
#: "probably", "may", "The evidence is very uncertain about the effect of ...").
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
#: The same certainty wording for a rate or a change in treated arms without a comparator.
#: Santesso et al. (2020) word comparisons only; this carries their qualifiers (none,
#: "probably", "may", "very uncertain") over to a single-group quantity.
RATE_STATEMENTS = {
    "High": "{subject} is about {value}.",
    "Moderate": "{subject} is probably about {value}.",
    "Low": "{subject} may be about {value}.",
    "Very low": "The evidence is very uncertain about {subject_lower}.",
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
        "response on the ALSFRS-R slope",
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
#: What a per-1,000 bound on summed counts assumes (said wherever it is shown).
COMMON_RATE_ASSUMPTION = "assuming one common rate across studies"

_RULES = (
    (
        "Start",
        "Every outcome starts at High. GRADE's rule that observational evidence starts at Low "
        "is replaced by the two design domains below, so that each reason is named.",
    ),
    (
        "Risk of bias (appraisal, weighted)",
        "{risk_of_bias}",
    ),
    (
        "Inconsistency (I\u00b2 and prediction interval)",
        "Down one level when the \u03c4\u00b2-based I\u00b2 is 50% or more, two when it is 75% or "
        "more; for a comparison, also down one level when the 95% prediction interval includes "
        "no effect while the CI does not. Not assessable with one study (not downgraded).",
    ),
    (
        "Imprecision (CI width and optimal information size)",
        "{imprecision}",
    ),
    (
        "Single-arm designs",
        "Down one level when single-arm studies or case reports carry 50% or more of the "
        "weight, or when the outcome pools treated arms without a comparator (adverse-event "
        "rates, within-arm slope changes): events and changes cannot then be attributed to MSC.",
    ),
    (
        "Absolute effects",
        "Comparisons of counts: the assumed control risk is the median control-group risk of "
        "the analysed studies; the risk with MSC is ACR \u00d7 OR / (1 \u2212 ACR + ACR \u00d7 "
        "OR) for an odds ratio, ACR \u00d7 RR for a risk ratio, ACR + RD for a risk "
        "difference, and the difference per 1,000 and its CI follow from the pooled ratio "
        "and its CI limits (Cochrane Handbook 5.1, sections 12.5.4.2-12.5.4.3). Adverse-event "
        "rates that no model could pool (for example, every study without an event) are "
        "given as their summed events and participants with an exact (Clopper-Pearson) "
        "interval, assuming one common rate across studies.",
    ),
    (
        "Plain-language statements",
        "Worded by certainty as GRADE advises (Santesso et al. 2020, GRADE guidelines 26): "
        "high 'reduces/increases', moderate 'probably', low 'may', very low 'the evidence is "
        "very uncertain'; 'little to no difference' when the point estimate is within the "
        "appreciable thresholds above. Rates in treated arms carry the same qualifiers.",
    ),
    (
        "Framework",
        "Graded on the frequentist random-effects result by default. When the Bayesian "
        "analysis is the headline (pooling.primary_framework: bayesian), the same rules read "
        "its posterior median and 95% credible interval for the CI, and its 95% predictive "
        "interval for the prediction interval; I\u00b2 is the frequentist one, not estimable "
        "where that model did not pool. The Bayesian analysis also grades an outcome with one "
        "study, or with zero events in every study, which the frequentist model cannot pool.",
    ),
    (
        "Publication bias",
        "Not downgraded by rule. A funnel plot and Egger's and Begg's tests are made from "
        "the configured minimum number of studies (sensitivity.small_study_min_k; Sterne et "
        "al. 2011 advise 10) and shown under Sensitivity; a panel judges them there.",
    ),
)


def risk_of_bias_rule(settings: dict | None = None) -> str:
    """The risk-of-bias rule as the reader sees it, with the configured thresholds."""
    grade = {**DEFAULTS, **(settings or {})}["grade"]
    text = (
        "Each study's overall judgement for the outcome's scope (data/risk_of_bias.tsv: RoB 2 "
        "for randomized trials, ROBINS-I for non-randomized and externally controlled "
        "comparisons, the JBI case-series checklist for single-arm studies) is put on one "
        "scale: low; some concerns (RoB 2) or moderate (ROBINS-I, JBI); high (RoB 2, JBI) or "
        "serious (ROBINS-I); critical (ROBINS-I). 'No information' and a study without an "
        f"assessment count as {readable(grade_counts(settings))}, and a value from a secondary "
        "source as high. Following GRADE (Guyatt et al. 2011, GRADE guidelines 4: rate down "
        "when the information from studies at high risk is enough to affect the "
        "interpretation, once for serious and twice for very serious limitations): down two "
        f"levels when studies at critical risk carry {grade['very_serious_share']:g}% of the "
        "weight or more; down one level when studies at high risk or worse carry "
        f"{grade['serious_share']:g}% or more"
    )
    if grade["some_concerns_share"] is not None:
        text += (
            f", or when studies with some concerns or worse carry "
            f"{grade['some_concerns_share']:g}% or more"
        )
    return (
        text + ". Weight means the inverse-variance weight; for a GLMM analysis, which has "
        "none, the share of participants; a single study carries all of it."
    )


def imprecision_rule(thresholds: Imprecision | None = None) -> str:
    """The imprecision rule as the reader sees it, with the configured thresholds."""
    t = thresholds or Imprecision()
    low, high = t.ratio_appreciable
    differences = "; ".join(
        f"{KINDS[kind].unit} ({kind.replace('_', ' ')}) {value:g}"
        for kind, value in t.difference_appreciable.items()
    )
    text = (
        f"Rates: down one level when the 95% CI spans {t.rate_ci_width_per_1000[0]:g} or more "
        f"events per 1,000, two when it spans {t.rate_ci_width_per_1000[1]:g} or more. Mean "
        "changes and differences: down one level when the 95% CI includes no effect, or "
        "both a trivial and an appreciable effect; two when it includes both an appreciable "
        f"benefit and an appreciable harm; appreciable effects: {differences}. Odds and risk "
        f"ratios: down one level when the 95% CI includes 1, two when it includes both "
        f"{low:g} and {high:g} (GRADE's default appreciable benefit and harm)."
    )
    ois = []
    if t.optimal_information_size_events:
        ois.append(f"{t.optimal_information_size_events} events for comparisons of counts")
    if t.optimal_information_size_participants:
        ois.append(f"{t.optimal_information_size_participants} participants for mean differences")
    if ois:
        text += (
            " Optimal information size (GRADE guidelines 6, rule of thumb): a comparison with "
            f"fewer than {' or '.join(ois)} goes down one level where its CI would not rate "
            "it down, and two where its CI includes no effect."
        )
    return text


def grade_counts(settings: dict | None) -> str:
    return {**DEFAULTS, **(settings or {})}["no_information_counts_as"]


def rules(settings: dict | None = None, grade: dict | None = None) -> tuple:
    """The certainty rules printed in the report, with the configured risk-of-bias rule
    (``settings``: config ``risk_of_bias``) and imprecision thresholds (config ``grade``)."""
    filled = {
        "{risk_of_bias}": risk_of_bias_rule(settings),
        "{imprecision}": imprecision_rule(Imprecision.from_config(grade)),
    }
    return tuple((name, filled.get(text, text)) for name, text in _RULES)


@dataclass(frozen=True)
class Downgrade:
    domain: str
    levels: int
    reason: str


@dataclass(frozen=True)
class Finding:
    outcome: str
    label: str
    kind: str
    studies: int
    participants: int
    effect: str
    absolute: str
    certainty: str
    downgrades: tuple[Downgrade, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    effect_ids: tuple[str, ...] = field(default_factory=tuple)
    statement: str = ""
    assumed_control_risk: float | None = None
    assumed_control_risk_basis: str = ""
    #: What the statement is worded from besides the certainty: (estimate, measure,
    #: assumed control risk, value text), so that a re-graded finding is re-worded.
    wording: tuple = field(default=(), compare=False, repr=False)

    @property
    def symbols(self) -> str:
        return SYMBOLS.get(self.certainty, "")


COLUMNS = [
    "outcome",
    "label",
    "studies",
    "participants",
    "effect",
    "absolute_effect",
    "assumed_control_risk",
    "assumed_control_risk_basis",
    "statement",
    "certainty",
    "risk_of_bias",
    "inconsistency",
    "imprecision",
    "single_arm",
    "notes",
    "effect_ids",
]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _share(rows, weights, test) -> float:
    """Percent of the analysis' weight in rows passing ``test``.

    The GLMM has no inverse-variance weights (``None``); its studies are weighted by
    their share of the participants instead.
    """
    if len(rows) == 1:
        return 100.0 if test(rows[0]) else 0.0
    if any(weights.get(r["effect_id"]) is None for r in rows):
        total = sum(r.get("n") or 0 for r in rows)
        return 100.0 * sum(r.get("n") or 0 for r in rows if test(r)) / total if total else 0.0
    return sum(weights[r["effect_id"]] for r in rows if test(r))


def _level_of(judged: dict, settings: dict | None):
    """row -> its study's common risk-of-bias level (0 low ... 3 critical) as GRADE counts
    it here: unassessed and 'no information' as configured, a secondary source as high."""

    def level(r) -> int:
        counted = counted_level(judged.get(r["study_id"]), settings)
        return max(counted, 2) if r["tier"] == "secondary" else counted

    return level


def risk_of_bias_weights(rows, weights, judged=None, settings=None) -> dict[int, float]:
    """Percent of an analysis' weight at each risk-of-bias level (0 low, 1 some concerns or
    moderate, 2 high or serious, 3 critical), as the GRADE domain counts it: the weighted
    summary plot's bars."""
    level = _level_of(judged or {}, settings)
    return {lv: _share(rows, weights, lambda r, lv=lv: level(r) == lv) for lv in LEVEL_NAMES}


def _risk_of_bias(rows, weights, judged=None, settings=None):
    """GRADE's risk-of-bias domain from the studies' appraisals (``judged``: study_id ->
    :class:`~alsmeta.io.risk_of_bias.Judgement` for this outcome's scope), weighted by
    each study's share of the analysis (:func:`risk_of_bias_rule`)."""
    judged = judged or {}
    grade = {**DEFAULTS, **(settings or {})}["grade"]
    level = _level_of(judged, settings)

    def named(r):
        j = judged.get(r["study_id"])
        what = f"{TOOLS[j.tool].name} {readable(j.overall)}" if j else "not assessed"
        return f"{r['label']}: {what}" + (", secondary source" if r["tier"] == "secondary" else "")

    shares = {lv: _share(rows, weights, lambda r, lv=lv: level(r) >= lv) for lv in (1, 2, 3)}
    by_level: dict[int, list[str]] = {}
    for r in rows:
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
        return Downgrade(
            "Risk of bias", 2, f"very serious: {shares[3]:.0f}% at critical risk; {detail}"
        )
    if shares[2] >= grade["serious_share"]:
        return Downgrade("Risk of bias", 1, f"serious: {detail}")
    limit = grade["some_concerns_share"]
    if limit is not None and shares[1] >= limit:
        return Downgrade("Risk of bias", 1, f"serious (some concerns): {detail}")
    return Downgrade("Risk of bias", 0, f"not serious ({detail})")


def _inconsistency(kind, pooled):
    if pooled is None:
        return Downgrade("Inconsistency", 0, "not assessable (one study)")
    i2 = pooled["i2_tau2_pct"]
    pi = f"95% PI {_interval(kind, pooled['pi_lower'], pooled['pi_upper'])}"
    if i2 is None:  # Bayesian headline where the frequentist model did not pool
        levels, reason = 0, f"I\u00b2 not estimable; {pi}"
    else:
        levels = 2 if i2 >= 75 else 1 if i2 >= 50 else 0
        reason = f"I\u00b2 = {i2:.0f}% (\u03c4\u00b2-based); {pi}"
    null = KINDS[kind].null or 0.0
    if kind != "proportion" and levels == 0:
        ci_excludes = pooled["ci_lower"] > null or pooled["ci_upper"] < null
        pi_includes = pooled["pi_lower"] <= null <= pooled["pi_upper"]
        if ci_excludes and pi_includes:
            levels = 1
            reason += " includes no effect while the CI does not"
    return Downgrade("Inconsistency", levels, reason if levels else f"not serious ({reason})")


def _interval(kind, lower, upper) -> str:
    if kind == "proportion":
        return f"{_pct(lower)} to {_pct(upper)}"
    return f"{lower:.2f} to {upper:.2f}"


def _is_ratio(kind: str) -> bool:
    return KINDS[kind].log_scale


def _information(kind: str, rows) -> tuple[int, str]:
    """(size, unit) of the information an analysis rests on, for the optimal information
    size: total events in both arms for counts, participants for differences."""
    if _is_ratio(kind):
        return sum(
            (r.get("events") or 0) + (r.get("comparator_events") or 0) for r in rows
        ), "events"
    return sum((r.get("n") or 0) + (r.get("comparator_n") or 0) for r in rows), "participants"


def _imprecision(kind, lower, upper, measure="OR", thresholds=None, rows=None):
    """GRADE imprecision from the CI and, for comparisons, the optimal information size."""
    t = thresholds or Imprecision()
    if _is_ratio(kind) and measure != "RD":
        low, high = t.ratio_appreciable
        if lower <= low and upper >= high:
            levels, why = 2, f"includes both {low:g} and {high:g}"
        elif lower <= 1 <= upper:
            levels, why = 1, "includes no effect (1)"
        else:
            levels, why = 0, "excludes 1"
        name = {"OR": "odds ratio", "RR": "risk ratio"}[measure]
        reason = f"95% CI {lower:.2f} to {upper:.2f} ({name}) {why}"
    elif _is_ratio(kind):  # a risk difference: imprecise when its CI includes no difference
        levels = 1 if lower <= 0 <= upper else 0
        reason = f"95% CI {1000 * lower:.0f} to {1000 * upper:.0f} per 1,000 (risk difference)"
    elif kind == "proportion":
        serious, very = t.rate_ci_width_per_1000
        width = 1000 * (upper - lower)
        levels = 2 if width >= very else 1 if width >= serious else 0
        reason = (
            f"95% CI {1000 * lower:.0f} to {1000 * upper:.0f} per 1,000 spans {width:.0f} per 1,000"
        )
    else:
        m = t.difference(kind)
        if lower <= -m and upper >= m:
            levels, why = 2, f"includes both \u2212{m:g} and +{m:g}"
        elif lower <= 0 <= upper:
            levels, why = 1, "includes no effect"
        elif lower < m <= upper or lower <= -m < upper:
            levels, why = 1, f"includes both trivial and appreciable effects (\u00b1{m:g})"
        elif upper < m and lower > -m:
            levels, why = 0, f"excludes an appreciable effect (\u00b1{m:g})"
        else:
            levels, why = 0, f"lies beyond an appreciable effect (\u00b1{m:g})"
        reason = f"95% CI {lower:.2f} to {upper:.2f} {KINDS[kind].unit} {why}"
    if KINDS[kind].controlled and rows is not None:
        size, unit = _information(kind, rows)
        ois = (
            t.optimal_information_size_events
            if unit == "events"
            else t.optimal_information_size_participants
        )
        if ois and size < ois and levels < 2:
            levels += 1
            reason += f"; {size} {unit}, below the optimal information size of {ois}"
    return Downgrade("Imprecision", levels, reason if levels else f"not serious ({reason})")


def _single_arm(kind, rows, weights):
    share = _share(rows, weights, lambda r: r["design"] in UNCONTROLLED)
    if KINDS[kind].shows == "within_arm":  # before-after, whatever the study's design
        return Downgrade(
            "Single-arm designs",
            1,
            "before-after change within treated arms, no comparator "
            f"({share:.0f}% of the weight from single-arm studies, the rest from the MSC arms "
            "of controlled studies)"
            if share < 100
            else "before-after change within treated arms, no comparator (single-arm studies)",
        )
    if kind == "proportion":
        return Downgrade(
            "Single-arm designs",
            1,
            "treated arms only, no comparator "
            f"({share:.0f}% of the weight from single-arm studies)",
        )
    if share >= 50:
        return Downgrade(
            "Single-arm designs", 1, f"{share:.0f}% of the weight from single-arm studies"
        )
    return Downgrade("Single-arm designs", 0, "not serious (controlled comparisons)")


def _certainty(downgrades) -> str:
    return LEVELS[max(0, 3 - sum(d.levels for d in downgrades))]


def _measure(definition) -> str:
    """OR, RR or RD of a comparison of counts (a responder comparison is an odds ratio)."""
    if definition["kind"] == "binary_comparison":
        return definition.get("measure", "OR")
    return "OR"


def corresponding_risk(measure: str, acr: float, effect: float) -> float:
    """The risk with the intervention for an assumed control risk and a relative effect.

    OR: ACR x OR / (1 - ACR + ACR x OR); RR: ACR x RR; RD: ACR + RD, capped to [0, 1]
    (Cochrane Handbook 5.1, sections 12.5.4.2-12.5.4.3; GRADEpro's corresponding risk).
    """
    if measure == "OR":
        risk = acr * effect / (1 - acr + acr * effect)
    elif measure == "RR":
        risk = acr * effect
    else:
        risk = acr + effect
    return min(1.0, max(0.0, risk))


def _per_1000(difference: float) -> str:
    """'61 more' or '44 fewer' (per 1,000), as GRADEpro prints a risk difference."""
    d = round(1000 * difference)
    return f"{abs(d)} {'more' if d > 0 else 'fewer'}"


def assumed_control_risk(rows) -> tuple[float | None, str]:
    """The median control-group risk of the analysed comparisons, and its basis."""
    risks = [
        r["comparator_events"] / r["comparator_n"]
        for r in rows
        if r.get("comparator_events") is not None and r.get("comparator_n")
    ]
    if not risks:
        return None, ""
    n = len(risks)
    basis = (
        f"median control-group risk of the {n} studies"
        if n > 1
        else "control-group risk of the 1 study"
    )
    return statistics.median(risks), basis


def absolute_comparison(measure: str, acr: float, est: float, lo: float, hi: float) -> str:
    """'61 more per 1,000 (from 44 fewer to 212 more)': the CI limits transformed alike."""
    diff, low, high = (corresponding_risk(measure, acr, x) - acr for x in (est, lo, hi))
    return f"{_per_1000(diff)} per 1,000 (from {_per_1000(low)} to {_per_1000(high)})"


def _outcome_phrase(kind: str, label: str, effect: bool = True) -> str:
    """What the statement calls the outcome: its label up to ', MSC' or '(unit)', or the
    kind's phrase of an effect (``effect``) from :data:`EFFECT_WORDS`."""
    phrase = label.split(", MSC")[0].split(" (")[0].strip()
    # Lower-case the first letter unless it starts an acronym (ALSFRS-R, FVC).
    phrase = phrase if phrase[1:2].isupper() else phrase[:1].lower() + phrase[1:]
    words = EFFECT_WORDS.get(kind, ("{}",))[0] if effect else "{}"
    return words.format(phrase)


def _important(kind: str, measure: str, est: float, acr: float | None, thresholds=None) -> bool:
    """Whether a comparison's point estimate is beyond the appreciable thresholds."""
    t = thresholds or Imprecision()
    if _is_ratio(kind):
        ratio = est
        if measure == "RD":  # judged on the risk ratio it implies at the assumed risk
            ratio = corresponding_risk("RD", acr, est) / acr if acr else 1.0
        low, high = t.ratio_appreciable
        return not low < ratio < high
    return abs(est) >= t.difference(kind)


def statement(
    kind, label, certainty, est=None, measure="OR", acr=None, value="", thresholds=None
) -> str:
    """The plain-language statement of one outcome in GRADE's wording for its certainty
    (``thresholds``: what counts as an appreciable effect, :class:`Imprecision`)."""
    outcome = _outcome_phrase(kind, label, certainty not in UNGRADED_STATEMENTS)
    if certainty in UNGRADED_STATEMENTS:
        return UNGRADED_STATEMENTS[certainty].format(outcome=outcome)
    if kind in EFFECT_WORDS:
        null = 0.0 if measure == "RD" or not _is_ratio(kind) else 1.0
        below, above = EFFECT_WORDS[kind][1:]
        verb_s, verb = below if est < null else above
        important = _important(kind, measure, est, acr, thresholds)
        template = STATEMENTS[certainty][0 if important else 1]
        return template.format(intervention=INTERVENTION, verb_s=verb_s, verb=verb, outcome=outcome)
    aside = "," if "," in outcome else ""  # 'responders, relative slope improvement, with MSC'
    subject = (
        f"The rate of {outcome}{aside} with {INTERVENTION}"
        if kind == "proportion"
        else f"The {outcome}"
    )
    return RATE_STATEMENTS[certainty].format(
        subject=subject, subject_lower=subject[:1].lower() + subject[1:], value=value
    )


def common_rate(pooled, rows, level: float = 0.95) -> tuple[int, int, float, float]:
    """Summed events and participants of a proportion outcome with their exact interval,
    assuming one common rate across studies: pooled.tsv's ``common_rate_*`` columns where
    the analysis wrote them, else Clopper-Pearson on the analysed rows' sums."""
    events = sum(r["events"] for r in rows)
    n = sum(r["n"] for r in rows)
    lo, hi = pooled.get("common_rate_ci_lower"), pooled.get("common_rate_ci_upper")
    if lo is None or hi is None:
        from alsmeta.effects.measures import clopper_pearson  # scipy: only where used

        low, high = clopper_pearson(events, n, level)
        lo, hi = float(low), float(high)
    return events, n, lo, hi


def _rate_text(est: float, lo: float, hi: float) -> str:
    return f"{1000 * est:.0f} per 1,000 ({1000 * lo:.0f} to {1000 * hi:.0f})"


def _unpooled_rates(
    outcome, definition, pooled, rows, weights, judged, rob, level, thresholds=None
) -> Finding:
    """A proportion outcome the model could not pool: its summed counts and exact bound."""
    kind, label = definition["kind"], definition["label"]
    studies = len({r["study_id"] for r in rows})
    events, n, lo, hi = common_rate(pooled, rows, level)
    plural = "study" if studies == 1 else "studies"
    effect = f"{events} event{'' if events == 1 else 's'} in {n} participants ({studies} {plural})"
    absolute = (
        f"{_rate_text(events / n, lo, hi)}: exact {level:.0%} CI on the summed counts, "
        f"{COMMON_RATE_ASSUMPTION}"
    )
    why = "every study has 0 events" if events == 0 else "no random-effects fit"
    downgrades = (
        _risk_of_bias(rows, weights, judged, rob),
        Downgrade("Inconsistency", 0, f"not assessable ({why}; one common rate assumed)"),
        _imprecision(kind, lo, hi, thresholds=thresholds),
        _single_arm(kind, rows, weights),
    )
    certainty = _certainty(downgrades)
    value = f"{1000 * events / n:.0f} per 1,000 (at most {1000 * hi:.0f} per 1,000)"
    return Finding(
        outcome,
        label,
        kind,
        studies,
        n,
        effect,
        absolute,
        certainty,
        downgrades,
        (f"not pooled by the model ({why}), {COMMON_RATE_ASSUMPTION}",),
        tuple(r["effect_id"] for r in rows),
        statement(kind, label, certainty, value=value, thresholds=thresholds),
        wording=(None, "OR", None, value),
    )


#: Where the Bayesian result is the headline (pooling.primary_framework: bayesian), these
#: columns stand in for the frequentist ones: status, posterior median, credible interval,
#: predictive interval.
HEADLINE = {
    "status": "bayes_status",
    "reason": "bayes_reason",
    "estimate": "bayes_estimate",
    "ci_lower": "bayes_cri_lower",
    "ci_upper": "bayes_cri_upper",
    "pi_lower": "bayes_pred_lower",
    "pi_upper": "bayes_pred_upper",
}


def as_headline(pooled: dict) -> dict:
    """A pooled.tsv row with its Bayesian result in the frequentist result's columns."""
    return {**pooled, **{key: pooled.get(column) for key, column in HEADLINE.items()}}


#: How a Bayesian finding names its intervals.
BAYES_WORDS = (("95% CI", "95% CrI"), ("95% PI", "95% predictive interval"))


def _bayesian(pooled: dict) -> dict:
    """The overall pooled row with the Bayesian result in the frequentist columns; I\u00b2
    stays the frequentist one (None where that model did not pool)."""
    view = as_headline(pooled)
    if pooled["status"] != "pooled":
        view["i2_tau2_pct"] = None
    return view


def _bayes_words(text: str) -> str:
    for old, new in BAYES_WORDS:
        text = text.replace(old, new)
    return text


def finding(
    outcome,
    definition,
    pooled,
    rows,
    weights,
    judged=None,
    rob=None,
    level: float = 0.95,
    framework="frequentist",
    thresholds=None,
) -> Finding:
    """The summary-of-findings row for one outcome.

    ``pooled``: its overall pooled.tsv row; ``rows``: its analysed_effects.tsv rows;
    ``weights``: effect_id -> weight % in the overall analysis; ``judged``: study_id ->
    risk-of-bias judgement for the outcome's scope; ``rob``: config ``risk_of_bias``;
    ``level``: of the exact interval of rates that could not be pooled. ``framework``:
    bayesian grades the Bayesian result (posterior median, 95% credible and predictive
    intervals, also for one study or zero events everywhere) where pooled.tsv has one.
    """
    if framework == "bayesian" and rows and pooled.get("bayes_status") == "pooled":
        return _bayesian_finding(
            outcome, definition, pooled, rows, weights, judged, rob, level, thresholds
        )
    kind, label = definition["kind"], definition["label"]
    studies = len({r["study_id"] for r in rows})
    ids = tuple(r["effect_id"] for r in rows)
    if not rows:
        return Finding(
            outcome,
            label,
            kind,
            0,
            0,
            "no study",
            "",
            "No evidence",
            effect_ids=ids,
            statement=statement(kind, label, "No evidence"),
        )
    notes = []
    if pooled["status"] != "pooled" and len(rows) > 1:
        if kind == "proportion":
            return _unpooled_rates(
                outcome, definition, pooled, rows, weights, judged, rob, level, thresholds
            )
        # Several studies the model could not pool: no effect to grade, and no single
        # study stands in for them.
        return Finding(
            outcome,
            label,
            kind,
            studies,
            pooled["n_total"],
            f"not pooled ({studies} studies; see the results)",
            "",
            "Not assessed",
            (),
            (f"{studies} studies, not pooled",),
            ids,
            statement(kind, label, "Not assessed"),
        )
    if pooled["status"] == "pooled":
        est, lo, hi = pooled["estimate"], pooled["ci_lower"], pooled["ci_upper"]
        participants = pooled["n_total"]
        fit = pooled
    else:
        one = rows[0]
        est, lo, hi = one["estimate"], one["ci_lower"], one["ci_upper"]
        participants = (one.get("n") or 0) + (one.get("comparator_n") or 0)
        fit = None
        notes.append("one study, not pooled")
    measure = _measure(definition) if _is_ratio(kind) else ""
    acr, basis = assumed_control_risk(rows) if _is_ratio(kind) else (None, "")
    value = ""
    if kind == "proportion":
        effect = f"{_pct(est)} (95% CI {_pct(lo)} to {_pct(hi)})"
        absolute = _rate_text(est, lo, hi)
        value = f"{1000 * est:.0f} per 1,000"
        if fit is not None and fit.get("marginal_estimate") is not None:
            # The GLMM's estimate is a typical study's rate; its population average differs
            # where studies vary (pooled.tsv marginal_* columns).
            marginal = [fit[f"marginal_{c}"] for c in ("estimate", "ci_lower", "ci_upper")]
            notes.append(f"a typical study's rate (population-averaged: {_rate_text(*marginal)})")
    elif _is_ratio(kind):
        effect = f"{measure} {est:.2f} (95% CI {lo:.2f} to {hi:.2f})"
        absolute = (
            absolute_comparison(measure, acr, est, lo, hi)
            if acr is not None
            else "no control-group risk among the analysed studies"
        )
    elif kind == "slope_change":
        effect = f"mean change {est:.2f} points/month (95% CI {lo:.2f} to {hi:.2f})"
        absolute = f"{est:.2f} points/month ({12 * est:.1f} points/year) {_direction(est)}"
        value = f"{est:+.2f} points/month ({_direction(est)})"
    elif KINDS[kind].unit != "points/month":
        unit = KINDS[kind].unit
        name = "mean change" if kind == "fvc_slope_change" else "MD"
        effect = f"{name} {est:.2f} {unit} (95% CI {lo:.2f} to {hi:.2f})"
        absolute = f"{abs(est):.2f} {unit} {'better' if est > 0 else 'worse'} with MSC"
        value = f"{est:+.2f} {unit}"
    else:
        effect = f"MD {est:.2f} points/month (95% CI {lo:.2f} to {hi:.2f})"
        absolute = (
            f"{abs(est):.2f} points/month {_direction(est)} than control "
            f"({12 * est:.1f} points/year)"
        )
    downgrades = (
        _risk_of_bias(rows, weights, judged, rob),
        _inconsistency(kind, fit),
        _imprecision(kind, lo, hi, measure, thresholds, rows),
        _single_arm(kind, rows, weights),
    )
    certainty = _certainty(downgrades)
    return Finding(
        outcome,
        label,
        kind,
        studies,
        participants,
        effect,
        absolute,
        certainty,
        downgrades,
        tuple(notes),
        ids,
        statement(kind, label, certainty, est, measure or "OR", acr, value, thresholds),
        acr,
        basis,
        (est, measure or "OR", acr, value),
    )


def _bayesian_finding(
    outcome, definition, pooled, rows, weights, judged, rob, level, thresholds=None
) -> Finding:
    view = _bayesian(pooled)
    one = len(rows) == 1
    if one:  # graded as pooled, but with no heterogeneity to assess
        view["status"] = "pooled"
    f = finding(outcome, definition, view, rows, weights, judged, rob, level, thresholds=thresholds)
    downgrades = tuple(
        Downgrade(d.domain, 0, "not assessable (one study)")
        if one and d.domain == "Inconsistency"
        else replace(d, reason=_bayes_words(d.reason))
        for d in f.downgrades
    )
    note = (
        f"Bayesian random effects ({pooled['bayes_model']} model; {pooled['bayes_prior']}): "
        "posterior median with 95% credible interval"
    )
    certainty = _certainty(downgrades)
    return replace(
        f,
        effect=_bayes_words(f.effect),
        certainty=certainty,
        downgrades=downgrades,
        notes=(note, *f.notes),
        statement=(
            statement(f.kind, f.label, certainty, *f.wording, thresholds=thresholds)
            if f.wording
            else f.statement
        ),
    )


def _direction(est: float) -> str:
    return "slower decline" if est > 0 else "faster decline" if est < 0 else "no change"


def _outcome_inputs(outcome, pooled, analysed, weights, assessed, rob):
    """An outcome's overall pooled row, analysed rows, overall weights (effect_id -> %) and
    risk-of-bias judgements (study_id -> Judgement for the outcome's scope)."""
    overall = next(
        r for r in pooled if r["outcome"] == outcome and r["subgroup_variable"] == "overall"
    )
    rows = [r for r in analysed if r["outcome"] == outcome]
    w = {
        x["effect_id"]: x["weight_pct"]
        for x in weights
        if x["outcome"] == outcome and x["subgroup_variable"] == "overall"
    }
    judged = {
        r["study_id"]: j
        for r in rows
        if (j := judgement_for(assessed or {}, r["study_id"], outcome, rob)) is not None
    }
    return overall, rows, w, judged


def weighted_risk_of_bias(outcomes, labels, pooled, analysed, weights, assessed, rob) -> list:
    """(label, k, {level: % of the weight}) per outcome with a study, in ``outcomes`` order:
    how much of each analysis rests on studies at each risk of bias (the GRADE domain's
    inputs, drawn as the weighted summary plot)."""
    out = []
    for outcome in outcomes:
        _, rows, w, judged = _outcome_inputs(outcome, pooled, analysed, weights, assessed, rob)
        if rows:
            k = len({r["study_id"] for r in rows})
            out.append((labels[outcome], k, risk_of_bias_weights(rows, w, judged, rob)))
    return out


def findings(
    outcomes,
    definitions,
    pooled,
    analysed,
    weights,
    assessed=None,
    rob=None,
    level: float = 0.95,
    framework="frequentist",
    grade: dict | None = None,
) -> list[Finding]:
    """Summary-of-findings rows for every outcome, from the pipeline's tables, graded on
    the ``framework`` (pooling.primary_framework) result; ``assessed``: the risk-of-bias
    judgements (:func:`alsmeta.io.risk_of_bias.assessments`), ``rob``: config
    ``risk_of_bias``; ``level``: of exact intervals on summed counts; ``grade``: config
    ``grade`` (imprecision thresholds; None: the kinds registry's, no information size)."""
    thresholds = Imprecision.from_config(grade)
    out = []
    for outcome in outcomes:
        overall, rows, w, judged = _outcome_inputs(
            outcome, pooled, analysed, weights, assessed, rob
        )
        out.append(
            finding(
                outcome,
                definitions[outcome],
                overall,
                rows,
                w,
                judged,
                rob,
                level,
                framework,
                thresholds,
            )
        )
    return out


def table_rows(items: list[Finding]) -> list[dict]:
    """summary_of_findings.tsv rows."""
    rows = []
    for f in items:
        by = {d.domain: d for d in f.downgrades}

        def cell(domain, by=by):
            d = by.get(domain)
            return f"-{d.levels}: {d.reason}" if d and d.levels else (d.reason if d else "")

        rows.append(
            {
                "outcome": f.outcome,
                "label": f.label,
                "studies": f.studies,
                "participants": f.participants,
                "effect": f.effect,
                "absolute_effect": f.absolute,
                "assumed_control_risk": f.assumed_control_risk,
                "assumed_control_risk_basis": f.assumed_control_risk_basis,
                "statement": f.statement,
                "certainty": f.certainty,
                "risk_of_bias": cell("Risk of bias"),
                "inconsistency": cell("Inconsistency"),
                "imprecision": cell("Imprecision"),
                "single_arm": cell("Single-arm designs"),
                "notes": "; ".join(f.notes),
                "effect_ids": ";".join(f.effect_ids),
            }
        )
    return rows
