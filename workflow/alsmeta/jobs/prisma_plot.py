"""Job prisma_plot: the PRISMA 2020 flow diagram, counted from the inclusion log, the
studies and sources, and every outcome's analysis (the counts of prisma_flow.tsv)."""

from alsmeta.analysis import prisma
from alsmeta.figures import prisma as prisma_figure
from alsmeta.figures import style
from alsmeta.io.files import read_json
from alsmeta.io.tables import read_named_table
from alsmeta.io.tsv import read_tsv
from alsmeta.jobs import by_format


def main(job):
    pooled = [row for path in job.input.analyses for row in read_json(path)["pooled"]]
    flow = prisma.flow(
        read_tsv(job.input.inclusion),
        read_named_table(job.input.studies, job.input.studies_schema, "studies"),
        read_named_table(job.input.sources, job.input.sources_schema, "sources"),
        pooled,
        job.params.outcomes,
        job.params.labels,
    )
    style.save(prisma_figure.figure(flow), by_format(job.output), title="PRISMA 2020 flow diagram")
    job.log.info("%d studies, %d in at least one synthesis", flow.studies, len(flow.included_any))
