"""PRISMA 2020 flow of studies, counted from the inclusion log and drawn as the flow diagram.

Every count comes from ``inclusion.tsv`` (one row per outcome x study x candidate data row),
``studies.tsv`` and ``sources.tsv``, so the diagram always matches the inclusion table:

* identified: the studies of the extraction dossier, and the reports (sources) about them;
* assessed: every study, against the criteria of each synthesis (PRISMA 2020 item 13a);
* in no synthesis: studies without a usable data row for any analysed outcome, and studies
  whose every row failed a criterion;
* per synthesis: the studies included, and why each other study is not in it.

A study that is not in a synthesis is counted once, under its *primary* reason: "no usable
data" when it has no candidate row for the outcome, else the first reason logged for its
first candidate row (the inclusion table lists every reason). Search counts (records from
databases and registers, duplicates removed) are not in the repository; the diagram says so
rather than inventing them (Page et al. 2021, BMJ 372:n71, Figure 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_DATA = "no usable data for this outcome"

#: Reason categories, in display order: criteria keys (named in every criterion's reason,
#: see select.py) and the fixed reasons select.py writes.
CRITERIA_LABELS = {
    "exclude_studies": "excluded by name (criteria.exclude_studies)",
    "designs": "design not admitted (criteria.designs)",
    "products": "cell product not admitted (criteria.products)",
    "tissues": "tissue not admitted (criteria.tissues)",
    "autologous": "autologous/allogeneic not admitted (criteria.autologous)",
    "phases": "phase not admitted (criteria.phases)",
    "routes": "route not admitted (criteria.routes)",
    "min_n": "sample size below or not reported (criteria.min_n)",
    "min_follow_up_months": "follow-up too short or not reported (criteria.min_follow_up_months)",
    "evidence_tiers": "evidence tier not admitted (criteria.evidence_tiers)",
    "allow_original_alsfrs": "original ALSFRS scale (criteria.allow_original_alsfrs)",
    "overlap_rule": "shares patients with an analysed study (criteria.overlap_rule)",
}
FIXED_REASONS = (
    ("control arm", "control arm only (the outcome pools treated arms)"),
    ("primary time point", "not the primary time point"),
    ("already analysed", "same arm already analysed through another row"),
    ("not computable", "effect size not computable from the printed statistics"),
)
CATEGORY_ORDER = [NO_DATA, *CRITERIA_LABELS.values(), *(label for _, label in FIXED_REASONS)]


def reason_category(reason: str) -> str:
    """The category of one logged reason (unknown reasons are kept, not dropped)."""
    key = re.search(r"criteria\.(\w+)", reason)
    if key and key.group(1) in CRITERIA_LABELS:
        return CRITERIA_LABELS[key.group(1)]
    for needle, label in FIXED_REASONS:
        if needle in reason:
            return label
    return f"other: {reason}"


def _order(category: str) -> tuple:
    return (
        CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER),
        category,
    )


@dataclass(frozen=True)
class Synthesis:
    outcome: str
    label: str
    included: tuple[str, ...]  # study ids
    k: int  # analysed rows (arms or contrasts)
    participants: int
    participants_unreported: int  # analysed rows whose n was not reported
    not_included: dict  # category -> tuple of study ids (primary reason)

    @property
    def not_in(self) -> int:
        return sum(len(v) for v in self.not_included.values())


@dataclass(frozen=True)
class Flow:
    studies: int
    reports: int
    included_any: tuple[str, ...]
    reports_included: int
    none_no_data: tuple[str, ...]
    none_criteria: dict  # category -> study ids (primary reason in the first outcome with data)
    syntheses: tuple[Synthesis, ...]

    @property
    def in_no_synthesis(self) -> int:
        return len(self.none_no_data) + sum(len(v) for v in self.none_criteria.values())


def _primary(rows: list[dict]) -> str:
    """A study's primary reason for not being in a synthesis (rows: its inclusion rows)."""
    candidates = sorted((r for r in rows if r["effect_id"]), key=lambda r: r["effect_id"])
    if not candidates:
        return NO_DATA
    reasons = str(candidates[0]["reasons"] or "").split("; ")
    return reason_category(reasons[0])


def flow(inclusion, studies, sources, pooled, outcomes, labels) -> Flow:
    """Count the flow. ``inclusion``/``pooled``: rows of inclusion.tsv / pooled.tsv;
    ``studies``/``sources``: rows of the data tables; ``labels``: outcome -> label."""
    trial_of = {s["study_id"]: s["trial_id"] for s in studies}
    reports_of: dict[str, int] = {}
    for source in sources:
        reports_of[source["trial_id"]] = reports_of.get(source["trial_id"], 0) + 1
    study_ids = sorted(trial_of)
    by_outcome: dict[str, dict[str, list[dict]]] = {o: {} for o in outcomes}
    for row in inclusion:
        if row["outcome"] in by_outcome:
            by_outcome[row["outcome"]].setdefault(row["study_id"], []).append(row)
    overall = {r["outcome"]: r for r in pooled if r["subgroup_variable"] == "overall"}
    syntheses, included_any = [], set()
    for outcome in outcomes:
        rows_of = by_outcome[outcome]
        unknown = sorted(set(rows_of) - set(study_ids))
        if unknown:
            raise ValueError(f"inclusion.tsv names studies missing from studies.tsv: {unknown}")
        included = sorted(
            s for s, rows in rows_of.items() if any(r["decision"] == "included" for r in rows)
        )
        included_any.update(included)
        not_included: dict[str, list[str]] = {}
        for study in study_ids:
            if study in included:
                continue
            not_included.setdefault(_primary(rows_of.get(study, [])), []).append(study)
        pooled_row = overall.get(outcome, {})
        syntheses.append(
            Synthesis(
                outcome,
                labels[outcome],
                tuple(included),
                int(pooled_row.get("k") or 0),
                int(pooled_row.get("n_total") or 0),
                int(pooled_row.get("k_n_unreported") or 0),
                {c: tuple(v) for c, v in sorted(not_included.items(), key=lambda i: _order(i[0]))},
            )
        )
    none_no_data, none_criteria = [], {}
    for study in study_ids:
        if study in included_any:
            continue
        reason = NO_DATA
        for outcome in outcomes:
            rows = by_outcome[outcome].get(study, [])
            if any(r["effect_id"] for r in rows):
                reason = _primary(rows)
                break
        if reason == NO_DATA:
            none_no_data.append(study)
        else:
            none_criteria.setdefault(reason, []).append(study)
    trials = {trial_of[s] for s in study_ids}
    trials_included = {trial_of[s] for s in included_any}
    return Flow(
        studies=len(study_ids),
        reports=sum(reports_of.get(t, 0) for t in trials),
        included_any=tuple(sorted(included_any)),
        reports_included=sum(reports_of.get(t, 0) for t in trials_included),
        none_no_data=tuple(none_no_data),
        none_criteria={
            c: tuple(v) for c, v in sorted(none_criteria.items(), key=lambda i: _order(i[0]))
        },
        syntheses=tuple(syntheses),
    )


FLOW_COLUMNS = ["stage", "outcome", "category", "n_studies", "study_ids"]


def flow_rows(f: Flow) -> list[dict]:
    """The flow as a tidy table (prisma_flow.tsv): one row per box line."""
    rows = [
        {"stage": "identified", "outcome": "", "category": "studies", "n_studies": f.studies},
        {"stage": "identified", "outcome": "", "category": "reports", "n_studies": f.reports},
        {"stage": "assessed", "outcome": "", "category": "studies", "n_studies": f.studies},
    ]
    rows.append(
        {
            "stage": "in_no_synthesis",
            "outcome": "",
            "category": "no usable data for any analysed outcome",
            "n_studies": len(f.none_no_data),
            "study_ids": ";".join(f.none_no_data),
        }
    )
    for category, ids in f.none_criteria.items():
        rows.append(
            {
                "stage": "in_no_synthesis",
                "outcome": "",
                "category": category,
                "n_studies": len(ids),
                "study_ids": ";".join(ids),
            }
        )
    rows.append(
        {
            "stage": "included",
            "outcome": "",
            "category": "studies in at least one synthesis",
            "n_studies": len(f.included_any),
            "study_ids": ";".join(f.included_any),
        }
    )
    rows.append(
        {
            "stage": "included",
            "outcome": "",
            "category": "reports of included studies",
            "n_studies": f.reports_included,
        }
    )
    for s in f.syntheses:
        rows.append(
            {
                "stage": "synthesis",
                "outcome": s.outcome,
                "category": "included",
                "n_studies": len(s.included),
                "study_ids": ";".join(s.included),
            }
        )
        for category, ids in s.not_included.items():
            rows.append(
                {
                    "stage": "not_in_synthesis",
                    "outcome": s.outcome,
                    "category": category,
                    "n_studies": len(ids),
                    "study_ids": ";".join(ids),
                }
            )
    return rows


def n_is(count: int) -> str:
    """'n = 3' that never wraps inside."""
    return f"n\u00a0=\u00a0{count}"


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def synthesis_text(s: Synthesis) -> str:
    if not s.included:
        return f"{s.label}: no study included"
    parts = [_n(len(s.included), "study", "studies")]
    if s.k != len(s.included):
        parts.append(_n(s.k, "arm or contrast", "arms or contrasts"))
    parts.append(f"{s.participants} participants")
    if s.participants_unreported:
        parts[-1] += f" (+{s.participants_unreported} with n not reported)"
    return f"{s.label}: {', '.join(parts)}"


def figure(f: Flow):
    """The PRISMA 2020 flow diagram for ``f`` (main flow left, exclusions right)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from alsmeta.figures import style as ps

    band_x, band_w = 0.1, 0.32
    left_x, left_w = 0.55, 3.35
    right_x, right_w = 4.25, 3.5
    width = right_x + right_w + 0.1
    pad, gap = 0.09, 0.28
    small = ps.FONT_SIZE

    def lines(text: str, box_w: float) -> list[tuple[str, bool]]:
        out = []
        for para in text.split("\n"):
            bold = para.startswith("**")
            para = para.strip("*")
            indent = "    " if para.startswith("\u2022") else ""
            wrapped = ps.wrap(para, box_w - 2 * pad - (0.12 if indent else 0), small, bold)
            out += [(w if i == 0 else indent + w, bold) for i, w in enumerate(wrapped)]
        return out

    def box_h(text: str, box_w: float) -> float:
        return len(lines(text, box_w)) * ps.LINE + 2 * pad

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
        short = ps.text_width(stage, small, True) + 0.2 - (sum(hs) + gap * (len(hs) - 1))
        hs[-1] += max(short, 0)
        heights.append(hs)
    title_h = 0.42
    total = title_h + sum(sum(h) + gap * len(h) for h in heights) + 0.1
    with plt.rc_context(ps.RC):
        fig = ps.figure(width, total)
        inch = fig.dpi_scale_trans

        def put(x, y, text, **kw):
            kw.setdefault("fontproperties", ps.font(small, kw.pop("bold", False)))
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
                    edgecolor=ps.COLOURS["box_edge"],
                    lw=0.9,
                    ls=(0, (3, 2)) if dashed else "-",
                )
            )
            for j, (line, bold) in enumerate(lines(text, w)):
                put(x + pad, top - pad - (j + 0.5) * ps.LINE, line, bold=bold)

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

        put(band_x, total - 0.22, "PRISMA 2020 flow of studies", size=ps.TITLE_SIZE, bold=True)
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
                    facecolor=ps.COLOURS["band"],
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
