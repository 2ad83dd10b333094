"""Snakemake adapter: effects + criteria -> the data-quality tables (studies, outcomes, gaps)."""

from pathlib import Path

from alsmeta.analysis.quality import GAP_COLUMNS, OUTCOME_COLUMNS, STUDY_COLUMNS, data_quality
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_dataset
from alsmeta.io.tsv import read_tsv, write_tsv


def main(smk, log):
    data = load_dataset({t: smk.input[t] for t in TABLES}, Path(smk.input.schemas[0]).parent)
    studies, outcomes, gaps = data_quality(
        read_tsv(smk.input.effects), data, smk.params.criteria, smk.params.definitions
    )
    write_tsv(studies, STUDY_COLUMNS, smk.output.studies)
    write_tsv(outcomes, OUTCOME_COLUMNS, smk.output.outcomes)
    write_tsv(gaps, GAP_COLUMNS, smk.output.gaps)
    for row in outcomes:
        log.info(
            "%s: main k = %d, N = %d; paper+registry k = %d; +secondary k = %d",
            row["outcome"],
            row["k_main"],
            row["n_main"],
            row["k_paper_registry"],
            row["k_plus_secondary"],
        )


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
