"""Job select (a checkpoint): effects + criteria -> one selection file per outcome, the
figures each outcome needs, the inclusion log and the data-quality tables.

The selection is made once here and read by every later job. Each outcome's file holds
only what its analysis needs (its analysed rows and the rows of every variant), so an
outcome whose selection a criterion swap leaves unchanged keeps a byte-identical file,
and Snakemake, re-evaluating the jobs after this checkpoint, does not re-run its
analysis or figures.
"""

from alsmeta.analysis.quality import GAP_COLUMNS, OUTCOME_COLUMNS, STUDY_COLUMNS, data_quality
from alsmeta.io.files import write_json
from alsmeta.io.tables import load_job_dataset
from alsmeta.io.tsv import read_tsv, write_tsv
from alsmeta.kinds import MIN_K_LEAVE_ONE_OUT
from alsmeta.selection.criteria import INCLUSION_COLUMNS, select
from alsmeta.selection.variants import as_changes, variant_context, variant_selections


def figures_needed(k: int, small_study_min_k: int) -> list[str]:
    """The displays an outcome with ``k`` analysed rows gets: none without a study (the
    report says so in a line), the leave-one-out plot from 3 and the funnel plot from
    ``small_study_min_k``; the workflow asks for these files and no others."""
    needed = ["forest"] if k >= 1 else []
    if k >= MIN_K_LEAVE_ONE_OUT:
        needed.append("leave_one_out")
    if k >= small_study_min_k:
        needed.append("funnel")
    return needed


def main(job):
    data = load_job_dataset(job.input)
    effects = read_tsv(job.input.effects)
    criteria, definitions = job.params.criteria, job.params.definitions
    labels = job.params.definition_labels
    selection = select(effects, data, criteria, definitions, labels=labels)
    write_tsv(selection.inclusion, INCLUSION_COLUMNS, job.output.inclusion)
    figures = {}
    context = variant_context(effects, data, criteria)
    for outcome, path in zip(criteria["outcomes"], job.output.selections, strict=True):
        rows = [r for r in selection.analysed if r["outcome"] == outcome]
        record = {
            "outcome": outcome,
            "analysed": rows,
            "variants": as_changes(
                variant_selections(effects, data, criteria, definitions, outcome, context, labels),
                rows,
            ),
        }
        write_json(record, path)
        figures[outcome] = figures_needed(len(rows), job.params.small_study_min_k)
        job.log.info(
            "%s: %d rows analysed, %d variants", outcome, len(rows), len(record["variants"])
        )
    write_json(figures, job.output.figures)
    studies, outcomes, gaps = data_quality(effects, data, criteria, definitions, selection)
    write_tsv(studies, STUDY_COLUMNS, job.output.quality_studies)
    write_tsv(outcomes, OUTCOME_COLUMNS, job.output.quality_outcomes)
    write_tsv(gaps, GAP_COLUMNS, job.output.known_gaps)
