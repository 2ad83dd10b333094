"""The outcome-kinds registry: one entry per kind the config may name, used by every stage."""

import yaml

from alsmeta.analysis.pooling import to_natural
from alsmeta.kinds import (
    KINDS,
    event_rate_kind,
    is_event_rate,
    kind_of,
    pooled_on_log_scale,
    scales,
)


def test_the_config_schema_names_exactly_the_registered_kinds():
    schema = yaml.safe_load(open("workflow/schemas/config.schema.yaml", encoding="utf-8"))
    definition = schema["properties"]["outcome_definitions"]["additionalProperties"]
    assert set(definition["properties"]["kind"]["enum"]) == set(KINDS)


def test_every_shipped_outcome_has_a_registered_kind():
    config = yaml.safe_load(open("config/config.yaml", encoding="utf-8"))
    for name, definition in config["outcome_definitions"].items():
        assert definition["kind"] in KINDS, name
        assert kind_of(definition).measure == KINDS[definition["kind"]].measure, name


def test_controlled_kinds_have_a_null_and_favours_labels():
    for name, kind in KINDS.items():
        if kind.controlled:
            assert kind.null is not None and kind.favours, name
        assert kind.axis in ("percent", "linear", "log"), name
        assert kind.log_scale == (kind.axis == "log"), name


def test_scales_and_back_transform_follow_the_measure():
    rd = {"kind": "binary_comparison", "measure": "RD"}
    odds = {"kind": "binary_comparison", "measure": "OR"}
    assert scales(rd) == ("risk difference", "risk difference")
    assert scales(odds) == ("odds ratio", "log odds ratio")
    assert scales({"kind": "proportion"}, "PFT")[1] == "Freeman-Tukey double arcsine"
    assert not pooled_on_log_scale(rd) and pooled_on_log_scale(odds)
    rows = [{"measure": "RD", "n": 10}]
    # A risk difference is never exponentiated; an odds ratio always is.
    assert to_natural(rd, rows, [-0.2]) == [-0.2]
    assert to_natural(odds, rows, [0.0]) == [1.0]


def test_event_rates_and_count_tables_are_said_by_the_registry():
    """Only single-arm proportions are event rates; a kind's counts come from the tables
    the validation and selection read for it, and efficacy kinds have none."""
    assert [name for name, kind in KINDS.items() if kind.event_rate] == ["proportion"]
    assert is_event_rate("proportion") and not is_event_rate("binary_comparison")
    assert not is_event_rate("not_a_kind")
    assert event_rate_kind("proportion") == "proportion" and event_rate_kind("odds ratio") is None
    assert KINDS["proportion"].count_tables == ("adverse_events", "responders")
    assert KINDS["binary_comparison"].count_tables == ("adverse_events",)
    assert KINDS["responder_odds_ratio"].count_tables == ("responders",)
    for name, kind in KINDS.items():
        assert bool(kind.count_tables) != bool(kind.efficacy_rows), name
