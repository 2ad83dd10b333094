"""Helpers of the headless browser (alsmeta.report.browser) that need no browser."""

from alsmeta.report.browser import blank_dates


def test_pdf_dates_are_blanked_without_moving_bytes():
    pdf = (
        b"%PDF-1.4\n<</Producer (Skia/PDF m156)\n"
        b"/CreationDate (D:20261121212627+00'00')\n/ModDate (D:20261121212627+00'00')>>"
    )
    out = blank_dates(pdf)
    assert len(out) == len(pdf) and b"Date" not in out and b"/Producer (Skia/PDF m156)" in out
