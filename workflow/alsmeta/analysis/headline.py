"""Which framework's result is an analysis' headline: one rule, read by the summary of
findings (its effect, certainty and plain-language statement), the forest plots' total
diamond and the report.

Config ``pooling.primary_framework``: ``frequentist`` or ``bayesian`` for every analysis,
or ``auto`` (the default), which reads the number of studies: with at most
``pooling.bayesian_headline_max_k`` studies the Bayesian result is the headline, above it
the frequentist one. With two to four studies the frequentist random-effects model
estimates the between-study variance from almost no information, and its interval can
run over orders of magnitude or, with Knapp-Hartung and agreeing studies, be narrower
than either study's own (Röver, Knapp & Friede 2015, BMC Med Res Methodol 15:99; Friede et
al. 2017, Biometrical Journal 59:658); the Bayesian analysis with a weakly informative
prior on the heterogeneity is the recommended alternative for so few studies (Friede et al.
2017; Röver et al. 2021, Res Synth Methods 12:448).

Under ``auto`` two cases keep the frequentist headline whatever the number of studies:

* one study: nothing is pooled, and the study's own result is the headline (a
  random-effects interval for one study mostly reflects the prior on the between-study
  spread);
* single-arm event rates: their headline is the average rate across studies, which only
  the binomial-normal GLMM's population-averaged rate estimates here (the Bayesian model
  reports the rate of a typical study, expit(mu), and with zero events everywhere mostly
  its prior); rates no model can pool are given as their summed counts with an exact
  interval. The Bayesian typical-study rate stands beside the headline.

Where the Bayesian analysis did not pool (no study), the frequentist result is the
headline. The frequentist result of one study is that study's own estimate, and of rates
no model could pool the summed counts (see :mod:`alsmeta.analysis.grade.absolute`).
"""

from __future__ import annotations

from alsmeta.kinds import is_event_rate

FREQUENTIST, BAYESIAN = "frequentist", "bayesian"
#: pooling.primary_framework values.
SETTINGS = (FREQUENTIST, BAYESIAN, "auto")


def headline_framework(row: dict, kind: str, primary: str, max_k: int) -> str:
    """``frequentist`` or ``bayesian``: the headline framework of one pooled.tsv row.

    ``kind``: the outcome kind; ``primary``: config ``pooling.primary_framework``;
    ``max_k``: config ``pooling.bayesian_headline_max_k`` (read by ``auto`` only).
    """
    if primary == "auto":
        k = row.get("k") or 0
        wanted = BAYESIAN if 2 <= k <= max_k and not is_event_rate(kind) else FREQUENTIST
    else:
        wanted = primary
    if wanted == BAYESIAN and row.get("bayes_status") != "pooled":
        return FREQUENTIST
    return wanted


def rule_text(primary: str, max_k: int) -> str:
    """The headline rule as the methods and the summary of findings state it."""
    if primary == FREQUENTIST:
        chosen = "the frequentist random-effects result for every analysis"
    elif primary == BAYESIAN:
        chosen = (
            "the Bayesian result (posterior median, central credible interval) for every analysis"
        )
    else:
        chosen = (
            f"the Bayesian result (posterior median, central credible interval) for analyses "
            f"of 2 to {max_k} studies, the frequentist random-effects result above {max_k} "
            "(pooling.primary_framework: auto; Friede et al. 2017, Biometrical Journal "
            "59:658: few-study meta-analysis); one study's own result where there is one; "
            "and for single-arm event rates the average rate across studies (the GLMM's "
            "population-averaged rate; summed counts with an exact interval where no model "
            "pools them) whatever their number of studies"
        )
    return (
        f"The headline is {chosen}; where the Bayesian analysis did not pool, the "
        "frequentist result. The other framework's result is shown beside it."
    )


#: The Bayesian result's columns of pooled.tsv that stand in for the frequentist ones:
#: status, posterior median, credible interval, predictive interval.
BAYESIAN_COLUMNS = {
    "status": "bayes_status",
    "reason": "bayes_reason",
    "estimate": "bayes_estimate",
    "ci_lower": "bayes_cri_lower",
    "ci_upper": "bayes_cri_upper",
    "pi_lower": "bayes_pred_lower",
    "pi_upper": "bayes_pred_upper",
}


def bayesian_view(pooled: dict) -> dict:
    """A pooled.tsv row with its Bayesian result in the frequentist result's columns."""
    return {**pooled, **{key: pooled.get(column) for key, column in BAYESIAN_COLUMNS.items()}}
