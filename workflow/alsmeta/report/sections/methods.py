"""Methods as PRISMA 2020 items 13a-13f, written from the configuration of the run."""

from __future__ import annotations

from alsmeta.kinds import MIN_K_LEAVE_ONE_OUT
from alsmeta.report.html import esc, section_head
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections.few_studies import methods_text as bayesian_methods

ID, TITLE = "methods", "Methods"

ESTIMATORS = {
    "REML": "restricted maximum likelihood (REML)",
    "ML": "maximum likelihood (ML)",
    "DL": "DerSimonian-Laird (DL)",
}
CONTINUITY_CORRECTED = {
    "only0": "only to studies with 0 or n events",
    "all": "to every study",
    "none": "to no study",
}


def _outcomes(ctx: ReportInputs) -> str:
    """'Serious adverse events (proportion: AE categories ...); ...'."""
    return "; ".join(
        f"{esc(ctx.label(o))} ({esc(ctx.kind(o).replace('_', ' '))}"
        + (
            f": AE categories {esc(', '.join(ctx.definitions[o]['ae_categories']))}"
            if ctx.definitions[o].get("ae_categories")
            else ""
        )
        + ")"
        for o in ctx.outcomes
    )


def _items(ctx: ReportInputs) -> list[tuple[str, str, str]]:
    """(item number, title, HTML text) of each PRISMA item."""
    c = ctx.config
    crit, pool, harm = c["criteria"], c["pooling"], c["harmonize"]
    inference = (
        "Knapp-Hartung (t distribution with k \u2212 1 df)"
        if pool["inference"] == "knapp_hartung"
        else "Wald (normal distribution)"
    )
    estimator = ESTIMATORS.get(pool["estimator"], pool["estimator"])
    to = harm["continuity_correction_to"]
    corrected = CONTINUITY_CORRECTED.get(to, to)

    def listed(key):
        v = crit[key]
        return ", ".join(map(str, v)) if isinstance(v, list) and v else "none"

    outcomes = _outcomes(ctx)
    subgroups = ", ".join(c["subgroups"]) or "none"
    level = f"{pool['level']:.0%}"
    return [
        (
            "13a",
            "Eligibility for each synthesis",
            f"Outcomes synthesised: {outcomes}. For each outcome every extracted data row "
            f"was tested against the criteria in <code>config/config.yaml</code>: designs "
            f"{esc(listed('designs'))}; phases {esc(listed('phases'))}; routes "
            f"{esc(listed('routes'))} (an arm passes only if every route it used is "
            f"listed); tissues {esc(listed('tissues'))}; cell products "
            f"{esc(listed('products'))}; autologous/allogeneic {esc(listed('autologous'))}; "
            f"at least {crit['min_n']} participants; at least "
            f"{crit['min_follow_up_months']:g} months of follow-up; evidence tiers "
            f"{esc(listed('evidence_tiers'))}; studies excluded by name: "
            f"{esc(listed('exclude_studies'))}; original ALSFRS (0\u201340) scale "
            f"{'admitted' if crit['allow_original_alsfrs'] else 'not admitted'}. One row "
            "per arm (or arm contrast) is analysed, preferring the higher evidence tier. "
            "Studies sharing patients are resolved by the overlap rule "
            f"<code>{esc(crit['overlap_rule'])}</code>. Every decision and every reason is in "
            "the <a href='#selection'>inclusion log</a>.",
        ),
        (
            "13b",
            "Preparing the data",
            "Adverse-event rates are logit proportions (metafor's <code>escalc(measure="
            f"'PLO')</code>) with a continuity correction of {harm['continuity_correction']:g} "
            f"added to events and non-events {corrected}. A count printed only as a "
            "percentage is derived as round(percent \u00d7 n), halves up, and flagged. "
            "ALSFRS-R slope changes are in points/month, positive = slower progression: "
            "the SE comes from a printed SE, else SD/\u221an, else a normal-theory CI "
            f"(level {harm['ci_level']:.0%} unless printed otherwise), else a two-sided "
            "p-value (z test assumed), else pre/post SDs with a correlation of "
            f"r = {harm['prepost_correlation']:g}. Per-year slopes are divided by 12 and "
            "rates of decline printed as positive numbers are negated. Each derivation is "
            "printed with its row under <a href='#provenance'>Provenance</a>.",
        ),
        (
            "13c",
            "Tabulation and visual display",
            "Forest plots in the RevMan 5 layout (raw data per arm, weight, effect with 95% "
            "CI, pooled diamond, prediction interval, heterogeneity and the test for the "
            "overall effect); proportions on a percentage axis. Subgroup forest plots, "
            "leave-one-out plots, a funnel plot when 10 or more studies are pooled, the "
            "PRISMA 2020 flow diagram and this summary-of-findings table.",
        ),
        (
            "13d",
            "Synthesis methods",
            f"Random-effects meta-analysis with \u03c4\u00b2 estimated by {estimator} and "
            f"{inference} inference; {level} confidence intervals. The {level} prediction "
            "interval is \u03bc \u00b1 c\u221a(SE\u00b2 + \u03c4\u00b2) with the CI's "
            "reference distribution (metafor's <code>predict()</code>). Heterogeneity: "
            "Cochran's Q with its P value, I\u00b2 in its \u03c4\u00b2-based form "
            "(metafor's printed value; used for the certainty rules) and its Q-based form. "
            "Analyses with fewer than two studies are not pooled; the single study is "
            "shown. Software: see <a href='#reproducibility'>What was run</a>; pooling is "
            "checked against metafor 3.8 to a relative 1e-6. " + bayesian_methods(ctx),
        ),
        (
            "13e",
            "Exploring heterogeneity",
            f"Subgroup analyses by: {esc(subgroups)}. Each subgroup level is pooled "
            "separately with the same model. "
            "<span class='na'>A test for subgroup differences is not available in this "
            "version of the pipeline</span>; subgroup estimates are descriptive.",
        ),
        (
            "13f",
            "Sensitivity analyses",
            f"Leave-one-out re-fits (same model) for every synthesis with at least "
            f"{MIN_K_LEAVE_ONE_OUT} studies. Alternative eligibility (secondary sources, "
            "unverified cell product, unreported n) is a separate run: <code>snakemake "
            "--configfile config/sensitivity_broad.yaml</code>. "
            "<span class='na'>The sensitivity of slope SEs to the assumed pre/post "
            "correlation r is not available in this version of the pipeline.</span>",
        ),
    ]


def section(ctx: ReportInputs) -> str:
    parts = [
        section_head(ID, TITLE),
        "<p class='small'>PRISMA 2020 items 13a\u201313f, written from the configuration "
        "this report was built with.</p>",
    ]
    for number, title, text in _items(ctx):
        parts.append(f"<h3 id='prisma-{number}'>{number}. {esc(title)}</h3><p>{text}</p>")
    parts.append("</section>")
    return "\n".join(parts)
