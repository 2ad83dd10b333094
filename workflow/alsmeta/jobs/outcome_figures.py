"""Job outcome_figures (one per outcome): its selection and analysis -> every figure of it."""

from pathlib import Path

from alsmeta.figures.outcome import write_all
from alsmeta.io.files import read_json
from alsmeta.io.tables import TABLES, load_schema, read_table


def by_format(paths) -> dict:
    return {Path(p).suffix.lstrip("."): p for p in paths}


def main(job):
    outcome = job.wildcards.outcome
    rows = read_json(job.input.selection)["analysed"]
    analysis = read_json(job.input.analysis)
    weights = {
        w["effect_id"]: w["weight_pct"]
        for w in analysis["weights"]
        if w["subgroup_variable"] == "overall"
    }
    efficacy = read_table(
        job.input.efficacy, load_schema(job.input.efficacy_schema), TABLES["efficacy"]
    )
    out = job.output
    write_all(
        job.params.definition,
        rows,
        analysis["pooled"],
        weights,
        efficacy,
        analysis["leave_one_out"],
        {
            "forest": by_format(out.forest),
            "subgroups": {
                v: by_format(p for p in out.subgroups if f"_by_{v}." in p)
                for v in job.params.subgroups
            },
            "leave_one_out": by_format(out.leave_one_out),
            "funnel": by_format(out.funnel),
        },
        max_rows=job.params.max_rows,
        summary_by=job.params.subgroups[0] if job.params.subgroups else None,
    )
    job.log.info("%s: %d studies", outcome, len(rows))
