"""Job report_pdf: report.html -> report.pdf, printed by headless Chromium."""

from alsmeta.io.errors import InputError
from alsmeta.report.browser import BrowserUnavailable, print_pdf


def main(job):
    try:
        print_pdf(job.input.html, job.output.pdf)
    except BrowserUnavailable as exc:
        # One clear line and no output file; the HTML report is unaffected.
        raise InputError("rule report_pdf", str(exc)) from exc
    job.log.info("printed %s", job.output.pdf)
