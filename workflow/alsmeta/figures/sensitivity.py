"""Sensitivity display: the pre/post-correlation (r) sweep.

The r-sensitivity plot shows a pooled slope estimate against the pre/post correlation used
to derive standard errors; it draws a sweep computed by the analysis (plain numbers in,
figure out). The leave-one-out plot is a forest plot (:mod:`alsmeta.figures.outcome`).
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.figures.text import level_text


@dataclass(frozen=True)
class RSweepPoint:
    r: float
    estimate: float
    ci_lower: float
    ci_upper: float
    i2: float | None = None  # tau^2-based I^2 (%), drawn on a second axis when given


def r_sensitivity_figure(
    points: list[RSweepPoint],
    used_r: float,
    *,
    title: str,
    y_label: str,
    level: float,
    null: float = 0.0,
):
    """Pooled estimate (with its CI band at ``level``, pooling.level) against the assumed
    pre/post correlation r.

    ``points`` are sorted by r here; ``used_r`` (the configured r) is marked.
    """
    import matplotlib.pyplot as plt

    from alsmeta.figures import style

    if len(points) < 2:
        raise ValueError("an r-sensitivity plot needs at least two values of r")
    points = sorted(points, key=lambda p: p.r)
    width, height = 5.2, 3.3
    with plt.rc_context(style.RC):
        fig = style.figure(width, height)
        ax = fig.add_axes(
            (0.85 / width, 0.62 / height, (width - 1.1) / width, (height - 1.1) / height)
        )
        r = [p.r for p in points]
        ax.fill_between(
            r,
            [p.ci_lower for p in points],
            [p.ci_upper for p in points],
            color=style.COLOURS["band"],
            lw=0,
            label=f"{level_text(level)} CI",
        )
        ax.plot(
            r,
            [p.estimate for p in points],
            color=style.COLOURS["square_continuous"],
            lw=1.4,
            label="Pooled estimate",
        )
        ax.axhline(null, color="black", lw=0.8)
        ax.axvline(used_r, color=style.COLOURS["reference"], lw=0.8, ls=(0, (4, 3)))
        ax.set_xlim(min(r), max(r))
        if all(p.i2 is not None for p in points):
            ax2 = ax.twinx()
            ax2.plot(
                r,
                [p.i2 for p in points],
                color="black",
                lw=1.0,
                ls=(0, (1, 2)),
                label="I\u00b2 (right axis)",
            )
            ax2.set_ylim(0, 100)
            ax2.set_ylabel("I\u00b2 (%, \u03c4\u00b2-based)", fontproperties=style.font())
            ax2.spines["top"].set_visible(False)
            ax2.legend(loc="upper right", frameon=False, prop=style.font(style.SMALL))
        ax.set_xlabel(
            "Assumed correlation between pre- and post-treatment slopes (r)",
            fontproperties=style.font(),
        )
        ax.set_ylabel(y_label, fontproperties=style.font())
        ax.spines["top"].set_visible(False)
        if not all(p.i2 is not None for p in points):
            ax.spines["right"].set_visible(False)
        ax.legend(loc="upper left", frameon=False, prop=style.font(style.SMALL))
        style.put_title(fig, width, height, title)
        fig.text(
            1 - 0.1 / width,
            1 - 0.22 / height,
            f"dashed: r used = {used_r:g}",
            fontproperties=style.font(style.SMALL),
            va="center",
            ha="right",
        )
    return fig


def prepost_sweep_figure(rows: list[dict], used_r: float, title: str, level: float):
    """The r-sensitivity figure from prepost_sweep.tsv rows of one outcome, or a figure
    saying why there is none (fewer than two values of r at which the outcome pools)."""
    from alsmeta.figures import style

    pooled = [r for r in rows if r.get("status") == "pooled"]
    depending = max((r.get("k_depending_on_r") or 0 for r in rows), default=0)
    if len(pooled) < 2:
        reasons = sorted({str(r.get("reason") or "") for r in rows} - {""})
        return style.message_figure(
            title,
            "No r-sensitivity plot: the outcome is not pooled at two or more values of r"
            + (f" ({'; '.join(reasons)})" if reasons else "")
            + f". Studies whose SE depends on r: {depending}.",
        )
    points = [
        RSweepPoint(r["r"], r["estimate"], r["ci_lower"], r["ci_upper"], r.get("i2_tau2"))
        for r in pooled
    ]
    return r_sensitivity_figure(
        points,
        used_r,
        title=title,
        y_label="Pooled change in slope (points/month)",
        level=level,
    )
