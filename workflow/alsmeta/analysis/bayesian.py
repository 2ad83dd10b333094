"""The Bayesian random-effects analysis of every analysis, beside the frequentist one.

Every analysis with at least one study gets a Bayesian result, also those the frequentist
model cannot pool (one study; zero events in every study): the ``bayes_*`` columns of
``pooled.tsv`` and one ``bayes_shrinkage.tsv`` row per study and analysis. Single-arm event
counts (proportion outcomes) use the binomial-normal model on the logit scale, whatever
``pooling.proportion_method`` is; every other analysis the normal-normal model on its
analysis scale. All analyses of one job (an outcome overall and per subgroup level) are
fitted in one :func:`alsmeta.stats.bayes.normal_normal_batch` call, or one
:func:`alsmeta.stats.bayes.binomial_normal_batch` call. The priors are configuration
(``bayes.priors``, one entry per analysis scale, each with its reason); the models are
described in :mod:`alsmeta.stats.bayes`.

Values on the natural scale are the posterior quantiles back-transformed with
:func:`alsmeta.analysis.pooling.to_natural` (quantiles, so a median stays a median); the
posterior mean and SD are given on the analysis scale only.
"""

from __future__ import annotations

from alsmeta.analysis.pooling import Analysis, build_analyses, scales, to_natural
from alsmeta.kinds import is_event_rate

#: The ``bayes.priors`` entry of each analysis scale (as :func:`alsmeta.kinds.scales` names
#: it). Single-arm proportions are always modelled on the logit scale.
PRIOR_KEYS = {
    "log odds ratio": "log_odds_ratio",
    "log risk ratio": "log_risk_ratio",
    "risk difference": "risk_difference",
    "logit": "logit_proportion",
    "points/month": "alsfrs_r_slope",
    "points": "alsfrs_r_points",
    "% predicted/month": "fvc_slope",
}
NORMAL_NORMAL, BINOMIAL_NORMAL = "normal-normal", "binomial-normal"

#: Natural-scale values (posterior median, credible and predictive intervals).
NATURAL = (
    ("bayes_estimate", "mu_median"),
    ("bayes_cri_lower", "mu_lower"),
    ("bayes_cri_upper", "mu_upper"),
    ("bayes_pred_median", "pred_median"),
    ("bayes_pred_lower", "pred_lower"),
    ("bayes_pred_upper", "pred_upper"),
)
#: Analysis-scale values.
ANALYSIS = (
    ("bayes_mu_median_analysis", "mu_median"),
    ("bayes_mu_mean_analysis", "mu_mean"),
    ("bayes_mu_sd_analysis", "mu_sd"),
    ("bayes_mu_lower_analysis", "mu_lower"),
    ("bayes_mu_upper_analysis", "mu_upper"),
    ("bayes_tau_median", "tau_median"),
    ("bayes_tau_lower", "tau_lower"),
    ("bayes_tau_upper", "tau_upper"),
)
#: pooled.tsv's Bayesian columns, after the frequentist ones.
BAYES_COLUMNS = [
    "bayes_status",
    "bayes_reason",
    "bayes_model",
    "bayes_analysis_scale",
    *(c for c, _ in NATURAL),
    *(c for c, _ in ANALYSIS),
    "bayes_interval",
    "bayes_prior_key",
    "bayes_prior",
    "bayes_grid_points",
    "bayes_integration_error",
]
SHRINKAGE_COLUMNS = [
    "outcome",
    "subgroup_variable",
    "subgroup_level",
    "effect_id",
    "label",
    "model",
    "observed_estimate",
    "observed_ci_lower",
    "observed_ci_upper",
    "shrunken_estimate",
    "shrunken_lower",
    "shrunken_upper",
    "shrunken_mean_analysis",
    "shrunken_lower_analysis",
    "shrunken_upper_analysis",
]


def model_of(analysis: Analysis) -> str:
    """binomial-normal for single-arm event counts, else normal-normal."""
    return BINOMIAL_NORMAL if is_event_rate(analysis.kind) else NORMAL_NORMAL


def prior_key(analysis: Analysis) -> str:
    """The ``bayes.priors`` entry an analysis uses."""
    if model_of(analysis) == BINOMIAL_NORMAL:
        return PRIOR_KEYS["logit"]
    scale = scales(analysis)[1]
    if scale not in PRIOR_KEYS:
        raise ValueError(f"no Bayesian prior for the analysis scale {scale!r} (bayes.priors)")
    return PRIOR_KEYS[scale]


def settings_for(key: str, bayes: dict, level: float):
    """The engine's settings for one ``bayes.priors`` entry."""
    from alsmeta.stats.bayes import BayesSettings, TauPrior

    prior = bayes["priors"][key]
    tau = {k: v for k, v in prior["tau"].items() if k != "family"}
    return BayesSettings(
        tau_prior=TauPrior(prior["tau"]["family"], **tau),
        mu_mean=float(prior["mu"]["mean"]),
        mu_sd=float(prior["mu"]["sd"]),
        level=level,
        grid_points=int(bayes["grid_points"]),
    )


def prior_text(settings) -> str:
    """'tau: half-normal, scale 0.5; mu: normal, mean 0, SD 4' as the reader sees it."""
    return f"tau: {settings.tau_prior.describe()}; mu: {settings.describe_mu()}"


def natural_rows(analysis: Analysis) -> list[dict]:
    """The rows :func:`to_natural` back-transforms with: logit for the binomial-normal model
    (whatever measure the frequentist analysis uses), else the analysis' own rows."""
    if model_of(analysis) == BINOMIAL_NORMAL:
        return [{"measure": "PLO", "n": r["n"]} for r in analysis.rows]
    return analysis.rows


def _columns(analysis: Analysis, result, key: str, settings) -> dict:
    natural = to_natural(
        analysis.definition, natural_rows(analysis), [getattr(result, f) for _, f in NATURAL]
    )
    return {
        "bayes_status": "pooled",
        "bayes_reason": "",
        "bayes_model": model_of(analysis),
        "bayes_analysis_scale": "logit"
        if model_of(analysis) == BINOMIAL_NORMAL
        else scales(analysis)[1],
        **dict(zip((c for c, _ in NATURAL), natural, strict=True)),
        **{c: float(getattr(result, f)) for c, f in ANALYSIS},
        "bayes_interval": result.interval,
        "bayes_prior_key": key,
        "bayes_prior": prior_text(settings),
        "bayes_grid_points": result.grid_points,
        "bayes_integration_error": result.integration_error,
    }


def _shrinkage(analysis: Analysis, result) -> list[dict]:
    """One row per study: its observed estimate and its shrinkage estimate (none where the
    engine gives none)."""
    rows = natural_rows(analysis)
    out = []
    if len(result.shrinkage_mean) != len(analysis.rows):
        return out
    for i, r in enumerate(analysis.rows):
        analysis_scale = (
            result.shrinkage_mean[i],
            result.shrinkage_lower[i],
            result.shrinkage_upper[i],
        )
        natural = to_natural(analysis.definition, rows, analysis_scale)
        out.append(
            {
                "outcome": analysis.outcome,
                "subgroup_variable": analysis.variable,
                "subgroup_level": analysis.level,
                "effect_id": r["effect_id"],
                "label": r.get("label"),
                "model": model_of(analysis),
                "observed_estimate": r.get("estimate"),
                "observed_ci_lower": r.get("ci_lower"),
                "observed_ci_upper": r.get("ci_upper"),
                "shrunken_estimate": natural[0],
                "shrunken_lower": natural[1],
                "shrunken_upper": natural[2],
                "shrunken_mean_analysis": float(analysis_scale[0]),
                "shrunken_lower_analysis": float(analysis_scale[1]),
                "shrunken_upper_analysis": float(analysis_scale[2]),
            }
        )
    return out


#: Results of the data sets fitted so far in this process, by (model, data, settings): a
#: subgroup level holding the same studies as the overall analysis, and the same rows met
#: again by another outcome's job in the same run, are fitted once.
_FITTED: dict[tuple, object] = {}


def _data_key(analysis: Analysis, settings) -> tuple:
    if model_of(analysis) == BINOMIAL_NORMAL:
        data = tuple((int(r["events"]), int(r["n"])) for r in analysis.rows)
    else:
        data = tuple((float(r["yi"]), float(r["vi"])) for r in analysis.rows)
    return (model_of(analysis), data, settings)


def bayesian_results(analyses: list[Analysis], settings: dict) -> dict:
    """id(analysis) -> its BayesResult, for every analysis with at least one study: the
    data sets not fitted before, normal-normal ones in one batch call, binomial-normal ones
    in another. ``settings``: prior key -> BayesSettings."""
    from alsmeta.stats.bayes import binomial_normal_batch, normal_normal_batch

    keys = {id(a): _data_key(a, settings[prior_key(a)]) for a in analyses if a.rows}
    new = [key for key in dict.fromkeys(keys.values()) if key not in _FITTED]
    for model, fit in (
        (NORMAL_NORMAL, normal_normal_batch),
        (BINOMIAL_NORMAL, binomial_normal_batch),
    ):
        todo = [key for key in new if key[0] == model]
        if todo:
            batch = fit(
                [[x for x, _ in data] for _, data, _ in todo],
                [[y for _, y in data] for _, data, _ in todo],
                [s for _, _, s in todo],
            )
            _FITTED.update(zip(todo, batch, strict=True))
    return {analysis_id: _FITTED[key] for analysis_id, key in keys.items()}


def add_bayesian(pooled, analysed, outcomes, definitions, subgroups, pooling, bayes) -> list[dict]:
    """Join the Bayesian columns into ``pooled`` (the rows :func:`pool_all` made from the same
    arguments, in its order) and return the per-study shrinkage rows."""
    analyses = build_analyses(analysed, outcomes, definitions, subgroups)
    if len(analyses) != len(pooled):
        raise ValueError("pooled rows and analyses differ: pass pool_all's own arguments")
    keys = {prior_key(a) for a in analyses}
    settings = {key: settings_for(key, bayes, pooling.level) for key in sorted(keys)}
    results = bayesian_results(analyses, settings)
    shrinkage = []
    for a, row in zip(analyses, pooled, strict=True):
        if (row["outcome"], row["subgroup_variable"], row["subgroup_level"]) != (
            a.outcome,
            a.variable,
            a.level,
        ):
            raise ValueError(f"pooled row {row['outcome']} out of order with its analysis")
        if not a.rows:
            row.update(
                {c: None for c in BAYES_COLUMNS},
                bayes_status="not_pooled",
                bayes_reason="k = 0: no study meets the criteria",
                bayes_model=model_of(a),
            )
            continue
        result = results[id(a)]
        row.update(_columns(a, result, prior_key(a), settings[prior_key(a)]))
        shrinkage += _shrinkage(a, result)
    return shrinkage
