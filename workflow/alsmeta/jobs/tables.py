"""Job tables: every outcome's selection and analysis -> the tables under results/tables,
the summary of findings and the PRISMA 2020 counts (the figures drawn from the same
results have their own rules in plots.smk).

Each table is gathered from the per-outcome results, nothing is recomputed; the summary
of findings and the PRISMA counts are made here, once, and the report reads them.
"""

from alsmeta.analysis import prisma
from alsmeta.analysis.bayesian import BAYES_COLUMNS, SHRINKAGE_COLUMNS
from alsmeta.analysis.grade.finding import findings
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.grade.table import COLUMNS as SOF_COLUMNS
from alsmeta.analysis.grade.table import table_rows
from alsmeta.analysis.pooling import POOLED_COLUMNS, WEIGHT_COLUMNS
from alsmeta.analysis.prior_sensitivity import COLUMNS as PRIOR_SENSITIVITY_COLUMNS
from alsmeta.analysis.sensitivity import (
    CUMULATIVE_COLUMNS,
    INFLUENCE_COLUMNS,
    LOO_COLUMNS,
    METHOD_COLUMNS,
    MODERATOR_COLUMNS,
    SMALL_STUDY_COLUMNS,
    SWEEP_COLUMNS,
)
from alsmeta.analysis.variants import VARIANT_COLUMNS
from alsmeta.io import risk_of_bias as rob
from alsmeta.io.files import read_json
from alsmeta.io.grade_judgements import read_judgements
from alsmeta.io.tables import read_named_table
from alsmeta.io.tsv import read_tsv, write_tsv
from alsmeta.selection.criteria import ANALYSED_COLUMNS

#: Per-outcome result -> (output name, columns).
GATHERED = {
    "pooled": ("pooled", [*POOLED_COLUMNS, *BAYES_COLUMNS]),
    "weights": ("weights", WEIGHT_COLUMNS),
    "bayes_shrinkage": ("bayes_shrinkage", SHRINKAGE_COLUMNS),
    "prior_sensitivity": ("prior_sensitivity", PRIOR_SENSITIVITY_COLUMNS),
    "leave_one_out": ("leave_one_out", LOO_COLUMNS),
    "cumulative": ("cumulative", CUMULATIVE_COLUMNS),
    "influence": ("influence", INFLUENCE_COLUMNS),
    "small_study": ("small_study", SMALL_STUDY_COLUMNS),
    "methods": ("methods", METHOD_COLUMNS),
    "prepost_sweep": ("prepost_sweep", SWEEP_COLUMNS),
    "moderators": ("moderators", MODERATOR_COLUMNS),
    "variants": ("variants", VARIANT_COLUMNS),
}


def main(job):
    params, out = job.params, job.output
    outcomes, definitions = params.outcomes, params.definitions
    analysed = [r for p in job.input.selections for r in read_json(p)["analysed"]]
    results = [read_json(p) for p in job.input.analyses]
    write_tsv(analysed, ANALYSED_COLUMNS, out.analysed)
    gathered = {}
    for key, (name, columns) in GATHERED.items():
        gathered[key] = [row for result in results for row in result[key]]
        write_tsv(gathered[key], columns, out[name])
        job.log.info("%s: %d rows", name, len(gathered[key]))

    rob_rows = read_named_table(
        job.input.risk_of_bias, job.input.risk_of_bias_schema, "risk_of_bias"
    )
    assessed = rob.assessments(rob_rows, params.risk_of_bias)
    settings = GradeSettings.from_config(
        {
            "grade": params.grade,
            "risk_of_bias": params.risk_of_bias,
            "pooling": params.pooling,
            "sensitivity": params.sensitivity,
        }
    )
    judgements = read_judgements(
        job.input.grade_judgements, job.input.grade_judgements_schema, definitions
    )
    graded = findings(
        outcomes,
        definitions,
        gathered["pooled"],
        analysed,
        gathered["weights"],
        assessed,
        settings,
        judgements,
        gathered["small_study"],
    )
    write_tsv(table_rows(graded), SOF_COLUMNS, out.summary_of_findings)

    studies = read_named_table(job.input.studies, job.input.studies_schema, "studies")
    labels = {s["study_id"]: f"{s['first_author']} {s['year']}" for s in studies}
    shown = rob.shown(rob_rows, assessed)
    write_tsv(rob.table_rows(shown, labels), rob.TABLE_COLUMNS, out.risk_of_bias)
    sources = read_named_table(job.input.sources, job.input.sources_schema, "sources")
    outcome_labels = {o: definitions[o]["label"] for o in outcomes}
    flow = prisma.flow(
        read_tsv(job.input.inclusion),
        studies,
        sources,
        gathered["pooled"],
        outcomes,
        outcome_labels,
    )
    write_tsv(prisma.flow_rows(flow), prisma.FLOW_COLUMNS, out.prisma_flow)

    job.log.info("%d studies, %d in at least one synthesis", flow.studies, len(flow.included_any))
