"""Summary of findings: a GRADE-style row per outcome, with rule-based certainty.

Certainty starts at High and each domain below may take it down; every downgrade carries
the numbers that triggered it. The rules are fixed here, printed in the report
(:data:`RULES`), and applied to the pipeline's tables only, so the same tables always give
the same certainty. They are a transparent first pass for a guideline panel to revise, not
a substitute for its judgement (GRADE Handbook, Schünemann et al. 2013).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from alsmeta.kinds import KINDS

LEVELS = ("Very low", "Low", "Moderate", "High")
#: GRADE's symbols: one filled circle per level, from one (Very low) to four (High).
SYMBOLS = {
    level: "\u2295" * filled + "\u25cb" * (len(LEVELS) - filled)
    for filled, level in enumerate(LEVELS, start=1)
}

#: Designs without randomisation but with a control group (selection bias).
NONRANDOMISED = ("nonrandomized_controlled", "case_control_external")
#: Designs without any control group.
UNCONTROLLED = ("single_arm", "case_report")
#: Half-width thresholds for imprecision.
#: Thresholds, from the kinds registry: CI width in events per 1,000 (serious, very
#: serious); an appreciable slope difference; GRADE's appreciable benefit and harm of ratios.
PROPORTION_WIDTH = KINDS["proportion"].appreciable
SLOPE_MEANINGFUL = KINDS["slope_change"].appreciable[0]
RATIO_APPRECIABLE = KINDS["binary_comparison"].appreciable

RULES = (
    (
        "Start",
        "Every outcome starts at High. GRADE's rule that observational evidence starts at Low "
        "is replaced by the two design domains below, so that each reason is named.",
    ),
    (
        "Risk of bias (design and evidence tier)",
        "Down one level when studies that are non-randomised controlled or externally "
        "controlled (designs nonrandomized_controlled, case_control_external), or whose "
        "numbers come from a secondary source (evidence tier 'secondary'), carry 50% or more "
        "of the weight (the whole evidence for a single study). Weight means the "
        "inverse-variance weight; for a GLMM analysis, which has none, the share of participants.",
    ),
    (
        "Inconsistency (I\u00b2 and prediction interval)",
        "Down one level when the \u03c4\u00b2-based I\u00b2 is 50% or more, two when it is 75% or "
        "more; for a comparison, also down one level when the 95% prediction interval includes "
        "no effect while the CI does not. Not assessable with one study (not downgraded).",
    ),
    (
        "Imprecision (CI width)",
        f"Proportions: down one level when the 95% CI spans {PROPORTION_WIDTH[0]} or more events "
        f"per 1,000, two when it spans {PROPORTION_WIDTH[1]} or more. Slopes (points/month): "
        f"down one level when the 95% CI includes 0 or is wider than {2 * SLOPE_MEANINGFUL:g}, "
        f"two when it includes both \u2212{SLOPE_MEANINGFUL:g} and +{SLOPE_MEANINGFUL:g} "
        "(appreciable harm and benefit); the same thresholds apply to other differences in "
        "their own units. Odds ratios: down one level when the 95% CI includes 1, two when it "
        "includes both 0.75 and 1.25 (GRADE's default appreciable benefit and harm).",
    ),
    (
        "Single-arm designs",
        "Down one level when single-arm studies or case reports carry 50% or more of the "
        "weight, or when the outcome pools treated arms without a comparator (adverse-event "
        "rates, within-arm slope changes): events and changes cannot then be attributed to MSC.",
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
        "Not assessed: a funnel plot needs 10 or more studies and no asymmetry test is "
        "computed by this version of the pipeline. Not downgraded.",
    ),
)


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


def _risk_of_bias(rows, weights):
    def flagged(r):
        return r["design"] in NONRANDOMISED or r["tier"] == "secondary"

    share = _share(rows, weights, flagged)
    names = sorted({r["label"] for r in rows if flagged(r)})
    if share >= 50:
        return Downgrade(
            "Risk of bias",
            1,
            f"{share:.0f}% of the weight from non-randomised or secondary-source evidence "
            f"({', '.join(names)})",
        )
    detail = f" ({', '.join(names)}: {share:.0f}% of the weight)" if names else ""
    return Downgrade("Risk of bias", 0, f"not serious{detail}")


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


def _imprecision(kind, lower, upper):
    if _is_ratio(kind):
        low, high = RATIO_APPRECIABLE
        if lower <= low and upper >= high:
            levels, why = 2, f"includes both {low:g} and {high:g}"
        elif lower <= 1 <= upper:
            levels, why = 1, "includes no effect (1)"
        else:
            levels, why = 0, "excludes 1"
        reason = f"95% CI {lower:.2f} to {upper:.2f} (odds ratio) {why}"
        return Downgrade("Imprecision", levels, reason if levels else f"not serious ({reason})")
    if kind == "proportion":
        width = 1000 * (upper - lower)
        levels = 2 if width >= PROPORTION_WIDTH[1] else 1 if width >= PROPORTION_WIDTH[0] else 0
        reason = (
            f"95% CI {1000 * lower:.0f} to {1000 * upper:.0f} per 1,000 spans {width:.0f} per 1,000"
        )
    else:
        m = SLOPE_MEANINGFUL
        if lower <= -m and upper >= m:
            levels, why = 2, f"includes both \u2212{m:g} and +{m:g}"
        elif lower <= 0 <= upper:
            levels, why = 1, "includes no effect"
        elif upper - lower > 2 * m:
            levels, why = 1, f"is {upper - lower:.2f} wide (> {2 * m:g})"
        else:
            levels, why = 0, f"is {upper - lower:.2f} wide"
        reason = f"95% CI {lower:.2f} to {upper:.2f} {KINDS[kind].unit} {why}"
    return Downgrade("Imprecision", levels, reason if levels else f"not serious ({reason})")


def _single_arm(kind, rows, weights):
    share = _share(rows, weights, lambda r: r["design"] in UNCONTROLLED)
    if kind in ("proportion", "slope_change", "fvc_slope_change"):
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


def finding(outcome, definition, pooled, rows, weights, framework="frequentist") -> Finding:
    """The summary-of-findings row for one outcome.

    ``pooled``: its overall pooled.tsv row; ``rows``: its analysed_effects.tsv rows;
    ``weights``: effect_id -> weight % in the overall analysis. ``framework``: bayesian
    grades the Bayesian result (posterior median, 95% credible and predictive intervals,
    also for one study or zero events everywhere) where pooled.tsv has one.
    """
    if framework == "bayesian" and rows and pooled.get("bayes_status") == "pooled":
        return _bayesian_finding(outcome, definition, pooled, rows, weights)
    kind, label = definition["kind"], definition["label"]
    studies = len({r["study_id"] for r in rows})
    ids = tuple(r["effect_id"] for r in rows)
    if not rows:
        return Finding(outcome, label, kind, 0, 0, "no study", "", "No evidence", effect_ids=ids)
    notes = []
    if pooled["status"] != "pooled" and len(rows) > 1:
        # Several studies the model could not pool: no effect to grade, and no single
        # study stands in for them.
        return Finding(
            outcome,
            label,
            kind,
            studies,
            pooled["n_total"],
            f"not pooled: {pooled['reason']}",
            "",
            "Not assessed",
            (),
            (f"{studies} studies, not pooled",),
            ids,
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
        notes.append(f"one study, not pooled ({pooled['reason']})")
    if kind == "proportion":
        effect = f"{_pct(est)} (95% CI {_pct(lo)} to {_pct(hi)})"
        absolute = f"{1000 * est:.0f} per 1,000 ({1000 * lo:.0f} to {1000 * hi:.0f})"
    elif _is_ratio(kind):
        effect = f"OR {est:.2f} (95% CI {lo:.2f} to {hi:.2f})"
        absolute = "not computed (needs a control-group risk)"
    elif kind == "slope_change":
        effect = f"mean change {est:.2f} points/month (95% CI {lo:.2f} to {hi:.2f})"
        absolute = f"{est:.2f} points/month ({12 * est:.1f} points/year) {_direction(est)}"
    elif KINDS[kind].unit != "points/month":
        unit = KINDS[kind].unit
        name = "mean change" if kind == "fvc_slope_change" else "MD"
        effect = f"{name} {est:.2f} {unit} (95% CI {lo:.2f} to {hi:.2f})"
        absolute = f"{abs(est):.2f} {unit} {'better' if est > 0 else 'worse'} with MSC"
    else:
        effect = f"MD {est:.2f} points/month (95% CI {lo:.2f} to {hi:.2f})"
        absolute = (
            f"{abs(est):.2f} points/month {_direction(est)} than control "
            f"({12 * est:.1f} points/year)"
        )
    downgrades = (
        _risk_of_bias(rows, weights),
        _inconsistency(kind, fit),
        _imprecision(kind, lo, hi),
        _single_arm(kind, rows, weights),
    )
    return Finding(
        outcome,
        label,
        kind,
        studies,
        participants,
        effect,
        absolute,
        _certainty(downgrades),
        downgrades,
        tuple(notes),
        ids,
    )


def _bayesian_finding(outcome, definition, pooled, rows, weights) -> Finding:
    view = _bayesian(pooled)
    one = len(rows) == 1
    if one:  # graded as pooled, but with no heterogeneity to assess
        view["status"] = "pooled"
    f = finding(outcome, definition, view, rows, weights)
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
    return replace(
        f,
        effect=_bayes_words(f.effect),
        certainty=_certainty(downgrades),
        downgrades=downgrades,
        notes=(note, *f.notes),
    )


def _direction(est: float) -> str:
    return "slower decline" if est > 0 else "faster decline" if est < 0 else "no change"


def findings(outcomes, definitions, pooled, analysed, weights, framework="frequentist"):
    """Summary-of-findings rows for every outcome, from the pipeline's tables, graded on
    the ``framework`` (pooling.primary_framework) result."""
    out = []
    for outcome in outcomes:
        overall = next(
            r for r in pooled if r["outcome"] == outcome and r["subgroup_variable"] == "overall"
        )
        rows = [r for r in analysed if r["outcome"] == outcome]
        w = {
            x["effect_id"]: x["weight_pct"]
            for x in weights
            if x["outcome"] == outcome and x["subgroup_variable"] == "overall"
        }
        out.append(finding(outcome, definitions[outcome], overall, rows, w, framework))
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
