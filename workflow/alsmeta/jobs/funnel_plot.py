"""Job funnel_plot (one per outcome with k >= sensitivity.small_study_min_k)."""

from alsmeta.figures.outcome import write_funnel
from alsmeta.io.files import read_json
from alsmeta.jobs import by_format


def main(job):
    rows = read_json(job.input.selection)["analysed"]
    overall = read_json(job.input.analysis)["pooled"][0]
    write_funnel(job.params.definition, rows, overall, by_format(job.output), job.params.min_k)
    job.log.info("%s: %d studies", job.wildcards.outcome, len(rows))
