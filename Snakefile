# MSC therapy for ALS: a reproducible random-effects meta-analysis.
# Stages: harmonize -> pool (selection + pooling) -> plots -> report; beside pool,
# sensitivity analyses and data-quality tables.
from snakemake.utils import min_version

min_version("9.27")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/pool.smk"
include: "workflow/rules/variants.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/report.smk"


# The report PDF (rule report_pdf) needs Chromium and is an optional target.
rule all:
    input:
        rules.report.output,
        expand(rules.outcome_figures.output, outcome=OUTCOMES),
        rules.prisma.output,
        rules.sensitivity.output,
        rules.variants.output,
        rules.data_quality.output,
