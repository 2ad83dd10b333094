"""Case deletion and cumulative refits of a random-effects model (metafor's definitions).

* :func:`leave_one_out` refits without each study in turn (metafor ``leave1out``);
* :func:`cumulative` adds studies in a given order (metafor ``cumul``);
* :func:`influence` gives, per study, the externally studentized residual, Cook's
  distance, DFFITS, hat value, weight, covariance ratio and the tau^2 and Q of the
  model without it (metafor ``influence.rma.uni``; Viechtbauer & Cheung 2010).

Each refit is a full :func:`fit_batch` fit of its studies (the same estimator, fallback,
inference and prediction interval), warm-started: the REML/ML search starts from a
bracket around a nearby tau^2 (the full fit's for leave-one-out, the previous step's
for the cumulative analysis) instead of scanning the likelihood, and the Q-profile
interval of tau^2 and the per-study weights, which no refit table reports, are not
computed. A refit therefore
costs a bounded number of passes over its k studies (about 10), so an analysis of k
studies costs O(k^2) arithmetic in O(k) memory (leave-one-out: :data:`REFIT_BLOCK`
cells at a time), not k scans and root searches. The roots are solved to the same
tolerance as a cold fit (:data:`alsmeta.stats.random_effects.ROOT_TOLERANCE`), so a
refit agrees with a cold fit of the same studies to a few units in the last place.
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
#: Leave-one-out refits are fitted in blocks of about this many cells (studies x refits).
REFIT_BLOCK = 2**20


def _without(x, omitted):
    """(k - 1, len(omitted)) array whose column j is ``x`` without element ``omitted[j]``."""
    k = len(x)
    keep = np.arange(k - 1)[:, None]
    return x[keep + (keep >= np.asarray(omitted)[None, :])]


def _start(yi, vi, settings: Settings) -> float:
    """tau^2 of the full fit, the warm start of its refits (NaN where it is not pooled)."""
    full = fit_batch(yi, vi, settings, refit=True)[0]
    return full["tau2"] if full["status"] == "pooled" else math.nan


def leave_one_out(yi, vi, settings: Settings) -> list[dict]:
    """One refit per omitted study (index ``omitted``), warm-started from the full fit."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    k = len(yi)
    start = _start(yi, vi, settings)
    block = max(1, REFIT_BLOCK // max(k, 1))
    fits = []
    for first in range(0, k, block):
        omitted = np.arange(first, min(k, first + block))
        starts = np.full(len(omitted), start)
        fits += fit_batch(
            _without(yi, omitted), _without(vi, omitted), settings, starts, refit=True
        )
    return [{"omitted": i, **{f: fit.get(f) for f in FIT_FIELDS}} for i, fit in enumerate(fits)]


def cumulative(yi, vi, order, settings: Settings) -> list[dict]:
    """Pooled result after each study added in ``order`` (a permutation of the indices);
    each step warm-started from the previous one."""
    order = list(order)
    yi, vi = np.asarray(yi, float)[order], np.asarray(vi, float)[order]
    out, start = [], math.nan
    for j in range(len(order)):
        fit = fit_batch(yi[: j + 1], vi[: j + 1], settings, [start], refit=True)[0]
        if fit["status"] == "pooled":
            start = fit["tau2"]
        out.append({"added": order[j], **{f: fit.get(f) for f in FIT_FIELDS}})
    return out


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
