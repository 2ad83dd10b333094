"""Sensitivity and data quality: the tables of the variant, sensitivity and data-quality rules.

Each table is shown as its rule wrote it (``extra``: table name -> rows; a table missing from
``extra`` is said to be not available in this run).
"""

from __future__ import annotations

from alsmeta.figures.text import readable
from alsmeta.kinds import event_rate_kind
from alsmeta.report.html import Num, esc, figure_html, section_head, shown, table
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.values import interval, value

ID, TITLE = "sensitivity", "Sensitivity and data quality"

#: (key in ``extra``, heading, explanation, [(column, header)]), in the order shown.
EXTRA_TABLES = (
    (
        "variants",
        "Evidence variants",
        "Each outcome's pooled result under the main criteria and under each alternative "
        "judgement: paper and registry values only or with secondary values added, each "
        "alternative version of a value the sources disagree on, subgroup and pre-erratum "
        "values admitted, each member of an overlap group kept.",
        # Shown by _variants_table: readable labels, estimates as the rest of the report.
        [
            ("outcome_label", "Outcome"),
            ("variant_type", "Variant"),
            ("status", "Status"),
            ("k", "k"),
            ("n_total", "N"),
            ("estimate", "Estimate (CI)"),
            ("differs_from_main", "Differs from main"),
            ("reason", "Note"),
        ],
    ),
    (
        "methods",
        "Every estimator and inference",
        "The same rows under each \u03c4\u00b2 estimator and inference, and for AE rates the "
        "binomial-normal GLMM beside inverse variance (natural scale).",
        [
            ("outcome", "Outcome"),
            ("method", "Method"),
            ("estimator", "\u03c4\u00b2"),
            ("inference", "Inference"),
            ("k", "k"),
            ("estimate", "Estimate"),
            ("ci_lower", "CI lower"),
            ("ci_upper", "CI upper"),
            ("tau2", "\u03c4\u00b2 value"),
            ("status", "Status"),
        ],
    ),
    (
        "small_study",
        "Funnel asymmetry tests",
        "Egger's regression (mixed-effects and weighted linear model) and Begg's rank test, "
        "only from the configured minimum number of studies.",
        [
            ("outcome", "Outcome"),
            ("k", "k"),
            ("test", "Test"),
            ("status", "Status"),
            ("statistic", "Statistic"),
            ("p_value", "p"),
            ("reason", "Reason"),
        ],
    ),
    (
        "influence",
        "Influence diagnostics",
        "Externally studentized residuals, Cook's distances, DFFITS, hat values and "
        "covariance ratios (Viechtbauer and Cheung 2010), on the analysis scale.",
        [
            ("outcome", "Outcome"),
            ("study_id", "Study"),
            ("rstudent", "rstudent"),
            ("cooks_distance", "Cook's D"),
            ("dffits", "DFFITS"),
            ("hat", "Hat"),
            ("cov_ratio", "Cov. ratio"),
            ("tau2_deleted", "\u03c4\u00b2 without"),
        ],
    ),
    (
        "cumulative",
        "Cumulative meta-analysis by year",
        "The pooled result as studies are added in order of publication.",
        [
            ("outcome", "Outcome"),
            ("step", "Step"),
            ("added_study", "Added"),
            ("year", "Year"),
            ("k", "k"),
            ("estimate", "Estimate"),
            ("ci_lower", "CI lower"),
            ("ci_upper", "CI upper"),
            ("status", "Status"),
        ],
    ),
    (
        "prepost_sweep",
        "Pre/post correlation sweep",
        "The pooled within-arm slope change for each assumed correlation r; "
        "k_depending_on_r counts the studies whose SE is derived with r.",
        [
            ("outcome", "Outcome"),
            ("r", "r"),
            ("k", "k"),
            ("k_depending_on_r", "k with r"),
            ("estimate", "Estimate"),
            ("ci_lower", "CI lower"),
            ("ci_upper", "CI upper"),
            ("i2_tau2", "I\u00b2 %"),
            ("status", "Status"),
            ("reason", "Reason"),
        ],
    ),
    (
        "data_quality_outcomes",
        "Data quality: per outcome",
        "Studies with rows and computable, and k and N under the main criteria, paper and "
        "registry values only, and with secondary values.",
        [
            ("outcome", "Outcome"),
            ("studies_with_rows", "With rows"),
            ("studies_computable", "Computable"),
            ("k_main", "k main"),
            ("n_main", "N main"),
            ("k_paper_registry", "k paper+registry"),
            ("n_paper_registry", "N paper+registry"),
            ("k_plus_secondary", "k +secondary"),
            ("n_plus_secondary", "N +secondary"),
        ],
    ),
    (
        "data_quality_studies",
        "Data quality: per study",
        "Which outcomes each study could give, from which evidence tiers, with which derivations.",
        [
            ("study_id", "Study"),
            ("design", "Design"),
            ("tiers", "Tiers"),
            ("outcomes_computable", "Outcomes computable"),
            ("outcomes_included_main", "Included (main)"),
            ("derivations", "Derivations"),
            ("contribution", "Contribution"),
        ],
    ),
    (
        "known_gaps",
        "Known gaps",
        "The dossier's list of values not found in any source, and the gap reasons in data/.",
        [
            ("trial_id", "Trial"),
            ("study_ids", "Studies"),
            ("outcome", "Outcome"),
            ("gap", "Gap"),
        ],
    ),
)


#: What each kind of evidence variant (variants.tsv ``variant_type``) changes, in words; the
#: exact setting follows it.
VARIANT_NAMES = {
    "main": "Main analysis",
    "evidence_tiers": "Secondary sources added",
    "risk_of_bias": "Restricted by risk of bias",
    "conflict": "Alternative version of a disputed value",
    "overlap": "Other member of an overlap group kept",
    "assumed_n": "Counts from an assumed denominator",
    "erratum": "Values before an erratum",
    "subgroups": "Subgroup estimates admitted",
}


def _variant_cells(r: dict) -> list[str]:
    kind = event_rate_kind(r.get("scale")) or "other"
    name = VARIANT_NAMES.get(r["variant_type"], str(r["variant_type"]).replace("_", " "))
    estimate = (
        f"{value(kind, r['estimate'])} ({interval(kind, r['ci_lower'], r['ci_upper'])})"
        if r.get("estimate") is not None
        else ""
    )
    return [
        esc(r.get("outcome_label") or r["outcome"]),
        f"{esc(name)}<br><span class='small'>{esc(r['changed_setting'])}</span>",
        esc(str(r["status"]).replace("_", " ")),
        Num(shown(r["k"])),
        Num(shown(r["n_total"])),
        Num(esc(estimate)),
        shown(r["differs_from_main"]),
        esc(readable(r.get("reason") or "")),
    ]


def _variants_table(columns, rows) -> str:
    if not rows:
        return _rows_table(columns, rows)
    return table([h for _, h in columns], [_variant_cells(r) for r in rows], scoped=False)


def _rows_table(columns, rows) -> str:
    if rows is None:
        return "<p class='na'>not available in this run</p>"
    if not rows:
        return "<p>No rows.</p>"
    return table(
        [h for _, h in columns], [[shown(r.get(c)) for c, _ in columns] for r in rows], scoped=False
    )


def section(ctx: ReportInputs) -> str:
    parts = [section_head(ID, TITLE)]
    figure = ctx.extra.get("prepost_figure")
    for key, heading, text, columns in EXTRA_TABLES:
        parts.append(f"<h3 id='sensitivity-{key}'>{esc(heading)}</h3><p>{esc(text)}</p>")
        if key == "prepost_sweep" and figure:
            parts.append(
                figure_html(
                    figure,
                    "Pooled slope change and I-squared against the pre/post correlation",
                    "Sensitivity of the pooled within-arm slope change to r",
                    "figure-prepost",
                )
            )
        show = _variants_table if key == "variants" else _rows_table
        parts.append(show(columns, ctx.extra.get(key)))
    parts.append("</section>")
    return "\n".join(parts)
