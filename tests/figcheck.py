"""Layout checks a reader makes by eye: no text on text, nothing cut off, no text on a graph."""

from __future__ import annotations


def layout_problems(fig) -> list[str]:
    """Overlapping texts, texts outside the figure, texts over an axes' plotting area."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    hidden = set()  # tick labels of ticks outside the view limits: kept, but not drawn
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            for tick in axis.get_major_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    hidden.update({id(tick.label1), id(tick.label2)})
    texts = [
        t
        for t in fig.findobj(Text)
        if t.get_visible()
        and t.get_text().strip()
        and id(t) not in hidden
        and t.get_figure(root=True) is fig
    ]
    boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.98, 0.9)) for t in texts]
    axes = [ax.bbox for ax in fig.axes]
    problems = []
    for text, box in boxes:
        if (
            box.x0 < page.x0 - 0.5
            or box.x1 > page.x1 + 0.5
            or box.y0 < page.y0 - 0.5
            or box.y1 > page.y1 + 0.5
        ):
            problems.append(f"outside the figure: {text!r}")
    own = {id(t) for ax in fig.axes for t in ax.findobj(Text)}
    for t, (text, box) in zip(texts, boxes, strict=True):
        if id(t) in own:
            continue
        for ax_box in axes:
            if box.overlaps(ax_box):
                problems.append(f"over the graph: {text!r}")
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i][1].overlaps(boxes[j][1]):
                problems.append(f"overlap: {boxes[i][0]!r} and {boxes[j][0]!r}")
    return problems
