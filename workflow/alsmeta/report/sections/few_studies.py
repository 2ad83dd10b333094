"""Few studies: the frequentist and the Bayesian result side by side, for every analysis
of at most :data:`MAX_K` studies, and the methods text of the Bayesian analysis.

Both come from pooled.tsv (its ``bayes_*`` columns); nothing is computed here.
"""

from __future__ import annotations

from alsmeta.analysis.headline import rule_text
from alsmeta.report.html import Num, analysis_id, esc, link, section_head, table
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.values import interval, short_reason, value

ID, TITLE = "few-studies", "Few studies: frequentist and Bayesian results"

#: The panel lists every analysis (overall and per subgroup level) with 1 to MAX_K studies.
MAX_K = 4
#: How the methods text names each ``bayes.priors`` entry.
SCALE_NAMES = {
    "log_odds_ratio": "log odds ratios",
    "log_risk_ratio": "log risk ratios",
    "risk_difference": "risk differences",
    "logit_proportion": "logit proportions (single-arm event rates)",
    "alsfrs_r_slope": "ALSFRS-R slopes and slope changes (points/month)",
    "alsfrs_r_points": "ALSFRS-R changes from baseline (points)",
    "fvc_slope": "FVC slopes and slope changes (% predicted/month)",
}
FAMILY_NAMES = {"half_normal": "half-normal", "half_cauchy": "half-Cauchy"}


def headers(ctx: ReportInputs) -> list[str]:
    """The table's columns, intervals at the configured level (pooling.level)."""
    level = ctx.level
    return [
        "Outcome",
        "Subgroup",
        "k",
        "Frequentist estimate",
        f"{level} CI",
        f"{level} PI",
        "\u03c4\u00b2",
        "Bayesian median",
        f"{level} CrI",
        f"{level} predictive interval",
        f"\u03c4 median ({level} CrI)",
        "Model",
    ]


def has_bayes(ctx: ReportInputs) -> bool:
    return any("bayes_status" in r for r in ctx.pooled)


def few_study_rows(ctx: ReportInputs) -> list[dict]:
    """pooled.tsv rows of the run's outcomes with 1 to MAX_K studies, in report order."""
    order = {o: i for i, o in enumerate(ctx.outcomes)}
    return [
        r
        for r in sorted(ctx.pooled, key=lambda r: order.get(r["outcome"], len(order)))
        if r["outcome"] in order and 1 <= int(r["k"]) <= MAX_K
    ]


def _tau_text(r: dict) -> str:
    return f"{r['bayes_tau_median']:.2f} ({r['bayes_tau_lower']:.2f} to {r['bayes_tau_upper']:.2f})"


def _cells(ctx: ReportInputs, r: dict) -> list:
    kind = ctx.kind(r["outcome"])
    variable, level = r["subgroup_variable"], str(r["subgroup_level"]).replace("_", " ")
    group = "overall" if variable == "overall" else f"{variable} = {level}"
    head = [esc(ctx.label(r["outcome"])), esc(group), Num(r["k"])]
    if r["status"] == "pooled":
        frequentist = [
            Num(link(analysis_id(r), esc(value(kind, r["estimate"])))),
            Num(esc(interval(kind, r["ci_lower"], r["ci_upper"]))),
            Num(esc(interval(kind, r["pi_lower"], r["pi_upper"]))),
            Num(f"{r['tau2']:.3g}"),
        ]
    else:
        frequentist = [
            f"<span class='na'>not pooled ({esc(short_reason(r['reason']))})</span>",
            "",
            "",
            "",
        ]
    if r.get("bayes_status") == "pooled":
        bayesian = [
            Num(esc(value(kind, r["bayes_estimate"]))),
            Num(esc(interval(kind, r["bayes_cri_lower"], r["bayes_cri_upper"]))),
            Num(esc(interval(kind, r["bayes_pred_lower"], r["bayes_pred_upper"]))),
            Num(esc(_tau_text(r))),
            esc(r["bayes_model"]),
        ]
    else:
        reason = short_reason(r.get("bayes_reason") or "not computed")
        bayesian = [f"<span class='na'>{esc(reason)}</span>", "", "", "", ""]
    return [*head, *frequentist, *bayesian]


def framework_sentence(ctx: ReportInputs) -> str:
    """Which framework the summary of findings and the forest plots' totals use."""
    pooling = ctx.config["pooling"]
    if pooling["primary_framework"] == "auto":
        return (
            "Headline results (the summary of findings, its statements and the total diamond "
            "of each forest plot) follow one rule. "
            + rule_text("auto", pooling["bayesian_headline_max_k"])
        )
    if pooling["primary_framework"] == "bayesian":
        return (
            "Headline results (the summary of findings and the total diamond of each forest "
            f"plot) are Bayesian: posterior medians with {ctx.level} credible intervals; the "
            "frequentist ones are in pooled.tsv and, for analyses of few studies, beside "
            "them in the section Few studies."
        )
    return (
        "Headline results (the summary of findings and the total diamond of each forest "
        "plot) are frequentist; the Bayesian ones are in pooled.tsv and, for analyses of "
        "few studies, beside them in the section Few studies."
    )


def section(ctx: ReportInputs) -> str:
    parts = [
        section_head(ID, TITLE),
        "<p>Most analyses here rest on one to four studies. With so few, the frequentist "
        "random-effects model estimates the between-study spread \u03c4 from almost no "
        "information: its interval, built on a t distribution with k \u2212 1 degrees of "
        "freedom, can run over several orders of magnitude with two studies, and it cannot "
        "pool one study, or studies with no events at all. The Bayesian analysis of the same "
        "rows states what is plausible for \u03c4 before seeing the data (a weakly "
        f"informative prior, see Methods 13d) and averages over it. Its {ctx.level} credible "
        f"interval (CrI) is the range that holds the pooled effect with {ctx.level} "
        "probability given the "
        "model and the priors; its predictive interval is where the effect of a new study "
        f"is expected to fall. {esc(framework_sentence(ctx))}</p>",
        f"<p class='small'>Every analysis with 1 to {MAX_K} studies, overall and per "
        "subgroup level. \u03c4\u00b2 and \u03c4 are on the analysis scale (log odds "
        "ratio, logit proportion, or the outcome's unit); proportions are modelled on the "
        "logit scale with the binomial likelihood (binomial-normal model), other effects "
        "with a normal likelihood of their estimate and standard error (normal-normal "
        "model).</p>",
    ]
    if not has_bayes(ctx):
        parts.append(
            "<p class='na'>pooled.tsv has no Bayesian columns: it was made by a pipeline "
            "version without the Bayesian analysis. Re-run the pipeline.</p></section>"
        )
        return "\n".join(parts)
    rows = few_study_rows(ctx)
    if rows:
        parts.append(table(headers(ctx), [_cells(ctx, r) for r in rows]))
    else:
        parts.append(f"<p>No analysis has 1 to {MAX_K} studies.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _prior_text(prior: dict) -> str:
    tau, mu = prior["tau"], prior["mu"]
    if tau["family"] == "lognormal":
        tau_text = (
            f"log-normal on \u03c4\u00b2 (log \u03c4\u00b2 with mean {tau['meanlog']:g} and "
            f"SD {tau['sdlog']:g})"
        )
    else:
        tau_text = f"{FAMILY_NAMES[tau['family']]} with scale {tau['scale']:g}"
    return f"\u03c4 {tau_text}; \u03bc normal with mean {mu['mean']:g} and SD {mu['sd']:g}"


def methods_text(ctx: ReportInputs) -> str:
    """Methods 13d: the Bayesian model, its priors per scale used, integration, framework."""
    bayes = ctx.config["bayes"]
    used = {r.get("bayes_prior_key") for r in ctx.pooled if r.get("bayes_status") == "pooled"}
    keys = [k for k in SCALE_NAMES if k in used] or list(SCALE_NAMES)
    priors = "; ".join(
        f"{esc(SCALE_NAMES[k])}: {esc(_prior_text(bayes['priors'][k]))}" for k in keys
    )
    errors = [
        r["bayes_integration_error"]
        for r in ctx.pooled
        if r.get("bayes_status") == "pooled" and r.get("bayes_integration_error") is not None
    ]
    error = (
        f" Halving the number of nodes moves no reported quantile by more than "
        f"{max(errors):.1g} (analysis scale)."
        if errors
        else ""
    )
    level = f"{ctx.config['pooling']['level']:.0%}"
    return (
        "Beside it, a Bayesian random-effects meta-analysis of the same rows, for every "
        "analysis with at least one study: a normal likelihood of each study's estimate "
        "with its standard error (normal-normal model), or, for single-arm event counts, "
        "the binomial likelihood of the counts on the logit scale (binomial-normal model), "
        "with normally distributed true study effects around the pooled effect \u03bc with "
        f"between-study SD \u03c4. Priors, per analysis scale: {priors}. The \u03c4 priors "
        "are weakly informative (R\u00f6ver et al. 2021, Research Synthesis Methods; "
        "Friede et al. 2017, Biometrical Journal): half-normal with scale 0.5 for log odds "
        "ratios, and for mean differences half the between-patient SD the trials print; "
        "each reason is stated in the configuration. The posterior is computed by "
        f"numerical integration over \u03c4 ({bayes['grid_points']} quadrature nodes), with "
        f"no random sampling.{error} Results are posterior medians with central {level} "
        f"credible intervals, {level} predictive intervals for a new study, and, under the "
        "normal-normal model, each study's shrinkage estimate (its true effect given all the "
        "studies). "
        f"{framework_sentence(ctx)}"
    )
