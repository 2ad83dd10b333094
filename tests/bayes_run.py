"""The shipped data selected, pooled and analysed by the Bayesian models, as the analyse jobs
do it (all outcomes at once): pooled rows with their bayes_* columns, weights, shrinkage."""

from __future__ import annotations

from alsmeta.analysis.bayesian import add_bayesian
from alsmeta.analysis.pooling import pool_all
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.selection.criteria import select


def analysed_rows(harmonized, data, config) -> list[dict]:
    return select(harmonized, data, config["criteria"], config["outcome_definitions"]).analysed


def pooled_with_bayes(analysed, config, pooling=None):
    """(pooled, weights, shrinkage) of every configured outcome, overall and per subgroup."""
    pooling = PoolingSettings.from_config(pooling or config["pooling"])
    outcomes = config["criteria"]["outcomes"]
    definitions = config["outcome_definitions"]
    pooled, weights = pool_all(analysed, outcomes, definitions, config["subgroups"], pooling)
    shrinkage = add_bayesian(
        pooled, analysed, outcomes, definitions, config["subgroups"], pooling, config["bayes"]
    )
    return pooled, weights, shrinkage


def overall(pooled, outcome) -> dict:
    return next(
        r for r in pooled if r["outcome"] == outcome and r["subgroup_variable"] == "overall"
    )


def two_study_odds_ratio(pooled) -> str:
    """The first outcome whose overall analysis pools two studies' log odds ratios (the case
    where Knapp-Hartung's t(1) interval spans orders of magnitude)."""
    return next(
        r["outcome"]
        for r in pooled
        if r["subgroup_variable"] == "overall"
        and r["analysis_scale"] == "log odds ratio"
        and r["k"] == 2
        and r["status"] == "pooled"
    )


def all_zero_outcome(pooled, analysed) -> str:
    """The first outcome whose overall analysis has 2 or more studies, none with an event."""
    for r in pooled:
        rows = [a for a in analysed if a["outcome"] == r["outcome"]]
        if (
            r["subgroup_variable"] == "overall"
            and r["k"] >= 2
            and r["scale"] == "proportion"
            and not any(a["events"] for a in rows)
        ):
            return r["outcome"]
    raise LookupError("no outcome with zero events in every study")
