# One job per outcome draws all of that outcome's figures (one Python start-up each);
# the PRISMA flow diagram runs beside them.
rule outcome_figures:
    input:
        pooled=rules.pool.output.pooled,
        analysed=rules.pool.output.analysed,
        weights=rules.pool.output.weights,
        efficacy=config["data"]["efficacy"],
        efficacy_schema=f"{SCHEMA_DIR}/efficacy.schema.yaml",
        code=package_code("outcome_figures"),
    output:
        forest=report(
            "results/figures/forest_{outcome}.svg",
            caption="../report/forest.rst",
            category="Forest plots",
            subcategory="{outcome}",
        ),
        forest_png="results/figures/forest_{outcome}.png",
        forest_pdf="results/figures/forest_{outcome}.pdf",
        subgroups=report(
            expand(
                "results/figures/forest_{{outcome}}_by_{variable}.svg",
                variable=config["subgroups"],
            ),
            caption="../report/forest_subgroups.rst",
            category="Subgroup forest plots",
            subcategory="{outcome}",
        ),
        subgroups_other=expand(
            "results/figures/forest_{{outcome}}_by_{variable}.{ext}",
            variable=config["subgroups"],
            ext=("png", "pdf"),
        ),
        leave_one_out=report(
            "results/figures/leave_one_out_{outcome}.svg",
            caption="../report/leave_one_out.rst",
            category="Sensitivity analyses",
            subcategory="{outcome}",
        ),
        leave_one_out_png="results/figures/leave_one_out_{outcome}.png",
        leave_one_out_table=report(
            "results/tables/leave_one_out_{outcome}.tsv",
            caption="../report/leave_one_out_table.rst",
            category="Sensitivity analyses",
            subcategory="{outcome}",
        ),
        funnel=report(
            "results/figures/funnel_{outcome}.svg",
            caption="../report/funnel.rst",
            category="Small-study effects",
            subcategory="{outcome}",
        ),
        funnel_png="results/figures/funnel_{outcome}.png",
    log:
        "results/logs/outcome_figures_{outcome}.log",
    conda:
        ENV
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
        subgroups=config["subgroups"],
        pooling=config["pooling"],
    script:
        "../scripts/outcome_figures.py"


rule prisma:
    input:
        inclusion=rules.pool.output.inclusion,
        pooled=rules.pool.output.pooled,
        studies=config["data"]["studies"],
        sources=config["data"]["sources"],
        schemas=[f"{SCHEMA_DIR}/{t}.schema.yaml" for t in ("studies", "sources")],
        code=package_code("prisma"),
    output:
        svg=report(
            "results/figures/prisma.svg",
            caption="../report/prisma.rst",
            category="Study selection",
        ),
        png="results/figures/prisma.png",
        pdf="results/figures/prisma.pdf",
        flow=report(
            "results/tables/prisma_flow.tsv",
            caption="../report/prisma_flow.rst",
            category="Study selection",
        ),
    log:
        "results/logs/prisma.log",
    conda:
        ENV
    params:
        outcomes=OUTCOMES,
        labels={o: d["label"] for o, d in config["outcome_definitions"].items()},
    script:
        "../scripts/prisma.py"
