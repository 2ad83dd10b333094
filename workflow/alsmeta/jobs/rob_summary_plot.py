"""Job rob_summary_plot: per tool, the share of studies at each judgement per domain
(unweighted: each study counts once)."""

from alsmeta.figures import risk_of_bias as rob_figure
from alsmeta.figures import style
from alsmeta.io import risk_of_bias as rob
from alsmeta.io.tables import read_named_table
from alsmeta.jobs import by_format


def main(job):
    rows = read_named_table(job.input.risk_of_bias, job.input.risk_of_bias_schema, "risk_of_bias")
    shown = rob.shown(rows, rob.assessments(rows, job.params.risk_of_bias))
    studies = [j for j in shown if j.scope == "all"]
    style.save(
        rob_figure.summary_plot(studies, "Risk of bias: summary"),
        by_format(job.output),
        title="Risk-of-bias summary plot",
    )
    job.log.info("%d studies", len(studies))
