"""Snakemake adapter: effects + criteria -> inclusion log, pooled table, weights."""

from pathlib import Path

from alsmeta.analysis.pooling import POOLED_COLUMNS, WEIGHT_COLUMNS, pool_all
from alsmeta.effects.harmonize import COLUMNS as EFFECT_COLUMNS
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_dataset
from alsmeta.io.tsv import read_tsv, write_tsv
from alsmeta.selection.criteria import INCLUSION_COLUMNS, SUBGROUP_VARIABLES, select

ANALYSED_COLUMNS = ["outcome", "kind", "label", "year", *SUBGROUP_VARIABLES, *EFFECT_COLUMNS]


def main(smk, log):
    data = load_dataset({t: smk.input[t] for t in TABLES}, Path(smk.input.schemas[0]).parent)
    effects = read_tsv(smk.input.effects)
    criteria, definitions = smk.params.criteria, smk.params.definitions
    selection = select(effects, data, criteria, definitions)
    pooled, weights = pool_all(
        selection.analysed,
        criteria["outcomes"],
        definitions,
        smk.params.subgroups,
        smk.params.pooling,
    )
    write_tsv(selection.inclusion, INCLUSION_COLUMNS, smk.output.inclusion)
    write_tsv(selection.analysed, ANALYSED_COLUMNS, smk.output.analysed)
    write_tsv(weights, WEIGHT_COLUMNS, smk.output.weights)
    write_tsv(pooled, POOLED_COLUMNS, smk.output.pooled)
    for row in pooled:
        if row["subgroup_variable"] == "overall":
            log.info("%s: k = %d, %s", row["outcome"], row["k"], row["status"])


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
