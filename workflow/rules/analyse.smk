# One job per outcome: pooling, sensitivity analyses and variants of that outcome. Every
# setting it uses arrives through params, so a changed setting re-runs it.
rule analyse:
    input:
        selection=selection_of,
        efficacy=config["data"]["efficacy"],
        efficacy_schema=f"{SCHEMA_DIR}/efficacy.schema.yaml",
        code=job_code("analyse"),
    output:
        analysis="results/analysis/{outcome}.json",
    log:
        "results/logs/analyse_{outcome}.log",
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
        subgroups=SUBGROUPS,
        pooling=config["pooling"],
        bayes=config["bayes"],
        harmonize=config["harmonize"],
        sensitivity=config["sensitivity"],
        moderators=config["moderators"],
    run:
        run_job("analyse", input, output, params, wildcards, log)


# Gathers every outcome's results into the tables; makes the summary of findings and the
# PRISMA counts (once: the report reads them).
rule tables:
    input:
        selections=rules.select.output.selections,
        analyses=expand(rules.analyse.output.analysis, outcome=OUTCOMES),
        inclusion=rules.select.output.inclusion,
        studies=config["data"]["studies"],
        studies_schema=f"{SCHEMA_DIR}/studies.schema.yaml",
        sources=config["data"]["sources"],
        sources_schema=f"{SCHEMA_DIR}/sources.schema.yaml",
        risk_of_bias=config["data"]["risk_of_bias"],
        risk_of_bias_schema=f"{SCHEMA_DIR}/risk_of_bias.schema.yaml",
        grade_judgements=config["grade"]["judgements"],
        grade_judgements_schema=f"{SCHEMA_DIR}/grade_judgements.schema.yaml",
        code=job_code("tables"),
    output:
        pooled=report(
            "results/tables/pooled.tsv",
            caption="../report/pooled.rst",
            category="Tables",
        ),
        analysed=report(
            "results/tables/analysed_effects.tsv",
            caption="../report/analysed_effects.rst",
            category="Tables",
        ),
        weights=report(
            "results/tables/weights.tsv",
            caption="../report/weights.rst",
            category="Tables",
        ),
        bayes_shrinkage=report(
            "results/tables/bayes_shrinkage.tsv",
            caption="../report/bayes_shrinkage.rst",
            category="Tables",
        ),
        prior_sensitivity=report(
            "results/tables/prior_sensitivity.tsv",
            caption="../report/prior_sensitivity.rst",
            category="Sensitivity",
        ),
        leave_one_out=report(
            "results/tables/leave_one_out.tsv",
            caption="../report/leave_one_out_table.rst",
            category="Sensitivity",
        ),
        cumulative=report(
            "results/tables/cumulative.tsv",
            caption="../report/sensitivity.rst",
            category="Sensitivity",
        ),
        influence=report(
            "results/tables/influence.tsv",
            caption="../report/sensitivity.rst",
            category="Sensitivity",
        ),
        small_study=report(
            "results/tables/small_study.tsv",
            caption="../report/small_study.rst",
            category="Sensitivity",
        ),
        methods=report(
            "results/tables/method_comparison.tsv",
            caption="../report/methods.rst",
            category="Sensitivity",
        ),
        prepost_sweep=report(
            "results/tables/prepost_sweep.tsv",
            caption="../report/prepost_sweep.rst",
            category="Sensitivity",
        ),
        moderators="results/tables/moderators.tsv",
        variants=report(
            "results/tables/variants.tsv",
            caption="../report/variants.rst",
            category="Tables",
        ),
        summary_of_findings=report(
            "results/tables/summary_of_findings.tsv",
            caption="../report/summary_of_findings.rst",
            category="Tables",
        ),
        prisma_flow=report(
            "results/tables/prisma_flow.tsv",
            caption="../report/prisma_flow.rst",
            category="Study selection",
        ),
        prisma=report(
            figure("prisma"),
            caption="../report/prisma.rst",
            category="Study selection",
        ),
        prepost_figure=report(
            figure("prepost_sweep"),
            caption="../report/prepost_sweep.rst",
            category="Sensitivity",
        ),
        risk_of_bias=report(
            "results/tables/risk_of_bias.tsv",
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
        rob_rob2=report(
            figure("rob_traffic_light_rob2"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
        rob_robins_i=report(
            figure("rob_traffic_light_robins_i"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
        rob_jbi_case_series=report(
            figure("rob_traffic_light_jbi_case_series"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
        rob_summary=report(
            figure("rob_summary"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
        rob_summary_weighted=report(
            figure("rob_summary_weighted"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
    log:
        "results/logs/tables.log",
    params:
        outcomes=OUTCOMES,
        definitions=config["outcome_definitions"],
        prepost_correlation=config["harmonize"]["prepost_correlation"],
        risk_of_bias=config["risk_of_bias"],
        grade=config["grade"],
        pooling=config["pooling"],
        sensitivity=config["sensitivity"],
    run:
        run_job("tables", input, output, params, wildcards, log)
