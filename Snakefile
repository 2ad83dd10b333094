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


rule all:
    input:
        "results/report/report.html",
        forest_plots(),
        rules.sensitivity.output,
        rules.variants.output,
        rules.data_quality.output,
