rule forest:
    input:
        pooled=rules.pool.output.pooled,
        analysed=rules.pool.output.analysed,
        weights=rules.pool.output.weights,
        code=package_code("forest"),
    output:
        svg=report(
            "results/figures/forest_{outcome}.svg",
            caption="../report/forest.rst",
            category="Forest plots",
            subcategory="{outcome}",
        ),
        png="results/figures/forest_{outcome}.png",
        pdf="results/figures/forest_{outcome}.pdf",
    log:
        "results/logs/forest_{outcome}.log",
    conda:
        ENV
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
    script:
        "../scripts/forest.py"
