"""The GRADE rules as the report prints them, with the configured thresholds."""

from __future__ import annotations

from alsmeta.analysis.grade import (
    imprecision,
    inconsistency,
    indirectness,
    publication_bias,
    risk_of_bias,
    upgrading,
)
from alsmeta.analysis.grade.levels import level_label
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.grade.wording import RULE as WORDING
from alsmeta.analysis.headline import rule_text as headline_rule


def rules(settings: GradeSettings | None = None) -> tuple[tuple[str, str], ...]:
    """(name, text) of every rule, in the order the report prints them."""
    s = settings or GradeSettings()
    ci = f"{level_label(s.level)} CI"
    start = (
        "Balshem et al. 2011, GRADE guidelines 3 (J Clin Epidemiol 64:401): randomized trials "
        "start High, non-randomised evidence Low. Non-randomised comparisons assessed with "
        "ROBINS-I start High "
        + (
            "(grade.start.robins_i_starts_high: true; Schünemann et al. 2019, GRADE guidelines "
            "18, J Clin Epidemiol 111:105), and their ROBINS-I judgements rate them down"
            if s.robins_i_high
            else "only if grade.start.robins_i_starts_high is true (it is false here)"
        )
        + f". A body of evidence starts High when studies that start High carry "
        f"{s.randomized_share:g}% of its weight or more (grade.start.high_start_share). "
        "Event rates in treated arms without a comparator "
        + (
            "start Low, as non-randomised evidence (grade.start.event_rates: nonrandomized; "
            "the alternative, prognosis, grades them as risks under GRADE for prognosis, "
            "Iorio et al. 2015, BMJ 350:h870, starting High)"
            if s.event_rates == "nonrandomized"
            else "are graded as risks under GRADE for prognosis and start High "
            "(grade.start.event_rates: prognosis; Iorio et al. 2015, BMJ 350:h870)"
        )
        + ". A before-after change within treated arms starts Low whatever the design it "
        "comes from (no concurrent control; regression to the mean)."
    )
    return (
        ("Headline", headline_rule(s.headline, s.bayesian_headline_max_k)),
        ("Start level", start),
        ("Risk of bias", risk_of_bias.rule_text(s.risk_of_bias)),
        ("Inconsistency", inconsistency.RULE),
        ("Indirectness", indirectness.rule_text(s)),
        ("Imprecision", imprecision.rule_text(ci, s.imprecision)),
        ("Publication bias", publication_bias.rule_text(s)),
        ("Rating up", upgrading.rule_text(s)),
        (
            "Recorded judgements",
            "A row of data/grade_judgements.tsv (outcome, domain, judgement, reason, source) "
            "replaces the rule of its domain for its outcome; the domain's reason says so, "
            "and what the rule alone gives.",
        ),
        (
            "Importance and follow-up",
            "Each outcome's importance (critical, important, not important; GRADE: Guyatt et "
            "al. 2011, GRADE guidelines 2, J Clin Epidemiol 64:395) is config "
            f"grade.outcomes.<outcome>.importance, else grade.default_importance "
            f"({s.default_importance.replace('_', ' ')}). Follow-up is the range of the "
            "analysed studies' follow-up (data/studies.tsv).",
        ),
        (
            "Absolute effects",
            "Comparisons of counts: the assumed control risk is the median control-group risk "
            "of the analysed studies; the risk with MSC is ACR \u00d7 OR / (1 \u2212 ACR + ACR "
            "\u00d7 OR) for an odds ratio, ACR \u00d7 RR for a risk ratio, ACR + RD for a risk "
            "difference, and the difference per 1,000 and its interval follow from the pooled "
            "ratio and its limits (Cochrane Handbook 5.1, sections 12.5.4.2-12.5.4.3). Event "
            "rates are headlined as the average rate across studies (the GLMM's "
            "population-averaged rate) with the summed events and participants beside it; "
            "the rate of a typical study, expit(\u03bc), is a labelled secondary number. "
            "Rates no model could pool are given as their summed counts with an exact "
            "(Clopper-Pearson) interval, assuming one common rate across studies. Changes "
            "per month are given per month over the follow-up observed, never extrapolated.",
        ),
        ("Plain-language statements", WORDING),
    )
