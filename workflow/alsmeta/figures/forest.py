"""Forest plots in the RevMan 5 layout, from plain data.

Layout, left to right: the text columns the caller defines (study label, the raw data per
arm, weight, the effect with its CI as text), then the graph. Below the rows: the
heterogeneity and overall-effect lines beside the axis, "Favours ..." under the axis, and
footnotes. Every position is computed in inches from measured text, so columns never
overlap, long labels wrap, and the figure grows with the number of rows (5 or 60 studies).

Graph conventions:

* a square per study, area proportional to its weight; its CI as a whisker that ends in an
  arrowhead where it leaves the axis;
* a diamond per pooled estimate (its width is the CI), the prediction interval as its own
  bar on its own row;
* optionally open markers (``Row.hollow``): a study's Bayesian shrinkage estimate as an
  open circle under its square, the Bayesian pooled diamond open, its predictive interval
  dashed;
* proportions drawn on a 0-100 % axis, ratios on a log axis symmetric about 1, differences
  on a linear axis symmetric about 0, with a solid line of no effect.

:mod:`alsmeta.figures.outcome` builds the :class:`Forest` of each analysis from the
pipeline's tables. :func:`draw` turns it into a matplotlib figure in two steps:
:func:`alsmeta.figures.forest_layout.layout` places every text, line and mark in inches
(plain values, no matplotlib), and :func:`alsmeta.figures.forest_paint.paint` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Row kinds that are table rows (text in the columns, a mark in the graph).
TABLE_KINDS = ("study", "pooled", "prediction", "cells")


@dataclass(frozen=True)
class Column:
    """A text column: ``key`` into each row's cells, header (may hold newlines)."""

    key: str
    header: str
    align: str = "right"  # 'left' or 'right'
    group: str = ""  # spanning header above adjacent columns with the same group
    wrap_in: float | None = None  # wrap cells wider than this many inches


@dataclass(frozen=True)
class Row:
    """One line of the table.

    ``kind``: ``study`` (square + whisker), ``pooled`` (diamond), ``prediction`` (bar),
    ``cells`` (text cells only, e.g. "Total events"), ``heading`` (bold text across the text
    columns), ``note`` (text across the text columns) or ``blank``. Values are on the
    natural scale (a proportion 0-1, a ratio, a difference).
    """

    kind: str
    cells: dict = field(default_factory=dict)
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    weight: float | None = None  # percent; sets the square's area
    text: str = ""
    bold: bool = False
    dots: tuple = ()  # keys into Forest.dots.styles, one per dot column (None: no dot)
    # Drawn open: a study row as a small open circle on a thin whisker (a Bayesian shrinkage
    # estimate), a pooled row as an open diamond, a prediction row as a dashed bar.
    hollow: bool = False


@dataclass(frozen=True)
class Dots:
    """Columns of small coloured dots right of the graph (RevMan's risk-of-bias column):
    ``header`` labels each column, ``styles`` maps a row's key to (colour, symbol)."""

    header: tuple[str, ...]
    styles: dict


@dataclass(frozen=True)
class Scale:
    """The graph's axis: ``linear``, ``log`` (ratios) or ``percent`` (proportions 0-1)."""

    kind: str = "linear"
    null: float | None = 0.0  # line of no effect; None draws none
    favours: tuple[str, str] | None = None  # labels left and right of the null line
    limits: tuple[float, float] | None = None  # natural scale; None chooses them
    reference: tuple[float, ...] = ()  # dashed vertical lines (e.g. the full-data estimate)


@dataclass(frozen=True)
class Forest:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    scale: Scale
    graph_header: str
    title: str | None = None
    footnotes: tuple[str, ...] = ()
    binary: bool = True  # green squares (counts) or blue (continuous)
    graph_width: float = 2.5  # inches
    dots: Dots | None = None


def draw(forest: Forest):
    """The figure for ``forest`` (a matplotlib Figure; save it with :func:`style.save`)."""
    from alsmeta.figures.forest_layout import layout
    from alsmeta.figures.forest_paint import paint
    from alsmeta.figures.style import text_width

    return paint(layout(forest, text_width))
