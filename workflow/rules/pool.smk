# Selection and pooling run as one job: both are cheap, and one Python start-up less
# on the critical path matters more than caching the selection apart from the pooling.
rule pool:
    input:
        **data_tables(),
        effects=rules.harmonize.output.effects,
        schemas=table_schemas(),
        code=package_code("pool"),
    output:
        inclusion=report(
            "results/tables/inclusion.tsv",
            caption="../report/inclusion.rst",
            category="Tables",
        ),
        pooled=report(
            "results/tables/pooled.tsv",
            caption="../report/pooled.rst",
            category="Tables",
        ),
        analysed="results/tables/analysed_effects.tsv",
        weights="results/tables/weights.tsv",
    log:
        "results/logs/pool.log",
    conda:
        ENV
    params:
        criteria=config["criteria"],
        definitions=config["outcome_definitions"],
        subgroups=config["subgroups"],
        pooling=config["pooling"],
    script:
        "../scripts/pool.py"
