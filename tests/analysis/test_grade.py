"""GRADE for the summary of findings (alsmeta.analysis.grade): start level by design, every
domain, recorded judgements, the headline rule and the wording, on rows a reader can check."""

import math

import pytest

from alsmeta.analysis.grade import absolute, imprecision, risk_of_bias
from alsmeta.analysis.grade.evidence import Evidence
from alsmeta.analysis.grade.finding import finding
from alsmeta.analysis.grade.judgements import override
from alsmeta.analysis.grade.levels import LEVELS, Rating, certainty, level_label
from alsmeta.analysis.grade.settings import GradeSettings
from alsmeta.analysis.grade.start import start
from alsmeta.analysis.grade.table import COLUMNS, table_rows
from alsmeta.analysis.grade.wording import RATE_STATEMENTS, STATEMENTS, statement
from alsmeta.analysis.headline import headline_framework
from alsmeta.io.risk_of_bias import Judgement
from alsmeta.stats.random_effects import random_effects

TOOL = {
    "rct": "rob2",
    "case_control_external": "robins_i",
    "nonrandomized_controlled": "robins_i",
    "single_arm": "jbi_case_series",
}


def _judged(rows, overall):
    return {
        r["study_id"]: Judgement(r["study_id"], "all", TOOL[r["design"]], (), o)
        for r, o in zip(rows, overall, strict=True)
    }


def _rows(designs, **extra):
    return [
        {
            "effect_id": f"e{i}",
            "study_id": f"s{i}",
            "label": f"S{i}",
            "design": d,
            "tier": "paper",
            "product": "msc",
            "follow_up_months": 6,
            "estimate": 0.05,
            "ci_lower": 0.03,
            "ci_upper": 0.07,
            "n": 50,
            **extra,
        }
        for i, d in enumerate(designs)
    ]


def _pooled(**values):
    base = {
        "status": "pooled",
        "reason": "",
        "k": 3,
        "n_total": 200,
        "estimate": 0.05,
        "ci_lower": 0.03,
        "ci_upper": 0.07,
        "pi_lower": 0.02,
        "pi_upper": 0.1,
        "i2_tau2_pct": 10.0,
        "bayes_status": "not_pooled",
    }
    return {**base, **values}


def _evidence(kind, rows, weights=None, overall=None):
    judged = _judged(rows, overall) if overall else {}
    return Evidence("o", kind, tuple(rows), weights or {}, judged)


def _levels(f):
    return {r.domain: r.levels for r in f.ratings}


FREQUENTIST = GradeSettings(headline="frequentist")


def test_randomized_trials_start_high_non_randomised_evidence_low():
    """Balshem et al. 2011 (GRADE 3); Schünemann et al. 2019 (GRADE 18) for ROBINS-I."""
    s = GradeSettings()
    rct = _evidence("slope_change_difference", _rows(["rct", "rct"]), {"e0": 50.0, "e1": 50.0})
    assert start(rct, s).level == "High"
    rows = _rows(["case_control_external"])
    with_robins = _evidence("slope_change_difference", rows, overall=["moderate"])
    assert start(with_robins, s).level == "High" and "ROBINS-I" in start(with_robins, s).reason
    assert start(with_robins, GradeSettings(robins_i_high=False)).level == "Low"
    # Single-arm rates: non-randomised by default, High only under GRADE for prognosis.
    rates = _evidence("proportion", _rows(["single_arm"]))
    assert start(rates, s).level == "Low" and "nonrandomized" in start(rates, s).reason
    assert start(rates, GradeSettings(event_rates="prognosis")).level == "High"
    # A before-after change starts Low even in the MSC arm of a randomized trial.
    within = _evidence("slope_change", _rows(["rct"]))
    assert start(within, s).level == "Low" and "regression to the mean" in start(within, s).reason


def test_certainty_moves_from_the_start_within_the_four_levels():
    down = [Rating("a", -1, ""), Rating("b", -2, "")]
    assert certainty("High", down) == "Very low"
    assert certainty("Low", [Rating("a", -1, "")]) == "Very low"
    assert certainty("Low", [Rating("a", 2, "")]) == "High"
    assert certainty("High", [Rating("a", 1, "")]) == "High"
    assert (
        level_label(0.95) == "95%" and level_label(0.9) == "90%" and level_label(0.995) == "99.5%"
    )


def test_risk_of_bias_rates_down_an_outcome_carried_by_trials_with_some_concerns():
    """GRADE 4 (Guyatt et al. 2011): some_concerns_share 50 by default."""
    rows = _rows(["rct", "rct"])
    w = {"e0": 60.0, "e1": 40.0}
    some = risk_of_bias.rating(
        _evidence("slope_change_difference", rows, w, ["some_concerns", "low"])
    )
    assert some.levels == -1 and "some_concerns_share" in some.reason
    off = {"grade": {"serious_share": 50, "very_serious_share": 50, "some_concerns_share": None}}
    lighter = _evidence("slope_change_difference", rows, w, ["low", "some_concerns"])
    assert risk_of_bias.rating(lighter).levels == 0
    assert risk_of_bias.rating(_evidence("x", rows, w, ["some_concerns", "low"]), off).levels == 0
    high = risk_of_bias.rating(_evidence("x", rows, w, ["high", "low"]))
    assert high.levels == -1 and high.reason.startswith("serious: 60% of the weight at high risk")
    rows[0]["design"] = "case_control_external"
    critical = risk_of_bias.rating(_evidence("x", rows, w, ["critical", "low"]))
    assert critical.levels == -2
    # An unappraised study counts as high risk.
    assert risk_of_bias.rating(_evidence("x", _rows(["rct"]))).levels == -1


def test_indirectness_rates_down_evidence_carried_by_a_modified_product():
    rows = _rows(["rct", "rct"])
    rows[0]["product"] = "msc_ntf"
    w = {"e0": 79.0, "e1": 21.0}
    f = finding(
        _evidence("binary_comparison", rows, w, ["low", "low"]), _definition(), _or(), FREQUENTIST
    )
    rating = f.rating("Indirectness")
    assert rating.levels == -1 and "79% of the weight from MSC-NTF" in rating.reason
    # A recorded surrogate-outcome judgement adds its level, with reason and source shown.
    surrogate = {
        "outcome": "o",
        "domain": "indirectness_outcome",
        "judgement": "serious",
        "reason": "a surrogate outcome",
        "source": "GRADE 8",
        "line": 2,
    }
    f = finding(
        _evidence("binary_comparison", rows, w, ["low", "low"]),
        _definition(),
        _or(),
        FREQUENTIST,
        [surrogate],
    )
    rating = f.rating("Indirectness")
    assert rating.levels == -2 and "data/grade_judgements.tsv line 2" in rating.reason
    assert "[source: GRADE 8]" in rating.reason


def test_a_recorded_judgement_replaces_the_rule_and_says_what_the_rule_gives():
    computed = Rating("Risk of bias", -1, "serious: 60% ...")
    row = {
        "judgement": "not_serious",
        "reason": "the concerns do not bear on death",
        "source": "panel",
        "line": 5,
    }
    replaced = override(computed, row)
    assert replaced.levels == 0 and replaced.source == "judgement"
    assert "replaces the rule, which gives -1: serious: 60%" in replaced.reason
    assert override(computed, None) is computed


def test_imprecision_applies_the_optimal_information_size_to_every_outcome_type(config):
    """GRADE 6: events for comparisons, participants for differences, rates and changes."""
    t = imprecision.Imprecision.from_config(config["grade"])
    rate = imprecision.rating(
        "proportion", 0.06, 0.09, "95% CI", thresholds=t, rows=_rows(["single_arm"])
    )
    assert (
        rate.levels == -1
        and "50 participants, below the optimal information size of 400" in rate.reason
    )
    change = imprecision.rating(
        "slope_change", 0.67, 1.59, "95% CI", thresholds=t, rows=_rows(["rct"])
    )
    assert change.levels == -1 and "below the optimal information size of 250" in change.reason
    many = _rows(["rct"], n=300)
    assert (
        imprecision.rating("slope_change", 0.67, 1.59, "95% CI", thresholds=t, rows=many).levels
        == 0
    )
    # An interval including both appreciable effects is already two levels: no more.
    both = imprecision.rating(
        "slope_change", -1.0, 2.0, "95% CI", thresholds=t, rows=_rows(["rct"])
    )
    assert both.levels == -2


def test_absolute_effect_of_an_odds_ratio_as_the_cochrane_handbook_computes_it():
    # Cochrane Handbook 5.1, section 12.5.4.3: OR 0.73 at ACR 0.3 is "62 fewer per 1000";
    # section 12.5.4.2: RR 0.92 at ACR 0.3 is "24 fewer per 1000".
    assert absolute.per_1000(absolute.corresponding_risk("OR", 0.3, 0.73) - 0.3) == "62 fewer"
    assert absolute.per_1000(absolute.corresponding_risk("RR", 0.3, 0.92) - 0.3) == "24 fewer"
    assert absolute.corresponding_risk("RD", 0.3, -0.05) == 0.25
    assert absolute.corresponding_risk("RR", 0.6, 2.0) == 1.0


def test_statements_are_worded_for_their_certainty_as_grade_advises():
    # Santesso et al. 2020 (GRADE guidelines 26), Table 2.
    label, kind = "Death, MSC vs control (odds ratio)", "binary_comparison"
    said = {c: statement(kind, label, c, est=2.0) for c in LEVELS}
    assert said == {
        "High": "MSC increases the risk of death.",
        "Moderate": "MSC probably increases the risk of death.",
        "Low": "MSC may increase the risk of death.",
        "Very low": "The evidence is very uncertain about the effect of MSC on the risk of death.",
    }
    assert statement(kind, label, "Moderate", est=1.1) == (
        "MSC probably results in little to no difference in the risk of death."
    )
    assert set(STATEMENTS) == set(RATE_STATEMENTS) == set(LEVELS)


def test_a_before_after_change_is_never_worded_as_an_effect_of_msc():
    label = "Change in ALSFRS-R slope after vs before MSC (points/month)"
    low = statement("slope_change", label, "Low", est=1.13)
    assert low == (
        "The ALSFRS-R decline after MSC may have been about 1.13 points/month slower than "
        "before, in uncontrolled before-after comparisons; this does not show an effect of MSC."
    )
    for level in LEVELS:
        said = statement("slope_change", label, level, est=1.13)
        assert "does not show an effect of MSC" in said and "MSC slows" not in said


def _one_slope_trial(settings=None, overall="low"):
    """One randomized trial's slope difference, MD 1.10 (0.40 to 1.80) points/month."""
    rows = _rows(["rct"], estimate=1.1, ci_lower=0.4, ci_upper=1.8, comparator_n=27)
    return finding(
        _evidence("slope_change_difference", rows, overall=[overall]),
        {"label": "D", "kind": "slope_change_difference"},
        _pooled(status="not_pooled", reason="k = 1", k=1),
        settings,
    )


def test_nothing_is_extrapolated_beyond_the_follow_up():
    f = _one_slope_trial()
    assert f.absolute == "1.10 points/month slower decline than control, over 6 months of follow-up"
    assert "year" not in f.absolute and f.follow_up == "6 months"


def test_an_event_rate_leads_with_the_average_rate_across_studies():
    rows = [
        {**r, "events": e}
        for r, e in zip(_rows(["single_arm", "single_arm", "rct"]), (0, 0, 23), strict=True)
    ]
    pooled = _pooled(
        estimate=0.028,
        ci_lower=0.0002,
        ci_upper=0.743,
        marginal_estimate=0.0998,
        marginal_ci_lower=0.0126,
        marginal_ci_upper=0.4904,
        bayes_status="pooled",
        bayes_estimate=0.12,
        bayes_cri_lower=0.023,
        bayes_cri_upper=0.394,
    )
    f = finding(
        _evidence("proportion", rows), {"label": "Serious AEs", "kind": "proportion"}, pooled
    )
    assert f.framework == "frequentist"
    assert f.effect == "average rate across studies 10.0% (95% CI 1.3% to 49.0%)"
    assert f.events == "23 events in 150 participants (3 studies)"
    assert "rate of a typical study, expit(\u03bc), 2.8%" in f.other_framework
    assert "Bayesian typical-study rate 12.0% (95% CrI 2.3% to 39.4%)" in f.other_framework
    assert f.start.level == "Low" and f.certainty == "Very low"


def test_the_interval_level_comes_from_the_config():
    f = _one_slope_trial(GradeSettings(level=0.9))
    assert f.effect == "MD 1.10 points/month (90% CI 0.40 to 1.80)" and "95%" not in f.effect


def test_the_headline_rule_reads_the_number_of_studies():
    two = {"k": 2, "status": "pooled", "bayes_status": "pooled"}
    assert headline_framework(two, "binary_comparison", "auto", 4) == "bayesian"
    assert headline_framework({**two, "k": 5}, "binary_comparison", "auto", 4) == "frequentist"
    assert headline_framework({**two, "k": 1}, "binary_comparison", "auto", 4) == "frequentist"
    assert headline_framework(two, "proportion", "auto", 4) == "frequentist"
    assert headline_framework(two, "binary_comparison", "frequentist", 4) == "frequentist"
    unpooled = {**two, "bayes_status": "not_pooled"}
    assert headline_framework(unpooled, "binary_comparison", "bayesian", 4) == "frequentist"


def _definition():
    return {
        "label": "Serious adverse events, MSC vs control (odds ratio)",
        "kind": "binary_comparison",
        "measure": "OR",
    }


def _or():
    return _pooled(estimate=1.45, ci_lower=0.72, ci_upper=2.93, pi_lower=0.5, pi_upper=4.0)


def _log_or(a, n1, c, n2):
    b, d = n1 - a, n2 - c
    return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


def test_two_small_trials_never_look_more_certain_than_one_large_one(config):
    """Cudkowicz 2022 serious AEs 23/95 vs 17/94 with a small sham-controlled trial 3/24 vs
    2/24: with the modified Knapp-Hartung (Röver, Knapp & Friede 2015) the interval includes
    1, and the certainty is no higher than Low, worded "may" or "very uncertain"."""
    y, v = zip(_log_or(23, 95, 17, 94), _log_or(3, 24, 2, 24), strict=True)
    fit = random_effects(y, v, "REML", inference="knapp_hartung_adhoc")
    lo, hi = math.exp(fit.ci_lower), math.exp(fit.ci_upper)
    assert lo < 1 < hi
    rows = [
        {**r, "events": e, "n": n, "comparator_events": ce, "comparator_n": cn}
        for r, (e, n, ce, cn) in zip(
            _rows(["rct", "rct"]), ((23, 95, 17, 94), (3, 24, 2, 24)), strict=True
        )
    ]
    pooled = _pooled(
        k=2,
        estimate=math.exp(fit.estimate),
        ci_lower=lo,
        ci_upper=hi,
        pi_lower=math.exp(fit.pi_lower),
        pi_upper=math.exp(fit.pi_upper),
        i2_tau2_pct=100 * fit.i2_tau2,
    )
    weights = {"e0": fit.weights_pct[0], "e1": fit.weights_pct[1]}
    settings = GradeSettings.from_config(
        {**config, "pooling": {**config["pooling"], "primary_framework": "frequentist"}}
    )
    f = finding(
        _evidence("binary_comparison", rows, weights, ["some_concerns", "some_concerns"]),
        _definition(),
        pooled,
        settings,
    )
    assert LEVELS.index(f.certainty) <= LEVELS.index("Low")
    assert " may " in f.statement or "very uncertain" in f.statement
    assert _levels(f)["Imprecision"] == -2 and _levels(f)["Risk of bias"] == -1


def test_the_table_has_a_column_per_domain_and_the_start():
    f = _one_slope_trial(overall="high")
    row = table_rows([f])[0]
    assert list(row) == COLUMNS
    assert row["start"].startswith("High: randomized trials")
    for column in (
        "risk_of_bias",
        "inconsistency",
        "indirectness",
        "imprecision",
        "publication_bias",
    ):
        assert row[column]
    assert row["risk_of_bias"].startswith("-1: serious")


@pytest.mark.parametrize("event_rates", ["nonrandomized", "prognosis"])
def test_every_config_choice_is_read(config, event_rates):
    grade = {**config["grade"], "start": {**config["grade"]["start"], "event_rates": event_rates}}
    s = GradeSettings.from_config({**config, "grade": grade})
    assert s.event_rates == event_rates and s.importance["death"] == "critical"
    assert s.importance_of("headache") == ("not_important", False)
    assert s.importance_of("any_ae") == ("important", True)
    assert s.risk_of_bias["grade"]["some_concerns_share"] == 50


def test_responder_comparisons_with_different_thresholds_read_differently():
    from alsmeta.analysis.grade.wording import statement

    labels = [
        "Responders, ALSFRS-R slope improved by >= 50%, MSC vs control (odds ratio)",
        "Responders, ALSFRS-R slope gained >= 1.25 points/month, MSC vs control (odds ratio)",
        "Responders on the ALSFRS-R slope, any threshold as reported, MSC vs control "
        "(odds ratio; sensitivity analysis)",
    ]
    said = [statement("responder_odds_ratio", label, "Very low", 2.0) for label in labels]
    assert said == [
        "The evidence is very uncertain about the effect of MSC on response defined as "
        "ALSFRS-R slope improved by >= 50%.",
        "The evidence is very uncertain about the effect of MSC on response defined as "
        "ALSFRS-R slope gained >= 1.25 points/month.",
        "The evidence is very uncertain about the effect of MSC on response on the ALSFRS-R "
        "slope, any threshold as reported.",
    ]
    assert statement("responder_odds_ratio", labels[0], "Low", 5.83) == (
        "MSC may increase response defined as ALSFRS-R slope improved by >= 50%."
    )
