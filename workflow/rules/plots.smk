# One job per outcome draws all of that outcome's figures from its selection and analysis.
rule outcome_figures:
    input:
        selection=selection_of,
        analysis=rules.analyse.output.analysis,
        efficacy=config["data"]["efficacy"],
        efficacy_schema=f"{SCHEMA_DIR}/efficacy.schema.yaml",
        code=job_code("outcome_figures"),
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
        leave_one_out=report(
            figure("leave_one_out_{outcome}"),
            caption="../report/leave_one_out.rst",
            category="Sensitivity analyses",
            subcategory="{outcome}",
        ),
        funnel=report(
            figure("funnel_{outcome}"),
            caption="../report/funnel.rst",
            category="Small-study effects",
            subcategory="{outcome}",
        ),
    log:
        "results/logs/outcome_figures_{outcome}.log",
    params:
        definition=lambda wildcards: config["outcome_definitions"][wildcards.outcome],
        subgroups=SUBGROUPS,
        max_rows=config["figures"]["max_forest_rows"],
    run:
        run_job("outcome_figures", input, output, params, wildcards, log)
