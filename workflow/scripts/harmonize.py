"""Snakemake adapter: extracted tables -> results/effects/effects.tsv."""

from pathlib import Path

from alsmeta.effects.harmonize import COLUMNS, harmonize
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_dataset
from alsmeta.io.tsv import write_tsv


def main(smk, log):
    data = load_dataset({t: smk.input[t] for t in TABLES}, Path(smk.input.schemas[0]).parent)
    settings = smk.params.harmonize
    rows = harmonize(
        data,
        add=settings["continuity_correction"],
        to=settings["continuity_correction_to"],
        level=settings["ci_level"],
        r=settings["prepost_correlation"],
        measure=settings["proportion_measure"],
        ci_method=settings["ci_method"],
    )
    write_tsv(rows, COLUMNS, smk.output.effects)
    ok = sum(r["status"] == "ok" for r in rows)
    log.info("%d effect rows, %d computable, %d not computable", len(rows), ok, len(rows) - ok)


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
