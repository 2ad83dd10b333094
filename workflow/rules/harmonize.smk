rule harmonize:
    input:
        **data_tables(),
        schemas=table_schemas(),
        code=package_code("tables", "effects", "harmonize"),
    output:
        effects="results/effects/effects.tsv",
    params:
        harmonize=config["harmonize"],
        schema_dir=SCHEMA_DIR,
    log:
        "results/logs/harmonize.log",
    conda:
        ENV
    script:
        "../scripts/harmonize.py"
