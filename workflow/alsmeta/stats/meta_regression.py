"""Mixed-effects meta-regression and the tests for subgroup differences.

``meta_regression`` fits ``y_i = x_i' beta + u_i + e_i`` with ``u_i ~ N(0, tau^2)``
(residual heterogeneity) and known ``var(e_i) = v_i``; tau^2 by REML, ML or DL through
PyMARE, the coefficients by weighted least squares. The omnibus test of the moderators
(all coefficients but the intercept) is

* Wald: ``QM = b' C^-1 b`` against chi-square(p - 1), with ``C`` their block of
  ``(X' W X)^-1``;
* Knapp-Hartung: ``F = QM_s / (p - 1)`` with ``C`` scaled by
  ``s^2 = sum w_i (y_i - x_i' b)^2 / (k - p)`` (floored at 1 for the ad hoc variant),
  against F(p - 1, k - p) (metafor ``rma(mods=, test="knha")``).

Subgroup differences, in the two forms reviewers meet:

* ``common_tau2``: the moderator test of a meta-regression on subgroup indicators
  (one tau^2 shared by all subgroups; metafor ``rma(yi, vi, mods = ~ factor(g))``);
* ``separate_tau2``: Cochran's Q between the subgroup estimates, each pooled with its
  own tau^2, weighted by ``1/se_g^2`` (RevMan's test for subgroup differences;
  Borenstein et al. 2009, ch. 19), df = number of subgroups - 1.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from alsmeta.stats.random_effects import PoolingError


@dataclass(frozen=True)
class RegressionResult:
    k: int
    coefficients: tuple
    se: tuple
    tau2: float
    statistic: float  # QM (chi-square) under Wald, F under Knapp-Hartung
    df1: int
    df2: float  # NaN under Wald
    p_value: float
    test: str
    estimator: str


def meta_regression(yi, vi, X, estimator="REML", inference="wald") -> RegressionResult:
    """Fit a mixed-effects meta-regression; ``X`` includes the intercept column first."""
    from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator

    y = np.asarray(yi, dtype=float)[:, None]
    v = np.asarray(vi, dtype=float)[:, None]
    X = np.asarray(X, dtype=float)
    k, p = X.shape
    if k <= p:
        raise PoolingError(f"k = {k} studies cannot estimate {p} coefficients and tau^2")
    if np.linalg.matrix_rank(X) < p:
        raise PoolingError("the moderators are collinear (a subgroup or level has no study)")
    if estimator == "DL":
        model = DerSimonianLaird(small_sample_correction="wald")
    elif estimator in ("REML", "ML"):
        model = VarianceBasedLikelihoodEstimator(
            method=estimator, small_sample_correction="wald", xtol=1e-12, ftol=1e-16, maxiter=500
        )
    else:
        raise ValueError("meta-regression supports the REML, ML and DL estimators")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(y, v, X)
    tau2 = float(np.ravel(model.params_["tau2"])[0])
    w = 1.0 / (v[:, 0] + tau2)
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = xtwx_inv @ X.T @ (w * y[:, 0])
    cov = xtwx_inv
    if inference in ("knapp_hartung", "knapp_hartung_adhoc"):
        s2 = float(np.sum(w * (y[:, 0] - X @ beta) ** 2) / (k - p))
        if inference == "knapp_hartung_adhoc":
            s2 = max(1.0, s2)
        cov = s2 * xtwx_inv
    b = beta[1:]
    qm = float(b @ np.linalg.solve(cov[1:, 1:], b))
    if inference == "wald":
        statistic, df2, pval, test = (
            qm,
            float("nan"),
            float(stats.chi2.sf(qm, p - 1)),
            "QM (chi-square)",
        )
    else:
        statistic = qm / (p - 1)
        df2 = float(k - p)
        pval = float(stats.f.sf(statistic, p - 1, k - p))
        test = (
            "F (Knapp-Hartung, ad hoc floor s^2 >= 1)"
            if inference == "knapp_hartung_adhoc"
            else "F (Knapp-Hartung)"
        )
    return RegressionResult(
        k=k,
        coefficients=tuple(float(x) for x in beta),
        se=tuple(float(x) for x in np.sqrt(np.diag(cov))),
        tau2=tau2,
        statistic=statistic,
        df1=p - 1,
        df2=df2,
        p_value=pval,
        test=test,
        estimator=estimator,
    )


def indicator_matrix(groups) -> tuple[np.ndarray, list]:
    """Intercept plus one indicator per subgroup after the first (sorted) level."""
    levels = sorted(set(groups))
    X = np.ones((len(groups), len(levels)))
    for j, level in enumerate(levels[1:], start=1):
        X[:, j] = [g == level for g in groups]
    return X, levels


def q_between(estimates, ses) -> tuple[float, int, float]:
    """Cochran's Q across subgroup estimates weighted by 1/se^2: (Q, df, p)."""
    est = np.asarray(estimates, dtype=float)
    w = 1.0 / np.asarray(ses, dtype=float) ** 2
    mean = np.sum(w * est) / np.sum(w)
    q = float(np.sum(w * (est - mean) ** 2))
    df = len(est) - 1
    return q, df, float(stats.chi2.sf(q, df))
