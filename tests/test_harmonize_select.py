"""Harmonization of the shipped rows, and the selection rules, on worked examples."""

import math
from pathlib import Path

import pytest
import yaml

from alsmeta.harmonize import harmonize
from alsmeta.select import select
from alsmeta.tables import TABLES, load_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.fixture(scope="module")
def data():
    paths = {t: str(ROOT / "data" / f"{t}.tsv") for t in TABLES}
    return load_dataset(paths, ROOT / "workflow" / "schemas")


@pytest.fixture(scope="module")
def effects(data):
    return {e["effect_id"]: e for e in harmonize(data, add=0.5, to="only0", level=0.95, r=0.5)}


def test_count_from_percent_is_derived_and_flagged(effects):
    # Sykova 2017: "about 30%" of 26 had headache -> round(7.8) = 8.
    e = effects["sykova2017_msc_headache"]
    assert (e["events"], e["n"]) == (8, 26)
    assert e["flags"] == "count_from_percent"
    assert e["yi"] == pytest.approx(math.log(8 / 18))
    assert e["continuity_added"] == 0.0


def test_zero_count_statement_gets_the_correction(effects):
    e = effects["oh2015_msc_sae"]
    assert (e["events"], e["n"], e["continuity_added"]) == (0, 7, 0.5)
    assert e["yi"] == pytest.approx(math.log(0.5 / 7.5))
    assert e["vi"] == pytest.approx(1 / 0.5 + 1 / 7.5)
    assert e["ci_lower"] == 0.0 and e["ci_upper"] == pytest.approx(0.4096, abs=1e-4)
    assert "count_from_statement" in e["flags"]


def test_no_correction_leaves_zero_counts_not_computable(data):
    rows = {e["effect_id"]: e for e in harmonize(data, add=0.5, to="none", level=0.95, r=0.5)}
    assert rows["oh2015_msc_sae"]["status"] == "not_computable"
    assert "no finite PLO estimate" in rows["oh2015_msc_sae"]["status_reason"]
    assert rows["cudkowicz2022_msc_ntf_serious_ae"]["status"] == "ok"


def test_slope_change_se_from_sd(effects):
    # Oh 2018 Table 3: change in slope 1.13 (SD 1.33), n = 32.
    e = effects["oh2018_msc_slope_change_4m"]
    assert e["yi"] == 1.13 and e["measure"] == "MC"
    assert e["sei"] == pytest.approx(1.33 / math.sqrt(32))


def test_slope_difference_uses_the_printed_se(effects):
    e = effects["oh2018_slope_change_difference_4m"]
    assert (e["yi"], e["sei"], e["measure"]) == (1.10, 0.35, "MD")


def test_pre_post_slopes_with_p_value(effects):
    # Petrou 2016 (secondary): -1.2 -> -0.6 points/month, p = 0.052 -> change 0.6, SE 0.6/1.9431.
    e = effects["petrou2016_it_pooled_pre_post_6m"]
    assert e["yi"] == pytest.approx(0.6)
    assert e["sei"] == pytest.approx(0.6 / 1.9431337511, rel=1e-9)
    assert e["n"] is None


def test_decline_rates_are_negated(effects):
    # Press release: rate of decline 1.41 -> 0.60 points/month = slopes -1.41 -> -0.60.
    e = effects["petrou2016_phase2a_decline_6m"]
    assert "rate of decline (positive = loss) negated" in e["derivation"]
    assert "change = post - pre = -0.6 - (-1.41) = 0.81" in e["derivation"]
    assert e["status"] == "not_computable"  # no SE, SD, CI or p printed


def test_per_period_units_are_not_computable(effects):
    e = effects["shamsaei2023_msc_pre_post_10m"]
    assert e["status"] == "not_computable"
    assert "per period" in e["status_reason"]


def _inclusion(data, effects, config, **criteria):
    crit = {**config["criteria"], **criteria}
    return select(list(effects.values()), data, crit, config["outcome_definitions"])


def test_default_selection(data, effects, config):
    sel = _inclusion(data, effects, config)
    included = {(r["outcome"], r["study_id"]) for r in sel.inclusion if r["decision"] == "included"}
    assert {s for o, s in included if o == "serious_ae"} == {
        "barczewska2020",
        "cudkowicz2022",
        "oh2015",
        "oh2018",
        "petrou2021",
        "sykova2017",
        "tavakolafshari2021",
    }
    assert {s for o, s in included if o == "headache"} == {"sykova2017"}
    assert {s for o, s in included if o == "slope_change"} == {"oh2018"}
    # Every study is in the log for every outcome.
    studies = {s["study_id"] for s in data["studies"]}
    for outcome in config["criteria"]["outcomes"]:
        assert {r["study_id"] for r in sel.inclusion if r["outcome"] == outcome} == studies


def test_every_reason_is_listed(data, effects, config):
    sel = _inclusion(data, effects, config)
    baek = next(r for r in sel.inclusion if r["effect_id"] == "baek2012_msc_trsae")
    assert baek["reasons"].split("; ") == [
        "design 'case_report' not in criteria.designs",
        "phase 'not_applicable' not in criteria.phases",
        "n = 1 < criteria.min_n = 5",
    ]
    placebo = next(r for r in sel.inclusion if r["effect_id"] == "cudkowicz2022_placebo_serious_ae")
    assert placebo["reasons"] == "control arm (this outcome pools MSC-treated arms)"


def test_exclusion_reason_for_a_study_without_rows_comes_from_gaps(data, effects, config):
    sel = _inclusion(data, effects, config)
    row = next(
        r for r in sel.inclusion if r["outcome"] == "slope_change" and r["study_id"] == "sykova2017"
    )
    assert row["effect_id"] == "" and "p < 0.02" in row["reasons"]


def test_one_row_per_arm_prefers_the_higher_tier(data, effects, config):
    sel = _inclusion(data, effects, config, evidence_tiers=["paper", "registry", "secondary"])
    fda = next(r for r in sel.inclusion if r["effect_id"] == "cudkowicz2022_msc_ntf_death_fda")
    assert fda["decision"] == "excluded"
    assert fda["reasons"].startswith(
        "same arm already analysed through cudkowicz2022_msc_ntf_death_registry"
    )


def test_criteria_exclude_studies_and_routes(data, effects, config):
    sel = _inclusion(data, effects, config, exclude_studies=["oh2018"], routes=["intrathecal"])
    reasons = {r["effect_id"]: r["reasons"] for r in sel.inclusion}
    assert reasons["oh2018_msc_trsae"] == "listed in criteria.exclude_studies"
    assert reasons["tavakolafshari2021_msc_serious_adverse_reaction"] == (
        "route 'intravenous' not in criteria.routes"
    )


def test_overlap_group_keeps_one_study(data, effects, config):
    # Barczewska 2019 and 2020 may share patients. Counting any AE and serious ADR together
    # and admitting the unverified product puts both in one analysis.
    definitions = {
        **config["outcome_definitions"],
        "any_safety": {
            "label": "x",
            "kind": "proportion",
            "ae_categories": ["any_ae", "serious_adr"],
        },
    }
    crit = {
        **config["criteria"],
        "outcomes": ["any_safety"],
        "products": ["msc", "msc_ntf", "unknown"],
    }
    sel = select(list(effects.values()), data, crit, definitions)
    decisions = {r["study_id"]: r for r in sel.inclusion if r["effect_id"]}
    assert decisions["barczewska2020"]["decision"] == "included"  # 67 > 43
    assert decisions["barczewska2019"]["reasons"] == (
        "shares patients with barczewska2020 (overlap group 'barczewska_olsztyn'); "
        "criteria.overlap_rule = largest keeps barczewska2020"
    )
    assert sum(1 for a in sel.analysed if a["study_id"].startswith("barczewska")) == 1
    crit["overlap_rule"] = "most_recent"
    sel = select(list(effects.values()), data, crit, definitions)
    assert [a["study_id"] for a in sel.analysed if a["study_id"].startswith("barczewska")] == [
        "barczewska2020"
    ]
    crit["overlap_rule"] = "refuse"
    with pytest.raises(Exception, match="would pool barczewska2019 and barczewska2020"):
        select(list(effects.values()), data, crit, definitions)
