"""Text sizes and word wrapping, without matplotlib.

The sizes every figure shares, and a greedy word wrap that measures with a function it is
given. :mod:`alsmeta.figures.style` passes the real measure (the advance widths of the
DejaVu Sans file matplotlib ships); a layout test passes a simple one and never imports
matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable

FONT_SIZE = 8.0  # points, body text of every figure
SMALL = 7.0  # footnotes
TITLE_SIZE = 9.5
LINE = 0.165  # inches per line of body text

#: ``measure(text, size, bold, italic)``: the width of one line of text in inches.
Measure = Callable[..., float]


def wrap(
    text: str, width_in: float, measure: Measure, size: float = FONT_SIZE, bold: bool = False
) -> list[str]:
    """Greedy word wrap to ``width_in`` inches, measured; a single over-long word is split."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if measure(candidate, size, bold) <= width_in:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while measure(current, size, bold) > width_in and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and measure(current[:cut] + "-", size, bold) > width_in:
                    cut -= 1
                lines.append(current[:cut] + "-")
                current = current[cut:]
        lines.append(current)
    return lines
