"""Snakemake adapter: every result -> results/report/report.html and the summary of findings."""

from pathlib import Path

from alsmeta.analysis.summary_of_findings import COLUMNS as SOF_COLUMNS
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_dataset
from alsmeta.io.tsv import read_tsv, write_tsv
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


def main(smk, log):
    tables = {t: smk.input[t] for t in TABLES}
    outcomes = smk.params.outcomes
    figures = {Path(p).stem: p for p in smk.input.figures}
    html, findings = build_report(
        config=smk.params.config,
        outcomes=outcomes,
        data=load_dataset(tables, Path(smk.input.schemas[0]).parent),
        effects=read_tsv(smk.input.effects),
        inclusion=read_tsv(smk.input.inclusion),
        pooled=read_tsv(smk.input.pooled),
        analysed=read_tsv(smk.input.analysed),
        weights=read_tsv(smk.input.weights),
        figures=figures,
        leave_one_out={
            o: read_tsv(p) for o, p in zip(outcomes, smk.input.leave_one_out, strict=True)
        },
        input_files=tables,
        extra={
            **{name: read_tsv(smk.input[name]) for name in EXTRA},
            "prepost_figure": smk.input.prepost_figure,
        },
    )
    out = Path(smk.output.html)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    write_tsv(findings, SOF_COLUMNS, smk.output.summary_of_findings)
    log.info("report: %d bytes, %d figures", len(html.encode()), len(figures))


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
