"""Snakemake adapter: inclusion log + studies + sources -> PRISMA 2020 flow diagram and counts."""

from alsmeta.analysis.prisma import FLOW_COLUMNS, figure, flow, flow_rows
from alsmeta.figures import style as plotstyle
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_schema, read_table
from alsmeta.io.tsv import read_tsv, write_tsv


def main(smk, log):
    studies = read_table(smk.input.studies, load_schema(smk.input.schemas[0]), TABLES["studies"])
    sources = read_table(smk.input.sources, load_schema(smk.input.schemas[1]), TABLES["sources"])
    counts = flow(
        read_tsv(smk.input.inclusion),
        studies,
        sources,
        read_tsv(smk.input.pooled),
        smk.params.outcomes,
        smk.params.labels,
    )
    plotstyle.save(
        figure(counts),
        {"svg": smk.output.svg, "png": smk.output.png, "pdf": smk.output.pdf},
        title="PRISMA 2020 flow diagram",
    )
    write_tsv(flow_rows(counts), FLOW_COLUMNS, smk.output.flow)
    log.info("%d studies, %d in at least one synthesis", counts.studies, len(counts.included_any))


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
