"""What every figure shares: the font, the sizes, text measuring, and byte-reproducible saving.

Reproducibility, to the byte, on any machine with the pinned matplotlib:

* Text is laid out with the DejaVu Sans file that matplotlib ships, and :func:`check_font`
  refuses to draw if another file would be used (a system DejaVu of another version would
  move every glyph). PDF embeds that font; PNG rasterises it. SVG keeps text as text
  (``svg.fonttype = 'none'``), a tenth of the size of glyph outlines: the report inlines the
  SVGs and embeds that same font file once (:mod:`alsmeta.report.fonts`), so a browser draws
  the glyphs that were measured. A standalone SVG names ``'DejaVu Sans', sans-serif``: a
  viewer without DejaVu substitutes its sans-serif. The text a figure shows is also kept in
  its metadata (SVG ``dc:description``, PDF ``Subject``, PNG ``Description``), which is what
  the figures-of-record check diffs.
* The SVG hash salt is fixed (clip-path ids), and creation dates and software stamps are
  left out of SVG, PDF and PNG metadata.
* Every position is computed in inches by the figure code (no ``tight_layout``), so the same
  numbers always give the same drawing.
"""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont  # noqa: E402

from alsmeta.figures import typeset  # noqa: E402
from alsmeta.figures.typeset import FONT_SIZE, LINE, SMALL, TITLE_SIZE  # noqa: E402, F401
from alsmeta.io.files import atomic_write  # noqa: E402

# fontTools logs every subsetting step at INFO when the PDF embeds the font.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "DejaVu Sans"

RC = {
    "svg.hashsalt": "alsmeta",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "font.family": FONT,
    "font.size": FONT_SIZE,
    "text.parse_math": False,  # a '$' in a study label is text, not mathtext
    "axes.linewidth": 0.8,
    "xtick.major.width": 0.8,
    "xtick.labelsize": FONT_SIZE,
    "path.simplify": False,
}

#: Colours: RevMan's green squares for counts, blue for continuous data, black diamonds.
COLOURS = {
    "square_binary": "#2e8b57",
    "square_continuous": "#1f5fa8",
    "diamond": "#000000",
    "prediction": "#b22222",
    "reference": "#555555",
    "box_edge": "#1f4e79",
    "box_fill": "#eef3f8",
    "band": "#c9daf0",
}

_TEXT_TO_PATH = None


def check_font() -> None:
    """Refuse to draw with a DejaVu Sans other than the file matplotlib ships."""
    found = Path(findfont(FontProperties(family=FONT), fallback_to_default=False)).resolve()
    shipped = Path(matplotlib.get_data_path()).resolve()
    if shipped not in found.parents:
        raise RuntimeError(
            f"{FONT} resolves to {found}, not to the copy in {shipped}: figures would not be "
            "byte-identical across machines (remove the matplotlib font cache and retry)"
        )


def font(size: float = FONT_SIZE, bold: bool = False, italic: bool = False) -> FontProperties:
    return FontProperties(
        family=FONT,
        size=size,
        weight="bold" if bold else "normal",
        style="italic" if italic else "normal",
    )


@functools.lru_cache(maxsize=8192)
def text_width(text: str, size: float = FONT_SIZE, bold: bool = False, italic: bool = False):
    """Width in inches of one line of ``text``: the advance width from the font file (exact
    for SVG and PDF) plus 5%, which covers Agg's hinting at any resolution, so a layout that
    fits here fits in every format."""
    global _TEXT_TO_PATH
    if not text:
        return 0.0
    if _TEXT_TO_PATH is None:
        from matplotlib.textpath import TextToPath

        _TEXT_TO_PATH = TextToPath()
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(
        text, font(size, bold, italic), ismath=False
    )
    return 1.05 * width / 72.0


def wrap(text: str, width_in: float, size: float = FONT_SIZE, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width_in`` inches, measured with :func:`text_width`."""
    return typeset.wrap(text, width_in, text_width, size, bold)


def figure(width_in: float, height_in: float):
    check_font()
    with plt.rc_context(RC):
        return plt.figure(figsize=(width_in, height_in))


def figure_text(fig) -> str:
    """Every string the figure shows, one line per row of text (top to bottom, left to
    right within a row), so that a changed number shows up with its row."""
    rows: dict[float, list] = {}
    for artist in fig.findobj(matplotlib.text.Text):
        text = artist.get_text()
        if not text or not artist.get_visible():
            continue
        x, y = artist.get_transform().transform(artist.get_position())
        rows.setdefault(round(float(y), 1), []).append(
            (round(float(x), 1), text.replace("\n", " "))
        )
    return "\n".join(
        "  ".join(text for _, text in sorted(rows[y])) for y in sorted(rows, reverse=True)
    )


def save(fig, paths: dict, *, title: str, description: str | None = None, dpi: int = 300):
    """Write ``fig`` to ``{format: path}`` (svg, png, pdf) reproducibly, then close it.

    ``title`` and ``description`` (default: every string the figure shows) go into each
    format's metadata, so a figure's text is readable from any format.
    """
    description = figure_text(fig) if description is None else description
    metadata = {
        "svg": {"Date": None, "Creator": None, "Title": title, "Description": description},
        "pdf": {
            "CreationDate": None,
            "ModDate": None,
            "Creator": None,
            "Producer": None,
            "Title": title,
            "Subject": description,
        },
        "png": {"Software": None, "Title": title, "Description": description},
    }
    with plt.rc_context(RC):
        for fmt, path in paths.items():
            atomic_write(
                path,
                lambda handle, fmt=fmt, path=path: _write_figure(
                    fig, handle, fmt, dpi, metadata[fmt], path
                ),
                binary=True,
            )
    plt.close(fig)


#: The stylesheet matplotlib writes into every SVG, and ours: text keeps its spaces (an
#: SVG viewer collapses them by default, which would move an indented label).
_SVG_STYLE = b"*{stroke-linejoin: round; stroke-linecap: butt}"
_SVG_STYLE_KEPT = _SVG_STYLE + b" text{white-space: pre}"


def _write_figure(fig, handle, fmt: str, dpi: int, metadata: dict, path) -> None:
    """One format of a figure into ``handle``; an SVG through :func:`_finished_svg`."""
    if fmt != "svg":
        fig.savefig(handle, format=fmt, dpi=dpi, metadata=metadata)
        return
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    handle.write(_finished_svg(buffer.getvalue(), path))


def _finished_svg(svg: bytes, path) -> bytes:
    """Keep the spaces of every text, and name a generic family after DejaVu Sans for
    viewers that do not have it."""
    if _SVG_STYLE not in svg:
        raise RuntimeError(f"{path}: matplotlib's SVG stylesheet not found; cannot keep spaces")
    svg = svg.replace(_SVG_STYLE, _SVG_STYLE_KEPT, 1)
    return svg.replace(
        f"font-family: '{FONT}'".encode(), f"font-family: '{FONT}', sans-serif".encode()
    )


def put_title(fig, width: float, height: float, title: str) -> None:
    """The title at the top left of a ``width`` x ``height`` inch figure (not the forest
    and PRISMA figures, which lay out their own)."""
    fig.text(
        0.1 / width,
        1 - 0.22 / height,
        title,
        fontproperties=font(TITLE_SIZE, True),
        va="center",
    )


def message_figure(title: str, message: str):
    """A small figure that says why a display was not drawn (the file a rule promised)."""
    lines = wrap(message, 5.0)
    width, height = 5.4, 0.55 + LINE * len(lines) + 0.2
    with plt.rc_context(RC):
        fig = figure(width, height)
        put_title(fig, width, height, title)
        for j, line in enumerate(lines):
            fig.text(
                0.1 / width,
                1 - (0.55 + (j + 0.5) * LINE) / height,
                line,
                fontproperties=font(italic=True),
                va="center",
            )
    return fig
