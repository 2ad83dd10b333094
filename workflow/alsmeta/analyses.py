"""Pool every analysis an outcome defines: overall and within each subgroup level.

One row of ``pooled.tsv`` per analysis. An analysis that cannot be pooled (k < 2)
is a row with ``status = not_pooled`` and the reason, never a crash.
"""

from __future__ import annotations

import math

from .effects import expit
from .pool import PoolingError, random_effects

POOLED_COLUMNS = [
    "outcome",
    "outcome_label",
    "subgroup_variable",
    "subgroup_level",
    "status",
    "reason",
    "k",
    "n_total",
    "k_n_unreported",
    "scale",
    "estimate",
    "ci_lower",
    "ci_upper",
    "pi_lower",
    "pi_upper",
    "analysis_scale",
    "estimate_analysis",
    "se_analysis",
    "statistic",
    "df",
    "p_value",
    "tau2",
    "i2_tau2_pct",
    "i2_q_pct",
    "h2",
    "q",
    "q_df",
    "q_p",
    "estimator",
    "inference",
    "ci_method",
    "pi_method",
    "effect_ids",
]
WEIGHT_COLUMNS = ["outcome", "subgroup_variable", "subgroup_level", "effect_id", "weight_pct"]

SCALES = {
    "proportion": ("proportion", "logit"),
    "slope_change": ("points/month", "points/month"),
    "slope_change_difference": ("points/month", "points/month"),
    "alsfrs_change_difference": ("points", "points"),
    "responder_odds_ratio": ("log odds ratio", "log odds ratio"),
    "fvc_slope_change": ("% predicted/month", "% predicted/month"),
    "fvc_slope_change_difference": ("% predicted/month", "% predicted/month"),
}


def _analysis(outcome, definition, variable, level, rows, pooling):
    kind = definition["kind"]
    scale, analysis_scale = SCALES[kind]
    known_n = [r["n"] for r in rows if r.get("n") is not None]
    base = {
        "outcome": outcome,
        "outcome_label": definition["label"],
        "subgroup_variable": variable,
        "subgroup_level": level,
        "k": len(rows),
        "n_total": sum(known_n) + sum(r.get("comparator_n") or 0 for r in rows),
        "k_n_unreported": len(rows) - len(known_n),
        "scale": scale,
        "analysis_scale": analysis_scale,
        "estimator": pooling["estimator"],
        "inference": pooling["inference"],
        "effect_ids": ";".join(r["effect_id"] for r in rows),
    }
    try:
        fit = random_effects(
            [r["yi"] for r in rows],
            [r["vi"] for r in rows],
            pooling["estimator"],
            pooling["inference"],
            pooling["level"],
        )
    except PoolingError as exc:
        return {**base, "status": "not_pooled", "reason": str(exc)}, []
    back = expit if kind == "proportion" else (lambda x: x)
    row = {
        **base,
        "status": "pooled",
        "reason": "",
        "estimate": float(back(fit.estimate)),
        "ci_lower": float(back(fit.ci_lower)),
        "ci_upper": float(back(fit.ci_upper)),
        "pi_lower": float(back(fit.pi_lower)),
        "pi_upper": float(back(fit.pi_upper)),
        "estimate_analysis": fit.estimate,
        "se_analysis": fit.se,
        "statistic": fit.statistic,
        "df": None if math.isnan(fit.df) else fit.df,
        "p_value": fit.p_value,
        "tau2": fit.tau2,
        "i2_tau2_pct": fit.i2_tau2,
        "i2_q_pct": fit.i2_q,
        "h2": fit.h2,
        "q": fit.q,
        "q_df": fit.q_df,
        "q_p": fit.q_p,
        "ci_method": fit.ci_method,
        "pi_method": fit.pi_method,
    }
    weights = [
        {
            "outcome": outcome,
            "subgroup_variable": variable,
            "subgroup_level": level,
            "effect_id": r["effect_id"],
            "weight_pct": w,
        }
        for r, w in zip(rows, fit.weights_pct, strict=True)
    ]
    return row, weights


def pool_all(analysed, outcomes, definitions, subgroups, pooling):
    """Pooled rows and per-study weights for every outcome, overall and per subgroup level."""
    pooled, weights = [], []
    for outcome in outcomes:
        rows = [r for r in analysed if r["outcome"] == outcome]
        definition = definitions[outcome]
        if not rows:
            pooled.append(
                {
                    "outcome": outcome,
                    "outcome_label": definition["label"],
                    "subgroup_variable": "overall",
                    "subgroup_level": "all",
                    "k": 0,
                    "n_total": 0,
                    "k_n_unreported": 0,
                    "status": "not_pooled",
                    "reason": "k = 0: no study meets the criteria",
                    "scale": SCALES[definition["kind"]][0],
                    "analysis_scale": SCALES[definition["kind"]][1],
                    "estimator": pooling["estimator"],
                    "inference": pooling["inference"],
                    "effect_ids": "",
                }
            )
            continue
        groups = [("overall", "all", rows)]
        for variable in subgroups:
            for level in sorted({r[variable] for r in rows}):
                groups.append((variable, level, [r for r in rows if r[variable] == level]))
        for variable, level, members in groups:
            row, w = _analysis(outcome, definition, variable, level, members, pooling)
            pooled.append(row)
            weights.extend(w)
    return pooled, weights
