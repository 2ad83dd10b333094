"""Snakemake adapter: report.html -> report.pdf, printed by headless Chromium."""

from alsmeta.io.errors import InputError
from alsmeta.io.runner import run
from alsmeta.report.browser import BrowserUnavailable, print_pdf


def main(smk, log):
    try:
        print_pdf(smk.input.html, smk.output.pdf)
    except BrowserUnavailable as exc:
        # One clear line and no output file; the HTML report is unaffected.
        raise InputError("rule report_pdf", str(exc)) from exc
    log.info("printed %s", smk.output.pdf)


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
