"""Job harmonize: extracted tables -> results/effects/effects.tsv."""

from alsmeta.effects.harmonize import COLUMNS, harmonize
from alsmeta.io.tables import load_job_dataset
from alsmeta.io.tsv import write_tsv


def main(job):
    data = load_job_dataset(job.input)
    settings = job.params.harmonize
    rows = harmonize(
        data,
        add=settings["continuity_correction"],
        to=settings["continuity_correction_to"],
        level=settings["ci_level"],
        r=settings["prepost_correlation"],
        measure=settings["proportion_measure"],
        ci_method=settings["ci_method"],
        corrected_measures=settings["continuity_correction_measures"],
    )
    write_tsv(rows, COLUMNS, job.output.effects)
    ok = sum(r["status"] == "ok" for r in rows)
    job.log.info("%d effect rows, %d computable, %d not computable", len(rows), ok, len(rows) - ok)
