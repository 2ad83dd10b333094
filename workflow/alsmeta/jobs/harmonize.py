"""Job harmonize: extracted tables -> results/effects/effects.tsv."""

from alsmeta.effects.harmonize import COLUMNS, harmonize_as_configured
from alsmeta.io.tables import load_job_dataset
from alsmeta.io.tsv import write_tsv


def main(job):
    data = load_job_dataset(job.input)
    rows = harmonize_as_configured(data, job.params.harmonize)
    write_tsv(rows, COLUMNS, job.output.effects)
    ok = sum(r["status"] == "ok" for r in rows)
    job.log.info("%d effect rows, %d computable, %d not computable", len(rows), ok, len(rows) - ok)
