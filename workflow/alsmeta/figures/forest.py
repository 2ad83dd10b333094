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

:func:`draw` turns a :class:`Forest` into a matplotlib figure; :mod:`alsmeta.figures.outcome`
builds the :class:`Forest` of each analysis from the pipeline's tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from alsmeta.figures import style as ps

ROW_PAD = 0.045  # inches added to every table row
GAP = 0.14  # inches between columns
MARGIN = 0.1
DOT_STEP = 0.17  # inches between risk-of-bias dot columns
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


def _to_axis(scale: Scale, x: float) -> float:
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
        lo, hi = (_to_axis(scale, v) for v in scale.limits)
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
    core = [_to_axis(scale, v) for v in core]
    wide = [_to_axis(scale, v) for v in wide]
    if scale.kind == "percent":
        extent = max(core, default=10.0)
        extent = max(extent, min(max(wide, default=0), 2 * extent), 5.0)
        return 0.0, min(100.0, _nice_ceil(extent * 1.02))
    null = scale.null if scale.null is not None else 0.0
    extent = max((abs(v - null) for v in core), default=1.0)
    extent = max(extent, min(max((abs(v - null) for v in wide), default=0), 2 * extent))
    limit = _nice_ceil(extent * 1.02 or 1.0)
    return null - limit, null + limit


def _ticks(scale: Scale, lo: float, hi: float) -> list[float]:
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


def _tick_label(scale: Scale, v: float) -> str:
    if scale.kind == "log":
        return f"{10**v:g}"
    if scale.kind == "percent":
        return f"{v:g}%"
    return f"{v:g}".replace("-", "\u2212")


# -- layout -----------------------------------------------------------------------------


@dataclass
class _Line:
    text: str
    bold: bool = False
    italic: bool = False
    size: float = ps.FONT_SIZE


def _cell_lines(row: Row, column: Column) -> list[str]:
    text = str(row.cells.get(column.key, ""))
    if column.wrap_in is None:
        return text.split("\n") if text else []
    return ps.wrap(text, column.wrap_in, bold=row.bold) if text else []


def _column_widths(forest: Forest) -> list[float]:
    widths = []
    for column in forest.columns:
        header = [ps.text_width(line, bold=True) for line in column.header.split("\n")]
        cells = [
            ps.text_width(line, bold=row.bold)
            for row in forest.rows
            if row.kind in TABLE_KINDS
            for line in _cell_lines(row, column)
        ]
        widths.append(max(header + cells + [0.25]))
    # A group header must fit over its columns.
    for group in {c.group for c in forest.columns if c.group}:
        members = [i for i, c in enumerate(forest.columns) if c.group == group]
        need = ps.text_width(group, bold=True) - (
            sum(widths[i] for i in members) + GAP * (len(members) - 1)
        )
        if need > 0:
            for i in members:
                widths[i] += need / len(members)
    return widths


def draw(forest: Forest):
    """The figure for ``forest`` (a matplotlib Figure; save it with :func:`plotstyle.save`)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    with plt.rc_context(ps.RC):
        widths = _column_widths(forest)
        xs, x = [], MARGIN
        for w in widths:
            xs.append(x)
            x += w + GAP
        text_right = x - GAP
        has_notes = any(r.kind in ("note", "heading") for r in forest.rows)
        text_width = max(text_right - MARGIN, 3.0 if has_notes else 0.0)
        graph_left = max(x + 0.05, MARGIN + text_width + GAP)
        graph_right = graph_left + forest.graph_width
        lo, hi = axis_limits(forest.scale, forest.rows)
        ticks = _ticks(forest.scale, lo, hi)
        tick_labels = [_tick_label(forest.scale, t) for t in ticks]

        def gx(v: float) -> float:  # axis coordinate -> inches
            return graph_left + (v - lo) / (hi - lo) * forest.graph_width

        overhang = max(
            [ps.text_width(tick_labels[-1]) / 2 - (graph_right - gx(ticks[-1]))] if ticks else [0]
        )
        dots_left = graph_right + max(overhang, 0) + GAP
        dots_width = DOT_STEP * len(forest.dots.header) if forest.dots else 0.0
        fig_width = (
            dots_left + dots_width + MARGIN + 0.05
            if forest.dots
            else (graph_right + max(overhang, 0) + MARGIN + 0.05)
        )

        # Rows: heights from the wrapped text; trailing notes go beside the axis.
        last_graph = max(
            (i for i, r in enumerate(forest.rows) if r.kind in TABLE_KINDS),
            default=-1,
        )
        body, trailing = forest.rows[: last_graph + 1], forest.rows[last_graph + 1 :]
        note_width = text_right - MARGIN if text_right - MARGIN > 2.0 else text_width

        def layout(row: Row):
            if row.kind == "blank":
                return [], 0.5 * ps.LINE
            if row.kind in ("heading", "note"):
                lines = ps.wrap(row.text, note_width, bold=row.kind == "heading")
                return lines, len(lines) * ps.LINE + ROW_PAD
            n = max([len(_cell_lines(row, c)) for c in forest.columns] + [1])
            return None, n * ps.LINE + ROW_PAD

        title_h = 0.32 if forest.title else 0.0
        has_groups = any(c.group for c in forest.columns)
        header_lines = max(
            [len(c.header.split("\n")) for c in forest.columns]
            + [len(forest.graph_header.split("\n"))]
        )
        header_h = (header_lines + (1 if has_groups else 0)) * ps.LINE + 0.08
        body_layout = [layout(r) for r in body]
        trailing_layout = [layout(r) for r in trailing]
        body_h = sum(h for _, h in body_layout)
        trailing_h = sum(h for _, h in trailing_layout)
        favour_lines = [[], []]
        if forest.scale.favours and forest.scale.null is not None:
            null_x = gx(_to_axis(forest.scale, forest.scale.null))
            avail = (max(null_x - graph_left, 0.7), max(graph_right - null_x, 0.7))
            favour_lines = [
                ps.wrap(t, a - 0.06) for t, a in zip(forest.scale.favours, avail, strict=True)
            ]
        axis_h = 0.27 + max(len(favour_lines[0]), len(favour_lines[1])) * ps.LINE
        bottom_h = max(trailing_h + 0.05, axis_h)
        foot_lines = [
            line
            for note in forest.footnotes
            for line in ps.wrap(note, fig_width - 2 * MARGIN, ps.SMALL)
        ]
        foot_h = len(foot_lines) * ps.LINE * 0.9 + (0.08 if foot_lines else 0)
        height = MARGIN + title_h + header_h + body_h + bottom_h + foot_h + MARGIN

        fig = ps.figure(fig_width, height)

        def put(x_in, y_in, text, **kw):
            kw.setdefault(
                "fontproperties",
                ps.font(
                    kw.pop("size", ps.FONT_SIZE), kw.pop("bold", False), kw.pop("italic", False)
                ),
            )
            return fig.text(x_in / fig_width, y_in / height, text, va="center", **kw)

        y = height - MARGIN
        if forest.title:
            put(MARGIN, y - 0.12, forest.title, size=ps.TITLE_SIZE, bold=True)
            y -= title_h

        # Headers: group headers over their columns, then column headers bottom-aligned.
        header_bottom = y - header_h + 0.06
        if has_groups:
            group_y = header_bottom + header_lines * ps.LINE + ps.LINE / 2
            for group in dict.fromkeys(c.group for c in forest.columns if c.group):
                members = [i for i, c in enumerate(forest.columns) if c.group == group]
                left, right = xs[members[0]], xs[members[-1]] + widths[members[-1]]
                put((left + right) / 2, group_y, group, bold=True, ha="center")
                fig.add_artist(
                    Line2D(
                        [left / fig_width, right / fig_width],
                        [(group_y - ps.LINE / 2) / height] * 2,
                        color="black",
                        lw=0.6,
                    )
                )
        for column, x0, w in zip(forest.columns, xs, widths, strict=True):
            lines = column.header.split("\n")
            for j, line in enumerate(reversed(lines)):
                yy = header_bottom + (j + 0.5) * ps.LINE
                if column.align == "left":
                    put(x0, yy, line, bold=True, ha="left")
                else:
                    put(x0 + w, yy, line, bold=True, ha="right")
        if forest.dots:
            for k, label in enumerate(forest.dots.header):
                put(
                    dots_left + (k + 0.5) * DOT_STEP,
                    header_bottom + 0.5 * ps.LINE,
                    label,
                    bold=True,
                    ha="center",
                    size=ps.SMALL,
                )
        for j, line in enumerate(reversed(forest.graph_header.split("\n"))):
            put(
                (graph_left + graph_right) / 2,
                header_bottom + (j + 0.5) * ps.LINE,
                line,
                bold=True,
                ha="center",
            )
        rule_y = header_bottom - 0.02
        fig.add_artist(
            Line2D(
                [MARGIN / fig_width, graph_right / fig_width],
                [rule_y / height] * 2,
                color="black",
                lw=0.6,
            )
        )
        y = header_bottom - 0.05

        # The graph spans the body rows.
        graph_top, graph_bottom = y, y - body_h
        ax = fig.add_axes(
            (
                graph_left / fig_width,
                graph_bottom / height,
                forest.graph_width / fig_width,
                body_h / height,
            )
        )
        ax.set_xlim(lo, hi)
        ax.set_ylim(graph_bottom, graph_top)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_xticks(ticks, tick_labels)
        ax.tick_params(axis="x", length=3, pad=2)
        ax.patch.set_visible(False)
        if forest.scale.null is not None:
            nx = _to_axis(forest.scale, forest.scale.null)
            if lo <= nx <= hi:
                ax.plot([nx, nx], [graph_bottom, graph_top], color="black", lw=0.8, zorder=1)
        for ref in forest.scale.reference:
            rx = _to_axis(forest.scale, ref)
            if lo <= rx <= hi:
                ax.plot(
                    [rx, rx],
                    [graph_bottom, graph_top],
                    color=ps.COLOURS["reference"],
                    lw=0.8,
                    ls=(0, (4, 3)),
                    zorder=1,
                )

        weights = [r.weight for r in body if r.kind == "study" and r.weight]
        w_max = max(weights, default=0.0)
        square = ps.COLOURS["square_binary" if forest.binary else "square_continuous"]
        max_side = min(11.0, (ps.LINE + ROW_PAD) * 72 * 0.9)

        def whisker(yy, a, b, colour="black", lw=0.9):
            ax_a, ax_b = _to_axis(forest.scale, a), _to_axis(forest.scale, b)
            left, right = max(ax_a, lo), min(ax_b, hi)
            if left < right:
                ax.plot(
                    [left, right], [yy, yy], color=colour, lw=lw, solid_capstyle="butt", zorder=2
                )
            if ax_a < lo:
                ax.plot(
                    [lo], [yy], marker="<", color=colour, markersize=4.5, clip_on=False, zorder=3
                )
            if ax_b > hi:
                ax.plot(
                    [hi], [yy], marker=">", color=colour, markersize=4.5, clip_on=False, zorder=3
                )

        def text_cells(row, top):
            for column, x0, w in zip(forest.columns, xs, widths, strict=True):
                for j, line in enumerate(_cell_lines(row, column)):
                    yy = top - ROW_PAD / 2 - (j + 0.5) * ps.LINE
                    if column.align == "left":
                        put(x0, yy, line, bold=row.bold, ha="left")
                    else:
                        put(x0 + w, yy, line, bold=row.bold, ha="right")

        def margin_lines(row, lines, top):
            """A heading's or note's lines, from the left margin down from ``top``."""
            for j, line in enumerate(lines):
                put(
                    MARGIN,
                    top - ROW_PAD / 2 - (j + 0.5) * ps.LINE,
                    line,
                    bold=row.kind == "heading",
                    italic=row.kind == "note" and row.bold,
                )

        for row, (lines, h) in zip(body, body_layout, strict=True):
            top = y
            mid = top - ROW_PAD / 2 - ps.LINE / 2
            if row.kind in ("heading", "note"):
                margin_lines(row, lines, top)
            elif row.kind in TABLE_KINDS:
                text_cells(row, top)
            if forest.dots and row.dots:
                for k, key in enumerate(row.dots):
                    if key is None:
                        continue
                    colour, symbol = forest.dots.styles[key]
                    dx = (dots_left + (k + 0.5) * DOT_STEP) / fig_width
                    fig.add_artist(
                        Line2D(
                            [dx],
                            [mid / height],
                            marker="o",
                            markersize=8.5,
                            markerfacecolor=colour,
                            markeredgecolor="black",
                            markeredgewidth=0.4,
                            ls="none",
                            transform=fig.transFigure,
                        )
                    )
                    if symbol:
                        put(dx * fig_width, mid, symbol, ha="center", size=ps.SMALL, bold=True)
            if row.kind == "study" and row.hollow and row.lower is not None:
                whisker(mid, row.lower, row.upper, colour=square, lw=0.6)
                est = _to_axis(forest.scale, row.estimate)
                if lo <= est <= hi:
                    ax.plot(
                        [est],
                        [mid],
                        marker="o",
                        markersize=3.6,
                        markerfacecolor="white",
                        markeredgecolor=square,
                        markeredgewidth=0.8,
                        ls="none",
                        zorder=3,
                        clip_on=False,
                    )
            elif row.kind == "study" and row.lower is not None and row.upper is not None:
                whisker(mid, row.lower, row.upper)
                est = _to_axis(forest.scale, row.estimate)
                if lo <= est <= hi:
                    side = max_side * math.sqrt(row.weight / w_max) if row.weight and w_max else 5.0
                    ax.plot(
                        [est],
                        [mid],
                        marker="s",
                        markersize=max(side, 3.0),
                        color=square,
                        markeredgewidth=0,
                        ls="none",
                        zorder=3,
                        clip_on=False,
                    )
            elif row.kind == "pooled" and row.lower is not None:
                a, e, b = (_to_axis(forest.scale, v) for v in (row.lower, row.estimate, row.upper))
                half = 0.36 * ps.LINE
                ax.add_patch(
                    Polygon(
                        [[a, mid], [e, mid + half], [b, mid], [e, mid - half]],
                        closed=True,
                        facecolor="white" if row.hollow else ps.COLOURS["diamond"],
                        edgecolor=ps.COLOURS["diamond"] if row.hollow else "none",
                        lw=0.8,
                        zorder=3,
                    )
                )
            elif row.kind == "prediction" and row.lower is not None:
                a, b = (_to_axis(forest.scale, v) for v in (row.lower, row.upper))
                ax.plot(
                    [a, b],
                    [mid, mid],
                    color=ps.COLOURS["prediction"],
                    lw=1.4 if row.hollow else 2.6,
                    ls=(0, (3, 1.5)) if row.hollow else "-",
                    solid_capstyle="butt",
                    zorder=3,
                )
            y -= h

        # Trailing notes beside the axis; favours labels under the tick labels.
        yy = graph_bottom - 0.04
        for row, (lines, h) in zip(trailing, trailing_layout, strict=True):
            margin_lines(row, lines or [], yy)
            yy -= h
        if forest.scale.favours and forest.scale.null is not None:
            null_x = gx(_to_axis(forest.scale, forest.scale.null))
            fy = graph_bottom - 0.27
            for j, line in enumerate(favour_lines[0]):
                put(null_x - 0.06, fy - (j + 0.5) * ps.LINE, line, ha="right")
            for j, line in enumerate(favour_lines[1]):
                put(null_x + 0.06, fy - (j + 0.5) * ps.LINE, line, ha="left")

        fy = MARGIN + foot_h - 0.08
        for j, line in enumerate(foot_lines):
            put(MARGIN, fy - (j + 0.5) * ps.LINE * 0.9, line, size=ps.SMALL)
    return fig
