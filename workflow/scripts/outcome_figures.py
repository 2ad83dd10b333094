"""Snakemake adapter: pooled, analysed and weight tables -> every figure of one outcome."""

from pathlib import Path

from alsmeta.figures.outcome import write_all
from alsmeta.figures.sensitivity import LOO_COLUMNS
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_schema, read_table
from alsmeta.io.tsv import read_tsv, write_tsv


def by_format(paths) -> dict:
    return {Path(p).suffix.lstrip("."): p for p in paths}


def main(smk, log):
    outcome = smk.wildcards.outcome
    rows = [r for r in read_tsv(smk.input.analysed) if r["outcome"] == outcome]
    pooled = [r for r in read_tsv(smk.input.pooled) if r["outcome"] == outcome]
    weights = {
        w["effect_id"]: w["weight_pct"]
        for w in read_tsv(smk.input.weights)
        if w["outcome"] == outcome and w["subgroup_variable"] == "overall"
    }
    schema = load_schema(smk.input.efficacy_schema)
    efficacy = read_table(smk.input.efficacy, schema, TABLES["efficacy"])
    subgroup_files = [*smk.output.subgroups, *smk.output.subgroups_other]
    subgroups = {
        v: by_format(p for p in subgroup_files if f"_by_{v}." in p) for v in smk.params.subgroups
    }
    loo = write_all(
        smk.params.definition,
        rows,
        pooled,
        weights,
        efficacy,
        smk.params.pooling,
        {
            "forest": by_format([smk.output.forest, smk.output.forest_png, smk.output.forest_pdf]),
            "subgroups": subgroups,
            "leave_one_out": by_format([smk.output.leave_one_out, smk.output.leave_one_out_png]),
            "funnel": by_format([smk.output.funnel, smk.output.funnel_png]),
        },
    )
    write_tsv(loo, LOO_COLUMNS, smk.output.leave_one_out_table)
    log.info("%s: %d studies; %d leave-one-out re-fits", outcome, len(rows), len(loo))


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
