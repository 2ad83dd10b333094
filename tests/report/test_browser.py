"""The report in a headless browser (alsmeta.report.browser), and its helpers."""

import os
from pathlib import Path

import pytest
from report_page import OUTCOMES, ROOT

from alsmeta.report.browser import Chromium, blank_dates, check, find_chromium
from alsmeta.report.build import SECTIONS as SECTION_MODULES
from alsmeta.report.build import build_report

SECTIONS = [s.ID for s in SECTION_MODULES]


def test_pdf_dates_are_blanked_without_moving_bytes():
    pdf = (
        b"%PDF-1.4\n<</Producer (Skia/PDF m156)\n"
        b"/CreationDate (D:20261121212627+00'00')\n/ModDate (D:20261121212627+00'00')>>"
    )
    out = blank_dates(pdf)
    assert len(out) == len(pdf) and b"Date" not in out and b"/Producer (Skia/PDF m156)" in out


@pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium not found (apt-get install chromium); the browser checks need it",
)
def test_report_reads_at_desktop_and_phone_width(inputs, tmp_path):
    """The fixture report, with a committed forest plot (wider than a phone) standing in for
    every forest plot: it fits 1280 and 390 px windows without scrolling sideways, every
    contents link lands, every figure has alt text, and the figures' font loads."""
    forest = (ROOT / "docs/figures/forest_serious_ae.svg").read_text(encoding="utf-8")
    for stem, path in inputs["figures"].items():
        if stem.startswith("forest_"):
            Path(path).write_text(forest, encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(build_report(**inputs), encoding="utf-8")

    seen = check(page)

    assert set(seen.overflow) == {1280, 390}
    assert seen.overflowing == {}, seen.overflow
    assert seen.toc and seen.dead_toc_links == []
    assert [t for t in seen.toc if not t.startswith("outcome-")] == SECTIONS
    assert [t for t in seen.toc if t.startswith("outcome-")] == [f"outcome-{o}" for o in OUTCOMES]
    assert seen.dead_links == [] and seen.external == [] and seen.console_errors == []
    assert seen.images > 10 and seen.broken == [] and seen.without_alt == 0
    with Chromium() as browser:
        tab = browser.open(page)
        faces = browser.evaluate(
            tab, "[...document.fonts].map(f => `${f.family} ${f.weight} ${f.status}`)"
        )
    assert "DejaVu Sans 400 loaded" in faces and "DejaVu Sans 700 loaded" in faces


def test_the_overflow_check_sees_a_page_wider_than_the_window(tmp_path):
    """The check is not blind: a table outside a scrolling box makes a 390 px page overflow."""
    if find_chromium() is None:
        pytest.skip("Chromium not found")
    wide = "<td>" + "x" * 20 + "</td>"
    page = tmp_path / "wide.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'></head>"
        f"<body><nav class='toc'><a href='#a'>A</a></nav><section id='a'><table><tr>"
        f"{wide * 30}</tr></table></section></body></html>",
        encoding="utf-8",
    )
    seen = check(page)
    assert seen.overflowing.keys() == {1280, 390}
    assert "table" in seen.overflow[390]["sticking_out"]


@pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium not found (apt-get install chromium); the browser checks need it",
)
def test_printed_report_unfolds_every_block_and_drops_the_contents(inputs, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(build_report(**inputs), encoding="utf-8")
    with Chromium() as browser:
        tab = browser.open(page, width=800)
        folded = browser.evaluate(
            tab,
            "(() => { const d = [...document.querySelectorAll('details')];"
            " d.forEach(x => { x.open = false; }); return d.length; })()",
        )
        browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=tab)
        printed = browser.evaluate(
            tab,
            """(() => ({
              contents: getComputedStyle(document.querySelector('nav.toc')).display,
              breaks: [...document.querySelectorAll('section')]
                .map(s => getComputedStyle(s).breakBefore),
              figures: [...document.querySelectorAll('figure')]
                .map(f => getComputedStyle(f).breakInside),
              hidden: [...document.querySelectorAll('details > :not(summary)')]
                .filter(e => !e.checkVisibility()).length,
            }))()""",
        )
    assert folded > len(OUTCOMES)  # the blocks of 20a, 20b and 20d, all folded by hand
    assert printed["contents"] == "none"
    assert set(printed["breaks"]) == {"page"} and len(printed["breaks"]) == len(SECTIONS)
    assert printed["figures"] and set(printed["figures"]) == {"avoid"}
    assert printed["hidden"] == 0


@pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium not found (apt-get install chromium); the browser checks need it",
)
def test_browser_draws_figure_text_at_the_width_the_layout_measured(tmp_path):
    """The layout checks (tests/figcheck.py) measure text with the font file matplotlib ships;
    the report embeds that file, so every label of a committed figure renders in the browser
    within the measured width (which has 5% slack) and not much narrower."""
    from alsmeta.figures.style import text_width
    from alsmeta.report.html import figure_html, page

    for name in ("forest_serious_ae", "prisma"):
        block = figure_html(ROOT / f"docs/figures/{name}.svg", name, name, f"figure-{name}")
        html_file = tmp_path / f"{name}.html"
        html_file.write_text(page(name, name, [], [block]), encoding="utf-8")
        with Chromium() as browser:
            tab = browser.open(html_file)
            drawn = browser.evaluate(
                tab,
                "document.fonts.ready.then(() => [...document.querySelectorAll('svg text')]"
                ".map(t => { const s = getComputedStyle(t); return [t.textContent,"
                " parseFloat(s.fontSize), s.fontWeight === '700', s.fontStyle === 'italic',"
                " t.getComputedTextLength()]; }))",
                await_promise=True,
            )
        assert len(drawn) > 20
        for text, size, bold, italic, width_pt in drawn:
            measured = text_width(text, size, bold, italic) * 72
            assert 0.9 * measured <= width_pt <= measured, (name, text, width_pt, measured)
