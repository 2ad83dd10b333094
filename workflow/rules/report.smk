rule report:
    input:
        **data_tables(),
        schemas=table_schemas(),
        effects=rules.harmonize.output.effects,
        inclusion=rules.select.output.inclusion,
        data_quality_outcomes=rules.select.output.quality_outcomes,
        data_quality_studies=rules.select.output.quality_studies,
        known_gaps=rules.select.output.known_gaps,
        pooled=rules.tables.output.pooled,
        analysed=rules.tables.output.analysed,
        weights=rules.tables.output.weights,
        leave_one_out=rules.tables.output.leave_one_out,
        summary_of_findings=rules.tables.output.summary_of_findings,
        prisma_flow=rules.tables.output.prisma_flow,
        variants=rules.tables.output.variants,
        methods=rules.tables.output.methods,
        small_study=rules.tables.output.small_study,
        influence=rules.tables.output.influence,
        cumulative=rules.tables.output.cumulative,
        prepost_sweep=rules.tables.output.prepost_sweep,
        prepost_figure="results/figures/prepost_sweep.svg",
        figures=outcome_figures(["svg"]),
        prisma="results/figures/prisma.svg",
        risk_of_bias_overall=rules.tables.output.risk_of_bias,
        rob_figures=[
            "results/figures/rob_traffic_light_rob2.svg",
            "results/figures/rob_traffic_light_robins_i.svg",
            "results/figures/rob_traffic_light_jbi_case_series.svg",
            "results/figures/rob_summary.svg",
            "results/figures/rob_summary_weighted.svg",
        ],
        code=job_code("report"),
    output:
        html=report(
            "results/report/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
    log:
        "results/logs/report.log",
    params:
        config=config,
        outcomes=OUTCOMES,
    run:
        run_job("report", input, output, params, wildcards, log)


# Optional target (not in `all`): needs Chromium, which the HTML report does not.
#   snakemake --cores 2 report_pdf
rule report_pdf:
    input:
        html=rules.report.output.html,
        code=job_code("report_pdf"),
    output:
        pdf=report(
            "results/report/report.pdf",
            caption="../report/report_pdf.rst",
            category="Report",
        ),
    log:
        "results/logs/report_pdf.log",
    run:
        run_job("report_pdf", input, output, params, wildcards, log)


rule summary_of_findings_export:
    input:
        summary_of_findings=rules.tables.output.summary_of_findings,
        code=job_code("summary_of_findings_export"),
    output:
        docx=report(
            "results/report/summary_of_findings.docx",
            caption="../report/summary_of_findings_export.rst",
            category="Report",
        ),
        tsv=report(
            "results/report/summary_of_findings.tsv",
            caption="../report/summary_of_findings_export.rst",
            category="Report",
        ),
    log:
        "results/logs/summary_of_findings_export.log",
    params:
        definitions=config["outcome_definitions"],
        outcomes=OUTCOMES,
        pooling=config["pooling"],
    run:
        run_job("summary_of_findings_export", input, output, params, wildcards, log)
