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
