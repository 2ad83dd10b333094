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


def _without_each(x):
    """(k - 1, k) array whose column i is ``x`` without its element i, in order."""
    k = len(x)
    return np.tile(x, (k, 1))[~np.eye(k, dtype=bool)].reshape(k, k - 1).T


def _prefixes(x):
    """(k, k) array whose column j is ``x[: j + 1]``, NaN below."""
    k = len(x)
    return np.where(np.tri(k, dtype=bool).T, x[:, None], np.nan)


def leave_one_out(yi, vi, settings: Settings) -> list[dict]:
    """One refit per omitted study (index ``omitted``), in one batched call."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    fits = fit_batch(_without_each(yi), _without_each(vi), settings)
    return [{"omitted": i, **{f: fit.get(f) for f in FIT_FIELDS}} for i, fit in enumerate(fits)]


def cumulative(yi, vi, order, settings: Settings) -> list[dict]:
    """Pooled result after each study added in ``order`` (a permutation of the indices)."""
    order = list(order)
    yi, vi = np.asarray(yi, float)[order], np.asarray(vi, float)[order]
    fits = fit_batch(_prefixes(yi), _prefixes(vi), settings)
    return [
        {"added": order[j], **{f: fit.get(f) for f in FIT_FIELDS}} for j, fit in enumerate(fits)
    ]


def influence(yi, vi, settings: Settings, loo: list[dict] | None = None) -> list[dict]:
    """Case-deletion diagnostics of an intercept-only random-effects model. ``loo``: the
    :func:`leave_one_out` refits of the same data and settings, where already made."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    k = len(yi)
    full = fit_batch(yi, vi, settings)[0]
    loo = leave_one_out(yi, vi, settings) if loo is None else loo
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
