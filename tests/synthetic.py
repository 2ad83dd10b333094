"""Synthetic analyses for figure tests: any number of studies, long labels, extreme CIs; a
small PRISMA flow example shared by the flow-count and the flow-figure tests; and simulated
meta-analyses for the coverage check of the confidence intervals."""

from __future__ import annotations

import math
import random

import numpy as np

from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.effects.measures import expit
from alsmeta.stats.random_effects import Settings, fit_batch, random_effects

LONG = "Investigators of the multicentre intrathecal bone-marrow MSC programme, cohort "


def pooling_settings(**keys) -> PoolingSettings:
    """Pooling settings for a test: REML, t(k-1) prediction, 95%, inverse-variance rates
    (no GLMM), Mantel-Haenszel for zero cells, with ``keys`` (config key names) replaced."""
    return PoolingSettings.from_config(
        {
            "estimator": "REML",
            "fallback_estimator": "DL",
            "inference": "knapp_hartung_adhoc",
            "prediction": "t_k1",
            "proportion_method": "inverse_variance",
            "glmm_quadrature_points": 101,
            "zero_cell_method": "mantel_haenszel",
            "profile_max_k": 4,
            "level": 0.95,
            "primary_framework": "frequentist",
            "bayesian_headline_max_k": 4,
            **keys,
        }
    )


def proportion_analysis(k: int, seed: int = 7, long_every: int = 0):
    """analysed_effects-like rows, an overall pooled row and weights for ``k`` arms."""
    rng = random.Random(seed)
    rows = []
    for i in range(k):
        n = rng.randint(6, 120)
        events = min(n, max(0, round(n * rng.uniform(0, 0.35))))
        add = 0.5 if events in (0, n) else 0.0
        p = (events + add) / (n + 2 * add)
        yi = math.log(p / (1 - p))
        vi = 1 / (events + add) + 1 / (n - events + add)
        label = f"Study {i + 1:02d} {2000 + i % 25}"
        if long_every and i % long_every == 0:
            label = LONG + label
        lo = max(0.0, p - 1.96 * math.sqrt(p * (1 - p) / n))
        hi = min(1.0, p + 1.96 * math.sqrt(p * (1 - p) / n))
        rows.append(
            {
                "outcome": "synthetic",
                "kind": "proportion",
                "effect_id": f"s{i:02d}",
                "study_id": f"s{i:02d}",
                "arm_id": f"s{i:02d}_msc",
                "comparator_arm_id": "",
                "label": label,
                "events": events,
                "n": n,
                "yi": yi,
                "vi": vi,
                "estimate": events / n,
                "ci_lower": lo,
                "ci_upper": hi,
                "timepoint_months": None,
                "flags": "count_from_percent" if i % 9 == 4 else "",
                "route": ("intrathecal", "intravenous", "intramuscular")[i % 3],
                "definition": "all-cause SAE",
                "tissue": "bone_marrow",
            }
        )
    return rows, pooled_row([r["yi"] for r in rows], [r["vi"] for r in rows], rows, "proportion")


def pooled_row(yi, vi, rows, kind, variable="overall", level="all"):
    fit = random_effects(yi, vi, "REML", "knapp_hartung", 0.95)
    back = (lambda x: float(expit(x))) if kind == "proportion" else (lambda x: x)
    pooled = {
        "outcome": "synthetic",
        "subgroup_variable": variable,
        "subgroup_level": level,
        "status": "pooled",
        "reason": "",
        "k": fit.k,
        "n_total": sum(r.get("n") or 0 for r in rows)
        + sum(r.get("comparator_n") or 0 for r in rows),
        "estimate": back(fit.estimate),
        "ci_lower": back(fit.ci_lower),
        "ci_upper": back(fit.ci_upper),
        "pi_lower": back(fit.pi_lower),
        "pi_upper": back(fit.pi_upper),
        "statistic": fit.statistic,
        "df": fit.df,
        "p_value": fit.p_value,
        "tau2": fit.tau2,
        "i2_tau2_pct": fit.i2_tau2,
        "i2_q_pct": fit.i2_q,
        "q": fit.q,
        "q_df": fit.q_df,
        "q_p": fit.q_p,
        "estimator": "REML",
        "inference": "knapp_hartung",
        "ci_method": fit.ci_method,
        "pi_method": fit.pi_method,
    }
    weights = {r["effect_id"]: w for r, w in zip(rows, fit.weights_pct, strict=True)}
    return pooled, weights


def difference_analysis(k: int, seed: int = 3, wild: int = 0):
    """Slope-difference rows (points/month); ``wild`` studies get very wide CIs."""
    rng = random.Random(seed)
    rows = []
    for i in range(k):
        se = rng.uniform(0.15, 0.6) * (8 if i < wild else 1)
        est = rng.gauss(0.3, 0.35)
        rows.append(
            {
                "outcome": "synthetic",
                "kind": "slope_change_difference",
                "effect_id": f"d{i:02d}",
                "study_id": f"d{i:02d}",
                "arm_id": f"d{i:02d}_msc",
                "comparator_arm_id": f"d{i:02d}_control",
                "label": f"Trial {i + 1:02d}",
                "n": rng.randint(10, 60),
                "comparator_n": rng.randint(10, 60),
                "yi": est,
                "vi": se**2,
                "estimate": est,
                "ci_lower": est - 1.96 * se,
                "ci_upper": est + 1.96 * se,
                "timepoint_months": 6,
                "flags": "",
                "route": "intrathecal",
                "definition": "ALSFRS-R slope change, 6 months",
                "tissue": "bone_marrow",
            }
        )
    return rows, pooled_row([r["yi"] for r in rows], [r["vi"] for r in rows], rows, "slope")


def _inclusion(outcome, study, effect, decision, reasons="", codes=""):
    return {
        "outcome": outcome,
        "study_id": study,
        "effect_id": effect,
        "arm_id": "",
        "decision": decision,
        "reason_codes": codes,
        "reasons": reasons,
    }


def prisma_example():
    """The arguments of alsmeta.analysis.prisma.flow for one outcome, x ("Outcome X"), and four
    studies of three trials in five reports: a is included (its control-arm row is not); b is
    excluded with two reason codes whose first decides its category, whatever the wording; c has
    no candidate row; d has a reason code the flow does not know."""
    studies = [
        {"study_id": s, "trial_id": t}
        for s, t in [("a", "T1"), ("b", "T2"), ("c", "T3"), ("d", "T3")]
    ]
    sources = [{"trial_id": t} for t in ("T1", "T1", "T2", "T3", "M")]
    inclusion = [
        _inclusion("x", "a", "a1", "included"),
        _inclusion("x", "a", "a2", "excluded", "control arm (any wording)", "control_arm"),
        _inclusion(
            "x",
            "b",
            "b1",
            "excluded",
            "the wording of a reason does not decide its category",
            "criteria.min_n;criteria.evidence_tiers",
        ),
        _inclusion("x", "c", "", "excluded", "deaths not reported", "no_candidate"),
        _inclusion("x", "d", "d1", "excluded", "something new", "something_new"),
    ]
    pooled = [
        {"outcome": "x", "subgroup_variable": "overall", "k": 1, "n_total": 40, "k_n_unreported": 0}
    ]
    return inclusion, studies, sources, pooled, ["x"], {"x": "Outcome X"}


def subgroup_pooled_rows(rows, variable="route", kind="proportion"):
    """A pooled row per level of ``variable`` (sorted), as pooled.tsv holds them."""
    pooled = []
    for level in sorted({r[variable] for r in rows}):
        members = [r for r in rows if r[variable] == level]
        row, _ = pooled_row(
            [r["yi"] for r in members], [r["vi"] for r in members], members, kind, variable, level
        )
        pooled.append(row)
    return pooled


def coverage_simulation(
    n_meta=2000,
    k=5,
    mu=0.5,
    tau2=0.1,
    v_range=(0.05, 0.2),
    seed=20261121,
    level=0.95,
    estimator="REML",
):
    """Coverage of Wald and Knapp-Hartung CIs over simulated meta-analyses (fixed seed).

    True effects ``theta_i ~ N(mu, tau2)``, observed ``y_i ~ N(theta_i, v_i)`` with
    within-study variances drawn uniformly on ``v_range`` (a 4-fold spread by default,
    as between trials of 20 to 80 participants). Returns the two coverages and the
    Monte Carlo standard error of a coverage of ``level``.
    """
    rng = np.random.default_rng(seed)
    v = rng.uniform(*v_range, size=(k, n_meta))
    theta = rng.normal(mu, math.sqrt(tau2), size=(k, n_meta))
    y = rng.normal(theta, np.sqrt(v))
    out = {}
    for inference in ("wald", "knapp_hartung"):
        fits = fit_batch(y, v, Settings(estimator=estimator, inference=inference, level=level))
        lo = np.array([f["ci_lower"] for f in fits])
        hi = np.array([f["ci_upper"] for f in fits])
        out[inference] = float(np.mean((lo <= mu) & (mu <= hi)))
    out["monte_carlo_se"] = math.sqrt(level * (1 - level) / n_meta)
    return out
