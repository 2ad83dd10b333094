"""The PRISMA 2020 flow diagram, drawn from the counts of :func:`alsmeta.analysis.prisma.flow`
(main flow left, exclusions right; Page et al. 2021, BMJ 372:n71, Figure 1)."""

from __future__ import annotations

from alsmeta.analysis.prisma import Flow, n_is, synthesis_text


def figure(f: Flow):
    """The PRISMA 2020 flow diagram for ``f`` (main flow left, exclusions right)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from alsmeta.figures import style

    band_x, band_w = 0.1, 0.32
    left_x, left_w = 0.55, 3.35
    right_x, right_w = 4.25, 3.5
    width = right_x + right_w + 0.1
    pad, gap = 0.09, 0.28
    small = style.FONT_SIZE

    def lines(text: str, box_w: float) -> list[tuple[str, bool]]:
        out = []
        for para in text.split("\n"):
            bold = para.startswith("**")
            para = para.strip("*")
            indent = "    " if para.startswith("\u2022") else ""
            wrapped = style.wrap(para, box_w - 2 * pad - (0.12 if indent else 0), small, bold)
            out += [(w if i == 0 else indent + w, bold) for i, w in enumerate(wrapped)]
        return out

    def box_h(text: str, box_w: float) -> float:
        return len(lines(text, box_w)) * style.LINE + 2 * pad

    n_none = f.in_no_synthesis
    none_lines = [f"**Studies in no synthesis ({n_is(n_none)})"]
    none_lines.append(
        f"\u2022 no usable data for any analysed outcome ({n_is(len(f.none_no_data))})"
    )
    none_lines += [f"\u2022 {c} ({n_is(len(v))})" for c, v in f.none_criteria.items()]
    stages = [
        (
            "Identification",
            [
                (
                    f"**Studies in the extraction dossier ({n_is(f.studies)})\n"
                    f"Reports of these studies ({n_is(f.reports)})",
                    "Records from database and register searches: not recorded in this "
                    "repository (the studies were compiled in the extraction dossier)",
                )
            ],
        ),
        (
            "Screening",
            [
                (
                    f"**Studies assessed for eligibility ({n_is(f.studies)})\n"
                    "against the criteria of each synthesis (config/config.yaml)",
                    "\n".join(none_lines),
                )
            ],
        ),
        (
            "Included",
            [
                (
                    f"**Studies included in at least one synthesis ({n_is(len(f.included_any))})\n"
                    f"Reports of included studies ({n_is(f.reports_included)})",
                    None,
                )
            ],
        ),
        (
            "Syntheses",
            [
                (
                    synthesis_text(s),
                    f"**Not in this synthesis ({n_is(s.not_in)})\n"
                    + "\n".join(f"\u2022 {c} ({n_is(len(v))})" for c, v in s.not_included.items()),
                )
                for s in f.syntheses
            ],
        ),
    ]
    heights = []
    for stage, pairs in stages:
        hs = [max(box_h(a, left_w), box_h(b, right_w) if b else 0) for a, b in pairs]
        # The stage's band must be tall enough for its rotated name.
        short = style.text_width(stage, small, True) + 0.2 - (sum(hs) + gap * (len(hs) - 1))
        hs[-1] += max(short, 0)
        heights.append(hs)
    title_h = 0.42
    total = title_h + sum(sum(h) + gap * len(h) for h in heights) + 0.1
    with plt.rc_context(style.RC):
        fig = style.figure(width, total)
        inch = fig.dpi_scale_trans

        def put(x, y, text, **kw):
            kw.setdefault("fontproperties", style.font(small, kw.pop("bold", False)))
            fig.text(x, y, text, transform=inch, va="center", **kw)

        def draw_box(x, top, w, h, text, dashed=False):
            fig.add_artist(
                FancyBboxPatch(
                    (x, top - h),
                    w,
                    h,
                    boxstyle="square,pad=0",
                    transform=inch,
                    facecolor="white",
                    edgecolor=style.COLOURS["box_edge"],
                    lw=0.9,
                    ls=(0, (3, 2)) if dashed else "-",
                )
            )
            for j, (line, bold) in enumerate(lines(text, w)):
                put(x + pad, top - pad - (j + 0.5) * style.LINE, line, bold=bold)

        def arrow(x0, y0, x1, y1):
            fig.add_artist(
                FancyArrowPatch(
                    (x0, y0),
                    (x1, y1),
                    transform=inch,
                    arrowstyle="-|>",
                    mutation_scale=8,
                    lw=0.9,
                    color="black",
                    shrinkA=0,
                    shrinkB=0,
                )
            )

        put(band_x, total - 0.22, "PRISMA 2020 flow of studies", size=style.TITLE_SIZE, bold=True)
        y = total - title_h
        previous_bottom = syn_top = None
        for (stage, pairs), hs in zip(stages, heights, strict=True):
            stage_top = y
            for i, ((main, side), h) in enumerate(zip(pairs, hs, strict=True)):
                mh = box_h(main, left_w)
                draw_box(left_x, y, left_w, mh, main)
                if side:
                    sh = box_h(side, right_w)
                    draw_box(right_x, y, right_w, sh, side, dashed=stage == "Identification")
                    if stage != "Identification":
                        arrow(left_x + left_w, y - min(mh, sh) / 2, right_x, y - min(mh, sh) / 2)
                if previous_bottom is not None and (stage != "Syntheses" or i == 0):
                    arrow(left_x + left_w / 2, previous_bottom, left_x + left_w / 2, y)
                if stage == "Syntheses" and i > 0:
                    # A bus on the left of the synthesis boxes: each synthesis draws from the
                    # included studies, not from the synthesis above it.
                    bus = left_x - 0.09
                    fig.add_artist(
                        plt.Line2D(
                            [bus, bus],
                            [syn_top + gap / 2, y - mh / 2],
                            transform=inch,
                            color="black",
                            lw=0.9,
                        )
                    )
                    arrow(bus, y - mh / 2, left_x, y - mh / 2)
                if stage == "Syntheses" and i == 0:
                    syn_top = y
                    bus = left_x - 0.09
                    fig.add_artist(
                        plt.Line2D(
                            [left_x + left_w / 2, left_x + left_w / 2, bus],
                            [y + gap / 2, y + gap / 2, y + gap / 2],
                            transform=inch,
                            color="black",
                            lw=0.9,
                        )
                    )
                previous_bottom = y - mh
                y -= h + gap
            band_bottom = y + gap
            fig.add_artist(
                FancyBboxPatch(
                    (band_x, band_bottom),
                    band_w,
                    stage_top - band_bottom,
                    boxstyle="round,pad=0,rounding_size=0.06",
                    transform=inch,
                    facecolor=style.COLOURS["band"],
                    edgecolor="none",
                )
            )
            put(
                band_x + band_w / 2,
                (stage_top + band_bottom) / 2,
                stage,
                bold=True,
                rotation=90,
                ha="center",
            )
    return fig
