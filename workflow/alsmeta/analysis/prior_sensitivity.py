"""Prior sensitivity of the Bayesian result of every analysis with few studies.

With 1 to ``bayes.prior_sensitivity.max_k`` studies the posterior of the pooled effect
depends on the prior of the between-study SD tau (Friede et al. 2017, Biometrical Journal
59:658-671; Roever et al. 2021, Res Synth Methods 12:448-474). Each such analysis (overall
and per subgroup level) is fitted again under every alternative tau prior of
``bayes.prior_sensitivity.alternatives`` (by default half-normal with half and twice the
shipped scale, and half-Cauchy with the shipped scale), the mu prior unchanged, and one
``prior_sensitivity.tsv`` row per analysis and prior gives the posterior median, the
credible and predictive intervals and tau's posterior. The shipped prior's row comes
first, so a reader sees how far the answer moves. Numerical integration, no sampling:
the same inputs give the same table.
"""

from __future__ import annotations

from dataclasses import replace

from alsmeta.analysis.bayesian import (
    BINOMIAL_NORMAL,
    bayesian_results,
    model_of,
    natural_rows,
    prior_key,
    prior_text,
    settings_for,
)
from alsmeta.analysis.pooling import build_analyses, scales, to_natural
from alsmeta.analysis.pooling_settings import PoolingSettings

SHIPPED = "shipped"
COLUMNS = [
    "outcome",
    "subgroup_variable",
    "subgroup_level",
    "k",
    "prior_label",
    "prior",
    "model",
    "analysis_scale",
    "status",
    "reason",
    "estimate",
    "cri_lower",
    "cri_upper",
    "pred_lower",
    "pred_upper",
    "tau_median",
    "tau_lower",
    "tau_upper",
    "integration_error",
]


def alternative_settings(shipped, alternative: dict):
    """The engine settings of one alternative: the shipped settings with its tau prior.

    ``alternative``: ``family`` (half_normal or half_cauchy) and ``scale_factor``, the
    multiple of the shipped prior's scale. A shipped prior with no scale (lognormal,
    uniform) has nothing to multiply: ValueError, reported in the row."""
    from alsmeta.stats.bayes import TauPrior

    if shipped.tau_prior.family not in ("half_normal", "half_cauchy"):
        raise ValueError(
            f"the shipped tau prior ({shipped.tau_prior.describe()}) has no scale to vary"
        )
    scale = shipped.tau_prior.scale * float(alternative["scale_factor"])
    return replace(shipped, tau_prior=TauPrior(alternative["family"], scale=scale))


def prior_sensitivity_rows(
    analysed, outcomes, definitions, subgroups, pooling: PoolingSettings, bayes: dict
) -> list[dict]:
    """prior_sensitivity.tsv rows of every analysis with 1 to ``max_k`` studies."""
    spec = bayes["prior_sensitivity"]
    labels = [SHIPPED] + [alt["label"] for alt in spec["alternatives"]]
    if len(set(labels)) != len(labels):
        raise ValueError(
            f"config key 'bayes.prior_sensitivity.alternatives': labels must be unique and "
            f"not {SHIPPED!r}, not {labels[1:]}"
        )
    analyses = [
        a
        for a in build_analyses(analysed, outcomes, definitions, subgroups)
        if 1 <= len(a.rows) <= spec["max_k"]
    ]
    out = []
    for label, alternative in [(SHIPPED, None)] + [
        (alt["label"], alt) for alt in spec["alternatives"]
    ]:
        settings, refused = {}, {}
        for a in analyses:
            key = prior_key(a)
            shipped = settings_for(key, bayes, pooling.level)
            try:
                settings[key] = (
                    shipped if alternative is None else alternative_settings(shipped, alternative)
                )
            except ValueError as exc:
                refused[key] = str(exc)
        fitted = bayesian_results([a for a in analyses if prior_key(a) in settings], settings)
        for a in analyses:
            out.append(_row(a, label, settings.get(prior_key(a)), fitted.get(id(a)), refused))
    order = {id(a): i for i, a in enumerate(analyses)}
    keyed = [(r, order[r.pop("_analysis")], labels.index(r["prior_label"])) for r in out]
    return [r for r, _, _ in sorted(keyed, key=lambda t: (t[1], t[2]))]


def _row(analysis, label, settings, result, refused) -> dict:
    row = {
        "_analysis": id(analysis),
        "outcome": analysis.outcome,
        "subgroup_variable": analysis.variable,
        "subgroup_level": analysis.level,
        "k": len(analysis.rows),
        "prior_label": label,
        "model": model_of(analysis),
    }
    if result is None:
        return {**row, "status": "not_computed", "reason": refused[prior_key(analysis)]}
    natural = to_natural(
        analysis.definition,
        natural_rows(analysis),
        [result.mu_median, result.mu_lower, result.mu_upper, result.pred_lower, result.pred_upper],
    )
    return {
        **row,
        "prior": prior_text(settings),
        "analysis_scale": "logit" if model_of(analysis) == BINOMIAL_NORMAL else scales(analysis)[1],
        "status": "pooled",
        "reason": "",
        **dict(
            zip(
                ("estimate", "cri_lower", "cri_upper", "pred_lower", "pred_upper"),
                natural,
                strict=True,
            )
        ),
        "tau_median": float(result.tau_median),
        "tau_lower": float(result.tau_lower),
        "tau_upper": float(result.tau_upper),
        "integration_error": result.integration_error,
    }
