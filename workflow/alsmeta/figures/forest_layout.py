"""Where everything of a forest plot goes: the pure layout step of :func:`forest.draw`.

:func:`layout` turns a :class:`~alsmeta.figures.forest.Forest` into a :class:`Layout`:
the figure's size, every text with its position, the horizontal rules, the risk-of-bias
dots, and the graph (its place, axis range, ticks and marks). Positions are inches from
the figure's bottom left; marks in the graph have x in axis coordinates (percent points,
log10 ratio, or the value) and y in inches. Text is measured by the ``measure`` function
it is given, so this module never imports matplotlib and a test can check a layout with
a simple measure. :mod:`alsmeta.figures.forest_paint` draws a layout, in the order the
layout lists things (which fixes the SVG's element order, hence its bytes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from alsmeta.figures.forest import TABLE_KINDS, Column, Forest, Row, Scale
from alsmeta.figures.typeset import FONT_SIZE, LINE, SMALL, TITLE_SIZE, Measure, wrap

ROW_PAD = 0.045  # inches added to every table row
GAP = 0.14  # inches between columns
MARGIN = 0.1
DOT_STEP = 0.17  # inches between risk-of-bias dot columns
ARROW_SIZE = 4.5  # points, the arrowhead of a clipped whisker


# -- what a layout holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One line of text, vertically centred on ``y`` (inches)."""

    x: float
    y: float
    text: str
    ha: str = "left"
    bold: bool = False
    italic: bool = False
    size: float = FONT_SIZE


@dataclass(frozen=True)
class Rule:
    """A horizontal line from ``left`` to ``right`` at ``y`` (inches)."""

    left: float
    right: float
    y: float


@dataclass(frozen=True)
class Dot:
    """A risk-of-bias dot centred at (``x``, ``y``) inches, its ``key`` into the forest's
    ``Dots.styles``."""

    x: float
    y: float
    key: str


@dataclass(frozen=True)
class NullLine:
    """The vertical line of no effect (``reference=False``) or a dashed reference line."""

    x: float
    reference: bool = False


@dataclass(frozen=True)
class Whisker:
    """The visible part of a CI, from ``left`` to ``right``; thin when ``hollow``."""

    y: float
    left: float
    right: float
    hollow: bool = False


@dataclass(frozen=True)
class Arrow:
    """An arrowhead at the axis end ``x`` where an interval leaves the graph;
    ``direction`` '<' (left) or '>' (right); ``of`` what it ends (its colour): a study's
    ``whisker``, a ``shrinkage`` estimate's, a pooled ``diamond``, a ``prediction`` bar."""

    x: float
    y: float
    direction: str
    of: str = "whisker"


@dataclass(frozen=True)
class Square:
    """A study's point estimate: a square of ``side`` points, or an open circle (``hollow``)."""

    x: float
    y: float
    side: float
    hollow: bool = False


@dataclass(frozen=True)
class Diamond:
    """A pooled estimate: a diamond from ``left`` to ``right`` through ``centre``."""

    y: float
    left: float
    centre: float
    right: float
    half_height: float
    hollow: bool = False


@dataclass(frozen=True)
class Bar:
    """A prediction interval (dashed when ``hollow``)."""

    y: float
    left: float
    right: float
    hollow: bool = False


@dataclass(frozen=True)
class Graph:
    """The graph's box (inches), axis range, ticks, and marks in drawing order."""

    left: float
    bottom: float
    width: float
    height: float  # the body rows' height (bottom + height may differ from top in the last bit)
    top: float
    xlim: tuple[float, float]
    ticks: tuple[float, ...]
    tick_labels: tuple[str, ...]
    marks: tuple


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    texts: tuple[Text, ...]
    rules: tuple[Rule, ...]
    dots: tuple[Dot, ...]
    graph: Graph
    binary: bool  # green squares (counts) or blue (continuous)
    dot_styles: dict


# -- the axis ---------------------------------------------------------------------------

_NICE = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _nice_ceil(x: float) -> float:
    if x <= 0:
        return 1.0
    e = math.floor(math.log10(x))
    for m in _NICE:
        if m * 10**e >= x * (1 - 1e-12):
            return m * 10**e
    return 10 ** (e + 1)


def to_axis(scale: Scale, x: float) -> float:
    """Natural value -> graph coordinate (percent points, log10 ratio, or as is).

    The value is first rounded to 6 significant digits: a figure's geometry must not
    depend on the last digits of an iterative fit (the GLMM on a flat likelihood differs
    around the 10th digit between builds of the numerical libraries), or the figures of
    record would change from machine to machine.
    """
    x = float(f"{x:.6g}")
    if scale.kind == "percent":
        return 100.0 * x
    if scale.kind == "log":
        return math.log10(x)
    return x


def axis_limits(scale: Scale, rows) -> tuple[float, float]:
    """Graph limits in axis coordinates.

    They always hold the study estimates, the pooled CIs and prediction intervals and the
    line of no effect; a study CI is followed out to twice that extent, beyond which its
    whisker is clipped with an arrow.
    """
    if scale.limits is not None:
        lo, hi = (to_axis(scale, v) for v in scale.limits)
        return lo, hi
    core, wide = [], []
    for row in rows:
        if row.kind == "study" and row.estimate is not None:
            core.append(row.estimate)
            wide += [v for v in (row.lower, row.upper) if v is not None]
        elif row.kind in ("pooled", "prediction"):
            core += [v for v in (row.estimate, row.lower, row.upper) if v is not None]
    if scale.kind == "log":
        core = [abs(math.log10(v)) for v in core if v > 0] or [math.log10(2)]
        wide = [abs(math.log10(v)) for v in wide if v > 0]
        extent = max(core)
        extent = max(extent, min(max(wide, default=0), 2 * extent))
        limit = math.log10(_nice_ceil(10 ** max(extent, math.log10(1.5))))
        return -limit, limit
    core = [to_axis(scale, v) for v in core]
    wide = [to_axis(scale, v) for v in wide]
    if scale.kind == "percent":
        extent = max(core, default=10.0)
        extent = max(extent, min(max(wide, default=0), 2 * extent), 5.0)
        return 0.0, min(100.0, _nice_ceil(extent * 1.02))
    null = scale.null if scale.null is not None else 0.0
    extent = max((abs(v - null) for v in core), default=1.0)
    extent = max(extent, min(max((abs(v - null) for v in wide), default=0), 2 * extent))
    limit = _nice_ceil(extent * 1.02 or 1.0)
    return null - limit, null + limit


def ticks(scale: Scale, lo: float, hi: float) -> list[float]:
    """Tick positions (axis coordinates): 1, 2, 5 steps on a log axis, else at most 6."""
    if scale.kind == "log":
        limit = 10**hi
        if limit <= 10:
            candidates = [1 / limit, 0.2, 0.5, 1, 2, 5, limit]
        else:
            candidates = [10**e for e in range(-int(hi), int(hi) + 1)] + [1 / limit, limit]
        return sorted(
            {math.log10(v) for v in candidates if lo - 1e-9 <= math.log10(v) <= hi + 1e-9}
        )
    span = hi - lo
    for step in (s * 10 ** math.floor(math.log10(span)) for s in (0.1, 0.2, 0.25, 0.5, 1, 2)):
        if span / step <= 6:
            break
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 10) for i in range(first, int(math.floor(hi / step + 1e-9)) + 1)]


def tick_label(scale: Scale, v: float) -> str:
    if scale.kind == "log":
        return f"{10**v:g}"
    if scale.kind == "percent":
        return f"{v:g}%"
    return f"{v:g}".replace("-", "\u2212")


# -- columns and rows -------------------------------------------------------------------


def _cell_lines(row: Row, column: Column, measure: Measure) -> list[str]:
    text = str(row.cells.get(column.key, ""))
    if column.wrap_in is None:
        return text.split("\n") if text else []
    return wrap(text, column.wrap_in, measure, bold=row.bold) if text else []


def column_widths(forest: Forest, measure: Measure) -> list[float]:
    """Each column's width: its widest header line or cell line (at least 0.25 in), widened
    so that a group header fits over its columns."""
    widths = []
    for column in forest.columns:
        header = [measure(line, FONT_SIZE, True) for line in column.header.split("\n")]
        cells = [
            measure(line, FONT_SIZE, row.bold)
            for row in forest.rows
            if row.kind in TABLE_KINDS
            for line in _cell_lines(row, column, measure)
        ]
        widths.append(max(header + cells + [0.25]))
    for group in {c.group for c in forest.columns if c.group}:
        members = [i for i, c in enumerate(forest.columns) if c.group == group]
        need = measure(group, FONT_SIZE, True) - (
            sum(widths[i] for i in members) + GAP * (len(members) - 1)
        )
        if need > 0:
            for i in members:
                widths[i] += need / len(members)
    return widths


@dataclass(frozen=True)
class _Columns:
    """The horizontal layout: column lefts and widths, the graph's and dots' places."""

    xs: list
    widths: list
    text_right: float
    note_width: float
    graph_left: float
    graph_right: float
    dots_left: float
    width: float  # of the figure


def _horizontal(forest: Forest, measure: Measure, lo, hi, tick_list, labels) -> _Columns:
    widths = column_widths(forest, measure)
    xs, x = [], MARGIN
    for w in widths:
        xs.append(x)
        x += w + GAP
    text_right = x - GAP
    has_notes = any(r.kind in ("note", "heading") for r in forest.rows)
    text_width = max(text_right - MARGIN, 3.0 if has_notes else 0.0)
    graph_left = max(x + 0.05, MARGIN + text_width + GAP)
    graph_right = graph_left + forest.graph_width
    overhang = 0.0
    if labels:  # the last tick label may reach past the graph's right end
        last_tick = graph_left + (tick_list[-1] - lo) / (hi - lo) * forest.graph_width
        overhang = measure(labels[-1], FONT_SIZE, False) / 2 - (graph_right - last_tick)
    dots_left = graph_right + max(overhang, 0) + GAP
    dots_width = DOT_STEP * len(forest.dots.header) if forest.dots else 0.0
    width = (
        dots_left + dots_width + MARGIN + 0.05
        if forest.dots
        else (graph_right + max(overhang, 0) + MARGIN + 0.05)
    )
    note_width = text_right - MARGIN if text_right - MARGIN > 2.0 else text_width
    return _Columns(xs, widths, text_right, note_width, graph_left, graph_right, dots_left, width)


def _row_lines(row: Row, forest: Forest, note_width: float, measure: Measure):
    """(the lines of a heading or note, or None), and the row's height in inches."""
    if row.kind == "blank":
        return [], 0.5 * LINE
    if row.kind in ("heading", "note"):
        lines = wrap(row.text, note_width, measure, bold=row.kind == "heading")
        return lines, len(lines) * LINE + ROW_PAD
    n = max([len(_cell_lines(row, c, measure)) for c in forest.columns] + [1])
    return None, n * LINE + ROW_PAD


def _cell_texts(row: Row, forest: Forest, cols: _Columns, top: float, measure) -> list[Text]:
    out = []
    for column, x0, w in zip(forest.columns, cols.xs, cols.widths, strict=True):
        for j, line in enumerate(_cell_lines(row, column, measure)):
            yy = top - ROW_PAD / 2 - (j + 0.5) * LINE
            if column.align == "left":
                out.append(Text(x0, yy, line, "left", bold=row.bold))
            else:
                out.append(Text(x0 + w, yy, line, "right", bold=row.bold))
    return out


def _margin_texts(row: Row, lines: list[str], top: float) -> list[Text]:
    """A heading's or note's lines, from the left margin down from ``top``."""
    return [
        Text(
            MARGIN,
            top - ROW_PAD / 2 - (j + 0.5) * LINE,
            line,
            bold=row.kind == "heading",
            italic=row.kind == "note" and row.bold,
        )
        for j, line in enumerate(lines)
    ]


# -- the graph's marks --------------------------------------------------------------------


def _arrows(a: float, b: float, y: float, lo, hi, of: str) -> list:
    """An arrowhead at each axis end the interval ``a`` to ``b`` (axis coordinates) passes."""
    return [
        *([Arrow(lo, y, "<", of)] if a < lo else []),
        *([Arrow(hi, y, ">", of)] if b > hi else []),
    ]


def _interval(scale: Scale, y, lower, upper, lo, hi, hollow=False) -> list:
    """A whisker clipped to the axis, with an arrowhead at each end it leaves the graph."""
    a, b = to_axis(scale, lower), to_axis(scale, upper)
    left, right = max(a, lo), min(b, hi)
    marks: list = []
    if left < right:
        marks.append(Whisker(y, left, right, hollow))
    return marks + _arrows(a, b, y, lo, hi, "shrinkage" if hollow else "whisker")


def _row_marks(row: Row, scale: Scale, y: float, lo, hi, square_size) -> list:
    """The marks of one table row at height ``y``: a study's whisker and square (or open
    circle), a pooled diamond, a prediction bar. A diamond or bar that leaves the graph is
    cut at the axis and ends in an arrowhead there, as a whisker does."""
    if row.kind == "study" and row.lower is not None and (row.hollow or row.upper is not None):
        marks = _interval(scale, y, row.lower, row.upper, lo, hi, hollow=row.hollow)
        est = to_axis(scale, row.estimate)
        if lo <= est <= hi:
            marks.append(Square(est, y, 0.0 if row.hollow else square_size(row), row.hollow))
        return marks
    if row.kind == "pooled" and row.lower is not None:
        a, e, b = (to_axis(scale, v) for v in (row.lower, row.estimate, row.upper))
        return [Diamond(y, a, e, b, 0.36 * LINE, row.hollow), *_arrows(a, b, y, lo, hi, "diamond")]
    if row.kind == "prediction" and row.lower is not None:
        a, b = (to_axis(scale, v) for v in (row.lower, row.upper))
        return [Bar(y, a, b, row.hollow), *_arrows(a, b, y, lo, hi, "prediction")]
    return []


def _square_size(rows) -> Callable[[Row], float]:
    """A study square's side in points: area proportional to its weight, the heaviest as
    large as a row allows (at most 11 pt); 5 pt without weights; at least 3 pt."""
    weights = [r.weight for r in rows if r.kind == "study" and r.weight]
    w_max = max(weights, default=0.0)
    max_side = min(11.0, (LINE + ROW_PAD) * 72 * 0.9)

    def size(row: Row) -> float:
        side = max_side * math.sqrt(row.weight / w_max) if row.weight and w_max else 5.0
        return max(side, 3.0)

    return size


# -- the whole figure ---------------------------------------------------------------------


def layout(forest: Forest, measure: Measure) -> Layout:
    """Every position of ``forest``'s figure, text measured with ``measure``.

    Left to right: the text columns, the graph, the risk-of-bias dots. Top to bottom: the
    title, the headers (group headers over their columns), the body rows beside the graph,
    the trailing notes beside the axis with the "favours" labels under it, the footnotes.
    """
    scale = forest.scale
    lo, hi = axis_limits(scale, forest.rows)
    tick_list = ticks(scale, lo, hi)
    labels = [tick_label(scale, t) for t in tick_list]
    cols = _horizontal(forest, measure, lo, hi, tick_list, labels)

    def gx(v: float) -> float:  # axis coordinate -> inches
        return cols.graph_left + (v - lo) / (hi - lo) * forest.graph_width

    # Rows: heights from the wrapped text; trailing notes go beside the axis.
    last_graph = max(
        (i for i, r in enumerate(forest.rows) if r.kind in TABLE_KINDS),
        default=-1,
    )
    body, trailing = forest.rows[: last_graph + 1], forest.rows[last_graph + 1 :]
    body_layout = [_row_lines(r, forest, cols.note_width, measure) for r in body]
    trailing_layout = [_row_lines(r, forest, cols.note_width, measure) for r in trailing]

    title_h = 0.32 if forest.title else 0.0
    has_groups = any(c.group for c in forest.columns)
    header_lines = max(
        [len(c.header.split("\n")) for c in forest.columns] + [len(forest.graph_header.split("\n"))]
    )
    header_h = (header_lines + (1 if has_groups else 0)) * LINE + 0.08
    body_h = sum(h for _, h in body_layout)
    trailing_h = sum(h for _, h in trailing_layout)
    favour_lines = [[], []]
    if scale.favours and scale.null is not None:
        null_x = gx(to_axis(scale, scale.null))
        avail = (max(null_x - cols.graph_left, 0.7), max(cols.graph_right - null_x, 0.7))
        favour_lines = [
            wrap(t, a - 0.06, measure) for t, a in zip(scale.favours, avail, strict=True)
        ]
    axis_h = 0.27 + max(len(favour_lines[0]), len(favour_lines[1])) * LINE
    bottom_h = max(trailing_h + 0.05, axis_h)
    foot_lines = [
        line
        for note in forest.footnotes
        for line in wrap(note, cols.width - 2 * MARGIN, measure, SMALL)
    ]
    foot_h = len(foot_lines) * LINE * 0.9 + (0.08 if foot_lines else 0)
    height = MARGIN + title_h + header_h + body_h + bottom_h + foot_h + MARGIN

    texts: list[Text] = []
    rules: list[Rule] = []
    y = height - MARGIN
    if forest.title:
        texts.append(Text(MARGIN, y - 0.12, forest.title, bold=True, size=TITLE_SIZE))
        y -= title_h

    # Headers: group headers over their columns, then column headers bottom-aligned.
    header_bottom = y - header_h + 0.06
    if has_groups:
        group_y = header_bottom + header_lines * LINE + LINE / 2
        for group in dict.fromkeys(c.group for c in forest.columns if c.group):
            members = [i for i, c in enumerate(forest.columns) if c.group == group]
            left = cols.xs[members[0]]
            right = cols.xs[members[-1]] + cols.widths[members[-1]]
            texts.append(Text((left + right) / 2, group_y, group, "center", bold=True))
            rules.append(Rule(left, right, group_y - LINE / 2))
    for column, x0, w in zip(forest.columns, cols.xs, cols.widths, strict=True):
        for j, line in enumerate(reversed(column.header.split("\n"))):
            yy = header_bottom + (j + 0.5) * LINE
            if column.align == "left":
                texts.append(Text(x0, yy, line, "left", bold=True))
            else:
                texts.append(Text(x0 + w, yy, line, "right", bold=True))
    if forest.dots:
        for k, label in enumerate(forest.dots.header):
            x = cols.dots_left + (k + 0.5) * DOT_STEP
            texts.append(Text(x, header_bottom + 0.5 * LINE, label, "center", True, size=SMALL))
    for j, line in enumerate(reversed(forest.graph_header.split("\n"))):
        x = (cols.graph_left + cols.graph_right) / 2
        texts.append(Text(x, header_bottom + (j + 0.5) * LINE, line, "center", bold=True))
    rules.append(Rule(MARGIN, cols.graph_right, header_bottom - 0.02))
    y = header_bottom - 0.05

    # The graph spans the body rows.
    graph_top, graph_bottom = y, y - body_h
    marks: list = []
    if scale.null is not None:
        nx = to_axis(scale, scale.null)
        if lo <= nx <= hi:
            marks.append(NullLine(nx))
    for ref in scale.reference:
        rx = to_axis(scale, ref)
        if lo <= rx <= hi:
            marks.append(NullLine(rx, reference=True))
    square_size = _square_size(body)
    dots: list[Dot] = []
    for row, (lines, h) in zip(body, body_layout, strict=True):
        top = y
        mid = top - ROW_PAD / 2 - LINE / 2
        if row.kind in ("heading", "note"):
            texts += _margin_texts(row, lines, top)
        elif row.kind in TABLE_KINDS:
            texts += _cell_texts(row, forest, cols, top, measure)
        if forest.dots and row.dots:
            for k, key in enumerate(row.dots):
                if key is None:
                    continue
                dot = Dot(cols.dots_left + (k + 0.5) * DOT_STEP, mid, key)
                dots.append(dot)
                symbol = forest.dots.styles[key][1]
                if symbol:
                    # The symbol's x goes through the figure fraction the dot is drawn at.
                    x = dot.x / cols.width * cols.width
                    texts.append(Text(x, mid, symbol, "center", bold=True, size=SMALL))
        marks += _row_marks(row, scale, mid, lo, hi, square_size)
        y -= h

    # Trailing notes beside the axis; favours labels under the tick labels.
    yy = graph_bottom - 0.04
    for row, (lines, h) in zip(trailing, trailing_layout, strict=True):
        texts += _margin_texts(row, lines or [], yy)
        yy -= h
    if scale.favours and scale.null is not None:
        null_x = gx(to_axis(scale, scale.null))
        fy = graph_bottom - 0.27
        for j, line in enumerate(favour_lines[0]):
            texts.append(Text(null_x - 0.06, fy - (j + 0.5) * LINE, line, "right"))
        for j, line in enumerate(favour_lines[1]):
            texts.append(Text(null_x + 0.06, fy - (j + 0.5) * LINE, line, "left"))

    fy = MARGIN + foot_h - 0.08
    for j, line in enumerate(foot_lines):
        texts.append(Text(MARGIN, fy - (j + 0.5) * LINE * 0.9, line, size=SMALL))

    graph = Graph(
        cols.graph_left,
        graph_bottom,
        forest.graph_width,
        body_h,
        graph_top,
        (lo, hi),
        tuple(tick_list),
        tuple(labels),
        tuple(marks),
    )
    styles = forest.dots.styles if forest.dots else {}
    return Layout(
        cols.width, height, tuple(texts), tuple(rules), tuple(dots), graph, forest.binary, styles
    )
