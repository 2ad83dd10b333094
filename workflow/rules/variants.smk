# Evidence variants (tiers, conflicting values, overlaps) and the data-quality tables: both read the harmonized effects and
# the criteria, and run beside the pool job (the report does not wait for them).
rule variants:
    input:
        **data_tables(),
        effects=rules.harmonize.output.effects,
        schemas=table_schemas(),
        code=package_code("variants"),
    output:
        variants=report(
            "results/tables/variants.tsv",
            caption="../report/variants.rst",
            category="Tables",
        ),
    log:
        "results/logs/variants.log",
    conda:
        ENV
    params:
        criteria=config["criteria"],
        definitions=config["outcome_definitions"],
        pooling=config["pooling"],
    script:
        "../scripts/variants.py"


rule data_quality:
    input:
        **data_tables(),
        effects=rules.harmonize.output.effects,
        schemas=table_schemas(),
        code=package_code("data_quality"),
    output:
        studies=report(
            "results/tables/data_quality_studies.tsv",
            caption="../report/data_quality.rst",
            category="Data quality",
        ),
        outcomes=report(
            "results/tables/data_quality_outcomes.tsv",
            caption="../report/data_quality.rst",
            category="Data quality",
        ),
        gaps=report(
            "results/tables/known_gaps.tsv",
            caption="../report/data_quality.rst",
            category="Data quality",
        ),
    log:
        "results/logs/data_quality.log",
    conda:
        ENV
    params:
        criteria=config["criteria"],
        definitions=config["outcome_definitions"],
    script:
        "../scripts/data_quality.py"
