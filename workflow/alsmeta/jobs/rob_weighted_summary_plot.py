"""Job rob_weighted_summary_plot: per analysis, the share of its weight from studies at
each overall risk of bias (the inputs of the GRADE risk-of-bias domain)."""

from alsmeta.analysis.grade.finding import weighted_risk_of_bias
from alsmeta.figures import risk_of_bias as rob_figure
from alsmeta.figures import style
from alsmeta.io import risk_of_bias as rob
from alsmeta.io.files import read_json
from alsmeta.io.tables import read_named_table
from alsmeta.jobs import by_format


def main(job):
    params = job.params
    analysed = [r for p in job.input.selections for r in read_json(p)["analysed"]]
    results = [read_json(p) for p in job.input.analyses]
    rows = read_named_table(job.input.risk_of_bias, job.input.risk_of_bias_schema, "risk_of_bias")
    weighted = weighted_risk_of_bias(
        params.outcomes,
        params.definitions,
        analysed,
        [row for result in results for row in result["weights"]],
        rob.assessments(rows, params.risk_of_bias),
        params.risk_of_bias,
    )
    style.save(
        rob_figure.weighted_summary_plot(weighted, "Risk of bias: share of each analysis' weight"),
        by_format(job.output),
        title="Risk-of-bias summary plot, weighted by each analysis' weights",
    )
    job.log.info("%d analyses", len(weighted))
