"""Job rob_traffic_light (one per risk-of-bias tool): the robvis-style traffic-light plot
of every study appraised with the tool."""

from alsmeta.figures import risk_of_bias as rob_figure
from alsmeta.figures import style
from alsmeta.io import risk_of_bias as rob
from alsmeta.io.tables import read_named_table
from alsmeta.jobs import by_format


def main(job):
    rows = read_named_table(job.input.risk_of_bias, job.input.risk_of_bias_schema, "risk_of_bias")
    studies = read_named_table(job.input.studies, job.input.studies_schema, "studies")
    labels = {s["study_id"]: f"{s['first_author']} {s['year']}" for s in studies}
    shown = rob.shown(rows, rob.assessments(rows, job.params.risk_of_bias))
    row_labels = {
        (j.study_id, j.scope): labels[j.study_id]
        + ("" if j.scope == "all" else f" ({rob.SCOPE_LABELS[j.scope]})")
        for j in shown
    }
    tool = job.wildcards.tool
    name = rob.TOOLS[tool].name
    style.save(
        rob_figure.traffic_light(shown, row_labels, tool, f"Risk of bias: {name}"),
        by_format(job.output),
        title=f"Risk-of-bias traffic-light plot ({name})",
    )
    job.log.info("%s: %d studies", tool, sum(j.tool == tool for j in shown))
