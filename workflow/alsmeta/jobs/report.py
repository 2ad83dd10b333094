"""Job report: every table and figure -> results/report/report.html."""

from pathlib import Path

from alsmeta.io.files import atomic_write
from alsmeta.io.tables import TABLES, load_job_dataset
from alsmeta.io.tsv import read_tsv
from alsmeta.report.build import build_report

#: Sensitivity, variant and data-quality tables shown in the report's own section.
EXTRA = (
    "variants",
    "methods",
    "small_study",
    "influence",
    "cumulative",
    "prepost_sweep",
    "data_quality_outcomes",
    "data_quality_studies",
    "known_gaps",
)


def main(job):
    inputs = job.input
    figures = {Path(p).stem: p for p in [*inputs.figures, inputs.prisma, *inputs.rob_figures]}
    html = build_report(
        config=job.params.config,
        outcomes=job.params.outcomes,
        data=load_job_dataset(inputs),
        effects=read_tsv(inputs.effects),
        inclusion=read_tsv(inputs.inclusion),
        pooled=read_tsv(inputs.pooled),
        analysed=read_tsv(inputs.analysed),
        weights=read_tsv(inputs.weights),
        figures=figures,
        leave_one_out=read_tsv(inputs.leave_one_out),
        summary_of_findings=read_tsv(inputs.summary_of_findings),
        prisma_flow=read_tsv(inputs.prisma_flow),
        input_files={t: inputs[t] for t in TABLES},
        extra={
            **{name: read_tsv(inputs[name]) for name in EXTRA},
            "prepost_figure": inputs.prepost_figure,
            "risk_of_bias": read_tsv(inputs.risk_of_bias_overall),
        },
    )
    atomic_write(job.output.html, lambda handle: handle.write(html))
    job.log.info("report: %d bytes, %d figures", len(html.encode()), len(figures))
