"""Funnel plot: each study's effect (analysis scale) against its standard error.

Drawn only for k >= 10 studies: with fewer, the plot cannot tell asymmetry from chance
(Sterne et al. 2011, BMJ 343:d4002; Cochrane Handbook 13.3.5.4). The pseudo 95% confidence
region is ``mu +/- 1.96 SE`` around the pooled estimate. An asymmetry test (Egger's
regression) is shown when the caller supplies one; this module computes none.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.figures.text import fmt_p

MIN_K_FUNNEL = 10


@dataclass(frozen=True)
class FunnelPoint:
    """One study's effect (analysis scale) and its standard error."""

    yi: float
    sei: float


@dataclass(frozen=True)
class AsymmetryTest:
    """A small-study-effects test computed elsewhere, e.g. Egger's regression test."""

    name: str
    statistic: float
    df: float | None
    p_value: float


def funnel_figure(
    points: list[FunnelPoint],
    pooled: float,
    *,
    title: str,
    x_label: str,
    test: AsymmetryTest | None = None,
    min_k: int = MIN_K_FUNNEL,
):
    """The funnel plot. Raises ValueError for fewer than ``min_k`` studies (the config's
    sensitivity.small_study_min_k; Sterne et al. 2011 recommend 10)."""
    import matplotlib.pyplot as plt

    from alsmeta.figures import style

    if len(points) < min_k:
        raise ValueError(f"a funnel plot needs k >= {min_k} studies to be read; k = {len(points)}")
    width, height = 5.2, 4.2
    se_max = max(p.sei for p in points) * 1.08
    with plt.rc_context(style.RC):
        fig = style.figure(width, height)
        ax = fig.add_axes(
            (0.8 / width, 0.95 / height, (width - 1.25) / width, (height - 1.45) / height)
        )
        ax.fill(
            [pooled - 1.96 * se_max, pooled, pooled + 1.96 * se_max],
            [se_max, 0, se_max],
            color=style.COLOURS["box_fill"],
            lw=0,
            zorder=0,
        )
        for sign in (-1, 1):
            ax.plot(
                [pooled, pooled + sign * 1.96 * se_max],
                [0, se_max],
                color=style.COLOURS["reference"],
                lw=0.8,
                ls=(0, (4, 3)),
                zorder=1,
            )
        ax.plot([pooled, pooled], [0, se_max], color="black", lw=0.8, zorder=1)
        ax.plot(
            [p.yi for p in points],
            [p.sei for p in points],
            "o",
            color=style.COLOURS["square_continuous"],
            markersize=4.5,
            markeredgewidth=0,
            zorder=2,
        )
        span = max(abs(p.yi - pooled) for p in points)
        half = max(span, 1.96 * se_max) * 1.05
        ax.set_xlim(pooled - half, pooled + half)
        ax.set_ylim(se_max, 0)
        ax.set_xlabel(x_label, fontproperties=style.font())
        ax.set_ylabel("Standard error", fontproperties=style.font())
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)
        style.put_title(fig, width, height, title)
        if test is None:
            line = "Test for funnel-plot asymmetry: no estimate for these studies"
        else:
            df = f", df = {test.df:g}" if test.df is not None else ""
            line = f"{test.name}: statistic = {test.statistic:.2f}{df} ({fmt_p(test.p_value)})"
        fig.text(
            0.1 / width,
            0.22 / height,
            f"k = {len(points)}. Dashed: pseudo 95% limits. {line}",
            fontproperties=style.font(style.SMALL),
            va="center",
        )
    return fig
