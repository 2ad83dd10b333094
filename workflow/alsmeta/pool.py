"""Random-effects pooling, with every statistic's definition stated.

The between-study variance tau^2 comes from PyMARE (REML and ML by its likelihood
estimator, DL by method of moments); so does the Knapp-Hartung variance of the pooled
estimate. The rest is computed here, following metafor's ``rma()`` and ``predict()``
so that the numbers can be checked against it (tests/fixtures/metafor):

* CI: ``mu +/- c * se`` with ``c = t(k-1)`` under Knapp-Hartung (Knapp & Hartung
  2003; Hartung & Knapp 2001) and ``c = z`` under Wald inference.
* Prediction interval: ``mu +/- c * sqrt(se^2 + tau^2)``, with the same ``c`` as the
  CI (metafor's ``predict()``; Riley, Higgins & Deeks 2011 use t(k-2)).
* Cochran's Q: fixed-effect weights ``1/v_i``, ``df = k - 1``, chi-square p-value.
* I^2 in two forms, labelled: tau^2-based ``100 tau^2 / (tau^2 + s^2)`` with the
  typical within-study variance ``s^2 = (k-1) sum w / ((sum w)^2 - sum w^2)``
  (Higgins & Thompson 2002; metafor's printed I^2) and Q-based
  ``100 max(0, (Q - df) / Q)`` (PyMARE's). ``H^2 = (tau^2 + s^2) / s^2``.
* Weights: ``1 / (v_i + tau^2)`` as a percentage of their sum.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

ESTIMATORS = ("REML", "ML", "DL")
INFERENCES = ("knapp_hartung", "wald")

#: PyMARE's search tolerance for REML/ML: its default (xtol=1e-6 of the bracket)
#: leaves tau^2 about 1e-8 relative from the optimum; this gets it to round-off.
_LIKELIHOOD_TOLERANCE = {"xtol": 1e-12, "ftol": 1e-16, "maxiter": 500}


@dataclass(frozen=True)
class PooledEstimate:
    """A random-effects result on the analysis scale (logit for proportions)."""

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    statistic: float
    df: float  # degrees of freedom of the t reference; NaN under Wald inference
    p_value: float
    tau2: float
    i2_tau2: float
    i2_q: float
    h2: float
    q: float
    q_df: int
    q_p: float
    weights_pct: tuple
    estimator: str
    inference: str
    ci_method: str
    pi_method: str

    def as_dict(self) -> dict:
        return asdict(self)


class PoolingError(ValueError):
    """Inputs a random-effects model cannot use (named reason, not a linear-algebra crash)."""


def check_inputs(yi, vi) -> tuple[np.ndarray, np.ndarray]:
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    if yi.shape != vi.shape or yi.ndim != 1:
        raise PoolingError("yi and vi must be one-dimensional and of equal length")
    if not np.all(np.isfinite(yi)):
        raise PoolingError("an effect size is missing or not finite")
    if not np.all(np.isfinite(vi)) or np.any(vi <= 0):
        raise PoolingError("every sampling variance must be positive and finite")
    return yi, vi


def heterogeneity(yi: np.ndarray, vi: np.ndarray, tau2: float) -> dict:
    """Cochran's Q with its p-value, both I^2 forms and H^2 (definitions in the module doc)."""
    k = len(yi)
    w = 1.0 / vi
    mu_fe = float(np.sum(w * yi) / np.sum(w))
    q = float(np.sum(w * (yi - mu_fe) ** 2))
    df = k - 1
    s2 = df * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2))
    return {
        "q": q,
        "q_df": df,
        "q_p": float(stats.chi2.sf(q, df)),
        "i2_tau2": float(100.0 * tau2 / (tau2 + s2)),
        "i2_q": float(100.0 * max(0.0, (q - df) / q)) if q > 0 else 0.0,
        "h2": float((tau2 + s2) / s2),
    }


def _fit_pymare(yi, vi, estimator, inference):
    from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator

    correction = "knapp-hartung" if inference == "knapp_hartung" else "wald"
    if estimator == "DL":
        model = DerSimonianLaird(small_sample_correction=correction)
    else:
        model = VarianceBasedLikelihoodEstimator(
            method=estimator, small_sample_correction=correction, **_LIKELIHOOD_TOLERANCE
        )
    X = np.ones((len(yi), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(yi[:, None], vi[:, None], X)
    params = model.params_
    mu = float(np.ravel(params["fe_params"])[0])
    tau2 = float(np.ravel(params["tau2"])[0])
    var = float(np.ravel(params["inv_cov"])[0])
    return mu, tau2, var


def random_effects(
    yi, vi, estimator: str = "REML", inference: str = "knapp_hartung", level: float = 0.95
) -> PooledEstimate:
    """Fit a random-effects model to ``k >= 2`` effect sizes with known variances.

    Raises :class:`PoolingError` for ``k < 2``, a missing effect or a non-positive
    variance, and ValueError for an unknown estimator or inference.
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}")
    if inference not in INFERENCES:
        raise ValueError(f"inference must be one of {INFERENCES}")
    yi, vi = check_inputs(yi, vi)
    k = len(yi)
    if k < 2:
        raise PoolingError(f"k = {k}: at least 2 studies are needed to estimate tau^2")
    mu, tau2, var = _fit_pymare(yi, vi, estimator, inference)
    if not var > 0:
        raise PoolingError(
            f"the {k} estimates are identical, so the Knapp-Hartung variance is 0 and no "
            "interval can be formed (use Wald inference for this analysis)"
        )
    se = math.sqrt(var)
    alpha = 1.0 - level
    if inference == "knapp_hartung":
        df = float(k - 1)
        crit = float(stats.t.ppf(1 - alpha / 2, df))
        statistic = mu / se
        p = float(2 * stats.t.sf(abs(statistic), df))
        ci_method = f"Knapp-Hartung, t({k - 1})"
        pi_method = f"t({k - 1}), mu +/- t sqrt(se^2 + tau^2) (metafor predict)"
    else:
        df = float("nan")
        crit = float(stats.norm.ppf(1 - alpha / 2))
        statistic = mu / se
        p = float(2 * stats.norm.sf(abs(statistic)))
        ci_method = "Wald, normal"
        pi_method = "normal, mu +/- z sqrt(se^2 + tau^2) (metafor predict)"
    half_pi = crit * math.sqrt(var + tau2)
    w = 1.0 / (vi + tau2)
    return PooledEstimate(
        k=k,
        estimate=mu,
        se=se,
        ci_lower=mu - crit * se,
        ci_upper=mu + crit * se,
        pi_lower=mu - half_pi,
        pi_upper=mu + half_pi,
        statistic=statistic,
        df=df,
        p_value=p,
        tau2=tau2,
        **heterogeneity(yi, vi, tau2),
        weights_pct=tuple(float(x) for x in 100.0 * w / w.sum()),
        estimator=estimator,
        inference=inference,
        ci_method=ci_method,
        pi_method=pi_method,
    )
