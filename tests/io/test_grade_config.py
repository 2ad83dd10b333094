"""Bad GRADE settings in the config: each case asserts the one line a user sees, naming the
key."""

import pytest
from badinput import config_message, shipped_config


@pytest.fixture
def config():
    return shipped_config()


def test_the_importance_of_an_undefined_outcome(config):
    config["grade"]["outcomes"]["deaths"] = {"importance": "critical"}
    assert config_message(config) == (
        "config key 'grade.outcomes.deaths': 'deaths' is not defined in outcome_definitions"
    )


def test_an_unknown_importance(config):
    config["grade"]["outcomes"]["death"] = {"importance": "vital"}
    assert config_message(config) == (
        "config key 'grade.outcomes.death.importance': 'vital' is not one of "
        "['critical', 'important', 'not_important']"
    )


def test_an_unknown_start_for_event_rates(config):
    config["grade"]["start"]["event_rates"] = "cohort"
    assert config_message(config) == (
        "config key 'grade.start.event_rates': 'cohort' is not one of "
        "['nonrandomized', 'prognosis']"
    )


def test_the_within_arm_information_size_is_required(config):
    del config["grade"]["imprecision"]["optimal_information_size_within_arm_participants"]
    assert config_message(config) == (
        "config key 'grade.imprecision.optimal_information_size_within_arm_participants': "
        "is missing"
    )
