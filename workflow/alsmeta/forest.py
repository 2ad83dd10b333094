"""Forest plots: one row per study with its raw numbers, weight and CI, the pooled
diamond, the prediction interval and the heterogeneity line.

Output is byte-identical for identical input: the SVG hash salt is fixed and the
creation date and software stamps are left out of SVG, PDF and PNG metadata.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

RC = {
    "svg.hashsalt": "alsmeta-forest",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "pdf.fonttype": 42,
}
METADATA = {
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    "png": {"Software": None},
}


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _study_columns(row: dict, kind: str) -> tuple[str, str]:
    """Raw numbers as the reader checks them, and the effect with its CI as text."""
    if kind == "proportion":
        raw = f"{row['events']}/{row['n']}"
        est, lo, hi = (100 * row[c] for c in ("estimate", "ci_lower", "ci_upper"))
        text = f"{est:.1f}% [{lo:.1f}, {hi:.1f}]"
    elif kind == "binary_comparison":
        raw = f"{row['events']}/{row['n']} (MSC), n = {row['comparator_n']} (control)"
        text = f"{row['estimate']:.2f} [{row['ci_lower']:.2f}, {row['ci_upper']:.2f}]"
    else:
        n = row.get("n")
        n_text = f"n = {n}" if n is not None else "n not reported"
        if kind == "slope_change_difference" and row.get("comparator_n") is not None:
            n_text = f"n = {n} vs {row['comparator_n']}"
        raw = f"{row['estimate']:.2f} (SE {row['sei']:.2f}), {n_text}"
        text = f"{row['estimate']:.2f} [{row['ci_lower']:.2f}, {row['ci_upper']:.2f}]"
    return raw, text


def heterogeneity_line(pooled: dict) -> str:
    """RevMan-style heterogeneity statement, naming which I^2 is shown."""
    tau2 = f"Heterogeneity: \u03c4\u00b2 = {pooled['tau2']:.3g} ({pooled['estimator_used']})"
    if pooled.get("q") is None:  # the GLMM has no Cochran's Q
        return f"{tau2}; I\u00b2 = {pooled['i2_tau2_pct']:.0f}% (\u03c4\u00b2-based)"
    return (
        f"{tau2}; Q = {pooled['q']:.2f}, df = {pooled['q_df']} ({_fmt_p(pooled['q_p'])}); "
        f"I\u00b2 = {pooled['i2_tau2_pct']:.0f}% (\u03c4\u00b2-based), "
        f"{pooled['i2_q_pct']:.0f}% (Q-based)"
    )


def overall_test_line(pooled: dict, kind: str) -> str:
    if kind == "proportion":
        return (
            f"{pooled['method']} on the {pooled['analysis_scale']} scale; "
            f"CI: {pooled['ci_method']}; "
            f"prediction interval: {pooled['pi_method'].split(',')[0]}"
        )
    stat = "t" if pooled.get("df") not in (None, "") else "z"
    df = f", df = {pooled['df']:.0f}" if stat == "t" else ""
    p = _fmt_p(pooled["p_value"])
    return f"Test for overall effect: {stat} = {pooled['statistic']:.2f}{df} ({p})"


def forest_plot(rows: list[dict], pooled: dict, weights: dict, kind: str, title: str, x_label: str):
    """Build the figure; ``rows`` are the analysed effect rows in display order."""
    scale = 100.0 if kind == "proportion" else 1.0
    k = len(rows)
    pooled_ok = pooled.get("status") == "pooled"
    n_lines = k + (2 if pooled_ok else 1)
    row_in, title_in, axis_in = 0.27, 0.4, 0.5
    footer = (
        [heterogeneity_line(pooled), overall_test_line(pooled, kind)]
        if pooled_ok
        else [f"Not pooled: {pooled.get('reason', '')}"]
    )
    footer_in = 0.2 * len(footer) + 0.1
    height = title_in + row_in * (n_lines + 1.2) + axis_in + footer_in
    with plt.rc_context(RC):
        fig = plt.figure(figsize=(10.5, height))
        grid = fig.add_gridspec(
            1,
            3,
            width_ratios=[3.3, 3.2, 2.6],
            wspace=0.02,
            left=0.01,
            right=0.99,
            top=1 - title_in / height,
            bottom=(axis_in + footer_in) / height,
        )
        ax_left, ax, ax_right = (fig.add_subplot(grid[0, i]) for i in range(3))
        top = n_lines + 0.5
        for a in (ax_left, ax_right):
            a.set_xlim(0, 1)
            a.axis("off")
        for a in (ax_left, ax, ax_right):
            a.set_ylim(-0.1, top + 0.6)
        for i, line in enumerate(footer):
            fig.text(
                0.01,
                (footer_in - 0.2 * (i + 1)) / height,
                line,
                fontsize=7.5,
                style="normal" if pooled_ok else "italic",
            )
        header_y = top
        ax_left.text(0, header_y, "Study", weight="bold", va="center")
        ax_left.text(
            0.58,
            header_y,
            "Raw data" if kind == "proportion" else "Estimate (SE), n",
            weight="bold",
            va="center",
        )
        ax_right.text(0.02, header_y, "Weight", weight="bold", va="center")
        ax_right.text(
            0.3,
            header_y,
            "Proportion [95% CI]" if kind == "proportion" else "Effect [95% CI]",
            weight="bold",
            va="center",
        )
        lows, highs = [], []
        for i, row in enumerate(rows):
            y = top - 1 - i
            raw, text = _study_columns(row, kind)
            label = "\n".join(textwrap.wrap(str(row["label"]), 34)) or str(row["label"])
            ax_left.text(0, y, label, va="center")
            ax_left.text(0.58, y, raw, va="center")
            w = weights.get(row["effect_id"])
            ax_right.text(0.02, y, f"{w:.1f}%" if w is not None else "", va="center")
            ax_right.text(0.3, y, text, va="center")
            est, lo, hi = (row[c] * scale for c in ("estimate", "ci_lower", "ci_upper"))
            lows.append(lo)
            highs.append(hi)
            ax.plot([lo, hi], [y, y], color="black", lw=1)
            size = 4 + 10 * math.sqrt((w or 10) / 100)
            ax.plot([est], [y], marker="s", color="#1f4e79", markersize=size, ls="none")
        y = top - 1 - k
        if pooled_ok:
            est, lo, hi = (pooled[c] * scale for c in ("estimate", "ci_lower", "ci_upper"))
            pil, piu = pooled["pi_lower"] * scale, pooled["pi_upper"] * scale
            lows += [lo, pil]
            highs += [hi, piu]
            ax.add_patch(
                Polygon(
                    [[lo, y], [est, y + 0.32], [hi, y], [est, y - 0.32]],
                    closed=True,
                    color="#b22222",
                )
            )
            ax_left.text(
                0,
                y,
                f"Random effects (k = {pooled['k']}, N = {pooled['n_total']})",
                weight="bold",
                va="center",
            )
            ax_right.text(0.02, y, "100%", weight="bold", va="center")
            if kind == "proportion":
                ptext = f"{est:.1f}% [{lo:.1f}, {hi:.1f}]"
                pitext = f"{pil:.1f}% to {piu:.1f}%"
            else:
                ptext = f"{est:.2f} [{lo:.2f}, {hi:.2f}]"
                pitext = f"{pil:.2f} to {piu:.2f}"
            ax_right.text(0.3, y, ptext, weight="bold", va="center")
            y -= 1
            ax.plot([pil, piu], [y, y], color="#b22222", lw=2.5, solid_capstyle="butt")
            ax_left.text(0, y, "95% prediction interval", va="center")
            ax_right.text(0.3, y, pitext, va="center")
        else:
            ax_left.text(0, y, "Not pooled (see below)", va="center", style="italic")
        if kind == "proportion":
            right = max(10.0, min(100.0, max(highs, default=10) * 1.08))
            left = -0.015 * right
        else:
            span = [0.0, *lows, *highs]
            pad = 0.08 * (max(span) - min(span) or 1.0)
            left, right = min(span) - pad, max(span) + pad
            ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlim(left, right)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_bounds(left, right)
        ax.set_xlabel(x_label)
        if kind == "proportion":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0f}%"))
        fig.text(0.01, 1 - 0.28 / height, title, ha="left", weight="bold", fontsize=10)
    return fig


def save(fig, paths: dict, dpi: int = 300) -> None:
    """Write the figure to ``{format: path}`` with reproducible metadata (PNG at ``dpi``)."""
    with plt.rc_context(RC):
        for fmt, path in paths.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, format=fmt, dpi=dpi, metadata=METADATA[fmt])
    plt.close(fig)
