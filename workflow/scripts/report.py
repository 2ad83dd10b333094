"""Snakemake adapter: every result -> results/report/report.html."""

from pathlib import Path

from alsmeta.report import build_report
from alsmeta.runner import run
from alsmeta.tables import TABLES, load_dataset
from alsmeta.tsv import read_tsv


def main(smk, log):
    tables = {t: smk.input[t] for t in TABLES}
    outcomes = smk.params.outcomes
    html = build_report(
        config=smk.params.config,
        outcomes=outcomes,
        data=load_dataset(tables, Path(smk.input.schemas[0]).parent),
        effects=read_tsv(smk.input.effects),
        inclusion=read_tsv(smk.input.inclusion),
        pooled=read_tsv(smk.input.pooled),
        analysed=read_tsv(smk.input.analysed),
        weights=read_tsv(smk.input.weights),
        figures=dict(zip(outcomes, smk.input.figures, strict=True)),
        input_files=tables,
    )
    out = Path(smk.output.html)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    log.info("report: %d bytes", len(html.encode()))


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
