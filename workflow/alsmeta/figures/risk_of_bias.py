"""Risk-of-bias figures in the robvis layout (McGuinness & Higgins 2021, Res Synth Methods
12:55-61): a traffic-light plot per tool (a coloured circle with a symbol per study and
domain, and the overall judgement), and a summary bar plot (the share of each judgement
per domain). The summary is unweighted: each study counts once, because a study's weight
differs from one analysis to the next; the figure says so. The colours and symbols are
robvis's, and the same ones mark the risk-of-bias dots beside every forest plot.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.figures import style
from alsmeta.io.risk_of_bias import LEVEL_NAMES, TOOLS, Judgement, readable

#: Judgement -> (colour, symbol), as robvis draws them.
STYLE = {
    "low": ("#02C100", "+"),
    "yes": ("#02C100", "+"),
    "some_concerns": ("#E2DF07", "\u2212"),
    "moderate": ("#E2DF07", "\u2212"),
    "high": ("#BF0000", "\u00d7"),
    "serious": ("#BF0000", "\u00d7"),
    "no": ("#BF0000", "\u00d7"),
    "critical": ("#820000", "!"),
    "no_information": ("#4EA1F7", "?"),
    "unclear": ("#4EA1F7", "?"),
    "not_applicable": ("#CCCCCC", ""),
}
#: The judgements of each tool in the order the legend and the bars show them.
ORDER = {
    "rob2": ("low", "some_concerns", "high", "no_information"),
    "robins_i": ("low", "moderate", "serious", "critical", "no_information"),
    "jbi_case_series": ("yes", "no", "unclear", "not_applicable"),
}
OVERALL_ORDER = {"jbi_case_series": ("low", "moderate", "high", "no_information")}
ROW_H = 0.26  # inches per study row
COL_W = 0.34  # inches per domain column


def _dot(ax, x, y, judgement, radius):
    from matplotlib.patches import Circle

    colour, symbol = STYLE[judgement]
    ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="black", lw=0.4))
    if symbol:
        ax.text(
            x,
            y,
            symbol,
            ha="center",
            va="center",
            fontproperties=style.font(style.FONT_SIZE, bold=True),
            color="black",
        )


def traffic_light(judgements: list[Judgement], labels: dict, tool: str, title: str):
    """One row per study (and scope where its judgements differ), one column per domain
    and the overall judgement. ``labels``: (study_id, scope) -> row label."""
    import matplotlib.pyplot as plt

    t = TOOLS[tool]
    rows = [j for j in judgements if j.tool == tool]
    if not rows:
        return style.message_figure(title, f"No study in the analyses is appraised with {t.name}.")
    columns = [*t.domains, "Overall"]
    label_w = max(style.text_width(labels[(j.study_id, j.scope)]) for j in rows) + 0.2
    width = 0.15 + label_w + COL_W * len(columns) + 0.2
    notes = [f"{d}: {name}" for d, name in t.domains.items()]
    legend = ", ".join(
        f"{STYLE[j][1] or 'blank'} {readable(j)}"
        for j in dict.fromkeys(ORDER[tool] + OVERALL_ORDER.get(tool, ()))
    )
    foot = [
        line
        for note in ["; ".join(notes) + ".", f"Judgement: {legend}.", f"Tool: {t.citation}."]
        for line in style.wrap(note, width - 0.3, style.SMALL)
    ]
    body = ROW_H * (len(rows) + 1)
    height = 0.45 + body + 0.15 + len(foot) * style.LINE * 0.9 + 0.1
    with plt.rc_context(style.RC):
        fig = style.figure(width, height)
        style.put_title(fig, width, height, title)
        left = (0.15 + label_w) / width
        bottom = (0.15 + len(foot) * style.LINE * 0.9) / height
        ax = fig.add_axes((left, bottom, COL_W * len(columns) / width, body / height))
        ax.set_xlim(0, len(columns))
        ax.set_ylim(len(rows) + 1, 0)
        ax.axis("off")
        radius = 0.36 * min(COL_W, ROW_H) / COL_W
        for c, name in enumerate(columns):
            ax.text(
                c + 0.5,
                0.5,
                "All" if name == "Overall" else name,
                ha="center",
                va="center",
                fontproperties=style.font(style.FONT_SIZE, bold=True),
            )
        for r, j in enumerate(rows, start=1):
            y = r + 0.5
            fig.text(
                0.15 / width,
                bottom + (len(rows) + 1 - y) * ROW_H / height,
                labels[(j.study_id, j.scope)],
                ha="left",
                va="center",
                fontproperties=style.font(),
            )
            for c, (_, value) in enumerate(j.domains):
                _dot(ax, c + 0.5, y, value, radius)
            _dot(ax, len(columns) - 0.5, y, j.overall, radius)
        _footnote(fig, foot, width, height, 0.1)
    return fig


def summary_plot(judgements: list[Judgement], title: str):
    """Per tool, the share of studies with each judgement per domain and overall
    (horizontal stacked bars, unweighted: each study counts once)."""
    import matplotlib.pyplot as plt

    tools = [t for t in TOOLS if any(j.tool == t for j in judgements)]
    if not tools:
        return style.message_figure(title, "No study in the analyses has a risk-of-bias appraisal.")
    bars = [(t, d) for t in tools for d in [*TOOLS[t].domains, "Overall"]]
    label_w = max(
        style.text_width(f"{TOOLS[t].name} {d} {TOOLS[t].domains.get(d, 'overall')}")
        for t, d in bars
    )
    seen = list(dict.fromkeys(v for t in tools for v in (*ORDER[t], *OVERALL_ORDER.get(t, ()))))
    frame = _Frame.of(
        label_w,
        len(bars),
        "Share of the appraised studies with each judgement (unweighted: each study counts "
        "once, as its weight differs between analyses), for the judgements of scope 'all'.",
        -(-len(seen) // 5),
    )
    width, height, below, foot = frame.width, frame.height, frame.below, frame.foot
    with plt.rc_context(style.RC):
        fig, ax = frame.draw(title)
        bottom = below / height
        for i, (tool, domain) in enumerate(bars):
            rows = [j for j in judgements if j.tool == tool]
            values = [j.overall if domain == "Overall" else dict(j.domains)[domain] for j in rows]
            order = (OVERALL_ORDER.get(tool) if domain == "Overall" else None) or ORDER[tool]
            shares = [
                (STYLE[value][0], 100.0 * values.count(value) / len(values))
                for value in dict.fromkeys((*order, *sorted(values)))
            ]
            _stacked_bar(ax, i, shares)
            name = TOOLS[tool].domains.get(domain, "overall")
            fig.text(
                0.15 / width,
                bottom + (len(bars) - i - 0.5) * ROW_H / height,
                f"{TOOLS[tool].name} {domain}: {name}"
                if domain != "Overall"
                else f"{TOOLS[tool].name}: overall ({_studies(len(rows))})",
                ha="left",
                va="center",
                fontproperties=style.font(bold=domain == "Overall"),
            )
        _legend(fig, [(STYLE[v][0], readable(v)) for v in seen], width, height, below)
        _footnote(fig, foot, width, height, 0.05)
    return fig


@dataclass(frozen=True)
class _Frame:
    """The layout of a summary bar plot: labels left, 0-100% bars right, then the legend
    and the footnote below (inches)."""

    label_w: float
    n_bars: int
    width: float
    height: float
    below: float
    foot: list

    @classmethod
    def of(cls, label_w: float, n_bars: int, footnote: str, legend_rows: int) -> _Frame:
        width = 0.2 + label_w + 3.6
        foot = style.wrap(footnote, width - 0.3, style.SMALL)
        below = 0.4 + legend_rows * style.LINE + 0.05 + len(foot) * style.LINE * 0.9 + 0.05
        return cls(label_w, n_bars, width, 0.45 + ROW_H * n_bars + below, below, foot)

    def draw(self, title: str):
        """The figure with its title and the bars' axes (inside ``style.RC``)."""
        fig = style.figure(self.width, self.height)
        style.put_title(fig, self.width, self.height, title)
        ax = fig.add_axes(
            (
                (0.15 + self.label_w) / self.width,
                self.below / self.height,
                3.2 / self.width,
                ROW_H * self.n_bars / self.height,
            )
        )
        _percent_axis(ax, self.n_bars)
        return fig, ax


def _percent_axis(ax, n_bars: int) -> None:
    ax.set_xlim(0, 100)
    ax.set_ylim(n_bars, 0)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])


def _stacked_bar(ax, i: int, shares) -> None:
    """Bar ``i`` (from the top) of (colour, percent) parts, left to right."""
    start = 0.0
    for colour, share in shares:
        if share:
            ax.barh(i + 0.5, share, left=start, height=0.7, color=colour, edgecolor="black", lw=0.4)
            start += share


def _legend(fig, entries, width: float, height: float, below: float) -> None:
    from matplotlib.patches import Patch

    fig.legend(
        [Patch(facecolor=colour, edgecolor="black", lw=0.4) for colour, _ in entries],
        [label for _, label in entries],
        loc="upper left",
        bbox_to_anchor=(0.1 / width, (below - 0.38) / height),
        ncol=5,
        frameon=False,
        prop=style.font(style.SMALL),
        handlelength=1.0,
        columnspacing=1.2,
    )


#: The common levels of the GRADE domain (alsmeta.io.risk_of_bias.LEVEL_NAMES), coloured as
#: the judgements they stand for.
LEVEL_COLOURS = {
    0: STYLE["low"][0],
    1: STYLE["some_concerns"][0],
    2: STYLE["high"][0],
    3: STYLE["critical"][0],
}


def weighted_summary_plot(items: list, title: str):
    """Per analysis, the share of its weight from studies at each overall risk of bias, on
    the common scale the GRADE domain uses (robvis's weighted summary, one bar per
    outcome, as the weights differ between analyses). ``items``: (label, k, {level: %})."""
    import matplotlib.pyplot as plt

    if not items:
        return style.message_figure(title, "No analysis has a study.")
    labels = [f"{label} ({_studies(k)})" for label, k, _ in items]
    label_w = max(style.text_width(t) for t in labels)
    frame = _Frame.of(
        label_w,
        len(items),
        "Share of each analysis' weight (inverse-variance weight; participants for a GLMM "
        "analysis) from studies at each overall risk of bias for the outcome's scope: low; "
        "some concerns (RoB 2) or moderate (ROBINS-I, JBI); high (RoB 2, JBI) or serious "
        "(ROBINS-I); critical. 'No information', unassessed studies and secondary sources "
        "count as the GRADE rule counts them (config risk_of_bias).",
        1,
    )
    width, height, below, foot = frame.width, frame.height, frame.below, frame.foot
    with plt.rc_context(style.RC):
        fig, ax = frame.draw(title)
        bottom = below / height
        for i, ((_, _, shares), label) in enumerate(zip(items, labels, strict=True)):
            _stacked_bar(ax, i, [(LEVEL_COLOURS[lv], shares[lv]) for lv in sorted(shares)])
            fig.text(
                0.15 / width,
                bottom + (len(items) - i - 0.5) * ROW_H / height,
                label,
                ha="left",
                va="center",
                fontproperties=style.font(),
            )
        _legend(
            fig,
            [(LEVEL_COLOURS[lv], name) for lv, name in LEVEL_NAMES.items()],
            width,
            height,
            below,
        )
        _footnote(fig, foot, width, height, 0.05)
    return fig


def _studies(n: int) -> str:
    return f"{n} study" if n == 1 else f"{n} studies"


def _footnote(fig, lines: list[str], width: float, height: float, bottom: float) -> None:
    """Footnote lines at the left margin, the last one ``bottom`` inches above the edge."""
    for k, line in enumerate(lines):
        fig.text(
            0.15 / width,
            (bottom + (len(lines) - k - 0.5) * style.LINE * 0.9) / height,
            line,
            ha="left",
            va="center",
            fontproperties=style.font(style.SMALL),
        )
