"""One outcome's summary-of-findings row: its headline result (the framework
:func:`alsmeta.analysis.headline.headline_framework` picks, the other beside it), its
absolute effect, start level, every GRADE domain, certainty and plain-language statement.

The rules are applied to the pipeline's tables and the recorded judgements only, so the
same inputs always give the same certainty; :mod:`alsmeta.analysis.grade.rules` prints
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.analysis.grade import (
    imprecision,
    inconsistency,
    indirectness,
    publication_bias,
    risk_of_bias,
    upgrading,
)
from alsmeta.analysis.grade.absolute import (
    COMMON_RATE_ASSUMPTION,
    absolute_comparison,
    assumed_control_risk,
    common_rate,
    counts_text,
    rate_text,
)
from alsmeta.analysis.grade.evidence import Evidence, evidence_of
from alsmeta.analysis.grade.judgements import override, recorded
from alsmeta.analysis.grade.levels import SYMBOLS, Rating, certainty, level_label
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.grade.start import Start, start
from alsmeta.analysis.grade.wording import statement
from alsmeta.analysis.headline import BAYESIAN, FREQUENTIST, bayesian_view, headline_framework
from alsmeta.kinds import KINDS, is_event_rate


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
    ratings: tuple[Rating, ...] = ()
    notes: tuple[str, ...] = ()
    effect_ids: tuple[str, ...] = ()
    statement: str = ""
    assumed_control_risk: float | None = None
    assumed_control_risk_basis: str = ""
    framework: str = ""
    other_framework: str = ""
    events: str = ""
    start: Start | None = None
    importance: str = ""
    follow_up: str = ""

    @property
    def symbols(self) -> str:
        return SYMBOLS.get(self.certainty, "")

    def rating(self, domain: str) -> Rating | None:
        return next((r for r in self.ratings if r.domain == domain), None)


@dataclass(frozen=True)
class Result:
    """One framework's result as the row shows it: point estimate, interval, prediction
    interval, I² (None: not estimable), and the names of its intervals."""

    estimate: float
    lower: float
    upper: float
    pi_lower: float | None
    pi_upper: float | None
    i2: float | None
    ci_name: str
    pi_name: str
    pooled: bool  # several studies pooled (heterogeneity assessable)


def _studies(k: int) -> str:
    return f"{k} {'study' if k == 1 else 'studies'}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _result(pooled: dict, framework: str, rows, level: float) -> Result | None:
    """The headline ``framework``'s result, or None where it has none to grade."""
    label = level_label(level)
    if framework == BAYESIAN:
        view = bayesian_view(pooled)
        i2 = pooled.get("i2_tau2_pct") if pooled["status"] == "pooled" else None
        return Result(
            view["estimate"],
            view["ci_lower"],
            view["ci_upper"],
            view["pi_lower"],
            view["pi_upper"],
            i2,
            f"{label} CrI",
            f"{label} predictive interval",
            len(rows) > 1,
        )
    if pooled["status"] == "pooled":
        marginal = pooled.get("marginal_estimate") is not None
        # A GLMM rate: its population-averaged rate is the average rate across studies.
        est, lo, hi = (
            (pooled[f"marginal_{c}"] for c in ("estimate", "ci_lower", "ci_upper"))
            if marginal
            else (pooled[c] for c in ("estimate", "ci_lower", "ci_upper"))
        )
        return Result(
            est,
            lo,
            hi,
            pooled["pi_lower"],
            pooled["pi_upper"],
            pooled["i2_tau2_pct"],
            f"{label} CI",
            f"{label} PI",
            True,
        )
    if len(rows) == 1:
        one = rows[0]
        return Result(
            one["estimate"],
            one["ci_lower"],
            one["ci_upper"],
            None,
            None,
            None,
            f"{label} CI",
            f"{label} PI",
            False,
        )
    return None


def _measure(definition) -> str:
    """OR, RR or RD of a comparison of counts (a responder comparison is an odds ratio)."""
    if definition["kind"] == "binary_comparison":
        return definition.get("measure", "OR")
    return "OR"


def _effect_text(kind, measure, r: Result, framework, average: bool) -> str:
    """The headline effect as the row shows it."""
    interval = f"({r.ci_name} {{}} to {{}})"
    if is_event_rate(kind):
        name = (
            "average rate across studies"
            if average
            else "rate of a typical study (Bayesian posterior median)"
            if framework == BAYESIAN
            else "rate of the one study"
        )
        return f"{name} {_pct(r.estimate)} " + interval.format(_pct(r.lower), _pct(r.upper))
    if KINDS[kind].log_scale:
        return f"{measure} {r.estimate:.2f} " + interval.format(f"{r.lower:.2f}", f"{r.upper:.2f}")
    unit = KINDS[kind].unit
    name = "mean change" if KINDS[kind].shows == "within_arm" else "MD"
    return f"{name} {r.estimate:.2f} {unit} " + interval.format(f"{r.lower:.2f}", f"{r.upper:.2f}")


def _other_text(kind, measure, pooled, framework, level) -> str:
    """The other framework's result, and for a GLMM rate its typical-study rate."""
    label = level_label(level)
    parts = []
    if is_event_rate(kind) and pooled["status"] == "pooled" and framework == FREQUENTIST:
        if pooled.get("marginal_estimate") is not None:
            parts.append(
                f"rate of a typical study, expit(\u03bc), {_pct(pooled['estimate'])} "
                f"({label} CI {_pct(pooled['ci_lower'])} to {_pct(pooled['ci_upper'])})"
            )
    fmt = _pct if is_event_rate(kind) else (lambda x: f"{x:.2f}")
    if KINDS[kind].log_scale:
        prefix = f"{measure} "
    else:
        prefix = "mean change " if KINDS[kind].shows == "within_arm" else "MD "
    if framework == FREQUENTIST:
        if pooled.get("bayes_status") == "pooled":
            what = "typical-study rate " if is_event_rate(kind) else prefix
            parts.append(
                f"Bayesian {what}{fmt(pooled['bayes_estimate'])} ({label} CrI "
                f"{fmt(pooled['bayes_cri_lower'])} to {fmt(pooled['bayes_cri_upper'])})"
            )
        else:
            parts.append("Bayesian: not pooled")
    elif pooled["status"] == "pooled":
        if is_event_rate(kind) and pooled.get("marginal_estimate") is not None:
            parts.append(
                f"frequentist average rate across studies {_pct(pooled['marginal_estimate'])} "
                f"({label} CI {_pct(pooled['marginal_ci_lower'])} to "
                f"{_pct(pooled['marginal_ci_upper'])})"
            )
        what = "typical-study rate " if is_event_rate(kind) else prefix
        parts.append(
            f"frequentist {what}{fmt(pooled['estimate'])} ({label} CI "
            f"{fmt(pooled['ci_lower'])} to {fmt(pooled['ci_upper'])})"
        )
    else:
        parts.append(f"frequentist: not pooled ({pooled.get('reason') or 'one study'})")
    return "; ".join(parts)


def _absolute_text(kind, measure, r: Result, acr, follow_up) -> str:
    if is_event_rate(kind):
        return rate_text(r.estimate, r.lower, r.upper)
    if KINDS[kind].log_scale:
        if acr is None:
            return "no control-group risk among the analysed studies"
        return absolute_comparison(measure, acr, r.estimate, r.lower, r.upper)
    unit, est = KINDS[kind].unit, r.estimate
    if unit in ("points/month", "% predicted/month"):
        direction = "slower decline" if est > 0 else "faster decline" if est < 0 else "no change"
        than = "than before MSC" if KINDS[kind].shows == "within_arm" else "than control"
        # Per month as measured, over the follow-up observed: never extrapolated to a year.
        return f"{abs(est):.2f} {unit} {direction} {than}, over {follow_up} of follow-up"
    better = "better" if est > 0 else "worse"
    return f"{abs(est):.2f} {unit} {better} with MSC, over {follow_up} of follow-up"


def _ungraded(evidence, definition, certainty_word, effect, notes=(), settings=None):
    kind, label = definition["kind"], definition["label"]
    importance, default = (settings or GradeSettings()).importance_of(evidence.outcome)
    return Finding(
        evidence.outcome,
        label,
        kind,
        evidence.studies,
        sum((r.get("n") or 0) + (r.get("comparator_n") or 0) for r in evidence.rows),
        effect,
        "",
        certainty_word,
        notes=tuple(notes),
        effect_ids=tuple(r["effect_id"] for r in evidence.rows),
        statement=statement(kind, label, certainty_word),
        importance=importance.replace("_", " ")
        + (" (grade.default_importance)" if default else ""),
        follow_up=evidence.follow_up() if evidence.rows else "",
    )


def _ratings(evidence, kind, measure, r, begin, settings, judged, small_study) -> tuple:
    """Every domain's rating, recorded judgements in place of the rules they replace."""
    rob = override(risk_of_bias.rating(evidence, settings.risk_of_bias), judged.get("risk_of_bias"))
    view = (
        {
            "ci_lower": r.lower,
            "ci_upper": r.upper,
            "pi_lower": r.pi_lower,
            "pi_upper": r.pi_upper,
            "i2_tau2_pct": r.i2,
        }
        if r is not None and r.pooled and r.pi_lower is not None
        else None
    )
    ratings = [
        rob,
        override(
            inconsistency.rating(
                kind,
                view,
                r.pi_name,
                "one study" if evidence.studies == 1 else "not pooled; one common rate assumed",
            ),
            judged.get("inconsistency"),
        ),
        override(
            indirectness.rating(evidence, settings, judged.get("indirectness_outcome")),
            judged.get("indirectness"),
        ),
        override(
            imprecision.rating(
                kind, r.lower, r.upper, r.ci_name, measure, settings.imprecision, evidence.rows
            ),
            judged.get("imprecision"),
        ),
        override(
            publication_bias.rating(small_study, evidence.outcome, settings),
            judged.get("publication_bias"),
        ),
        override(
            upgrading.large_effect(kind, begin.level, rob.levels, r.lower, r.upper, settings),
            judged.get("large_effect"),
        ),
        override(
            upgrading.recorded_only(upgrading.DOSE_RESPONSE, begin.level),
            judged.get("dose_response"),
        ),
        override(
            upgrading.recorded_only(upgrading.CONFOUNDING, begin.level),
            judged.get("plausible_confounding"),
        ),
    ]
    return tuple(ratings)


def finding(
    evidence: Evidence,
    definition: dict,
    pooled: dict,
    settings: GradeSettings | None = None,
    judgements=(),
    small_study=(),
) -> Finding:
    """The summary-of-findings row of one outcome.

    ``pooled``: its overall pooled.tsv row; ``settings``: :class:`GradeSettings`;
    ``judgements``: data/grade_judgements.tsv rows; ``small_study``: small_study.tsv rows.
    """
    settings = settings or GradeSettings()
    kind, label = definition["kind"], definition["label"]
    rows = evidence.rows
    if not rows:
        return _ungraded(evidence, definition, "No evidence", "no study", settings=settings)
    framework = headline_framework(
        pooled, kind, settings.headline, settings.bayesian_headline_max_k
    )
    result = _result(pooled, framework, rows, settings.level)
    events = ""
    notes = []
    if is_event_rate(kind):
        total_events, n, lo, hi = common_rate(pooled, rows, settings.level)
        events = f"{counts_text(total_events, n)} ({_studies(evidence.studies)})"
    if result is None and is_event_rate(kind):
        # Several studies no model could pool: their summed counts, with an exact interval.
        why = "every study has 0 events" if total_events == 0 else "no random-effects fit"
        label_ = level_label(settings.level)
        result = Result(total_events / n, lo, hi, None, None, None, f"exact {label_} CI", "", False)
        effect = f"{counts_text(total_events, n)} ({_studies(evidence.studies)})"
        absolute = (
            f"{rate_text(total_events / n, lo, hi)}: exact {label_} CI on the summed counts, "
            f"{COMMON_RATE_ASSUMPTION}"
        )
        notes.append(f"not pooled by the model ({why}), {COMMON_RATE_ASSUMPTION}")
        value = f"{1000 * total_events / n:.0f} per 1,000 (at most {1000 * hi:.0f} per 1,000)"
        measure, acr, basis = "", None, ""
    elif result is None:
        return _ungraded(
            evidence,
            definition,
            "Not assessed",
            f"not pooled ({evidence.studies} studies; see the results)",
            (f"{evidence.studies} studies, not pooled",),
            settings,
        )
    else:
        measure = _measure(definition) if KINDS[kind].log_scale else ""
        acr, basis = assumed_control_risk(rows) if KINDS[kind].log_scale else (None, "")
        average = (
            is_event_rate(kind)
            and framework == FREQUENTIST
            and pooled.get("marginal_estimate") is not None
        )
        effect = _effect_text(kind, measure, result, framework, average)
        absolute = _absolute_text(kind, measure, result, acr, evidence.follow_up())
        value = (
            f"{1000 * result.estimate:.0f} per 1,000"
            + (" (average across studies)" if average else " (a typical study)")
            if is_event_rate(kind)
            else ""
        )
        if not result.pooled and framework == FREQUENTIST:
            notes.append("one study, not pooled")
        if framework == BAYESIAN:
            notes.append(
                f"Bayesian random effects ({pooled['bayes_model']} model; "
                f"{pooled['bayes_prior']}): posterior median with central credible interval"
            )
    begin = start(evidence, settings)
    judged = recorded(judgements, evidence.outcome)
    ratings = _ratings(
        evidence, kind, measure or "OR", result, begin, settings, judged, small_study
    )
    graded = certainty(begin.level, ratings)
    importance, default = settings.importance_of(evidence.outcome)
    participants = (
        pooled["n_total"]
        if pooled.get("n_total")
        else sum((r.get("n") or 0) + (r.get("comparator_n") or 0) for r in rows)
    )
    return Finding(
        evidence.outcome,
        label,
        kind,
        evidence.studies,
        participants,
        effect,
        absolute,
        graded,
        ratings,
        tuple(notes),
        tuple(r["effect_id"] for r in rows),
        statement(
            kind, label, graded, result.estimate, measure or "OR", acr, value, settings.imprecision
        ),
        acr,
        basis,
        framework,
        _other_text(kind, measure, pooled, framework, settings.level),
        events,
        begin,
        importance.replace("_", " ") + (" (grade.default_importance)" if default else ""),
        evidence.follow_up(),
    )


def findings(
    outcomes,
    definitions,
    pooled,
    analysed,
    weights,
    assessed=None,
    settings: GradeSettings | None = None,
    judgements=(),
    small_study=(),
) -> list[Finding]:
    """Summary-of-findings rows for every outcome, from the pipeline's tables:
    pooled.tsv, analysed_effects.tsv and weights.tsv rows, the risk-of-bias assessments
    (:func:`alsmeta.io.risk_of_bias.assessments`), the recorded judgements and
    small_study.tsv."""
    settings = settings or GradeSettings()
    out = []
    for outcome in outcomes:
        overall = next(
            r for r in pooled if r["outcome"] == outcome and r["subgroup_variable"] == "overall"
        )
        kind = definitions[outcome]["kind"]
        evidence = evidence_of(outcome, kind, analysed, weights, assessed, settings.risk_of_bias)
        out.append(
            finding(evidence, definitions[outcome], overall, settings, judgements, small_study)
        )
    return out


def weighted_risk_of_bias(outcomes, definitions, analysed, weights, assessed, rob) -> list:
    """(label, k, {level: % of the weight}) per outcome with a study, in ``outcomes`` order:
    how much of each analysis rests on studies at each risk of bias (the GRADE domain's
    inputs, drawn as the weighted summary plot)."""
    out = []
    for outcome in outcomes:
        kind = definitions[outcome]["kind"]
        evidence = evidence_of(outcome, kind, analysed, weights, assessed, rob)
        if evidence.rows:
            out.append(
                (
                    definitions[outcome]["label"],
                    evidence.studies,
                    risk_of_bias.weights_by_level(evidence, rob),
                )
            )
    return out
