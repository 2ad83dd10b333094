"""Sensitivity tables of one outcome: leave-one-out, cumulative, influence, small-study
tests, every estimator x inference, the pre/post-r sweep and meta-regression.

The statistics are in :mod:`alsmeta.stats.influence`, :mod:`alsmeta.stats.small_study`
and :mod:`alsmeta.stats.meta_regression`; this module applies them to an outcome's
analysed rows and writes the table rows, back-transformed with
:func:`alsmeta.analysis.pooling.to_natural`.
"""

from __future__ import annotations

import math

import numpy as np

from alsmeta.analysis.pooling import NATURAL_FIELDS, glmm_fit, to_natural
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.kinds import MIN_K_LEAVE_ONE_OUT, is_event_rate
from alsmeta.stats.influence import cumulative, influence, leave_one_out
from alsmeta.stats.meta_regression import meta_regression
from alsmeta.stats.random_effects import PoolingError, Settings, fit_batch
from alsmeta.stats.small_study import begg, egger

# --- the tables the workflow writes --------------------------------------------------

#: The pooled estimate and its CI, without the prediction interval.
_ESTIMATE_CI = NATURAL_FIELDS[:3]

SMALL_STUDY_COLUMNS = [
    "outcome",
    "k",
    "test",
    "status",
    "statistic",
    "df",
    "p_value",
    "limit_estimate",
    "limit_ci_lower",
    "limit_ci_upper",
    "reason",
]
LOO_COLUMNS = [
    "outcome",
    "omitted_effect_id",
    "omitted_study",
    "omitted_label",
    "k",
    "method",
    *NATURAL_FIELDS,
    "tau2",
    "i2_tau2_pct",
    "q",
    "status",
    "reason",
]
CUMULATIVE_COLUMNS = [
    "outcome",
    "step",
    "added_effect_id",
    "added_study",
    "year",
    "k",
    *_ESTIMATE_CI,
    "tau2",
    "i2_tau2",
    "status",
    "reason",
]
INFLUENCE_COLUMNS = [
    "outcome",
    "effect_id",
    "study_id",
    "rstudent",
    "cooks_distance",
    "dffits",
    "hat",
    "weight_pct",
    "cov_ratio",
    "tau2_deleted",
    "q_deleted",
    "status",
    "reason",
]
METHOD_COLUMNS = [
    "outcome",
    "method",
    "estimator",
    "inference",
    "k",
    *NATURAL_FIELDS,
    "tau2",
    "i2_tau2",
    "estimator_used",
    "status",
    "reason",
]
SWEEP_COLUMNS = [
    "outcome",
    "r",
    "k",
    "k_depending_on_r",
    *_ESTIMATE_CI,
    "tau2",
    "i2_tau2",
    "status",
    "reason",
]
MODERATOR_COLUMNS = [
    "outcome",
    "moderator",
    "k",
    "intercept",
    "slope",
    "slope_se",
    "statistic",
    "df1",
    "df2",
    "p_value",
    "test",
    "tau2",
    "status",
    "reason",
]


def _natural_fit(rows, definition, fit, fields=NATURAL_FIELDS):
    if fit.get("status") != "pooled":
        return {f: None for f in fields}
    values = to_natural(definition, rows, [fit[f] for f in fields])
    return dict(zip(fields, values, strict=True))


def leave_one_out_rows(
    outcome,
    definition,
    rows,
    pooling: PoolingSettings,
    glmm_max_k: int = 50,
    refits: list[dict] | None = None,
):
    """leave_one_out.tsv rows of one outcome (k >= 3): the main model re-fitted without
    each row, with every pooling setting of the main analysis (the GLMM where the main
    analysis uses it; else the estimator, fallback, inference and prediction interval).
    ``refits``: the inverse-variance :func:`leave_one_out` refits of ``rows``, where
    already made."""
    if len(rows) < MIN_K_LEAVE_ONE_OUT:
        return []
    settings = pooling.random_effects
    if pooling.uses_glmm(definition) and len(rows) > glmm_max_k:
        return [
            {
                "outcome": outcome,
                "k": len(rows),
                "method": "binomial-normal GLMM",
                "status": "not_computed",
                "reason": f"k = {len(rows)} > sensitivity.glmm_leave_one_out_max_k = "
                f"{glmm_max_k}: {len(rows)} re-fits of the GLMM, each of {len(rows) - 1} "
                "studies, are not made",
            }
        ]
    if pooling.uses_glmm(definition):
        points = pooling.glmm_quadrature_points
        fits = []
        for i in range(len(rows)):
            kept = [r for j, r in enumerate(rows) if j != i]
            try:
                fits.append(
                    {"status": "pooled", **glmm_fit(kept, settings.level, points), "q": None}
                )
            except PoolingError as exc:
                fits.append({"status": "not_pooled", "reason": str(exc)})
        method = "binomial-normal GLMM"
    else:
        yi = np.array([r["yi"] for r in rows], dtype=float)
        vi = np.array([r["vi"] for r in rows], dtype=float)
        fits = leave_one_out(yi, vi, settings) if refits is None else refits
        method = "inverse variance"
    out = []
    for i, fit in enumerate(fits):
        row = rows[i]
        kept = [r for j, r in enumerate(rows) if j != i]
        out.append(
            {
                "outcome": outcome,
                "omitted_effect_id": row["effect_id"],
                "omitted_study": row["study_id"],
                "omitted_label": row["label"],
                "k": len(kept),
                "method": method,
                **_natural_fit(kept, definition, fit),
                "tau2": fit.get("tau2"),
                "i2_tau2_pct": fit.get("i2_tau2"),
                "q": fit.get("q"),
                "status": fit["status"],
                "reason": fit.get("reason", ""),
            }
        )
    return out


def sensitivity_tables(
    outcome,
    definition,
    rows,
    pooling: PoolingSettings,
    *,
    efficacy_rows,
    level,
    correlations,
    min_k,
    moderators,
    main_pooled=True,
    glmm_loo_max_k=50,
) -> dict[str, list[dict]]:
    """Every sensitivity table of one outcome, computed on its analysed ``rows``.

    Leave-one-out re-fits the main model (:func:`leave_one_out_rows`), where the main
    analysis could be pooled (``main_pooled``). The other
    diagnostics use inverse-variance pooling on the analysis scale of the rows (the
    logit for proportions), also where the main analysis uses the GLMM: influence
    measures and regression tests are defined for that model.
    """
    from alsmeta.effects.harmonize import harmonize_efficacy

    settings = pooling.random_effects
    kind = definition["kind"]
    k = len(rows)
    yi = np.array([r["yi"] for r in rows], dtype=float)
    vi = np.array([r["vi"] for r in rows], dtype=float)
    # The inverse-variance refits without each row, made once for both tables.
    refits = leave_one_out(yi, vi, settings) if k >= MIN_K_LEAVE_ONE_OUT else None
    tables = {
        "leave_one_out": (
            leave_one_out_rows(outcome, definition, rows, pooling, glmm_loo_max_k, refits)
            if main_pooled
            else []
        ),
        "cumulative": [],
        "influence": [],
        "small_study": [],
        "methods": [],
        "prepost_sweep": [],
        "moderators": [],
    }
    if k >= MIN_K_LEAVE_ONE_OUT:
        for diag, row in zip(influence(yi, vi, settings, refits), rows, strict=True):
            tables["influence"].append(
                {"outcome": outcome, "effect_id": row["effect_id"], "study_id": row["study_id"]}
                | diag
            )
    if k >= 2:
        order = sorted(range(k), key=lambda i: (rows[i]["year"], rows[i]["effect_id"]))
        for step, fit in enumerate(cumulative(yi, vi, order, settings), start=1):
            row = rows[order[step - 1]]
            tables["cumulative"].append(
                {
                    "outcome": outcome,
                    "step": step,
                    "added_effect_id": row["effect_id"],
                    "added_study": row["label"],
                    "year": row["year"],
                    **fit,
                    **_natural_fit(
                        [rows[i] for i in order[:step]],
                        definition,
                        fit,
                        _ESTIMATE_CI,
                    ),
                }
            )
    if k >= min_k:
        for test in (
            egger(yi, vi, "rma", _regression_estimator(settings), "wald"),
            egger(yi, vi, "lm"),
            begg(yi, vi),
        ):
            tables["small_study"].append(
                {
                    "outcome": outcome,
                    "k": k,
                    "status": "done",
                    "reason": "",
                    **test,
                    "statistic": test.get("statistic", test.get("tau")),
                }
            )
    else:
        tables["small_study"].append(
            {
                "outcome": outcome,
                "k": k,
                "test": "funnel plot, Egger and Begg tests",
                "status": "not_done",
                "reason": f"k = {k} < {min_k}: too few studies for a meaningful small-study "
                "test (Sterne et al. 2011)",
            }
        )
    tables["methods"] = _method_comparison(outcome, definition, rows, yi, vi, pooling)
    if kind == "slope_change":
        tables["prepost_sweep"] = _prepost_sweep(
            outcome, rows, efficacy_rows, correlations, settings, level, harmonize_efficacy
        )
    for moderator in moderators:
        tables["moderators"].append(_moderator(outcome, rows, moderator, settings))
    return tables


def _regression_estimator(settings: Settings) -> str:
    return settings.estimator if settings.estimator in ("REML", "ML", "DL") else "REML"


def _method_comparison(outcome, definition, rows, yi, vi, pooling: PoolingSettings):
    """The same rows under every tau^2 estimator x inference (one batched call each),
    and for proportions the binomial-normal GLMM beside them."""
    from dataclasses import replace

    settings = pooling.random_effects
    from alsmeta.stats.random_effects import ESTIMATORS, INFERENCES

    out = []
    if len(rows) < 2:
        return out
    base = {"outcome": outcome, "k": len(rows)}
    for inference in INFERENCES:
        for estimator in ESTIMATORS:
            fit = fit_batch(yi, vi, replace(settings, estimator=estimator, inference=inference))[0]
            out.append(
                {
                    **base,
                    "method": "inverse variance",
                    "estimator": estimator,
                    "inference": inference,
                    **fit,
                    **_natural_fit(rows, definition, fit),
                }
            )
    if is_event_rate(definition["kind"]):
        glmm = {**base, "method": "binomial-normal GLMM", "estimator": "ML", "inference": "wald"}
        try:
            fit = glmm_fit(rows, settings.level, pooling.glmm_quadrature_points)
        except PoolingError as exc:
            out.append({**glmm, "status": "not_pooled", "reason": str(exc)})
            return out
        out.append(
            {
                **glmm,
                "tau2": fit["tau2"],
                "i2_tau2": fit["i2_tau2"],
                "estimator_used": "ML",
                "status": "pooled",
                "reason": "",
                **_natural_fit(rows, definition, {**fit, "status": "pooled"}),
            }
        )
    return out


def _prepost_sweep(outcome, rows, efficacy_rows, correlations, settings, level, harmonize_efficacy):
    """Re-derive every analysed slope change at each r and pool again (one batched call).

    Only rows whose SD of change comes from pre/post SDs depend on r; the table says
    how many did (``k_depending_on_r``).
    """
    wanted = {r["effect_id"] for r in rows}
    source = [e for e in efficacy_rows if e["eff_id"] in wanted]
    columns_y, columns_v, depends = [], [], []
    for r in correlations:
        by_id = {e["effect_id"]: e for e in harmonize_efficacy(source, r, level)}
        columns_y.append([by_id.get(x["effect_id"], x)["yi"] for x in rows])
        columns_v.append([by_id.get(x["effect_id"], x)["vi"] for x in rows])
        depends.append(
            sum("with r =" in (by_id.get(x["effect_id"], {}).get("derivation") or "") for x in rows)
        )
    fits = fit_batch(
        np.array(columns_y, dtype=float).T, np.array(columns_v, dtype=float).T, settings
    )
    return [
        {"outcome": outcome, "r": r, "k": len(rows), "k_depending_on_r": dep, **fit}
        for r, dep, fit in zip(correlations, depends, fits, strict=True)
    ]


def _moderator(outcome, rows, moderator, settings):
    """Mixed-effects meta-regression of an outcome on one numeric study attribute."""
    usable = [r for r in rows if r.get(moderator) is not None]
    base = {"outcome": outcome, "moderator": moderator, "k": len(usable)}
    if len(usable) < 3:
        return {
            **base,
            "status": "not_done",
            "reason": f"k = {len(usable)} with {moderator} reported: at least 3 are needed",
        }
    x = np.array([float(r[moderator]) for r in usable])
    X = np.column_stack([np.ones_like(x), x])
    try:
        reg = meta_regression(
            [r["yi"] for r in usable],
            [r["vi"] for r in usable],
            X,
            _regression_estimator(settings),
            settings.inference,
        )
    except PoolingError as exc:
        return {**base, "status": "not_done", "reason": str(exc)}
    return {
        **base,
        "status": "done",
        "reason": "",
        "intercept": reg.coefficients[0],
        "slope": reg.coefficients[1],
        "slope_se": reg.se[1],
        "statistic": reg.statistic,
        "df1": reg.df1,
        "df2": None if math.isnan(reg.df2) else reg.df2,
        "p_value": reg.p_value,
        "test": reg.test,
        "tau2": reg.tau2,
    }
