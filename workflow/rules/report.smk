rule report:
    input:
        **data_tables(),
        effects=rules.harmonize.output.effects,
        inclusion=rules.pool.output.inclusion,
        pooled=rules.pool.output.pooled,
        analysed=rules.pool.output.analysed,
        weights=rules.pool.output.weights,
        figures=expand("results/figures/forest_{outcome}.svg", outcome=OUTCOMES),
        schemas=table_schemas(),
        code=package_code("report", "tables"),
    output:
        html=report(
            "results/report/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
    log:
        "results/logs/report.log",
    conda:
        ENV
    params:
        config=config,
        outcomes=OUTCOMES,
    script:
        "../scripts/report.py"
