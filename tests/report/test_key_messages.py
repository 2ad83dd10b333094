"""Key messages written from synthetic summaries of findings: what each topic says, which row
it links, the largest trial named for efficacy, and the plain-language length limit."""

from __future__ import annotations

import pytest

from alsmeta.report.key_messages import MAX_WORDS, Trial, key_messages, word_count
from alsmeta.report.sof import SofRow

DEFINITIONS = {
    "sae": {"kind": "proportion", "ae_categories": ["serious_ae"]},
    "sae_vs_control": {"kind": "binary_comparison", "ae_categories": ["serious_ae"]},
    "sae_any": {"kind": "proportion", "role": "sensitivity", "ae_categories": ["serious_ae"]},
    "death": {"kind": "proportion", "ae_categories": ["death"]},
    "headache": {"kind": "proportion", "ae_categories": ["headache"]},
    "fever": {"kind": "proportion", "ae_categories": ["fever"]},
    "any_ae": {"kind": "proportion", "ae_categories": ["any_ae"]},
    "slope_vs_control": {"kind": "slope_change_difference"},
    "resp_vs_control": {"kind": "responder_odds_ratio", "role": "secondary"},
    "resp_main_vs_control": {"kind": "responder_odds_ratio"},
}


def row(outcome, certainty="Low", studies=1, participants=50, **fields) -> SofRow:
    """A summary-of-findings row as the adapter reads it."""
    definition = DEFINITIONS[outcome]
    values = {
        "outcome": outcome,
        "label": fields.pop("label", outcome.replace("_", " ").capitalize()),
        "kind": definition["kind"],
        "role": definition.get("role", "main"),
        "studies": studies,
        "participants": participants,
        "effect": fields.pop("effect", "effect"),
        "absolute": fields.pop("absolute", f"{outcome} per 1,000"),
        "certainty": certainty,
        "statement": fields.pop("statement", f"Statement on {outcome}."),
    }
    return SofRow(**values, **fields)


def by_topic(messages):
    return {m.topic: m for m in messages}


def test_each_topic_speaks_from_its_row_with_certainty_in_grade_words():
    rows = [
        row("sae", "Very low", 3, 121),
        row("sae_vs_control", "Low", 1, 189, statement="MSC may increase the risk of SAEs."),
        row("death", "Moderate", 2, 101, statement="Death is probably about 109 per 1,000."),
        row("headache", "Very low", 1, 26, absolute="308 per 1,000 (143 to 518)"),
        row("slope_vs_control", "Low", 1, 59, statement="MSC may slow the decline."),
    ]
    messages = by_topic(key_messages(rows, DEFINITIONS))
    assert list(messages) == [
        "Serious adverse events",
        "Deaths",
        "Common adverse events",
        "ALSFRS-R decline",
    ]
    sae = messages["Serious adverse events"]
    # A controlled comparison speaks before a single-arm rate, whatever their sizes.
    assert sae.outcomes == ("sae_vs_control",)
    assert sae.text == (
        "Serious adverse events: MSC may increase the risk of SAEs (sae_vs_control per 1,000; "
        "189 people, 1 study; low-certainty evidence)."
    )
    assert "moderate-certainty evidence" in messages["Deaths"].text
    common = messages["Common adverse events"]
    assert common.text == (
        "Common adverse events: headache 308 per 1,000 (143 to 518) (1 study, very "
        "low-certainty evidence), treated arms only."
    )
    assert messages["ALSFRS-R decline"].outcomes == ("slope_vs_control",)


def test_the_largest_controlled_trial_is_named_for_efficacy_even_when_null():
    """A small positive trial may head the message; a larger trial that found no difference
    (a secondary analysis here) is still said, with its interval and certainty."""
    rows = [
        row("slope_vs_control", "Low", 1, 59, statement="MSC may slow the decline."),
        row(
            "resp_vs_control",
            "Low",
            1,
            189,
            label="Responders on the ALSFRS-R slope, absolute gain, MSC vs control",
            effect="OR 1.33 (95% CI 0.63 to 2.79)",
        ),
    ]
    trials = {
        "slope_vs_control": (Trial("Oh 2018", "2", 59),),
        "resp_vs_control": (Trial("Cudkowicz 2022", "3", 189),),
    }
    efficacy = by_topic(key_messages(rows, DEFINITIONS, trials, {"resp_vs_control": True}))[
        "ALSFRS-R decline"
    ]
    assert efficacy.outcomes == ("slope_vs_control", "resp_vs_control")
    assert (
        "The largest trial (Cudkowicz 2022, phase 3, 189 people) found OR 1.33 (95% CI 0.63 "
        "to 2.79) for responders on the ALSFRS-R slope; its interval includes no difference "
        "(low-certainty evidence)." in efficacy.text
    )
    # The headline's own trial is not named twice.
    alone = by_topic(key_messages(rows[:1], DEFINITIONS, trials))["ALSFRS-R decline"]
    assert "largest trial" not in alone.text


def test_a_critical_outcome_speaks_before_a_larger_important_one():
    """The slope difference (critical) heads the efficacy message over a main responder
    analysis (important, the config's default) with more participants; with no importance
    stated, the larger row heads it."""
    ranked = [
        row("slope_vs_control", "Very low", 1, 57, importance="critical"),
        row(
            "resp_main_vs_control",
            "Very low",
            1,
            59,
            importance="important (grade.default_importance)",
        ),
    ]
    efficacy = by_topic(key_messages(ranked, DEFINITIONS))["ALSFRS-R decline"]
    assert efficacy.outcomes[0] == "slope_vs_control"
    unranked = [
        row("slope_vs_control", "Very low", 1, 57),
        row("resp_main_vs_control", "Very low", 1, 59),
    ]
    efficacy = by_topic(key_messages(unranked, DEFINITIONS))["ALSFRS-R decline"]
    assert efficacy.outcomes[0] == "resp_main_vs_control"


def test_sensitivity_analyses_and_ungraded_rows_carry_no_message():
    rows = [
        row("sae_any", "Low", 7, 262),  # a sensitivity analysis re-asks a main question
        row("sae", "No evidence", 0, 0),
        row("any_ae", "Very low", 2, 40),  # "any adverse event" is not a common event
    ]
    messages = by_topic(key_messages(rows, DEFINITIONS))
    assert messages["Serious adverse events"].text == (
        "Serious adverse events: no study gave a result that could be graded."
    )
    assert messages["Common adverse events"].outcomes == ()
    assert "sae_any" not in {o for m in messages.values() for o in m.outcomes}


@pytest.mark.parametrize("extra", [0, 3])
def test_messages_stay_within_the_plain_language_limit(extra):
    rows = [
        row("sae_vs_control", "Low", 1, 189, absolute="61 more per 1,000 (44 fewer to 212 more)"),
        row("death", "Low", 2, 101),
        row("headache", "Very low", 1, 26),
        row("fever", "Very low", 1 + extra, 40),
        row("slope_vs_control", "Low", 1, 59),
        row("resp_vs_control", "Low", 1, 189, effect="OR 1.33 (95% CI 0.63 to 2.79)"),
    ]
    trials = {"resp_vs_control": (Trial("Cudkowicz 2022", "3", 189),)}
    messages = key_messages(rows, DEFINITIONS, trials, {"resp_vs_control": True})
    assert 60 < word_count(messages) <= MAX_WORDS
