"""The self-contained HTML report, written for the reviewer who audits every number.

Order: the answer first (key messages written from the summary of findings, as Cochrane's
plain language summaries put them), then the main body: the summary of findings (laid out as
GRADEpro lays it out), methods (PRISMA 2020 items 13a-13f), results (20b, 20c) and the flow
of studies. The appendices follow, folded on screen and printed after the main body: per
outcome the studies (20a), subgroup plots and sensitivity analyses (20d); the inclusion log;
the frequentist and Bayesian results of the analyses with few studies side by side; risk of
bias (each judgement with its support); sensitivity and data quality; provenance of every
extracted number; and what was run (software versions, input checksums, the configuration).
Each section is one module of :mod:`alsmeta.report.sections`.

Links: every pooled number links to the block listing the rows behind it
(``#analysis-...``); every row there links to its provenance (``#effect-<id>``): source,
locator, verbatim quote and derivation, under the study's citation (``#study-<id>``).

The report computes no result: the summary of findings and the PRISMA counts are the rows of
summary_of_findings.tsv and prisma_flow.tsv, the leave-one-out re-fits those of
leave_one_out.tsv. Figures are inlined SVG with alt text (their accessible name), and
the font they were laid out with is embedded once (:mod:`alsmeta.report.fonts`). The page carries no
timestamp and iterates over sorted or configured orders only, so identical inputs give an
identical file.
"""

from __future__ import annotations

from alsmeta.report.html import appendix, page
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections import (
    answer,
    few_studies,
    inclusion_log,
    intro,
    methods,
    per_outcome,
    provenance,
    reproducibility,
    results,
    risk_of_bias,
    selection,
    sensitivity,
    summary,
)

#: The main body, in page order (each module has ID, TITLE and section(ctx)): what a panel
#: reads, short enough to read in one sitting.
MAIN = (summary, methods, results, selection)
#: The appendices, after the main body: folded on screen (a link into one opens it), printed
#: after the main body.
APPENDICES = (
    per_outcome,
    inclusion_log,
    few_studies,
    risk_of_bias,
    sensitivity,
    provenance,
    reproducibility,
)
SECTIONS = (*MAIN, *APPENDICES)

TITLE = "MSC therapy for ALS: meta-analysis report"
HEADING = "Mesenchymal stromal cell therapy for ALS: random-effects meta-analysis"


def build_report(
    *,
    config: dict,
    outcomes,
    data: dict,
    effects: list[dict],
    inclusion: list[dict],
    pooled: list[dict],
    analysed: list[dict],
    weights: list[dict],
    figures: dict,
    leave_one_out: list[dict],
    summary_of_findings: list[dict],
    prisma_flow: list[dict],
    input_files: dict,
    extra: dict | None = None,
) -> str:
    """The report as one HTML page.

    Rows are as :func:`alsmeta.io.tsv.read_tsv` reads them: ``effects`` effects.tsv;
    ``inclusion``, ``pooled``, ``analysed``, ``weights`` inclusion.tsv, pooled.tsv,
    analysed_effects.tsv, weights.tsv; ``leave_one_out`` leave_one_out.tsv (every outcome);
    ``summary_of_findings`` summary_of_findings.tsv; ``prisma_flow`` prisma_flow.tsv.
    ``data``: the extracted tables (``studies``, ``quotes``); ``figures``: figure stem -> SVG
    path; ``input_files``: table name -> path (checksummed); ``extra``: the sensitivity
    section's tables by name and ``prepost_figure`` (an SVG path).
    """
    ctx = ReportInputs.of(
        config=config,
        outcomes=outcomes,
        data=data,
        effects=effects,
        inclusion=inclusion,
        pooled=pooled,
        analysed=analysed,
        weights=weights,
        figures=figures,
        leave_one_out=leave_one_out,
        summary_of_findings=summary_of_findings,
        prisma_flow=prisma_flow,
        input_files=input_files,
        extra=extra,
    )
    letters = {s: f"Appendix {chr(ord('A') + i)}. " for i, s in enumerate(APPENDICES)}
    return page(
        TITLE,
        HEADING,
        [
            (s.ID, letters.get(s, "") + s.TITLE, results.outcome_links(ctx) if s is results else [])
            for s in SECTIONS
        ],
        [
            answer.section(ctx),
            intro.section(ctx),
            *(s.section(ctx) for s in MAIN),
            *(appendix(s.section(ctx), letters[s] + s.TITLE) for s in APPENDICES),
        ],
    )
