"""Figures inlined in the report: ids kept apart, and the figures' font embedded once."""

import base64
import io
import re

from fontTools.ttLib import TTFont

from alsmeta.report.fonts import characters_by_face, font_face_css
from alsmeta.report.html import figure_html, inline_svg

SVG = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<svg width="72pt" height="36pt" '
    'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    "<metadata><dc:description>Oh 2015</dc:description></metadata>"
    '<g id="figure_1"><defs><clipPath id="p1"><rect/></clipPath><path id="m2" d="M 0 0"/>'
    '</defs><g clip-path="url(#p1)"><use xlink:href="#m2"/></g>'
    "<text style=\"font-size: 8px; font-family: 'DejaVu Sans', sans-serif\">Oh 2015</text>"
    '<text style="font-weight: 700; font-size: 8px">&#964;&#178; = 0</text>'
    '<text style="font-style: italic; font-size: 8px">Note</text></g></svg>\n'
)


def test_inlined_svg_prefixes_referenced_ids_and_drops_the_rest():
    out = inline_svg(SVG, "figure-a", "Forest plot of 'x'")
    assert out.startswith("<svg role='img' aria-label='Forest plot of &#x27;x&#x27;' ")
    assert "<metadata" not in out and "<?xml" not in out
    assert 'id="figure_1"' not in out  # nothing refers to it
    assert 'id="figure-a-p1"' in out and 'clip-path="url(#figure-a-p1)"' in out
    assert 'id="figure-a-m2"' in out and 'xlink:href="#figure-a-m2"' in out
    other = inline_svg(SVG, "figure-b", "y")
    assert not set(re.findall(r'id="([^"]+)"', out)) & set(re.findall(r'id="([^"]+)"', other))


def test_figure_is_inlined_at_its_reading_width(tmp_path):
    path = tmp_path / "f.svg"
    path.write_text(SVG, encoding="utf-8")
    block = figure_html(path, "alt text", "Caption.", "figure-f")
    # The figure keeps that width inside a box that scrolls sideways on a narrow screen.
    assert block.startswith(
        "<figure id='figure-f'><div class='scroll figure-scroll'>"
        "<div class='figure' style='width:120px'><svg"
    )
    assert block.endswith("<figcaption>Caption.</figcaption></figure>")


def test_the_embedded_font_has_each_used_face_with_the_characters_it_draws():
    used = characters_by_face(SVG)
    assert used == {
        ("400", "normal"): set("Oh 2015"),
        ("700", "normal"): set("\u03c4\u00b2 = 0"),
        ("400", "italic"): set("Note"),
    }
    css = font_face_css(SVG)
    assert css == font_face_css(SVG)  # same figures, same bytes
    faces = re.findall(
        r"font-weight:(\d+);font-style:(\w+);src:url\(data:font/ttf;base64,([^)]+)\)", css
    )
    assert [(w, s) for w, s, _ in faces] == sorted(used)
    for weight, style, data in faces:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        drawn = {chr(c) for c in font.getBestCmap()}
        assert used[(weight, style)] <= drawn and len(drawn) < 40
        names = {n.nameID: n.toUnicode() for n in font["name"].names}
        assert names[1] == "DejaVu Sans" and "Bitstream" in names[0]  # copyright kept
    assert font_face_css("<p>no figure</p>") == ""
