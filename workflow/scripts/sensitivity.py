"""Snakemake adapter: analysed rows -> sensitivity and small-study tables."""

from pathlib import Path

from alsmeta.analysis.pooling import settings_from
from alsmeta.analysis.sensitivity import (
    CUMULATIVE_COLUMNS,
    INFLUENCE_COLUMNS,
    LOO_COLUMNS,
    METHOD_COLUMNS,
    MODERATOR_COLUMNS,
    SMALL_STUDY_COLUMNS,
    SWEEP_COLUMNS,
    sensitivity_tables,
)
from alsmeta.io.runner import run
from alsmeta.io.tables import TABLES, load_dataset
from alsmeta.io.tsv import read_tsv, write_tsv

COLUMNS = {
    "leave_one_out": LOO_COLUMNS,
    "cumulative": CUMULATIVE_COLUMNS,
    "influence": INFLUENCE_COLUMNS,
    "small_study": SMALL_STUDY_COLUMNS,
    "methods": METHOD_COLUMNS,
    "prepost_sweep": SWEEP_COLUMNS,
    "moderators": MODERATOR_COLUMNS,
}


def main(smk, log):
    data = load_dataset({t: smk.input[t] for t in TABLES}, Path(smk.input.schemas[0]).parent)
    studies = {s["study_id"]: s for s in data["studies"]}
    analysed = read_tsv(smk.input.analysed)
    for row in analysed:  # numeric study attributes a moderator may name
        study = studies[row["study_id"]]
        row["follow_up_months"] = study.get("follow_up_months")
        row["lead_in_months"] = study.get("lead_in_months")
    params = smk.params
    tables = sensitivity_tables(
        analysed,
        params.outcomes,
        params.definitions,
        settings_from(params.pooling),
        efficacy_rows=data["efficacy"],
        level=params.harmonize["ci_level"],
        correlations=params.sensitivity["prepost_correlations"],
        min_k=params.sensitivity["small_study_min_k"],
        moderators=params.moderators,
    )
    for name, columns in COLUMNS.items():
        write_tsv(tables[name], columns, smk.output[name])
        log.info("%s: %d rows", name, len(tables[name]))
    # The r-sensitivity figure of the within-arm slope change.
    from alsmeta.figures import style as plotstyle
    from alsmeta.figures.sensitivity import prepost_sweep_figure

    rows = [r for r in tables["prepost_sweep"] if r["outcome"] == "slope_change"]
    fig = prepost_sweep_figure(
        rows,
        params.harmonize["prepost_correlation"],
        "Change in ALSFRS-R slope: sensitivity to the pre/post correlation r",
    )
    plotstyle.save(
        fig,
        {"svg": smk.output.prepost_figure, "png": smk.output.prepost_figure_png},
        title="r-sensitivity of the pooled slope change",
    )


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
