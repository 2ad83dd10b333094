"""Job leave_one_out_plot (one per outcome with k >= 3): the re-fits the analysis made."""

from alsmeta.figures.outcome import Settings, write_leave_one_out
from alsmeta.io.files import read_json
from alsmeta.jobs import by_format


def main(job):
    analysis = read_json(job.input.analysis)
    write_leave_one_out(
        job.params.definition,
        Settings(job.params.ci_level, job.params.level, **job.params.forest),
        analysis["pooled"][0],
        analysis["leave_one_out"],
        by_format(job.output),
        max_rows=job.params.max_rows,
    )
    job.log.info("%s: %d re-fits", job.wildcards.outcome, len(analysis["leave_one_out"]))
