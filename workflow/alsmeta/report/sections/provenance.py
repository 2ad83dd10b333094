"""Provenance: under each study's citation, every data row extracted from it, with source,
locator, verbatim quote, derivation and the analyses that use it (``#effect-<id>``)."""

from __future__ import annotations

from alsmeta.report.html import esc, section_head, slug, table
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.values import data_text, weight_text

ID, TITLE = "provenance", "Provenance"

COLUMNS = [
    "Row",
    "Measure",
    "Value",
    "Tier",
    "Source; locator",
    "Quote",
    "Derivation",
    "Used in (weight)",
]


def _quotes(ctx: ReportInputs, quote_ids) -> str:
    return " / ".join(
        f"[{esc(q)}] <span class='quote'>{esc(ctx.quotes[q]['text'])}</span>"
        if q in ctx.quotes
        else f"[{esc(q)}] <span class='small'>(reference, no verbatim quote)</span>"
        for q in str(quote_ids).split(";")
        if q
    )


def _row(ctx: ReportInputs, e: dict, used_in: list[str]) -> list[str]:
    used = ", ".join(
        f"{u} ({weight_text(ctx.weight(u, e['effect_id']), ctx.overall.get(u))})" for u in used_in
    )
    return [
        f"<span id='effect-{slug(e['effect_id'])}'>{esc(e['effect_id'])}</span>",
        esc(e["category"]),
        esc(data_text(e, e.get("unit") or "")),
        esc(e["tier"]),
        esc(f"{e['source']}; {e['locator']}"),
        _quotes(ctx, e["quote_id"]),
        esc(e["derivation"] or e["status_reason"]),
        esc(used or "not analysed"),
    ]


def _study(ctx: ReportInputs, study_id: str, used_in: dict[str, list[str]]) -> list[str]:
    study = ctx.studies[study_id]
    design = study["design"].replace("_", " ")
    parts = [
        f"<h3 id='study-{slug(study_id)}'>{esc(study['first_author'])} {esc(study['year'])}"
        f" <span class='small'>({esc(study_id)}; {esc(design)})</span></h3>",
        f"<p class='small'>{esc(study['citation'])}</p>",
    ]
    effects = [e for e in ctx.effects if e["study_id"] == study_id]
    if not effects:
        return [*parts, "<p class='small'>No data row was extracted from this study.</p>"]
    rows = [_row(ctx, e, used_in.get(e["effect_id"], [])) for e in effects]
    return [*parts, table(COLUMNS, rows)]


def section(ctx: ReportInputs) -> str:
    used_in: dict[str, list[str]] = {}
    for a in ctx.analysed:
        used_in.setdefault(a["effect_id"], []).append(a["outcome"])
    parts = [
        section_head(ID, TITLE),
        "<p>Every effect size was computed by the pipeline from the numbers the source "
        "printed; the derivation is shown with each. Quotes are verbatim from the "
        "extraction dossier.</p>",
    ]
    for study_id in sorted(ctx.studies):
        parts += _study(ctx, study_id, used_in)
    parts.append("</section>")
    return "\n".join(parts)
