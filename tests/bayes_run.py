"""The shipped data selected, pooled and analysed by the Bayesian models, as the analyse jobs
do it (all outcomes at once): pooled rows with their bayes_* columns, weights, shrinkage."""

from __future__ import annotations

from alsmeta.analysis.bayesian import add_bayesian
from alsmeta.analysis.pooling import pool_all
from alsmeta.selection.criteria import select


def analysed_rows(harmonized, data, config) -> list[dict]:
    return select(harmonized, data, config["criteria"], config["outcome_definitions"]).analysed


def pooled_with_bayes(analysed, config, pooling=None):
    """(pooled, weights, shrinkage) of every configured outcome, overall and per subgroup."""
    pooling = pooling or config["pooling"]
    outcomes = config["criteria"]["outcomes"]
    definitions = config["outcome_definitions"]
    pooled, weights = pool_all(analysed, outcomes, definitions, config["subgroups"], pooling)
    shrinkage = add_bayesian(
        pooled, analysed, outcomes, definitions, config["subgroups"], pooling, config["bayes"]
    )
    return pooled, weights, shrinkage
