"""Snakemake adapter: effects + criteria -> results/tables/variants.tsv (every variant)."""

from pathlib import Path

from alsmeta.analysis.variants import VARIANT_COLUMNS, variant_table
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_dataset
from alsmeta.io.tsv import read_tsv, write_tsv


def main(smk, log):
    data = load_dataset({t: smk.input[t] for t in TABLES}, Path(smk.input.schemas[0]).parent)
    rows = variant_table(
        read_tsv(smk.input.effects),
        data,
        smk.params.criteria,
        smk.params.definitions,
        smk.params.pooling,
    )
    write_tsv(rows, VARIANT_COLUMNS, smk.output.variants)
    changed = sum(1 for r in rows if r["differs_from_main"])
    log.info("%d outcome x variant rows, %d differ from the main analysis", len(rows), changed)


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
