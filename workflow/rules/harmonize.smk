rule harmonize:
    input:
        **data_tables(),
        schemas=table_schemas(),
        code=package_code("harmonize"),
    output:
        effects="results/effects/effects.tsv",
    log:
        "results/logs/harmonize.log",
    conda:
        ENV
    params:
        harmonize=config["harmonize"],
    script:
        "../scripts/harmonize.py"
