"""The GRADE-style summary of findings (alsmeta.analysis.summary_of_findings): which domains
downgrade, by how much, on pooled rows a reader can check."""

from alsmeta.analysis import summary_of_findings as sof


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
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, _pooled(), rows, w)
    levels = {d.domain: d.levels for d in f.downgrades}
    # Narrow, consistent, randomised: only the single-arm (no comparator) domain applies.
    assert levels == {
        "Risk of bias": 0,
        "Inconsistency": 0,
        "Imprecision": 0,
        "Single-arm designs": 1,
    }
    assert f.certainty == "Moderate" and f.absolute == "50 per 1,000 (30 to 70)"
    wide = _pooled(ci_lower=0.01, ci_upper=0.4, i2_tau2_pct=80.0)
    f = sof.finding("o", {"label": "O", "kind": "proportion"}, wide, rows, w)
    levels = {d.domain: d.levels for d in f.downgrades}
    assert levels["Inconsistency"] == 2 and levels["Imprecision"] == 2
    assert f.certainty == "Very low"


def test_certainty_rules_for_a_controlled_slope_difference():
    rows = _rows(["rct", "case_control_external"])
    w = {"e0": 30.0, "e1": 70.0}
    definition = {"label": "D", "kind": "slope_change_difference"}
    f = sof.finding(
        "d",
        definition,
        _pooled(estimate=0.3, ci_lower=-0.3, ci_upper=0.9, pi_lower=-0.5, pi_upper=1.1),
        rows,
        w,
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
    )
    by = {d.domain: d for d in f.downgrades}
    assert by["Inconsistency"].levels == 1 and "includes no effect" in by["Inconsistency"].reason
