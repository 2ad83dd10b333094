"""The report in a headless browser (alsmeta.report.browser), and its helpers."""

import os
from pathlib import Path

import pytest
from report_page import OUTCOMES, ROOT

from alsmeta.report.browser import (
    MAX_HEIGHT,
    MIN_TEXT_PX,
    UNFOLD,
    Chromium,
    blank_dates,
    check,
    find_chromium,
)
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
    every forest plot: opened, it is within the height limits at 1280 and 390 px; unfolded,
    it fits both windows without scrolling sideways and no text on a phone is smaller than
    9 px (the forest plots scroll in their own box instead of shrinking); every contents
    link lands, every figure has alt text, and the figures' font loads. Screenshots of its
    first screens are written to the test's directory."""
    forest = (ROOT / "docs/figures/forest_serious_ae.svg").read_text(encoding="utf-8")
    for stem, path in inputs["figures"].items():
        if stem.startswith("forest_"):
            Path(path).write_text(forest, encoding="utf-8")
    page = tmp_path / "report.html"
    page.write_text(build_report(**inputs), encoding="utf-8")

    seen = check(page, screenshot=tmp_path / "desktop.png", phone_screenshot=tmp_path / "phone.png")

    assert set(seen.heights) == set(MAX_HEIGHT) == {1280, 390}
    assert seen.too_tall == {} and 0 < seen.heights[1280] < seen.heights[390], seen.heights
    assert seen.illegible == [] and seen.smallest_text[390][0][0] >= MIN_TEXT_PX
    assert (tmp_path / "desktop.png").stat().st_size and (tmp_path / "phone.png").stat().st_size
    assert set(seen.overflow) == {1280, 390}
    assert seen.overflowing == {}, seen.overflow
    assert seen.toc and seen.dead_toc_links == []
    assert [t for t in seen.toc if not t.startswith("outcome-")] == SECTIONS
    assert [t for t in seen.toc if t.startswith("outcome-")] == [f"outcome-{o}" for o in OUTCOMES]
    assert seen.dead_links == [] and seen.external == [] and seen.console_errors == []
    assert seen.images > 10 and seen.broken == [] and seen.without_alt == 0
    with Chromium() as browser:  # the figures' font loads once their blocks are opened
        tab = browser.open(page)
        browser.evaluate(tab, UNFOLD)
        faces = browser.evaluate(
            tab,
            "document.fonts.ready.then(() =>"
            " [...document.fonts].map(f => `${f.family} ${f.weight} ${f.status}`))",
            await_promise=True,
        )
    assert "DejaVu Sans 400 loaded" in faces and "DejaVu Sans 700 loaded" in faces


def test_the_height_and_text_checks_see_a_long_page_with_small_text(tmp_path):
    """The checks are not blind: a page taller than the limits with 6 px text fails both."""
    if find_chromium() is None:
        pytest.skip("Chromium not found")
    page = tmp_path / "long.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'></head>"
        "<body><nav class='toc'><a href='#a'>A</a></nav><section id='a'>"
        "<div style='height:30000px'>tall</div><p style='font-size:6px'>tiny</p>"
        "<details><summary>folded</summary><p style='font-size:5px'>folded tiny</p></details>"
        "</section></body></html>",
        encoding="utf-8",
    )
    seen = check(page)
    assert seen.too_tall.keys() == {1280, 390}
    assert [t[2] for t in seen.illegible] == ["folded tiny", "tiny"]


def test_the_summary_reads_as_one_card_per_outcome_on_a_phone(inputs, tmp_path):
    """At 390 px each summary-of-findings row is a block of labelled lines (no column
    headers, no sideways scrolling); at 1280 px it is a table row."""
    if find_chromium() is None:
        pytest.skip("Chromium not found")
    page = tmp_path / "report.html"
    page.write_text(build_report(**inputs), encoding="utf-8")
    probe = """(() => {
      const row = document.querySelector('table.sof tbody tr[id]');
      const cell = row.querySelectorAll('td')[2];
      return {row: getComputedStyle(row).display, head: getComputedStyle(
        document.querySelector('table.sof thead')).display,
        label: getComputedStyle(cell, '::before').content,
        width: row.getBoundingClientRect().width,
        box: document.querySelector('table.sof').closest('.scroll').clientWidth};
    })()"""
    with Chromium() as browser:
        phone = browser.evaluate(browser.open(page, width=390, height=844, mobile=True), probe)
        desktop = browser.evaluate(browser.open(page, width=1280), probe)
    assert phone["row"] == "block" and phone["head"] == "none"
    assert phone["label"] == '"Relative effect (95% CI or CrI)"' and phone["width"] <= phone["box"]
    assert desktop["row"] == "table-row" and desktop["head"] == "table-header-group"


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
    assert folded > len(OUTCOMES)  # the blocks of 20a, 20b, 20d and the appendices
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
