"""Sensitivity analyses and small-study diagnostics, following metafor's definitions.

* :func:`leave_one_out` refits without each study in turn (metafor ``leave1out``);
* :func:`cumulative` adds studies in a given order (metafor ``cumul``);
* :func:`influence` gives, per study, the externally studentized residual, Cook's
  distance, DFFITS, hat value, weight, covariance ratio and the tau^2 and Q of the
  model without it (metafor ``influence.rma.uni``; Viechtbauer & Cheung 2010);
* :func:`egger` is the regression test for funnel-plot asymmetry with the standard
  error as predictor, as a mixed-effects meta-regression (metafor
  ``regtest(model="rma")``) or a weighted linear model (``model="lm"``, Egger 1997);
* :func:`begg` is the rank correlation test (Begg & Mazumdar 1994; ``ranktest``).

The leave-one-out and cumulative refits of one analysis go through one batched
:func:`alsmeta.stats.random_effects.fit_batch` call.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from alsmeta.effects.measures import expit
from alsmeta.stats.meta_regression import meta_regression
from alsmeta.stats.random_effects import Settings, fit_batch

FIT_FIELDS = (
    "k",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "pi_lower",
    "pi_upper",
    "tau2",
    "i2_tau2",
    "q",
    "q_p",
    "p_value",
    "status",
    "reason",
)


def _columns(yi, vi, subsets):
    k_max = max(len(s) for s in subsets)
    Y = np.full((k_max, len(subsets)), np.nan)
    V = np.full((k_max, len(subsets)), np.nan)
    for j, subset in enumerate(subsets):
        Y[: len(subset), j] = yi[subset]
        V[: len(subset), j] = vi[subset]
    return Y, V


def leave_one_out(yi, vi, settings: Settings) -> list[dict]:
    """One refit per omitted study (index ``omitted``), in one batched call."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    k = len(yi)
    subsets = [[j for j in range(k) if j != i] for i in range(k)]
    fits = fit_batch(*_columns(yi, vi, subsets), settings)
    return [{"omitted": i, **{f: fit.get(f) for f in FIT_FIELDS}} for i, fit in enumerate(fits)]


def cumulative(yi, vi, order, settings: Settings) -> list[dict]:
    """Pooled result after each study added in ``order`` (a permutation of the indices)."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    subsets = [list(order[: j + 1]) for j in range(len(order))]
    fits = fit_batch(*_columns(yi, vi, subsets), settings)
    return [
        {"added": order[j], **{f: fit.get(f) for f in FIT_FIELDS}} for j, fit in enumerate(fits)
    ]


def influence(yi, vi, settings: Settings) -> list[dict]:
    """Case-deletion diagnostics of an intercept-only random-effects model."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    k = len(yi)
    full = fit_batch(yi, vi, settings)[0]
    loo = leave_one_out(yi, vi, settings)
    tau2 = full["tau2"]
    w = 1.0 / (vi + tau2)
    hat = w / w.sum()
    var_full = full["se"] ** 2
    scale = 1.0
    if settings.inference != "wald":
        q = float(np.sum(w * (yi - full["estimate"]) ** 2) / (k - 1))
        scale = max(1.0, q) if settings.inference == "knapp_hartung_adhoc" else q
    out = []
    for i, fit in enumerate(loo):
        if fit["status"] != "pooled":
            out.append({"study": i, "status": "not_computable", "reason": fit["reason"]})
            continue
        resid = yi[i] - fit["estimate"]
        resid_se = math.sqrt(vi[i] + fit["tau2"] + fit["se"] ** 2)
        delta = full["estimate"] - fit["estimate"]
        out.append(
            {
                "study": i,
                "status": "ok",
                "rstudent": resid / resid_se,
                "resid": resid,
                "resid_se": resid_se,
                "cooks_distance": delta**2 / var_full,
                "dffits": (full["estimate"] - fit["estimate"])
                / math.sqrt(scale * hat[i] * (fit["tau2"] + vi[i])),
                "hat": hat[i],
                "weight_pct": 100 * hat[i],
                "cov_ratio": fit["se"] ** 2 / var_full,
                "tau2_deleted": fit["tau2"],
                "q_deleted": fit["q"],
            }
        )
    return out


def egger(yi, vi, model="rma", estimator="REML", inference="wald") -> dict:
    """Regression test of funnel asymmetry with the standard error as predictor.

    ``model="rma"``: mixed-effects meta-regression ``y_i = b0 + b1 sei + u_i + e_i``;
    ``model="lm"``: weighted least squares with weights ``1/v_i`` and the residual
    variance estimated (a multiplicative error model, Egger et al. 1997), t(k-2).
    The test is of ``b1 = 0``; ``b0`` is the limit estimate (the effect at se = 0).
    """
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    sei = np.sqrt(vi)
    X = np.column_stack([np.ones_like(sei), sei])
    k = len(yi)
    level_z = stats.norm.ppf(0.975)
    if model == "rma":
        reg = meta_regression(yi, vi, X, estimator, inference)
        b0, b1 = reg.coefficients
        se0, se1 = reg.se
        if inference == "wald":
            stat, df, p = b1 / se1, None, 2 * stats.norm.sf(abs(b1 / se1))
            crit = level_z
        else:
            df = k - 2
            stat, p = b1 / se1, 2 * stats.t.sf(abs(b1 / se1), df)
            crit = stats.t.ppf(0.975, df)
        return {
            "test": f"Egger regression (mixed-effects, {estimator}, {inference})",
            "statistic": stat,
            "df": df,
            "p_value": float(p),
            "limit_estimate": b0,
            "limit_ci_lower": b0 - crit * se0,
            "limit_ci_upper": b0 + crit * se0,
            "slope": b1,
            "slope_se": se1,
            "tau2": reg.tau2,
        }
    w = 1.0 / vi
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = xtwx_inv @ X.T @ (w * yi)
    sigma2 = float(np.sum(w * (yi - X @ beta) ** 2) / (k - 2))
    se = np.sqrt(np.diag(sigma2 * xtwx_inv))
    crit = stats.t.ppf(0.975, k - 2)
    stat = beta[1] / se[1]
    return {
        "test": "Egger regression (weighted linear model)",
        "statistic": float(stat),
        "df": k - 2,
        "p_value": float(2 * stats.t.sf(abs(stat), k - 2)),
        "limit_estimate": float(beta[0]),
        "limit_ci_lower": float(beta[0] - crit * se[0]),
        "limit_ci_upper": float(beta[0] + crit * se[0]),
        "slope": float(beta[1]),
        "slope_se": float(se[1]),
        "tau2": None,
    }


def begg(yi, vi) -> dict:
    """Kendall's tau between standardized deviates and variances (exact p for small k)."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    w = 1.0 / vi
    mu = np.sum(w * yi) / np.sum(w)
    deviates = (yi - mu) / np.sqrt(vi - 1.0 / np.sum(w))
    result = stats.kendalltau(deviates, vi, method="exact" if len(yi) < 50 else "auto")
    return {
        "test": "Begg rank correlation",
        "tau": float(result.statistic),
        "p_value": float(result.pvalue),
    }


# --- the tables the workflow writes --------------------------------------------------

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
    "k",
    "estimate",
    "ci_lower",
    "ci_upper",
    "pi_lower",
    "pi_upper",
    "tau2",
    "i2_tau2",
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
    "estimate",
    "ci_lower",
    "ci_upper",
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
    "estimate",
    "ci_lower",
    "ci_upper",
    "pi_lower",
    "pi_upper",
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
    "estimate",
    "ci_lower",
    "ci_upper",
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


def _natural(rows, kind, values):
    """Back-transform pooled values (on the rows' analysis scale) for the tables."""
    from alsmeta.analysis.pooling import Analysis, _to_natural

    return _to_natural(Analysis("", {"kind": kind}, "", "", rows), values)


def _natural_fit(
    rows, kind, fit, fields=("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")
):
    if fit.get("status") != "pooled":
        return {f: None for f in fields}
    values = _natural(rows, kind, [fit[f] for f in fields])
    return dict(zip(fields, values, strict=True))


def sensitivity_tables(
    analysed,
    outcomes,
    definitions,
    settings: Settings,
    *,
    efficacy_rows,
    level,
    correlations,
    min_k,
    moderators,
) -> dict[str, list[dict]]:
    """Every sensitivity table, computed on each outcome's analysed rows.

    Diagnostics use inverse-variance pooling on the analysis scale of the rows (the
    logit for proportions), also where the main analysis uses the GLMM: case deletion
    and regression tests are defined for that model.
    """
    from alsmeta.effects.harmonize import harmonize_efficacy

    tables = {
        name: []
        for name in (
            "leave_one_out",
            "cumulative",
            "influence",
            "small_study",
            "methods",
            "prepost_sweep",
            "moderators",
        )
    }
    for outcome in outcomes:
        rows = [r for r in analysed if r["outcome"] == outcome]
        kind = definitions[outcome]["kind"]
        k = len(rows)
        yi = np.array([r["yi"] for r in rows], dtype=float)
        vi = np.array([r["vi"] for r in rows], dtype=float)
        if k >= 3:
            for fit in leave_one_out(yi, vi, settings):
                row = rows[fit["omitted"]]
                tables["leave_one_out"].append(
                    {
                        "outcome": outcome,
                        "omitted_effect_id": row["effect_id"],
                        "omitted_study": row["label"],
                        **fit,
                        **_natural_fit(rows, kind, fit),
                        "i2_tau2": fit.get("i2_tau2"),
                    }
                )
            for diag, row in zip(influence(yi, vi, settings), rows, strict=True):
                tables["influence"].append(
                    {
                        "outcome": outcome,
                        "effect_id": row["effect_id"],
                        "study_id": row["study_id"],
                        **diag,
                    }
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
                        **_natural_fit(rows, kind, fit, ("estimate", "ci_lower", "ci_upper")),
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
        tables["methods"].extend(_method_comparison(outcome, kind, rows, yi, vi, settings))
        if kind == "slope_change":
            tables["prepost_sweep"].extend(
                _prepost_sweep(
                    outcome, rows, efficacy_rows, correlations, settings, level, harmonize_efficacy
                )
            )
        for moderator in moderators:
            tables["moderators"].append(_moderator(outcome, rows, moderator, settings))
    return tables


def _regression_estimator(settings: Settings) -> str:
    return settings.estimator if settings.estimator in ("REML", "ML", "DL") else "REML"


def _method_comparison(outcome, kind, rows, yi, vi, settings):
    """The same rows under every tau^2 estimator x inference (one batched call each)."""
    from dataclasses import replace

    from alsmeta.stats.random_effects import ESTIMATORS, INFERENCES

    out = []
    if len(rows) < 2:
        return out
    for inference in INFERENCES:
        for estimator in ESTIMATORS:
            fit = fit_batch(yi, vi, replace(settings, estimator=estimator, inference=inference))[0]
            out.append(
                {
                    "outcome": outcome,
                    "method": "inverse variance",
                    "estimator": estimator,
                    "inference": inference,
                    "k": len(rows),
                    **fit,
                    **_natural_fit(rows, kind, fit),
                }
            )
    if kind == "proportion":
        from alsmeta.stats.glmm import GlmmError, binomial_normal

        try:
            res = binomial_normal(
                [r["events"] for r in rows],
                [r["n"] for r in rows],
                n_quadrature=101,
                level=settings.level,
            )
        except GlmmError as exc:
            out.append(
                {
                    "outcome": outcome,
                    "method": "binomial-normal GLMM",
                    "estimator": "ML",
                    "inference": "wald",
                    "k": len(rows),
                    "status": "not_pooled",
                    "reason": str(exc),
                }
            )
            return out
        fields = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")
        logits = [getattr(res, f) for f in fields]
        out.append(
            {
                "outcome": outcome,
                "method": "binomial-normal GLMM",
                "estimator": "ML",
                "inference": "wald",
                "k": len(rows),
                "tau2": res.tau2,
                "i2_tau2": res.i2,
                "estimator_used": "ML",
                "status": "pooled",
                "reason": "",
                **dict(zip(fields, (float(x) for x in expit(logits)), strict=True)),
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
    from alsmeta.stats.random_effects import PoolingError

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
