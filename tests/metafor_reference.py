"""The metafor 3.8 reference numbers shared by the stats, effects and analysis tests.

tests/fixtures/metafor/engine_fixtures.json (make_engine_fixtures.R) holds the engine's
datasets and fits; fixtures.json (make_fixtures.R, the session fixture ``metafor`` of
conftest.py) the pooling fits. Tolerance of the engine tests: relative 1e-6 with an
absolute floor of 1e-8 (1e-6 for I^2 and H^2, which are percentages/ratios).
"""

import json
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "metafor" / "engine_fixtures.json"
ENGINE = json.loads(FIXTURE.read_text())
DATA = ENGINE["datasets"]
INFERENCE = {"z": "wald", "knha": "knapp_hartung", "adhoc": "knapp_hartung_adhoc"}
PI_FOLLOWS_TEST = {"z": "z", "knha": "t_k1", "adhoc": "t_k1"}

close = dict(rel=1e-6, abs=1e-8)
close_pct = dict(rel=1e-6, abs=1e-6)


def yi_vi(name):
    for group in ("generic", "proportion"):
        if name in DATA[group]:
            return DATA[group][name]["yi"], DATA[group][name]["vi"]
    raise KeyError(name)


def reference(fit):
    if "error" in fit:  # metafor's Fisher scoring failed; its step-halving refit is the reference
        return {**fit["fallback"], **{k: fit[k] for k in ("dataset", "method", "test") if k in fit}}
    return fit


def reference_fits(metafor):
    """Every fit, with metafor's direct-optimisation refit where Fisher scoring failed."""
    out = []
    for fit in metafor["fits"]:
        if "error" in fit:
            # metafor's REML Fisher scoring does not converge on the many-zero AE set;
            # the fixture script refits with step halving (checked against optimize()).
            fit = {
                **fit["fallback"],
                "dataset": fit["dataset"],
                "method": fit["method"],
                "test": fit["test"],
            }
        out.append(fit)
    return out
