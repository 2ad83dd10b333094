"""Drawing a forest plot's :class:`~alsmeta.figures.forest_layout.Layout` with matplotlib.

Each step draws one kind of thing where the layout put it: the texts, the rules, the
risk-of-bias dots, the graph's axis, and its marks. Nothing is measured or placed here.
Things are drawn in the order the layout lists them, which fixes the order of the SVG's
elements and so its bytes.
"""

from __future__ import annotations

from alsmeta.figures import forest_layout, style

WHISKER = {False: ("black", 0.9), True: (None, 0.6)}  # (colour, width); None: the square's
#: Colour of the arrowhead that ends each kind of clipped interval (None: the square's).
ARROW = {
    "whisker": "black",
    "shrinkage": None,
    "diamond": style.COLOURS["diamond"],
    "prediction": style.COLOURS["prediction"],
}


def paint(layout: forest_layout.Layout):
    """The matplotlib Figure of ``layout``."""
    import matplotlib.pyplot as plt

    with plt.rc_context(style.RC):
        fig = style.figure(layout.width, layout.height)
        _texts(fig, layout)
        _rules(fig, layout)
        ax = _axes(fig, layout)
        square = style.COLOURS["square_binary" if layout.binary else "square_continuous"]
        for mark in layout.graph.marks:
            _MARKS[type(mark)](ax, mark, square, layout.graph)
        _dots(fig, layout)
    return fig


def _texts(fig, layout: forest_layout.Layout) -> None:
    for t in layout.texts:
        fig.text(
            t.x / layout.width,
            t.y / layout.height,
            t.text,
            va="center",
            ha=t.ha,
            fontproperties=style.font(t.size, t.bold, t.italic),
        )


def _rules(fig, layout: forest_layout.Layout) -> None:
    from matplotlib.lines import Line2D

    for rule in layout.rules:
        fig.add_artist(
            Line2D(
                [rule.left / layout.width, rule.right / layout.width],
                [rule.y / layout.height] * 2,
                color="black",
                lw=0.6,
            )
        )


def _dots(fig, layout: forest_layout.Layout) -> None:
    """The risk-of-bias dots (their symbols are texts of the layout)."""
    from matplotlib.lines import Line2D

    for dot in layout.dots:
        colour = layout.dot_styles[dot.key][0]
        fig.add_artist(
            Line2D(
                [dot.x / layout.width],
                [dot.y / layout.height],
                marker="o",
                markersize=8.5,
                markerfacecolor=colour,
                markeredgecolor="black",
                markeredgewidth=0.4,
                ls="none",
                transform=fig.transFigure,
            )
        )


def _axes(fig, layout: forest_layout.Layout):
    """The graph's axes: x axis with its ticks only, no frame, no background."""
    graph = layout.graph
    ax = fig.add_axes(
        (
            graph.left / layout.width,
            graph.bottom / layout.height,
            graph.width / layout.width,
            graph.height / layout.height,
        )
    )
    ax.set_xlim(*graph.xlim)
    ax.set_ylim(graph.bottom, graph.top)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xticks(graph.ticks, graph.tick_labels)
    ax.tick_params(axis="x", length=3, pad=2)
    ax.patch.set_visible(False)
    return ax


def _null_line(ax, mark: forest_layout.NullLine, square, graph: forest_layout.Graph) -> None:
    style_kw = (
        {"color": style.COLOURS["reference"], "lw": 0.8, "ls": (0, (4, 3))}
        if mark.reference
        else {"color": "black", "lw": 0.8}
    )
    ax.plot([mark.x, mark.x], [graph.bottom, graph.top], **style_kw, zorder=1)


def _whisker(ax, mark: forest_layout.Whisker, square, graph) -> None:
    colour, lw = WHISKER[mark.hollow]
    ax.plot(
        [mark.left, mark.right],
        [mark.y, mark.y],
        color=colour or square,
        lw=lw,
        solid_capstyle="butt",
        zorder=2,
    )


def _arrow(ax, mark: forest_layout.Arrow, square, graph) -> None:
    colour = ARROW[mark.of] or square
    ax.plot(
        [mark.x],
        [mark.y],
        marker=mark.direction,
        color=colour,
        markersize=forest_layout.ARROW_SIZE,
        clip_on=False,
        zorder=3,
    )


def _square(ax, mark: forest_layout.Square, square, graph) -> None:
    if mark.hollow:
        marker = {
            "marker": "o",
            "markersize": 3.6,
            "markerfacecolor": "white",
            "markeredgecolor": square,
            "markeredgewidth": 0.8,
        }
    else:
        marker = {"marker": "s", "markersize": mark.side, "color": square, "markeredgewidth": 0}
    ax.plot([mark.x], [mark.y], **marker, ls="none", zorder=3, clip_on=False)


def _diamond(ax, mark: forest_layout.Diamond, square, graph) -> None:
    from matplotlib.patches import Polygon

    y, half = mark.y, mark.half_height
    ax.add_patch(
        Polygon(
            [[mark.left, y], [mark.centre, y + half], [mark.right, y], [mark.centre, y - half]],
            closed=True,
            facecolor="white" if mark.hollow else style.COLOURS["diamond"],
            edgecolor=style.COLOURS["diamond"] if mark.hollow else "none",
            lw=0.8,
            zorder=3,
        )
    )


def _bar(ax, mark: forest_layout.Bar, square, graph) -> None:
    ax.plot(
        [mark.left, mark.right],
        [mark.y, mark.y],
        color=style.COLOURS["prediction"],
        lw=1.4 if mark.hollow else 2.6,
        ls=(0, (3, 1.5)) if mark.hollow else "-",
        solid_capstyle="butt",
        zorder=3,
    )


_MARKS = {
    forest_layout.NullLine: _null_line,
    forest_layout.Whisker: _whisker,
    forest_layout.Arrow: _arrow,
    forest_layout.Square: _square,
    forest_layout.Diamond: _diamond,
    forest_layout.Bar: _bar,
}
