"""Job analyse (one per outcome): its selection -> every result of that outcome.

Pooled rows (overall and per subgroup level, with both subgroup tests, and the Bayesian
analysis beside each), weights, the Bayesian shrinkage of each study, the
sensitivity tables (leave-one-out, cumulative, influence, small-study tests, every
estimator x inference, pre/post-r sweep, meta-regression) and the variants, each
computed once here; the tables job gathers them and the figures read them.
"""

from alsmeta.analysis.bayesian import add_bayesian
from alsmeta.analysis.pooling import pool_all
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.analysis.prior_sensitivity import prior_sensitivity_rows
from alsmeta.analysis.sensitivity import sensitivity_tables
from alsmeta.analysis.variants import variant_rows
from alsmeta.io.files import read_json, write_json
from alsmeta.io.tables import read_named_table


def main(job):
    outcome, params = job.wildcards.outcome, job.params
    selection = read_json(job.input.selection)
    rows = selection["analysed"]
    definition = params.definition
    pooling = PoolingSettings.from_config(params.pooling)
    pooled, weights = pool_all(rows, [outcome], {outcome: definition}, params.subgroups, pooling)
    shrinkage = add_bayesian(
        pooled,
        rows,
        [outcome],
        {outcome: definition},
        params.subgroups,
        pooling,
        params.bayes,
    )
    prior_sensitivity = prior_sensitivity_rows(
        rows, [outcome], {outcome: definition}, params.subgroups, pooling, params.bayes
    )
    efficacy = read_named_table(job.input.efficacy, job.input.efficacy_schema, "efficacy")
    tables = sensitivity_tables(
        outcome,
        definition,
        rows,
        pooling,
        efficacy_rows=efficacy,
        level=params.harmonize["ci_level"],
        correlations=params.sensitivity["prepost_correlations"],
        min_k=params.sensitivity["small_study_min_k"],
        moderators=params.moderators,
        main_pooled=pooled[0]["status"] == "pooled",
        glmm_loo_max_k=params.sensitivity["glmm_leave_one_out_max_k"],
    )
    variants = variant_rows(outcome, definition, selection["variants"], pooling, rows)
    write_json(
        {
            "pooled": pooled,
            "weights": weights,
            "bayes_shrinkage": shrinkage,
            "prior_sensitivity": prior_sensitivity,
            **tables,
            "variants": variants,
        },
        job.output.analysis,
    )
    overall = pooled[0]
    job.log.info("%s: k = %d, %s", outcome, overall["k"], overall["status"])
