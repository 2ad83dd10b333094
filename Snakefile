# MSC therapy for ALS: a reproducible random-effects meta-analysis.
# Stages: harmonize -> select (a checkpoint) -> analyse (per outcome) -> tables,
# plots (per outcome, the figures it has data for) -> report.
import gc

from snakemake.utils import min_version

min_version("9.27")

# Snakemake has made some 135,000 objects (its modules and plugins) before this file runs,
# and they live as long as the process. Each full garbage collection while the workflow is
# parsed and its jobs are planned walked all of them again: 0.2 s of a run with nothing to
# do. Frozen, they are left out of the collector's scans (objects made later are not).
gc.freeze()


include: "workflow/rules/config.smk"


configfile: "config/config.yaml"


# What `snakemake --report` opens with; each output's caption is under workflow/report/.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/select.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/report.smk"


# The report PDF (rule report_pdf) needs Chromium and is an optional target.
rule all:
    input:
        rules.report.output,
        rules.summary_of_findings_export.output,
        outcome_figures(),
        study_figures(),
        rules.tables.output,
        rules.figure_formats.output,


onsuccess:
    end_promptly()
    announce_report()


onerror:
    end_promptly()
