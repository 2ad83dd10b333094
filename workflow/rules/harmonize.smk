rule harmonize:
    input:
        **data_tables(),
        schemas=table_schemas(),
        code=job_code("harmonize"),
    output:
        effects="results/effects/effects.tsv",
    log:
        "results/logs/harmonize.log",
    params:
        harmonize=config["harmonize"],
    run:
        run_job("harmonize", input, output, params, wildcards, log)
