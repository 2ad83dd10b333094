"""Small-study (funnel asymmetry) tests.

* :func:`egger` is the regression test with the standard error as predictor, as a
  mixed-effects meta-regression (metafor ``regtest(model="rma")``) or a weighted linear
  model (``model="lm"``, Egger et al. 1997);
* :func:`begg` is the rank correlation test (Begg & Mazumdar 1994; metafor ``ranktest``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from alsmeta.stats.meta_regression import meta_regression


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
    """Kendall's tau between the standardized deviates and the variances (Begg & Mazumdar
    1994), as metafor ``ranktest`` computes it.

    The deviates are ``(y_i - mu_FE) / sqrt(v_i - 1/sum w)`` with the fixed-effect mean.
    The p-value is exact (the null distribution of Kendall's S) when nothing ties and
    k < 50. With ties, equal variances from trials of equal size for instance, the exact
    distribution does not apply: the p-value is then the normal approximation with the
    tie-corrected variance of S (Kendall 1970, ch. 4), without continuity correction, as
    R's ``cor.test(method="kendall")`` uses when it meets ties (metafor 3.8 ``ranktest``
    warns and uses it). ``tau`` is then tau-b. ``p_method`` (and the test's name) says
    which p-value was used; from k = 50 on it is the normal approximation (the exact
    distribution is not tabulated there).
    """
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    w = 1.0 / vi
    mu = np.sum(w * yi) / np.sum(w)
    deviates = (yi - mu) / np.sqrt(vi - 1.0 / np.sum(w))
    ties = len(np.unique(deviates)) < len(deviates) or len(np.unique(vi)) < len(vi)
    if ties:
        method, p_method = "asymptotic", "normal approximation, tie-corrected variance"
    elif len(yi) < 50:
        method, p_method = "exact", "exact"
    else:
        method, p_method = "asymptotic", "normal approximation"
    result = stats.kendalltau(deviates, vi, method=method)
    return {
        "test": f"Begg rank correlation ({p_method} p-value)",
        "tau": float(result.statistic),
        "p_value": float(result.pvalue),
        "p_method": p_method,
    }
