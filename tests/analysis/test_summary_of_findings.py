"""The GRADE-style summary of findings (alsmeta.analysis.summary_of_findings): which domains
downgrade, by how much, on pooled rows a reader can check."""

from alsmeta.analysis import summary_of_findings as sof
from alsmeta.io.risk_of_bias import Judgement

TOOL = {"rct": "rob2", "case_control_external": "robins_i", "single_arm": "jbi_case_series"}


def _judged(rows, overall):
    """study_id -> a judgement with the given overall values (in row order)."""
    return {
        r["study_id"]: Judgement(r["study_id"], "all", TOOL[r["design"]], (), o)
        for r, o in zip(rows, overall, strict=True)
    }


def _pooled(**values):
    base = {
        "status": "pooled",
        "reason": "",
        "n_total": 200,
        "estimate": 0.05,
        "ci_lower": 0.03,
        "ci_upper": 0.07,
        "pi_lower": 0.02,
        "pi_upper": 0.1,
        "i2_tau2_pct": 10.0,
    }
    return {**base, **values}


def _rows(designs, tier="paper"):
    return [
        {
            "effect_id": f"e{i}",
            "study_id": f"s{i}",
            "label": f"S{i}",
            "design": d,
            "tier": tier,
            "estimate": 0.05,
            "ci_lower": 0.03,
            "ci_upper": 0.07,
            "n": 50,
        }
        for i, d in enumerate(designs)
    ]


def test_certainty_rules_for_an_adverse_event_rate():
    rows = _rows(["rct", "rct", "single_arm"])
    w = {"e0": 40.0, "e1": 40.0, "e2": 20.0}
    low = _judged(rows, ["low", "low", "low"])
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, _pooled(), rows, w, low)
    levels = {d.domain: d.levels for d in f.downgrades}
    # Narrow, consistent, at low risk of bias: only the single-arm (no comparator) domain.
    assert levels == {
        "Risk of bias": 0,
        "Inconsistency": 0,
        "Imprecision": 0,
        "Single-arm designs": 1,
    }
    assert f.certainty == "Moderate" and f.absolute == "50 per 1,000 (30 to 70)"
    wide = _pooled(ci_lower=0.01, ci_upper=0.4, i2_tau2_pct=80.0)
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, wide, rows, w, low)
    levels = {d.domain: d.levels for d in f.downgrades}
    assert levels["Inconsistency"] == 2 and levels["Imprecision"] == 2
    assert f.certainty == "Very low"


def test_certainty_rules_for_a_controlled_slope_difference():
    rows = _rows(["rct", "case_control_external"])
    w = {"e0": 30.0, "e1": 70.0}
    judged = _judged(rows, ["low", "serious"])
    definition = {"label": "D", "kind": "slope_change_difference"}
    f = sof.finding(
        "d",
        definition,
        _pooled(estimate=0.3, ci_lower=-0.3, ci_upper=0.9, pi_lower=-0.5, pi_upper=1.1),
        rows,
        w,
        judged,
    )
    by = {d.domain: d for d in f.downgrades}
    assert by["Risk of bias"].levels == 1 and "70%" in by["Risk of bias"].reason
    assert by["Imprecision"].levels == 2  # includes both -0.25 and +0.25
    assert by["Single-arm designs"].levels == 0
    f = sof.finding(
        "d",
        definition,
        _pooled(estimate=0.3, ci_lower=0.1, ci_upper=0.5, pi_lower=-0.2, pi_upper=0.8),
        rows,
        w,
        judged,
    )
    by = {d.domain: d for d in f.downgrades}
    assert by["Inconsistency"].levels == 1 and "includes no effect" in by["Inconsistency"].reason


def test_absolute_effect_of_an_odds_ratio_as_the_cochrane_handbook_computes_it():
    # Cochrane Handbook 5.1, section 12.5.4.3 ("Computing absolute risk reduction or NNT
    # from an odds ratio", handbook-5-1.cochrane.org/chapter_12/12_5_4_3_...): OR = 0.73
    # with an assumed control risk of 0.3 is "62 fewer per 1000".
    risk = sof.corresponding_risk("OR", 0.3, 0.73)
    assert risk == 0.3 * 0.73 / (1 - 0.3 + 0.3 * 0.73)
    assert sof._per_1000(risk - 0.3) == "62 fewer"
    # Section 12.5.4.2 (from a risk ratio): RR = 0.92 at ACR = 0.3 is "24 fewer per 1000".
    assert sof._per_1000(sof.corresponding_risk("RR", 0.3, 0.92) - 0.3) == "24 fewer"
    # A risk difference adds to the assumed risk; risks stay within [0, 1].
    assert sof.corresponding_risk("RD", 0.3, -0.05) == 0.25
    assert sof.corresponding_risk("RR", 0.6, 2.0) == 1.0


def _comparison_rows(control):
    return [
        {
            **r,
            "comparator_events": events,
            "comparator_n": n,
            "estimate": 1.5,
            "ci_lower": 0.7,
            "ci_upper": 3.0,
            "comparator_n_total": n,
        }
        for r, (events, n) in zip(_rows(["rct"] * len(control)), control, strict=True)
    ]


def test_an_odds_ratio_outcome_gets_its_absolute_effect_at_the_median_control_risk():
    rows = _comparison_rows([(10, 100), (30, 100), (20, 50)])  # risks 0.1, 0.3, 0.4
    definition = {"label": "Death, MSC vs control (odds ratio)", "kind": "binary_comparison"}
    pooled = _pooled(estimate=0.73, ci_lower=0.5, ci_upper=1.2, pi_lower=0.4, pi_upper=1.4)
    f = sof.finding("d", definition, pooled, rows, {"e0": 30.0, "e1": 30.0, "e2": 40.0})
    assert f.assumed_control_risk == 0.3
    assert f.assumed_control_risk_basis == "median control-group risk of the 3 studies"
    # The CI limits are transformed the same way: 0.5 -> 124 fewer, 1.2 -> 40 more.
    assert f.absolute == "62 fewer per 1,000 (from 124 fewer to 40 more)"
    assert f.effect == "OR 0.73 (95% CI 0.50 to 1.20)"
    row = sof.table_rows([f])[0]
    assert row["assumed_control_risk"] == 0.3 and row["statement"] == f.statement
    # A risk-ratio outcome says so and uses ACR x RR.
    f = sof.finding("d", {**definition, "measure": "RR"}, pooled, rows, {})
    assert f.effect.startswith("RR 0.73") and f.absolute.startswith("81 fewer per 1,000")
    assert "(risk ratio)" in {d.domain: d for d in f.downgrades}["Imprecision"].reason


def test_statements_are_worded_for_their_certainty_as_grade_advises():
    # Santesso et al. 2020 (GRADE guidelines 26), Table 2.
    label, kind = "Death, MSC vs control (odds ratio)", "binary_comparison"
    said = {c: sof.statement(kind, label, c, est=2.0) for c in sof.LEVELS}
    assert said == {
        "High": "MSC increases the risk of death.",
        "Moderate": "MSC probably increases the risk of death.",
        "Low": "MSC may increase the risk of death.",
        "Very low": "The evidence is very uncertain about the effect of MSC on the risk of death.",
    }
    assert sof.statement(kind, label, "Low", est=0.5) == "MSC may reduce the risk of death."
    # Within GRADE's appreciable thresholds (0.75 to 1.25): little to no difference.
    assert sof.statement(kind, label, "Moderate", est=1.1) == (
        "MSC probably results in little to no difference in the risk of death."
    )
    slope = "Difference in ALSFRS-R slope change, MSC vs control (points/month)"
    assert sof.statement("slope_change_difference", slope, "High", est=0.1) == (
        "MSC results in little to no difference in the decline in ALSFRS-R."
    )
    assert sof.statement("slope_change_difference", slope, "Low", est=1.1) == (
        "MSC may slow the decline in ALSFRS-R."
    )
    rate = sof.statement("proportion", "Headache", "Moderate", value="50 per 1,000")
    assert rate == "The rate of headache with MSC is probably about 50 per 1,000."
    # Every wording comes from the tables of statements, one per certainty level.
    assert set(sof.STATEMENTS) == set(sof.RATE_STATEMENTS) == set(sof.LEVELS)


def test_rates_without_events_give_counts_and_an_exact_bound_on_the_sums():
    sizes = [7, 26, 33, 75]
    rows = [
        {**r, "events": 0, "n": n} for r, n in zip(_rows(["single_arm"] * 4), sizes, strict=True)
    ]
    definition = {"label": "Treatment-related serious adverse events", "kind": "proportion"}
    pooled = {"status": "not_pooled", "reason": "every study has 0 events", "n_total": 141}
    f = sof.finding("t", definition, pooled, rows, {})
    assert f.effect == "0 events in 141 participants (4 studies)"
    # Clopper-Pearson at x = 0 has the closed form 1 - (alpha/2)^(1/n): 25.8 per 1,000.
    upper = 1 - 0.025 ** (1 / 141)
    assert round(1000 * upper) == 26
    assert f.absolute == (
        "0 per 1,000 (0 to 26): exact 95% CI on the summed counts, "
        "assuming one common rate across studies"
    )
    assert f.certainty in sof.LEVELS and f.statement.endswith("(at most 26 per 1,000).")
    assert "assuming one common rate across studies" in f.notes[0]
    # pooled.tsv's common-rate columns, where the analysis wrote them, are used as they are.
    with_columns = {**pooled, "common_rate_ci_lower": 0.0, "common_rate_ci_upper": 0.03}
    assert sof.common_rate(with_columns, rows) == (0, 141, 0.0, 0.03)
    events, n, lo, hi = sof.common_rate(pooled, rows)
    assert (events, n, lo) == (0, 141, 0.0) and abs(hi - upper) < 1e-12


def test_risk_of_bias_domain_follows_the_judgements_and_their_weights():
    rows = _rows(["rct", "rct"])
    definition = {"label": "D", "kind": "slope_change_difference"}
    pooled = _pooled(estimate=0.5, ci_lower=0.3, ci_upper=0.7, pi_lower=0.2, pi_upper=0.8)
    w = {"e0": 60.0, "e1": 40.0}

    def graded(overall, rob=None):
        f = sof.finding("d", definition, pooled, rows, w, _judged(rows, overall), rob)
        return f.certainty, {d.domain: d for d in f.downgrades}["Risk of bias"]

    certainty, domain = graded(["low", "low"])
    assert (certainty, domain.levels) == ("High", 0)
    # The heavier study at high risk: 60% of the weight, down one level.
    certainty, domain = graded(["high", "low"])
    assert (certainty, domain.levels) == ("Moderate", 1)
    assert domain.reason.startswith("serious: 60% of the weight at high risk or worse")
    assert "S0: RoB 2 high" in domain.reason
    # The lighter one at high risk: 40% < 50%, not downgraded.
    assert graded(["low", "high"])[1].levels == 0
    # Some concerns downgrade only when configured to.
    assert graded(["some_concerns", "some_concerns"])[1].levels == 0
    rule = {"grade": {"serious_share": 50, "very_serious_share": 50, "some_concerns_share": 50}}
    assert graded(["some_concerns", "some_concerns"], rule)[1].levels == 1
    # Critical (ROBINS-I) with most of the weight: down two levels.
    rows[0]["design"] = "case_control_external"
    certainty, domain = graded(["critical", "low"])
    assert (certainty, domain.levels) == ("Low", 2)


def test_an_unappraised_study_counts_as_high_risk():
    rows = _rows(["rct"])
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, _pooled(), rows, {"e0": 100.0})
    domain = {d.domain: d for d in f.downgrades}["Risk of bias"]
    assert domain.levels == 1 and "S0: not assessed" in domain.reason


def test_a_bayesian_grading_rewords_the_statement_for_its_certainty():
    # One study: the frequentist row is the study itself; the Bayesian one is graded with
    # heterogeneity not assessable, and its statement follows the certainty it ends with.
    rows = _rows(["rct"])
    definition = {"label": "D, MSC vs control (points/month)", "kind": "slope_change_difference"}
    pooled = {
        **_pooled(status="not_pooled", reason="k = 1"),
        "bayes_status": "pooled",
        "bayes_estimate": 1.0,
        "bayes_cri_lower": 0.5,
        "bayes_cri_upper": 1.5,
        "bayes_pred_lower": -0.2,  # the inner grading takes one level for this; one study does not
        "bayes_pred_upper": 1.8,
        "bayes_model": "normal-normal",
        "bayes_prior": "tau: half-normal, scale 0.5",
    }
    rows[0].update(estimate=1.0, ci_lower=0.5, ci_upper=1.5)
    f = sof.finding("d", definition, pooled, rows, {"e0": 100.0}, framework="bayesian")
    assert f.effect == "MD 1.00 points/month (95% CrI 0.50 to 1.50)"
    assert f.statement == sof.statement(definition["kind"], definition["label"], f.certainty, 1.0)
    # Unappraised (high risk): one level down; the CrI lies beyond an appreciable 0.25
    # points/month (no information size applied without the thresholds), so "probably".
    assert (f.certainty, f.statement) == (
        "Moderate",
        "MSC probably slows the decline in ALSFRS-R.",
    )


def _two_arm_rows(events, comparator_events, n=100):
    return [
        {
            **row,
            "events": e,
            "comparator_events": c,
            "n": n,
            "comparator_n": n,
        }
        for row, e, c in zip(_rows(["rct"] * len(events)), events, comparator_events, strict=True)
    ]


def test_imprecision_thresholds_and_information_size_come_from_the_config(config):
    """GRADE 6's optimal information size: few events rate a comparison down even where its
    CI alone would not, and once more where the CI includes no effect; the thresholds are
    the config's, and the reason names the counts."""
    thresholds = sof.Imprecision.from_config(config["grade"])
    assert thresholds.optimal_information_size_events == 300
    definition = {"label": "Death", "kind": "binary_comparison", "measure": "OR"}
    rows = _two_arm_rows([10], [4])
    low = _judged(rows, ["low"])
    excludes = _pooled(estimate=3.0, ci_lower=1.5, ci_upper=6.0, n_total=200)
    includes = _pooled(estimate=2.6, ci_lower=0.8, ci_upper=8.8, n_total=200)
    for pooled, without, with_ois in ((excludes, 0, 1), (includes, 1, 2)):
        plain = sof.finding("d", definition, pooled, rows, {"e0": 100.0}, low)
        graded = sof.finding(
            "d", definition, pooled, rows, {"e0": 100.0}, low, thresholds=thresholds
        )
        imprecision = {d.domain: d for d in graded.downgrades}["Imprecision"]
        assert {d.domain: d.levels for d in plain.downgrades}["Imprecision"] == without
        assert imprecision.levels == with_ois
        assert "14 events, below the optimal information size of 300" in imprecision.reason
    # Enough events: the CI alone decides.
    many = _two_arm_rows([200], [150])
    f = sof.finding("d", definition, excludes, many, {"e0": 100.0}, low, thresholds=thresholds)
    assert {d.domain: d.levels for d in f.downgrades}["Imprecision"] == 0


def test_an_appreciable_difference_is_set_per_kind():
    """A CI of 1.28 to 5.48 ALSFRS-R points is judged against the points threshold, not the
    slope one (points/month): beyond 0.25 it is precise, across 3 it is not."""
    strict = sof.Imprecision()
    loose = sof.Imprecision(
        difference_appreciable={**strict.difference_appreciable, "alsfrs_change_difference": 3.0}
    )
    by_strict = sof._imprecision("alsfrs_change_difference", 1.28, 5.48, thresholds=strict)
    by_loose = sof._imprecision("alsfrs_change_difference", 1.28, 5.48, thresholds=loose)
    assert by_strict.levels == 0 and "lies beyond an appreciable effect" in by_strict.reason
    assert by_loose.levels == 1 and "both trivial and appreciable" in by_loose.reason
    # Entirely within the appreciable effects: precise about a trivial effect.
    assert sof._imprecision("alsfrs_change_difference", 0.5, 2.5, thresholds=loose).levels == 0
    rule = sof.imprecision_rule(loose)
    assert "points (alsfrs change difference) 3" in rule


def test_every_continuous_kind_has_a_configured_appreciable_difference(config):
    from alsmeta.kinds import KINDS

    continuous = {n for n, k in KINDS.items() if k.shows in ("within_arm", "difference")}
    assert set(config["grade"]["imprecision"]["difference_appreciable"]) == continuous
    assert set(sof.Imprecision().difference_appreciable) == continuous


def test_risk_of_bias_weights_split_each_analysis_by_level():
    rows = _rows(["rct", "case_control_external", "single_arm"])
    w = {"e0": 50.0, "e1": 30.0, "e2": 20.0}
    judged = _judged(rows, ["some_concerns", "critical", "high"])
    assert sof.risk_of_bias_weights(rows, w, judged) == {0: 0.0, 1: 50.0, 2: 20.0, 3: 30.0}
    # The GRADE domain reads the same shares: 50% at high risk or worse rates down once.
    assert sof._risk_of_bias(rows, w, judged).levels == 1
    # An unappraised study counts as high risk (config risk_of_bias.no_information_counts_as).
    assert sof.risk_of_bias_weights(rows, w, {})[2] == 100.0
