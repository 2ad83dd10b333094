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
