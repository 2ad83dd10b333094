# A checkpoint: after it, Snakemake re-evaluates the per-outcome jobs, and an outcome
# whose selection file is unchanged (same checksum) keeps its analysis and figures. A
# criterion swap re-runs only the outcomes it changes.
checkpoint select:
    input:
        **data_tables(),
        effects=rules.harmonize.output.effects,
        schemas=table_schemas(),
        code=job_code("select"),
    output:
        selections=expand("results/selection/{outcome}.json", outcome=OUTCOMES),
        figures="results/selection/figures.json",
        inclusion=report(
            "results/tables/inclusion.tsv",
            caption="../report/inclusion.rst",
            category="Tables",
        ),
        quality_studies=report(
            "results/tables/data_quality_studies.tsv",
            caption="../report/data_quality.rst",
            category="Data quality",
        ),
        quality_outcomes=report(
            "results/tables/data_quality_outcomes.tsv",
            caption="../report/data_quality.rst",
            category="Data quality",
        ),
        known_gaps=report(
            "results/tables/known_gaps.tsv",
            caption="../report/data_quality.rst",
            category="Data quality",
        ),
    log:
        "results/logs/select.log",
    params:
        criteria=config["criteria"],
        definitions=config["outcome_definitions"],
        definition_labels=config["definition_labels"],
        small_study_min_k=config["sensitivity"]["small_study_min_k"],
    run:
        run_job("select", input, output, params, wildcards, log)
