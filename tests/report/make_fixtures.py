"""Write the report tests' small tables from one finished run of the pipeline.

    cp -r Snakefile config workflow data /tmp/run/ && (cd /tmp/run && snakemake --cores 2)
    PYTHONPATH=workflow python tests/report/make_fixtures.py /tmp/run

Keeps seven outcomes (a pooled GLMM with leave-one-out re-fits, a synthesis that cannot be
pooled, two pooled syntheses, two single studies, one with no study) and the studies they
include or exclude for a named reason. The summary of findings and the PRISMA flow are
computed here, once, as the pipeline computes them; the report tests only read them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from report_page import EXTRA, OUTCOMES

from alsmeta.analysis.grade.finding import findings
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.grade.table import COLUMNS as SOF_COLUMNS
from alsmeta.analysis.grade.table import table_rows
from alsmeta.analysis.prisma import FLOW_COLUMNS, flow, flow_rows
from alsmeta.io import risk_of_bias as rob
from alsmeta.io.grade_judgements import read_judgements
from alsmeta.io.tables import load_dataset, read_named_table
from alsmeta.io.tsv import read_tsv, write_tsv

HERE = Path(__file__).parent / "fixtures"
#: Studies in no kept synthesis that are excluded for a named reason.
EXCLUDED = ["baek2012", "barczewska2019", "berry2019", "blanquer2012", "petrou2016", "shamsaei2023"]
#: File names of the sensitivity tables whose name is not their key.
FILES = {"methods": "method_comparison"}


def write(name: str, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for r in rows for c in r))
    write_tsv(rows, columns, HERE / f"{name}.tsv")


def main(run: Path) -> None:
    config = yaml.safe_load((run / "config/config.yaml").read_text())
    definitions = config["outcome_definitions"]
    tables = run / "results/tables"

    def kept(name, key="outcome", keep=OUTCOMES):
        return [r for r in read_tsv(tables / f"{name}.tsv") if r[key] in keep]

    pooled, analysed, weights = kept("pooled"), kept("analysed_effects"), kept("weights")
    studies_in = sorted({r["study_id"] for r in analysed} | set(EXCLUDED))
    inclusion = [r for r in kept("inclusion") if r["study_id"] in studies_in]
    data = load_dataset({t: run / p for t, p in config["data"].items()}, run / "workflow/schemas")
    studies = [dict(s.values) for s in data["studies"] if s["study_id"] in studies_in]
    trials = {s["trial_id"] for s in studies}
    sources = [dict(s.values) for s in data["sources"] if s["trial_id"] in trials]
    effect_ids = {r["effect_id"] for r in inclusion if r["effect_id"]}
    effects = [
        r for r in read_tsv(run / "results/effects/effects.tsv") if r["effect_id"] in effect_ids
    ]
    quote_ids = {q for e in effects for q in str(e["quote_id"] or "").split(";") if q}
    quotes = [
        {"quote_id": q["quote_id"], "text": q["text"]}
        for q in data["quotes"]
        if q["quote_id"] in quote_ids
    ]
    study_of = {r["effect_id"]: r["study_id"] for r in analysed}
    leave_one_out = [
        {**r, "omitted_study": study_of[r["omitted_effect_id"]]} for r in kept("leave_one_out")
    ]
    schemas = run / "workflow/schemas"
    rob_rows = read_named_table(
        run / config["data"]["risk_of_bias"], schemas / "risk_of_bias.schema.yaml", "risk_of_bias"
    )
    judgements = read_judgements(
        run / config["grade"]["judgements"], schemas / "grade_judgements.schema.yaml", definitions
    )
    graded = findings(
        OUTCOMES,
        definitions,
        pooled,
        analysed,
        weights,
        rob.assessments(rob_rows, config["risk_of_bias"]),
        GradeSettings.from_config(config),
        judgements,
        kept("small_study"),
    )
    sof = [
        {**row, "notes": "; ".join(f.notes)}
        for row, f in zip(table_rows(graded), graded, strict=True)
    ]
    labels = {o: definitions[o]["label"] for o in OUTCOMES}
    counts = flow(inclusion, studies, sources, pooled, OUTCOMES, labels)

    HERE.mkdir(exist_ok=True)
    write_tsv(sof, [*dict.fromkeys([*SOF_COLUMNS, "notes"])], HERE / "summary_of_findings.tsv")
    write_tsv(flow_rows(counts), FLOW_COLUMNS, HERE / "prisma_flow.tsv")
    write("leave_one_out", leave_one_out)
    for name, rows in (
        ("pooled", pooled),
        ("analysed_effects", analysed),
        ("weights", weights),
        ("inclusion", inclusion),
        ("effects", effects),
        (
            "studies",
            [
                {
                    k: s[k]
                    for k in ("study_id", "trial_id", "first_author", "year", "citation", "design")
                }
                for s in studies
            ],
        ),
        ("quotes", quotes),
    ):
        write(name, rows)
    for key in EXTRA:
        rows = read_tsv(tables / f"{FILES.get(key, key)}.tsv")
        if rows and "outcome" in rows[0]:
            rows = [r for r in rows if r["outcome"] in OUTCOMES or not r["outcome"]]
        if rows and "study_id" in rows[0]:
            rows = [r for r in rows if r["study_id"] in studies_in]
        write(f"extra_{key}", rows[:12])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
