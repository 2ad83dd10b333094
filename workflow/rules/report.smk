rule report:
    input:
        **data_tables(),
        effects=rules.harmonize.output.effects,
        inclusion=rules.pool.output.inclusion,
        pooled=rules.pool.output.pooled,
        analysed=rules.pool.output.analysed,
        weights=rules.pool.output.weights,
        figures=[
            *expand(rules.outcome_figures.output.forest, outcome=OUTCOMES),
            *expand(rules.outcome_figures.output.subgroups, outcome=OUTCOMES),
            *expand(rules.outcome_figures.output.leave_one_out, outcome=OUTCOMES),
            *expand(rules.outcome_figures.output.funnel, outcome=OUTCOMES),
            rules.prisma.output.svg,
        ],
        leave_one_out=expand(
            rules.outcome_figures.output.leave_one_out_table, outcome=OUTCOMES
        ),
        variants=rules.variants.output.variants,
        methods=rules.sensitivity.output.methods,
        small_study=rules.sensitivity.output.small_study,
        influence=rules.sensitivity.output.influence,
        cumulative=rules.sensitivity.output.cumulative,
        prepost_sweep=rules.sensitivity.output.prepost_sweep,
        prepost_figure=rules.sensitivity.output.prepost_figure,
        data_quality_outcomes=rules.data_quality.output.outcomes,
        data_quality_studies=rules.data_quality.output.studies,
        known_gaps=rules.data_quality.output.gaps,
        schemas=table_schemas(),
        code=package_code("report"),
    output:
        html=report(
            "results/report/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
        summary_of_findings=report(
            "results/tables/summary_of_findings.tsv",
            caption="../report/summary_of_findings.rst",
            category="Tables",
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


# Optional target (not in `all`): needs Chromium, which the HTML report does not.
#   snakemake --cores 2 report_pdf
rule report_pdf:
    input:
        html=rules.report.output.html,
        code=package_code("report_pdf"),
    output:
        pdf=report(
            "results/report/report.pdf",
            caption="../report/report_pdf.rst",
            category="Report",
        ),
    log:
        "results/logs/report_pdf.log",
    conda:
        ENV
    script:
        "../scripts/report_pdf.py"
