"""criteria.max_risk_of_bias: studies above the admitted overall risk of bias for the
outcome's scope are excluded with a reason naming the key; the risk-of-bias variants."""

from alsmeta.selection.criteria import select
from alsmeta.selection.variants import variant_context, variant_selections


def _analysed(harmonized, data, config, limit, outcome):
    # Oh 2018's serious-AE statement is over its randomized n (an assumed denominator),
    # admitted here so that its risk of bias decides.
    criteria = {
        **config["criteria"],
        "max_risk_of_bias": limit,
        "outcomes": [outcome],
        "allow_counts_from_assumed_n": True,
    }
    selection = select(
        harmonized, data, criteria, config["outcome_definitions"], rob=config["risk_of_bias"]
    )
    return selection


def test_the_criterion_excludes_high_risk_studies(data, harmonized, config):
    every = {
        r["study_id"]
        for r in _analysed(harmonized, data, config, "any", "serious_ae_any_definition").analysed
    }
    assert {"oh2018", "barczewska2020", "cudkowicz2022"} <= every
    kept = _analysed(harmonized, data, config, "some_concerns", "serious_ae_any_definition")
    # Only the double-blind trial (RoB 2 some concerns for adverse events) stays.
    assert {r["study_id"] for r in kept.analysed} == {"cudkowicz2022"}
    reasons = {
        r["study_id"]: r["reasons"]
        for r in kept.inclusion
        if r["reason_codes"] == "criteria.max_risk_of_bias"
    }
    assert reasons["oh2018"] == (
        "RoB 2 overall high for scope 'safety' is above criteria.max_risk_of_bias = "
        "some concerns or moderate"
    )
    assert reasons["barczewska2020"].startswith("ROBINS-I overall serious")
    assert _analysed(harmonized, data, config, "low", "serious_ae_any_definition").analysed == []


def test_risk_of_bias_variants_are_pooled(data, harmonized, config):
    criteria = config["criteria"]
    context = variant_context(harmonized, data, criteria, config["risk_of_bias"])
    entries = variant_selections(
        harmonized, data, criteria, config["outcome_definitions"], "death", context
    )
    by = {e["variant"]: e for e in entries}
    assert by["low_risk_only"]["setting"] == "criteria.max_risk_of_bias = low"
    assert by["low_risk_only"]["rows"] == []
    assert {r["study_id"] for r in by["no_high_risk"]["rows"]} == {"cudkowicz2022"}
