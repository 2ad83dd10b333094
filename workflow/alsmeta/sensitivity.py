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
:func:`alsmeta.pool.fit_batch` call.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .pool import Settings, fit_batch
from .regression import meta_regression

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
