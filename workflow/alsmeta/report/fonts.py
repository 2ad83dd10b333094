"""The figures' font, embedded once in the report so their text renders as it was laid out.

The figures are SVG with text as text (``svg.fonttype = 'none'``) in DejaVu Sans, the copy
matplotlib ships and measured every label with. The report inlines them and carries that
font once, subset to the characters the figures show, as ``@font-face`` data URIs: each
face (regular, bold, oblique, bold oblique) that some figure uses. The subset is a plain
TrueType file (no compression step whose bytes could vary with a library version) and keeps
the font's name records, copyright and licence included: the Bitstream Vera licence of
DejaVu allows embedding and subsetting under a name without "Bitstream" or "Vera".
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

FAMILY = "DejaVu Sans"
#: (CSS font-weight, CSS font-style) -> the file of that face in matplotlib's fonts.
FACES = {
    ("400", "normal"): "DejaVuSans.ttf",
    ("700", "normal"): "DejaVuSans-Bold.ttf",
    ("400", "italic"): "DejaVuSans-Oblique.ttf",
    ("700", "italic"): "DejaVuSans-BoldOblique.ttf",
}

_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")


def _face(attributes: str) -> tuple[str, str]:
    weight = re.search(r"font-weight:\s*(\w+)", attributes)
    style = re.search(r"font-style:\s*(\w+)", attributes)
    bold = weight is not None and weight.group(1) in ("700", "bold", "800", "900")
    italic = style is not None and style.group(1) in ("italic", "oblique")
    return ("700" if bold else "400", "italic" if italic else "normal")


def characters_by_face(markup: str) -> dict[tuple[str, str], set[str]]:
    """The characters each face draws in the <text> elements of ``markup``."""
    used: dict[tuple[str, str], set[str]] = {}
    for attributes, text in _TEXT.findall(markup):
        used.setdefault(_face(attributes), set()).update(html.unescape(text))
    return used


def subset(path: Path, characters: set[str]) -> bytes:
    """The TrueType font at ``path`` cut down to ``characters`` (names and licence kept)."""
    import logging

    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # it notes each table it drops

    options = ft_subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False  # keep head.modified: same input, same bytes
    font = TTFont(str(path), recalcTimestamp=False)
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_face_css(markup: str) -> str:
    """``@font-face`` rules for the faces the figures in ``markup`` use ('' if none)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    rules = []
    for (weight, style), characters in sorted(characters_by_face(markup).items()):
        data = base64.b64encode(subset(folder / FACES[(weight, style)], characters))
        rules.append(
            f"@font-face{{font-family:'{FAMILY}';font-weight:{weight};font-style:{style};"
            f"src:url(data:font/ttf;base64,{data.decode('ascii')}) format('truetype')}}"
        )
    return "\n".join(rules)
