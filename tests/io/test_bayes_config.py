"""Bad Bayesian settings in the config: each case asserts the one line a user sees, naming
the key."""

import pytest
from badinput import SCHEMAS, config_message, shipped_config

from alsmeta.io.config import check_config
from alsmeta.io.tables import load_schema


@pytest.fixture
def config():
    return shipped_config()


def test_the_shipped_bayes_section_is_valid(config):
    check_config(config, load_schema(SCHEMAS / "config.schema.yaml"))


def test_a_negative_tau_scale(config):
    config["bayes"]["priors"]["log_odds_ratio"]["tau"]["scale"] = -0.5
    assert config_message(config) == (
        "config key 'bayes.priors.log_odds_ratio.tau.scale': -0.5 is less than or equal to "
        "the minimum of 0"
    )


def test_an_unknown_tau_family(config):
    config["bayes"]["priors"]["alsfrs_r_slope"]["tau"]["family"] = "gamma"
    assert config_message(config) == (
        "config key 'bayes.priors.alsfrs_r_slope.tau.family': 'gamma' is not one of "
        "['half_normal', 'half_cauchy', 'lognormal']"
    )


def test_a_lognormal_prior_needs_meanlog_and_sdlog(config):
    config["bayes"]["priors"]["log_odds_ratio"]["tau"] = {"family": "lognormal", "meanlog": -2.0}
    assert config_message(config) == (
        "config key 'bayes.priors.log_odds_ratio.tau.sdlog': is missing: a lognormal prior "
        "takes meanlog and sdlog"
    )


def test_a_half_normal_prior_takes_no_meanlog(config):
    config["bayes"]["priors"]["fvc_slope"]["tau"]["meanlog"] = -2.0
    assert config_message(config) == (
        "config key 'bayes.priors.fvc_slope.tau.meanlog': a half_normal prior takes scale, "
        "not meanlog"
    )


def test_a_half_cauchy_prior_needs_its_scale(config):
    config["bayes"]["priors"]["logit_proportion"]["tau"] = {"family": "half_cauchy"}
    assert config_message(config) == (
        "config key 'bayes.priors.logit_proportion.tau.scale': is missing: a half_cauchy prior "
        "takes scale"
    )


def test_a_missing_scale_entry(config):
    del config["bayes"]["priors"]["alsfrs_r_points"]
    assert config_message(config) == "config key 'bayes.priors.alsfrs_r_points': is missing"


def test_a_mu_prior_sd_of_zero(config):
    config["bayes"]["priors"]["logit_proportion"]["mu"]["sd"] = 0
    assert config_message(config) == (
        "config key 'bayes.priors.logit_proportion.mu.sd': 0 is less than or equal to the "
        "minimum of 0"
    )


def test_grid_points_not_a_multiple_of_16(config):
    config["bayes"]["grid_points"] = 100
    assert config_message(config) == "config key 'bayes.grid_points': 100 is not a multiple of 16"


def test_an_unknown_primary_framework(config):
    config["pooling"]["primary_framework"] = "both"
    assert config_message(config) == (
        "config key 'pooling.primary_framework': 'both' is not one of "
        "['frequentist', 'bayesian', 'auto']"
    )
