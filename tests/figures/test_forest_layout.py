"""The forest plot's layout step, checked without matplotlib: positions, sizes and marks are
plain values computed from a text measure; here a simple one (a fixed width per character),
so each expectation can be worked out by hand."""

import math
import subprocess
import sys

import pytest

from alsmeta.figures import forest, forest_layout


def measure(text, size=8.0, bold=False, italic=False):
    """0.06 in per character at 8 pt, 10% wider in bold."""
    return len(text) * 0.06 * size / 8.0 * (1.1 if bold else 1.0)


def _study(i, estimate, lower, upper, weight=None, label=None):
    return forest.Row("study", {"study": label or f"Study {i}"}, estimate, lower, upper, weight)


def _plot(rows, scale=None, **kw):
    return forest.Forest(
        columns=(
            forest.Column("study", "Study", align="left", wrap_in=1.2),
            forest.Column("weight", "Weight"),
        ),
        rows=tuple(rows),
        scale=scale or forest.Scale("linear", 0.0, ("Favours control", "Favours MSC")),
        graph_header="Mean difference\nIV, Random, 90% CI",
        **kw,
    )


def test_the_layout_step_runs_without_matplotlib():
    code = (
        "import sys\n"
        "from alsmeta.figures import forest, forest_layout\n"
        "rows = (forest.Row('study', {'s': 'A'}, 0.5, 0.1, 0.9, 50.0),)\n"
        "plot = forest.Forest((forest.Column('s', 'S'),), rows, forest.Scale(), 'MD')\n"
        "forest_layout.layout(plot, lambda text, *a: 0.06 * len(text))\n"
        "assert 'matplotlib' not in sys.modules, 'the layout imported matplotlib'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_columns_do_not_overlap_and_the_graph_follows_them():
    rows = [_study(1, 0.2, -0.1, 0.5, 40.0), _study(2, 0.4, 0.0, 0.8, 60.0)]
    plot = _plot(rows)
    widths = forest_layout.column_widths(plot, measure)
    # The widest text of each column: "Study 1" (7 chars) and the bold header "Weight" (6).
    assert widths == [pytest.approx(max(7 * 0.06, 5 * 0.066, 0.25)), pytest.approx(6 * 0.066)]
    layout = forest_layout.layout(plot, measure)
    headers = {t.text: t for t in layout.texts if t.bold}
    assert headers["Study"].x == forest_layout.MARGIN and headers["Study"].ha == "left"
    # Right-aligned column: its right edge is its left plus its width.
    assert headers["Weight"].x == pytest.approx(
        forest_layout.MARGIN + widths[0] + forest_layout.GAP + widths[1]
    )
    assert layout.graph.left >= headers["Weight"].x + forest_layout.GAP


def test_long_labels_wrap_and_the_figure_grows_with_the_rows():
    long = "A multicentre trial of autologous cells"
    few = forest_layout.layout(_plot([_study(1, 0.2, -0.1, 0.5, 100.0)]), measure)
    many = forest_layout.layout(
        _plot([_study(i, 0.2, -0.1, 0.5, 10.0) for i in range(10)]), measure
    )
    assert many.height > few.height + 9 * forest_layout.LINE
    wrapped = forest_layout.layout(_plot([_study(1, 0.2, -0.1, 0.5, 100.0, label=long)]), measure)
    shown = [t.text for t in wrapped.texts]
    assert long not in shown
    assert all(measure(t.text) <= 1.2 for t in wrapped.texts if t.text in long)
    assert wrapped.height == pytest.approx(few.height + forest_layout.LINE)


def test_squares_have_area_proportional_to_weight():
    layout = forest_layout.layout(
        _plot([_study(1, 0.2, -0.1, 0.5, 16.0), _study(2, 0.3, 0.0, 0.6, 64.0)]), measure
    )
    sides = [m.side for m in layout.graph.marks if isinstance(m, forest_layout.Square)]
    assert sides[1] / sides[0] == pytest.approx(math.sqrt(64 / 16))


def test_intervals_leaving_a_fixed_axis_are_clipped_with_an_arrow():
    scale = forest.Scale("linear", 0.0, None, limits=(-1.0, 1.0))
    layout = forest_layout.layout(_plot([_study(1, 0.5, -3.0, 4.0, 50.0)], scale), measure)
    whisker = next(m for m in layout.graph.marks if isinstance(m, forest_layout.Whisker))
    arrows = [(m.x, m.direction) for m in layout.graph.marks if isinstance(m, forest_layout.Arrow)]
    assert (whisker.left, whisker.right) == (-1.0, 1.0)
    assert arrows == [(-1.0, "<"), (1.0, ">")]


def test_log_axis_limits_are_symmetric_about_one_and_ticks_are_ratios():
    scale = forest.Scale("log", 1.0, ("Fewer with MSC", "More with MSC"))
    layout = forest_layout.layout(_plot([_study(1, 2.0, 0.8, 5.0, 100.0)], scale), measure)
    lo, hi = layout.graph.xlim
    assert lo == pytest.approx(-hi)
    # The study CI (to 5) is followed to twice the estimate's extent (2 x 2 = 4), then clipped.
    assert layout.graph.tick_labels == ("0.25", "0.5", "1", "2", "4")
    assert [m.direction for m in layout.graph.marks if isinstance(m, forest_layout.Arrow)] == [">"]
    assert forest_layout.NullLine(0.0) in layout.graph.marks


def test_favours_labels_sit_either_side_of_the_null_line():
    layout = forest_layout.layout(_plot([_study(1, 0.2, -0.4, 0.8, 100.0)]), measure)
    graph = layout.graph
    null_x = graph.left + (0.0 - graph.xlim[0]) / (graph.xlim[1] - graph.xlim[0]) * graph.width
    left = next(t for t in layout.texts if t.text == "Favours control")
    right = next(t for t in layout.texts if t.text == "Favours MSC")
    assert (left.ha, right.ha) == ("right", "left")
    assert left.x < null_x < right.x
    assert left.y < graph.bottom and right.y < graph.bottom


def test_a_clipped_diamond_and_prediction_bar_end_in_arrows():
    """A pooled CI from two studies under t(1) can leave any axis: the diamond and the bar
    are cut at the axis and say so with an arrowhead, as a study's whisker does."""
    scale = forest.Scale("log", 1.0, None, limits=(0.01, 100.0))
    rows = [
        _study(1, 2.0, 0.5, 8.0, 50.0),
        forest.Row("pooled", {"study": "Total"}, 3.37, 0.001, 984733.0, bold=True),
        forest.Row("prediction", {"study": "PI"}, None, 1e-6, 3.7e9),
    ]
    marks = forest_layout.layout(_plot(rows, scale), measure).graph.marks
    arrows = [(m.of, m.direction, m.x) for m in marks if isinstance(m, forest_layout.Arrow)]
    assert arrows == [
        ("diamond", "<", -2.0),
        ("diamond", ">", 2.0),
        ("prediction", "<", -2.0),
        ("prediction", ">", 2.0),
    ]
    within = forest.Row("pooled", {"study": "Total"}, 2.0, 0.5, 8.0, bold=True)
    inside = forest_layout.layout(_plot([rows[0], within], scale), measure).graph.marks
    assert not [m for m in inside if isinstance(m, forest_layout.Arrow)]
