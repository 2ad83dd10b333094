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
# PRISMA counts (once: the report reads them). The figures drawn from the same results
# have their own rules in plots.smk.
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
            category="Sensitivity analyses",
        ),
        leave_one_out=report(
            "results/tables/leave_one_out.tsv",
            caption="../report/leave_one_out_table.rst",
            category="Sensitivity analyses",
        ),
        cumulative=report(
            "results/tables/cumulative.tsv",
            caption="../report/sensitivity.rst",
            category="Sensitivity analyses",
        ),
        influence=report(
            "results/tables/influence.tsv",
            caption="../report/sensitivity.rst",
            category="Sensitivity analyses",
        ),
        small_study=report(
            "results/tables/small_study.tsv",
            caption="../report/small_study.rst",
            category="Sensitivity analyses",
        ),
        methods=report(
            "results/tables/method_comparison.tsv",
            caption="../report/methods.rst",
            category="Sensitivity analyses",
        ),
        prepost_sweep=report(
            "results/tables/prepost_sweep.tsv",
            caption="../report/prepost_sweep.rst",
            category="Sensitivity analyses",
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
        risk_of_bias=report(
            "results/tables/risk_of_bias.tsv",
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
    log:
        "results/logs/tables.log",
    params:
        outcomes=OUTCOMES,
        definitions=config["outcome_definitions"],
        risk_of_bias=config["risk_of_bias"],
        grade=config["grade"],
        pooling=config["pooling"],
        sensitivity=config["sensitivity"],
    run:
        run_job("tables", input, output, params, wildcards, log)
