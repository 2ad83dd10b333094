"""Job summary_of_findings_export: summary_of_findings.tsv -> the editable table a panel
pastes (results/report/summary_of_findings.docx and .tsv)."""

from alsmeta.io.tsv import read_tsv
from alsmeta.report.sof import interval_name, layout, rows_of
from alsmeta.report.sof_export import TITLE, write_docx, write_tsv


def main(job):
    params = job.params
    table = layout(
        rows_of(read_tsv(job.input.summary_of_findings), params.definitions, params.outcomes)
    )
    interval = interval_name(params.pooling)
    write_tsv(table, interval, job.output.tsv)
    write_docx(table, interval, TITLE, job.output.docx)
    job.log.info(
        "summary of findings: %d rows, %d footnotes",
        len(table.main) + len(table.later),
        len(table.footnotes),
    )
