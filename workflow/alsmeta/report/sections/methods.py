"""Methods as PRISMA 2020 items 13a-13f, written from the configuration of the run."""

from __future__ import annotations

from alsmeta.kinds import MIN_K_LEAVE_ONE_OUT, PROPORTION_SCALES
from alsmeta.report.html import esc, fold, section_head
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections.few_studies import methods_text as bayesian_methods

ID, TITLE = "methods", "Methods"

ESTIMATORS = {
    "REML": "restricted maximum likelihood (REML)",
    "ML": "maximum likelihood (ML)",
    "DL": "DerSimonian-Laird (DL)",
    "PM": "Paule-Mandel (PM)",
    "HE": "Hedges (HE)",
    "SJ": "Sidik-Jonkman (SJ)",
}
INFERENCES = {
    "knapp_hartung": (
        "Knapp-Hartung inference (SE\u00b2 = q/\u03a3w with q = \u03a3w(y \u2212 "
        "\u03bc)\u00b2/(k \u2212 1), t distribution with k \u2212 1 df; narrower than the "
        "Wald interval when q < 1)"
    ),
    "knapp_hartung_adhoc": (
        "modified Knapp-Hartung inference (SE\u00b2 = max(1, q)/\u03a3w with q = "
        "\u03a3w(y \u2212 \u03bc)\u00b2/(k \u2212 1), t distribution with k \u2212 1 df, so no "
        "interval is narrower than the Wald interval; R\u00f6ver, Knapp & Friede 2015, BMC Med "
        "Res Methodol 15:99)"
    ),
    "wald": "Wald inference (normal distribution)",
}
#: The model that headlines an odds ratio with a zero cell (pooling.zero_cell_method).
ZERO_CELL_MODELS = {
    "mantel_haenszel": "the Mantel-Haenszel odds ratio",
    "peto": "Peto's odds ratio",
}
PREDICTIONS = {
    "t_k1": "the t distribution with k \u2212 1 df",
    "t_k2": "the t distribution with k \u2212 2 df (Higgins et al. 2009)",
    "z": "the normal distribution",
}
PER_STUDY_CI = {"clopper_pearson": "exact (Clopper-Pearson)", "wilson": "Wilson score"}
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


def _proportions(ctx: ReportInputs) -> str:
    """How single-arm rates were pooled: the method and scale the configuration ran."""
    pool, harm = ctx.config["pooling"], ctx.config["harmonize"]
    to = harm["continuity_correction_to"]
    corrected = CONTINUITY_CORRECTED.get(to, to)
    add = harm["continuity_correction"]
    per_study = PER_STUDY_CI.get(harm["ci_method"], harm["ci_method"])
    if pool["proportion_method"] == "glmm":
        text = (
            "Single-arm rates (adverse events, responders) are pooled by a binomial-normal "
            "generalized linear mixed model (random-intercept logistic regression, maximum "
            "likelihood, adaptive Gauss-Hermite quadrature with "
            f"{pool['glmm_quadrature_points']} points per study) on each arm's events and "
            "participants, so no continuity correction enters them. "
        )
    else:
        scale = PROPORTION_SCALES.get(harm["proportion_measure"], harm["proportion_measure"])
        text = (
            "Single-arm rates (adverse events, responders) are pooled by inverse variance "
            f"on the {esc(scale)} scale ({esc(harm['proportion_measure'])}), with a "
            f"continuity correction of {add:g} added to events and non-events {corrected}. "
        )
    zero_cell = ZERO_CELL_MODELS.get(pool["zero_cell_method"])
    return text + (
        f"Per-study intervals of a rate are {per_study}. Per-study odds ratios of two arms "
        f"take a continuity correction of {add:g} {corrected}"
        + (
            f"; a pooled odds ratio in which any study has a zero cell is {zero_cell}, which "
            "needs no correction (a corrected inverse-variance odds ratio is biased for sparse "
            "data: Sweeting et al. 2004, Stat Med 23:1351; Bradburn et al. 2007, Stat Med "
            "26:53)."
            if zero_cell
            else ", also in pooled odds ratios."
        )
    )


def _glmm_inference(ctx: ReportInputs) -> str:
    """The GLMM's intervals, as the pooled rows it wrote name them."""
    methods = {
        r["ci_method"]
        for r in ctx.overall.values()
        if r["status"] == "pooled" and "GLMM" in str(r.get("method") or "")
    }
    if not methods:
        return ""
    return (
        "GLMM analyses: \u03c4\u00b2 by maximum likelihood; CI "
        f"{esc(', '.join(sorted(methods)))}; prediction interval from the normal "
        "distribution. "
    )


def _subgroup_tests(ctx: ReportInputs) -> str:
    """What the pooled table holds of the test for subgroup differences."""
    if not ctx.config["subgroups"]:
        return "No subgroup analysis was configured."
    tested = sorted(
        {
            (r["outcome"], r["subgroup_variable"])
            for r in ctx.pooled
            if r["subgroup_variable"] != "overall" and r.get("q_between") not in (None, "")
        }
    )
    if not tested:
        return (
            "No outcome had two subgroups with an estimate, so no test for subgroup "
            "differences could be made; subgroup estimates are descriptive."
        )
    return (
        "The test for subgroup differences is Cochran's Q between the subgroup estimates "
        "(separate \u03c4\u00b2 per subgroup) and, with a common \u03c4\u00b2, the "
        "moderator test of a meta-regression on subgroup indicators; it needs two subgroups "
        f"with an estimate and was made for {len(tested)} outcome-variable pairs (shown "
        "under each subgroup forest plot in <a href='#prisma-20c'>20c</a>)."
    )


def _prepost(ctx: ReportInputs) -> str:
    rows = ctx.extra.get("prepost_sweep")
    if rows is None:
        return "The pre/post correlation sweep was not part of this run."
    rs = ", ".join(f"{r:g}" for r in ctx.config["sensitivity"]["prepost_correlations"])
    return (
        "Slope changes whose SE is derived from pre/post SDs are re-pooled for each assumed "
        f"correlation r = {rs} (<a href='#sensitivity-prepost_sweep'>pre/post correlation "
        "sweep</a>)."
    )


def _small_study(ctx: ReportInputs) -> str:
    rows = ctx.extra.get("small_study")
    min_k = ctx.config["sensitivity"]["small_study_min_k"]
    text = (
        f"A funnel plot with Egger's regression and Begg's rank test is made for every "
        f"synthesis of {min_k} or more studies (Sterne et al. 2011)"
    )
    if rows is None:
        return text + "; the small-study table was not part of this run."
    done = sorted({r["outcome"] for r in rows if r["status"] != "not_done"})
    if not done:
        return text + "; no synthesis reached that number, so none was made."
    return text + f": {len(done)} (<a href='#sensitivity-small_study'>tests</a>)."


def _time_point_sentence(crit: dict) -> str:
    """The time-point rule (criteria.time_point), one rule for every outcome."""
    rule = crit["time_point"]
    if rule["rule"] == "closest_to":
        how = (
            f"the time point closest to {rule['months']:g} months (the later of two equally close)"
        )
    elif rule["rule"] == "longest":
        how = "the latest time point"
    else:
        how = "the time point marked primary in the data"
    return (
        "Where a study reports one measure at several time points, every outcome (slopes, "
        f"changes from baseline and responders alike) analyses {how}; a result printed for "
        "a window without a time point keeps the window marked primary in the data "
        "(<code>criteria.time_point</code>)."
    )


def _follow_up_sentence(crit: dict) -> str:
    """How rates over different follow-up are kept apart (criteria.follow_up_windows)."""
    bounds = crit["follow_up_windows"]
    if not bounds:
        return "Studies are not split by follow-up."
    limits = ", ".join(f"{b:g}" for b in bounds)
    return (
        "Results over different follow-up are split by the study's follow-up window "
        f"(bounds {esc(limits)} months, <code>criteria.follow_up_windows</code>) when "
        "<code>follow_up_window</code> is among the subgroups."
    )


def _statement_sentence(crit: dict) -> str:
    """Whether zeros read from "none occurred" statements are pooled."""
    if crit["allow_counts_from_statements"]:
        return (
            "Zero counts read from a statement that no such event occurred are pooled as 0 "
            "events, and the sensitivity analyses re-pool without them."
        )
    return "Zero counts read from a statement that no such event occurred are not pooled."


def _prior_sensitivity(ctx: ReportInputs) -> str:
    """Which alternative tau priors the prior-sensitivity table uses."""
    spec = ctx.config["bayes"]["prior_sensitivity"]
    if not spec["alternatives"]:
        return "No alternative prior was configured for the prior-sensitivity table."
    labels = "; ".join(esc(a["label"]) for a in spec["alternatives"])
    return (
        f"Every analysis with 1 to {spec['max_k']} studies is also analysed under alternative "
        f"priors on \u03c4 ({labels}; the \u03bc prior unchanged): prior_sensitivity.tsv."
    )


def _items(ctx: ReportInputs) -> list[tuple[str, str, str]]:
    """(item number, title, HTML text) of each PRISMA item."""
    c = ctx.config
    crit, pool, harm = c["criteria"], c["pooling"], c["harmonize"]
    inference = INFERENCES.get(pool["inference"], pool["inference"])
    estimator = ESTIMATORS.get(pool["estimator"], pool["estimator"])

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
            f"{'admitted' if crit['allow_original_alsfrs'] else 'not admitted'}. "
            f"{_time_point_sentence(crit)} {_follow_up_sentence(crit)} "
            f"{_statement_sentence(crit)} One row "
            "per arm (or arm contrast) is analysed, preferring the higher evidence tier. "
            "Studies sharing patients are resolved by the overlap rule "
            f"<code>{esc(crit['overlap_rule'])}</code>. Every decision and every reason is in "
            "the <a href='#selection'>inclusion log</a>.",
        ),
        (
            "13b",
            "Preparing the data",
            f"{_proportions(ctx)} A count printed only as a "
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
            "Forest plots in the RevMan 5 layout (raw data per arm, weight, effect with "
            f"{ctx.study_level} CI, pooled diamond, prediction interval, heterogeneity and the "
            "test for the overall effect); proportions on a percentage axis. Subgroup forest "
            "plots, leave-one-out plots, a funnel plot when 10 or more studies are pooled, the "
            "PRISMA 2020 flow diagram and this summary-of-findings table.",
        ),
        (
            "13d",
            "Synthesis methods",
            f"Random-effects meta-analysis with \u03c4\u00b2 estimated by {estimator} and "
            f"{inference}; {level} confidence intervals. The {level} prediction "
            "interval is \u03bc \u00b1 c\u221a(SE\u00b2 + \u03c4\u00b2) with c from "
            f"{PREDICTIONS.get(pool['prediction'], pool['prediction'])}. "
            f"{_glmm_inference(ctx)}Beside each, the inverse-variance common-effect model; "
            "for two-arm binary comparisons also the Mantel-Haenszel odds and risk ratios "
            "(Robins-Breslow-Greenland and Greenland-Robins variances) and Peto's odds ratio, "
            "without continuity correction (pooled.tsv). Heterogeneity: "
            "Cochran's Q with its P value, I\u00b2 in its \u03c4\u00b2-based form "
            "(used for the certainty rules) and its Q-based form. "
            "Analyses with fewer than two studies are not pooled; the single study is "
            "shown. Software: see <a href='#reproducibility'>What was run</a>; pooling is "
            "checked against an independent reference implementation to a relative 1e-6. "
            + bayesian_methods(ctx),
        ),
        (
            "13e",
            "Exploring heterogeneity",
            f"Subgroup analyses by: {esc(subgroups)}. Each subgroup level is pooled "
            f"separately with the same model. {_subgroup_tests(ctx)}",
        ),
        (
            "13f",
            "Sensitivity analyses",
            f"Leave-one-out re-fits (same model) for every synthesis with at least "
            f"{MIN_K_LEAVE_ONE_OUT} studies. Alternative eligibility (secondary sources, "
            "unverified cell product, unreported n) is a separate run: <code>snakemake "
            "--configfile config/sensitivity_broad.yaml</code>. "
            f"{_prepost(ctx)} {_small_study(ctx)} {_prior_sensitivity(ctx)}",
        ),
    ]


def section(ctx: ReportInputs) -> str:
    parts = [
        section_head(ID, TITLE),
        "<p class='small'>PRISMA 2020 items 13a\u201313f, written from the configuration "
        "this report was built with.</p>",
    ]
    items = "".join(
        f"<h3 id='prisma-{number}'>{number}. {esc(title)}</h3><p>{text}</p>"
        for number, title, text in _items(ctx)
    )
    # The summary above the table says how the results were made; the items fold under it.
    parts.append(fold("Methods in full: PRISMA 2020 items 13a\u201313f", items))
    parts.append("</section>")
    return "\n".join(parts)
