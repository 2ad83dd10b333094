# Per outcome, the figures it has data for (the select checkpoint lists them): forest
# plots from one study, the leave-one-out plot from 3, the funnel plot from
# sensitivity.small_study_min_k. Each reads the outcome's selection and analysis.
rule forest_plots:
    input:
        selection=selection_of,
        analysis=rules.analyse.output.analysis,
        efficacy=config["data"]["efficacy"],
        efficacy_schema=f"{SCHEMA_DIR}/efficacy.schema.yaml",
        risk_of_bias=config["data"]["risk_of_bias"],
        risk_of_bias_schema=f"{SCHEMA_DIR}/risk_of_bias.schema.yaml",
        code=job_code("forest_plots"),
    output:
        forest=report(
            figure("forest_{outcome}"),
            caption="../report/forest.rst",
            category="Forest plots",
            subcategory="{outcome}",
        ),
        subgroups=report(
            [f for v in SUBGROUPS for f in figure(f"forest_{{outcome}}_by_{v}")],
            caption="../report/forest_subgroups.rst",
            category="Subgroup forest plots",
            subcategory="{outcome}",
        ),
    log:
        "results/logs/forest_plots_{outcome}.log",
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
        subgroups=SUBGROUPS,
        max_rows=config["figures"]["max_forest_rows"],
        risk_of_bias=config["risk_of_bias"],
        show_shrinkage=config["figures"]["show_shrinkage"],
        primary_framework=config["pooling"]["primary_framework"],
        bayesian_headline_max_k=config["pooling"]["bayesian_headline_max_k"],
        forest=forest_controls,
        level=config["pooling"]["level"],
        ci_level=config["harmonize"]["ci_level"],
    run:
        run_job("forest_plots", input, output, params, wildcards, log)


rule leave_one_out_plot:
    input:
        analysis=rules.analyse.output.analysis,
        code=job_code("leave_one_out_plot"),
    output:
        report(
            figure("leave_one_out_{outcome}"),
            caption="../report/leave_one_out.rst",
            category="Sensitivity analyses",
            subcategory="{outcome}",
        ),
    log:
        "results/logs/leave_one_out_plot_{outcome}.log",
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
        max_rows=config["figures"]["max_forest_rows"],
        forest=forest_controls,
        level=config["pooling"]["level"],
        ci_level=config["harmonize"]["ci_level"],
    run:
        run_job("leave_one_out_plot", input, output, params, wildcards, log)


rule funnel_plot:
    input:
        selection=selection_of,
        analysis=rules.analyse.output.analysis,
        code=job_code("funnel_plot"),
    output:
        report(
            figure("funnel_{outcome}"),
            caption="../report/funnel.rst",
            category="Small-study effects",
            subcategory="{outcome}",
        ),
    log:
        "results/logs/funnel_plot_{outcome}.log",
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
        min_k=config["sensitivity"]["small_study_min_k"],
    run:
        run_job("funnel_plot", input, output, params, wildcards, log)


# Figures drawn from every outcome's results: one rule per figure.
rule prisma_plot:
    input:
        inclusion=rules.select.output.inclusion,
        analyses=expand(rules.analyse.output.analysis, outcome=OUTCOMES),
        studies=config["data"]["studies"],
        studies_schema=f"{SCHEMA_DIR}/studies.schema.yaml",
        sources=config["data"]["sources"],
        sources_schema=f"{SCHEMA_DIR}/sources.schema.yaml",
        code=job_code("prisma_plot"),
    output:
        report(
            figure("prisma"),
            caption="../report/prisma.rst",
            category="Study selection",
        ),
    log:
        "results/logs/prisma_plot.log",
    params:
        outcomes=OUTCOMES,
        labels={o: config["outcome_definitions"][o]["label"] for o in OUTCOMES},
    run:
        run_job("prisma_plot", input, output, params, wildcards, log)


rule prepost_sweep_plot:
    input:
        analyses=expand(rules.analyse.output.analysis, outcome=OUTCOMES),
        code=job_code("prepost_sweep_plot"),
    output:
        report(
            figure("prepost_sweep"),
            caption="../report/prepost_sweep.rst",
            category="Sensitivity analyses",
        ),
    log:
        "results/logs/prepost_sweep_plot.log",
    params:
        prepost_correlation=config["harmonize"]["prepost_correlation"],
        level=config["pooling"]["level"],
    run:
        run_job("prepost_sweep_plot", input, output, params, wildcards, log)


rule rob_traffic_light:
    input:
        risk_of_bias=config["data"]["risk_of_bias"],
        risk_of_bias_schema=f"{SCHEMA_DIR}/risk_of_bias.schema.yaml",
        studies=config["data"]["studies"],
        studies_schema=f"{SCHEMA_DIR}/studies.schema.yaml",
        code=job_code("rob_traffic_light"),
    output:
        report(
            figure("rob_traffic_light_{tool}"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
    log:
        "results/logs/rob_traffic_light_{tool}.log",
    params:
        risk_of_bias=config["risk_of_bias"],
    run:
        run_job("rob_traffic_light", input, output, params, wildcards, log)


rule rob_summary_plot:
    input:
        risk_of_bias=config["data"]["risk_of_bias"],
        risk_of_bias_schema=f"{SCHEMA_DIR}/risk_of_bias.schema.yaml",
        code=job_code("rob_summary_plot"),
    output:
        report(
            figure("rob_summary"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
    log:
        "results/logs/rob_summary_plot.log",
    params:
        risk_of_bias=config["risk_of_bias"],
    run:
        run_job("rob_summary_plot", input, output, params, wildcards, log)


rule rob_weighted_summary_plot:
    input:
        selections=rules.select.output.selections,
        analyses=expand(rules.analyse.output.analysis, outcome=OUTCOMES),
        risk_of_bias=config["data"]["risk_of_bias"],
        risk_of_bias_schema=f"{SCHEMA_DIR}/risk_of_bias.schema.yaml",
        code=job_code("rob_weighted_summary_plot"),
    output:
        report(
            figure("rob_summary_weighted"),
            caption="../report/risk_of_bias.rst",
            category="Risk of bias",
        ),
    log:
        "results/logs/rob_weighted_summary_plot.log",
    params:
        outcomes=OUTCOMES,
        definitions={o: config["outcome_definitions"][o] for o in OUTCOMES},
        risk_of_bias=config["risk_of_bias"],
    run:
        run_job("rob_weighted_summary_plot", input, output, params, wildcards, log)


# Figures of a format figures.formats no longer names are removed (re-run when it changes).
rule figure_formats:
    input:
        code=job_code("figure_formats"),
    output:
        formats="results/figures/formats.txt",
    log:
        "results/logs/figure_formats.log",
    params:
        formats=FORMATS,
        known=FIGURE_FORMATS,
    run:
        run_job("figure_formats", input, output, params, wildcards, log)
