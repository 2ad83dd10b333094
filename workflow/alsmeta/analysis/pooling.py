"""Pool every analysis the outcomes define: overall and within each subgroup level.

One row of ``pooled.tsv`` per analysis. All inverse-variance analyses of a run are
fitted by one :func:`alsmeta.stats.random_effects.fit_batch` call; proportions pooled with the
binomial-normal GLMM are fitted one model each (there are few of them). An analysis
that cannot be pooled is a row with ``status = not_pooled`` and the reason.

Subgroup rows carry the test for subgroup differences in both forms (see
:mod:`alsmeta.stats.meta_regression`): ``qm_*`` with a common tau^2, ``q_between_*`` with a
separate tau^2 per subgroup (RevMan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from alsmeta.analysis import binary_models
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.effects.measures import back_transform, clopper_pearson
from alsmeta.kinds import is_event_rate, pooled_on_log_scale
from alsmeta.kinds import scales as kind_scales
from alsmeta.stats.meta_regression import indicator_matrix, meta_regression, q_between
from alsmeta.stats.random_effects import PoolingError, Settings, fit_batch

#: The pooled values reported on the natural scale (back-transformed by :func:`to_natural`).
NATURAL_FIELDS = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")
#: What a pooled row says first: whether it pooled, on how many studies and participants,
#: and the result on the natural scale (also the head of each variants.tsv row).
RESULT_COLUMNS = ("status", "reason", "k", "n_total", "k_n_unreported", "scale", *NATURAL_FIELDS)
#: Proportion analyses only (empty otherwise), on the natural scale: what ``estimate``
#: means; for a GLMM the population-averaged rate beside it; and, for every proportion
#: analysis pooled or not, the summed counts with an exact interval under one common rate.
RATE_COLUMNS = (
    "estimate_label",
    "marginal_estimate",
    "marginal_ci_lower",
    "marginal_ci_upper",
    "marginal_label",
    "marginal_ci_method",
    "events_total",
    "common_rate_estimate",
    "common_rate_ci_lower",
    "common_rate_ci_upper",
    "common_rate_label",
)
CONDITIONAL_LABEL = "conditional median rate (typical study)"
MARGINAL_LABEL = "population-averaged rate"
POOLED_COLUMNS = [
    "outcome",
    "outcome_label",
    "subgroup_variable",
    "subgroup_level",
    *RESULT_COLUMNS,
    *RATE_COLUMNS,
    "analysis_scale",
    "estimate_analysis",
    "se_analysis",
    "statistic",
    "df",
    "p_value",
    "tau2",
    "tau2_ci_lower",
    "tau2_ci_upper",
    "i2_tau2_pct",
    "i2_tau2_ci_lower_pct",
    "i2_tau2_ci_upper_pct",
    "i2_q_pct",
    "h2",
    "q",
    "q_df",
    "q_p",
    "method",
    "estimator",
    "estimator_used",
    "inference",
    "ci_method",
    "pi_method",
    "note",
    "qm",
    "qm_df1",
    "qm_df2",
    "qm_p",
    "qm_test",
    "q_between",
    "q_between_df",
    "q_between_p",
    "effect_ids",
    *binary_models.COLUMNS,
]
WEIGHT_COLUMNS = ["outcome", "subgroup_variable", "subgroup_level", "effect_id", "weight_pct"]


@dataclass
class Analysis:
    outcome: str
    definition: dict
    variable: str
    level: str
    rows: list

    @property
    def kind(self):
        return self.definition["kind"]


def scales(analysis: Analysis) -> tuple[str, str]:
    """(natural scale, analysis scale) of an analysis (see :func:`alsmeta.kinds.scales`)."""
    measure = analysis.rows[0].get("measure") if analysis.rows else None
    if analysis.kind == "binary_comparison":
        measure = analysis.definition.get("measure", "OR")
    return kind_scales(analysis.definition, measure)


def to_natural(definition: dict, rows: list[dict], values) -> list[float]:
    """Pooled values on the analysis scale of ``rows`` (one analysis' rows) on the natural
    scale: the proportion measure's inverse (PFT with the harmonic mean of the n),
    exp() for log ratios, unchanged for differences and RD. The one back-transform every
    table and figure uses."""
    kind = definition["kind"]
    if is_event_rate(kind):
        measure = rows[0].get("measure", "PLO") if rows else "PLO"
        ns = [r["n"] for r in rows]
        harmonic = len(ns) / sum(1.0 / n for n in ns) if ns else None
        return [float(x) for x in back_transform(measure, values, harmonic)]
    if pooled_on_log_scale(definition):
        return [math.exp(x) for x in values]
    return [float(x) for x in values]


def build_analyses(analysed, outcomes, definitions, subgroups) -> list[Analysis]:
    out = []
    for outcome in outcomes:
        rows = [r for r in analysed if r["outcome"] == outcome]
        definition = definitions[outcome]
        out.append(Analysis(outcome, definition, "overall", "all", rows))
        if not rows:
            continue
        for variable in subgroups:
            for level in sorted({r[variable] for r in rows}):
                members = [r for r in rows if r[variable] == level]
                out.append(Analysis(outcome, definition, variable, level, members))
    return out


def _base(analysis: Analysis, pooling: PoolingSettings) -> dict:
    rows = analysis.rows
    known_n = [r["n"] for r in rows if r.get("n") is not None]
    natural, analysis_scale = scales(analysis)
    return {
        "outcome": analysis.outcome,
        "outcome_label": analysis.definition["label"],
        "subgroup_variable": analysis.variable,
        "subgroup_level": analysis.level,
        "k": len(rows),
        "n_total": sum(known_n) + sum(r.get("comparator_n") or 0 for r in rows),
        "k_n_unreported": len(rows) - len(known_n),
        "scale": natural,
        "analysis_scale": analysis_scale,
        "estimator": pooling.random_effects.estimator,
        "inference": pooling.random_effects.inference,
        "effect_ids": ";".join(r["effect_id"] for r in rows),
        **_common_rate(analysis, pooling.level),
    }


def _common_rate(analysis: Analysis, level: float) -> dict:
    """Summed events and participants of a proportion analysis with the exact
    (Clopper-Pearson) interval, as if every study shared one rate; {} for other kinds
    and where a row has no count."""
    if not is_event_rate(analysis.kind) or not analysis.rows:
        return {}
    if any(r.get("events") is None or r.get("n") is None for r in analysis.rows):
        return {}
    events = sum(int(r["events"]) for r in analysis.rows)
    n = sum(int(r["n"]) for r in analysis.rows)
    lower, upper = clopper_pearson([events], [n], level)
    return {
        "events_total": events,
        "common_rate_estimate": events / n,
        "common_rate_ci_lower": float(lower[0]),
        "common_rate_ci_upper": float(upper[0]),
        "common_rate_label": (
            f"{events}/{n} pooled as one rate common to all studies "
            f"(exact Clopper-Pearson {level:.0%} interval; ignores between-study variation)"
        ),
    }


def _no_finite_glmm(rows, level: float) -> str | None:
    """The reader's reason when every study has 0 events (or every study all events),
    with the exact bound under one common rate (the ``common_rate_*`` columns)."""
    events = sum(int(r["events"]) for r in rows)
    n = sum(int(r["n"]) for r in rows)
    if events not in (0, n):
        return None
    lower, upper = clopper_pearson([events], [n], level)
    bound = (
        f"upper bound is {100 * float(upper[0]):.3g}%"
        if events == 0
        else f"lower bound is {100 * float(lower[0]):.3g}%"
    )
    return (
        f"{events} events in {n} participants ({len(rows)} studies): the random-effects "
        f"model has no finite estimate; assuming one common rate, the exact {level:.0%} "
        f"{bound}"
    )


def _from_fit(analysis, fit, base) -> dict:
    natural = to_natural(analysis.definition, analysis.rows, [fit[f] for f in NATURAL_FIELDS])
    return {
        **base,
        "status": "pooled",
        "reason": "",
        **dict(zip(NATURAL_FIELDS, natural, strict=True)),
        "estimate_analysis": fit["estimate"],
        "se_analysis": fit["se"],
        "statistic": fit["statistic"],
        "df": None if fit.get("df") is None or math.isnan(fit["df"]) else fit["df"],
        "p_value": fit["p_value"],
        "tau2": fit["tau2"],
        "tau2_ci_lower": fit.get("tau2_ci_lower"),
        "tau2_ci_upper": fit.get("tau2_ci_upper"),
        "i2_tau2_pct": fit.get("i2_tau2"),
        "i2_tau2_ci_lower_pct": fit.get("i2_tau2_ci_lower"),
        "i2_tau2_ci_upper_pct": fit.get("i2_tau2_ci_upper"),
        "i2_q_pct": fit.get("i2_q"),
        "h2": fit.get("h2"),
        "q": fit.get("q"),
        "q_df": fit.get("q_df"),
        "q_p": fit.get("q_p"),
        "estimator_used": fit.get("estimator_used"),
        "ci_method": fit["ci_method"],
        "pi_method": fit["pi_method"],
        "note": fit.get("note", ""),
        **_marginal(analysis, fit),
    }


def _marginal(analysis: Analysis, fit: dict) -> dict:
    """The rate columns a pooled proportion row adds: the GLMM's marginal rate, labels."""
    if not is_event_rate(analysis.kind):
        return {}
    if "marginal_estimate" not in fit:
        measure = analysis.rows[0].get("measure", "PLO")
        return {"estimate_label": f"back-transformed pooled {measure} (inverse variance)"}
    return {
        "estimate_label": CONDITIONAL_LABEL,
        "marginal_estimate": fit["marginal_estimate"],
        "marginal_ci_lower": fit["marginal_ci_lower"],
        "marginal_ci_upper": fit["marginal_ci_upper"],
        "marginal_label": MARGINAL_LABEL,
        "marginal_ci_method": fit["marginal_ci_method"],
    }


@cache
def _binomial_normal(events: tuple, n: tuple, points: int, level: float):
    """One GLMM fit per distinct data set in a run: the main analysis, its method
    comparison and the variants that select the same rows share it."""
    from alsmeta.stats.glmm import binomial_normal

    return binomial_normal(list(events), list(n), n_quadrature=points, level=level)


def glmm_fit(rows, level: float, points: int, check: bool = False, profile_max_k: int = 0) -> dict:
    """Binomial-normal GLMM of ``rows`` (events, n) as a fit dict on the logit scale.

    ``check``: also fit with 2 x points + 1 quadrature points and say in the note how far
    that moves the pooled logit (a settled quadrature moves it by less than 1e-2).
    ``profile_max_k``: with at most this many studies, the intervals of the typical-study
    and the population-averaged rate are profile-likelihood intervals
    (:mod:`alsmeta.stats.glmm_profile`), else Wald and delta-method ones.
    """
    from alsmeta.stats.glmm import GlmmError

    events = tuple(int(r["events"]) for r in rows)
    n = tuple(int(r["n"]) for r in rows)
    try:
        res = _binomial_normal(events, n, points, level)
        note = res.method
        if check:
            shift = abs(_binomial_normal(events, n, 2 * points + 1, level).estimate - res.estimate)
            note += f"; {2 * points + 1}-point check moves the pooled logit by {shift:.1e}"
            if shift > 1e-2:
                note += " (quadrature not settled: increase pooling.glmm_quadrature_points)"
    except GlmmError as exc:
        raise PoolingError(str(exc)) from None
    intervals = {
        "ci_lower": res.ci_lower,
        "ci_upper": res.ci_upper,
        "ci_method": "Wald, normal",
        "marginal_ci_lower": res.marginal_ci_lower,
        "marginal_ci_upper": res.marginal_ci_upper,
        "marginal_ci_method": "delta method on the logit of the rate, normal",
    }
    if len(rows) <= profile_max_k:
        intervals = _profile_intervals(events, n, points, level, res)
    return {
        "estimate": res.estimate,
        "se": res.se,
        **intervals,
        "pi_lower": res.pi_lower,
        "pi_upper": res.pi_upper,
        "statistic": res.statistic,
        "df": None,
        "p_value": res.p_value,
        "tau2": res.tau2,
        "i2_tau2": res.i2,
        "h2": res.h2,
        "estimator_used": "ML",
        "pi_method": "normal: mu +/- z sqrt(se^2 + tau^2)",
        "note": note,
        "marginal_estimate": res.marginal_estimate,
    }


@cache
def _profile_intervals(events: tuple, n: tuple, points: int, level: float, res) -> dict:
    """Profile-likelihood intervals of both rates; the typical rate's on the logit scale
    (as the fit dict holds mu), the marginal rate's on the proportion scale."""
    from alsmeta.stats.glmm_profile import marginal_rate_interval, typical_rate_interval

    typical = typical_rate_interval(events, n, res.estimate, res.loglik, points, level)
    marginal = marginal_rate_interval(events, n, res.marginal_estimate, res.loglik, points, level)
    with np.errstate(divide="ignore"):
        logit = [float(np.log(p) - np.log1p(-p)) for p in (typical.lower, typical.upper)]
    return {
        "ci_lower": logit[0],
        "ci_upper": logit[1],
        "ci_method": typical.method,
        "marginal_ci_lower": marginal.lower,
        "marginal_ci_upper": marginal.upper,
        "marginal_ci_method": marginal.method,
    }


def pool_all(
    analysed, outcomes, definitions, subgroups, pooling: PoolingSettings, quadrature_check=True
):
    """Pooled rows and per-study weights for every outcome, overall and per subgroup level,
    with the common-effect and (binary comparisons) count-based models beside each
    (:mod:`alsmeta.analysis.binary_models`). ``quadrature_check``: fit each GLMM again with
    2 x points + 1 and say how far that moves it (the main analysis does; its variants do
    not repeat the check)."""
    settings = pooling.random_effects
    analyses = build_analyses(analysed, outcomes, definitions, subgroups)
    batch = [a for a in analyses if a.rows and not pooling.uses_glmm(a.definition)]
    k_max = max((len(a.rows) for a in batch), default=0)
    fits = {}
    if batch:
        Y = np.full((k_max, len(batch)), np.nan)
        V = np.full((k_max, len(batch)), np.nan)
        for j, a in enumerate(batch):
            Y[: len(a.rows), j] = [r["yi"] for r in a.rows]
            V[: len(a.rows), j] = [r["vi"] for r in a.rows]
        for a, fit in zip(batch, fit_batch(Y, V, settings), strict=True):
            fits[id(a)] = fit

    pooled, weights = [], []
    for a in analyses:
        base = _base(a, pooling)
        glmm = pooling.uses_glmm(a.definition)
        base["method"] = "binomial-normal GLMM" if glmm else "inverse variance"
        if not a.rows:
            pooled.append(
                {**base, "status": "not_pooled", "reason": "k = 0: no study meets the criteria"}
            )
            continue
        models = _beside(a, pooling.level)
        if glmm:
            if len(a.rows) < 2:
                fit = {
                    "status": "not_pooled",
                    "reason": f"k = {len(a.rows)}: at least 2 studies are needed to estimate tau^2",
                }
            elif _no_finite_glmm(a.rows, pooling.level):
                fit = {"status": "not_pooled", "reason": _no_finite_glmm(a.rows, pooling.level)}
            else:
                try:
                    points = pooling.glmm_quadrature_points
                    fit = {
                        **glmm_fit(
                            a.rows,
                            pooling.level,
                            points,
                            check=quadrature_check,
                            profile_max_k=pooling.profile_max_k,
                        ),
                        "status": "pooled",
                    }
                except PoolingError as exc:
                    fit = {"status": "not_pooled", "reason": str(exc)}
        else:
            fit = fits[id(a)]
        if fit["status"] != "pooled":
            pooled.append(
                {**base, **models.columns, "status": "not_pooled", "reason": fit["reason"]}
            )
            continue
        row = {**_from_fit(a, fit, base), **models.columns}
        for column, field in zip(
            binary_models.RANDOM_EFFECTS_COLUMNS, NATURAL_FIELDS, strict=False
        ):
            row[column] = row[field]
        headline = binary_models.headline_model(
            a.kind, models.measure, models.count_fits, a.rows, pooling
        )
        if headline:
            binary_models.apply_headline(row, headline, models.count_fits[headline], pooling)
        pooled.append(row)
        for r, w in zip(a.rows, fit.get("weights_pct") or [None] * len(a.rows), strict=True):
            weights.append(
                {
                    "outcome": a.outcome,
                    "subgroup_variable": a.variable,
                    "subgroup_level": a.level,
                    "effect_id": r["effect_id"],
                    "weight_pct": w,
                }
            )
    _add_subgroup_tests(pooled, analyses, settings)
    return pooled, weights


@dataclass
class _Beside:
    """The models fitted beside the random-effects model of one analysis."""

    measure: str
    count_fits: dict
    columns: dict


def _beside(analysis: Analysis, level: float) -> _Beside:
    """Common-effect columns of any analysis, count-based models of a binary comparison."""
    measure = analysis.definition.get("measure", "OR")
    fits, note = binary_models.count_model_fits(analysis.kind, measure, analysis.rows, level)
    columns = binary_models.common_effect_columns(
        analysis.rows, lambda values: to_natural(analysis.definition, analysis.rows, values), level
    )
    if analysis.kind in binary_models.BINARY_KINDS:
        columns.update(binary_models.count_model_columns(fits, note))
    return _Beside(measure, fits, columns)


def _add_subgroup_tests(pooled, analyses, settings: Settings) -> None:
    """Fill the subgroup-difference columns of every subgroup row (both forms)."""
    by_key = {(p["outcome"], p["subgroup_variable"], p["subgroup_level"]): p for p in pooled}
    groups: dict[tuple, list[Analysis]] = {}
    for a in analyses:
        if a.variable != "overall":
            groups.setdefault((a.outcome, a.variable), []).append(a)
    overall = {a.outcome: a for a in analyses if a.variable == "overall"}
    for (outcome, variable), levels in groups.items():
        rows = [by_key[(outcome, variable, a.level)] for a in levels]
        if len(levels) < 2:
            for row in rows:
                row["note"] = _join(row.get("note"), "one subgroup level: no test for differences")
            continue
        # Separate tau^2: each level's estimate and SE (a single study enters with its own).
        est, se = [], []
        for a, row in zip(levels, rows, strict=True):
            if row["status"] == "pooled":
                est.append(row["estimate_analysis"])
                se.append(row["se_analysis"])
            elif len(a.rows) == 1:
                est.append(a.rows[0]["yi"])
                se.append(math.sqrt(a.rows[0]["vi"]))
        result = {}
        if len(est) >= 2:
            qb, qdf, qp = q_between(est, se)
            result.update(q_between=qb, q_between_df=qdf, q_between_p=qp)
        # Common tau^2: moderator test of a meta-regression on subgroup indicators.
        members = overall[outcome].rows
        if all(r.get("yi") is not None for r in members):
            X, _ = indicator_matrix([r[variable] for r in members])
            estimator = settings.estimator if settings.estimator in ("REML", "ML", "DL") else "REML"
            try:
                reg = meta_regression(
                    [r["yi"] for r in members],
                    [r["vi"] for r in members],
                    X,
                    estimator,
                    settings.inference,
                )
                result.update(
                    qm=reg.statistic,
                    qm_df1=reg.df1,
                    qm_df2=None if math.isnan(reg.df2) else reg.df2,
                    qm_p=reg.p_value,
                    qm_test=f"{reg.test}, {estimator}",
                )
            except PoolingError as exc:
                result["qm_test"] = f"not estimable: {exc}"
        for row in rows:
            row.update(result)


def _join(*parts):
    return "; ".join(p for p in parts if p)
