"""Case deletion and cumulative refits of a random-effects model (metafor's definitions).

* :func:`leave_one_out` refits without each study in turn (metafor ``leave1out``);
* :func:`cumulative` adds studies in a given order (metafor ``cumul``);
* :func:`influence` gives, per study, the externally studentized residual, Cook's
  distance, DFFITS, hat value, weight, covariance ratio and the tau^2 and Q of the
  model without it (metafor ``influence.rma.uni``; Viechtbauer & Cheung 2010).

The refits of one analysis go through one batched :func:`fit_batch` call.
"""

from __future__ import annotations

import math

import numpy as np

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
