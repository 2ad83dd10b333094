"""The sensitivity table and the data-quality tables, on the shipped data.

Pooled values are checked against a direct call of the pooling function on the rows the
variant should use, so the tests pin which rows each variant pools, not a number typed in.
Which variants there are is tested in selection/test_variants.py.
"""

import math
from pathlib import Path

import pytest

from alsmeta.analysis.quality import data_quality
from alsmeta.analysis.variants import variant_rows
from alsmeta.selection.criteria import select
from alsmeta.selection.variants import variant_selections
from alsmeta.stats.random_effects import random_effects

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def effects(harmonized):
    return harmonized


@pytest.fixture(scope="module")
def table(effects, data, config):
    rows = variant_table(
        effects, data, config["criteria"], config["outcome_definitions"], config["pooling"]
    )
    return {(r["outcome"], r["variant"]): r for r in rows}


@pytest.fixture(scope="module")
def quality(effects, data, config):
    return data_quality(effects, data, config["criteria"], config["outcome_definitions"])


def variant_table(effects, data, criteria, definitions, pooling):
    """variants.tsv rows of every outcome, as the select and analyse jobs make them."""
    return [
        row
        for outcome in criteria["outcomes"]
        for row in variant_rows(
            outcome,
            definitions[outcome],
            variant_selections(effects, data, criteria, definitions, outcome),
            pooling,
        )
    ]


def _pooled(effects, ids, pooling):
    by_id = {e["effect_id"]: e for e in effects}
    rows = [by_id[i] for i in ids]
    return random_effects(
        [r["yi"] for r in rows],
        [r["vi"] for r in rows],
        pooling["estimator"],
        pooling["inference"],
        pooling["level"],
    )


def test_every_analysed_outcome_has_a_main_and_a_plus_secondary_row(table, config):
    for outcome in config["criteria"]["outcomes"]:
        assert table[(outcome, "main")]["differs_from_main"] is False
        assert (outcome, "plus_secondary") in table


def test_secondary_values_added(table):
    row = table[("serious_ae_any_definition", "plus_secondary")]
    assert row["effect_ids_added"] == "petrou2016_phase1_2_trsae;petrou2016_phase2a_trsae"
    assert row["k"] == table[("serious_ae_any_definition", "main")]["k"] + 2
    assert row["changed_setting"] == "criteria.evidence_tiers = paper, registry, secondary"


def test_conflict_alternative_changes_one_value_only(table, effects, config):
    # Oh 2018 MSC n: 33 (paper) vs 37 (MND Association, secondary). Only that row is
    # admitted despite its tier; the other secondary rows stay out.
    # The paper's row (n = 33, the randomized n) is out of the main analysis as an assumed
    # denominator (criteria.allow_counts_from_assumed_n), so the variant only adds.
    row = table[("treatment_related_sae", "conflict:oh2018_msc_n=mnd_association")]
    assert (row["effect_ids_added"], row["effect_ids_removed"]) == ("oh2018_msc_trsae_mnd", "")
    assert row["changed_setting"] == (
        "criteria.conflict_versions.oh2018_msc_n = mnd_association; its rows admitted "
        "whatever their evidence tier"
    )
    # Every treatment-related SAE count is 0: the default GLMM has no finite maximum, and
    # the variant row says so rather than inventing a rate.
    assert row["status"] == "not_pooled"
    assert row["reason"].startswith("0 events in 145 participants (4 studies): the random-effects")


def test_company_topline_responders_give_their_own_pooled_odds_ratio(table, effects, config):
    outcome = "responders_any_definition_vs_control"
    main = table[(outcome, "main")]
    alt = table[(outcome, "conflict:cudkowicz2022_primary_responders=company_topline")]
    # The topline OR is computed from counts derived from percentages of an assumed n, so
    # the variant admits such counts too, and says so.
    assert alt["changed_setting"].endswith("criteria.allow_counts_from_assumed_n = true")
    assert alt["effect_ids"] == (
        "oh2018_msc_resp_ge50_6m_odds_ratio;cudkowicz2022_msc_ntf_resp_topline_odds_ratio"
    )
    fit = _pooled(effects, alt["effect_ids"].split(";"), config["pooling"])
    # Pooled on the log odds ratio scale, reported as an odds ratio.
    assert alt["estimate"] == pytest.approx(math.exp(fit.estimate), rel=1e-12)
    assert alt["estimate"] != pytest.approx(main["estimate"])
    assert alt["differs_from_main"] is True


def test_deaths_conflict_changes_the_row_but_not_the_msc_arm_count(table):
    # Registry 10 vs 4 and FDA-derived 10 vs 3 agree on the MSC arm (10/95); the single-arm
    # death rate is therefore the same, and the table says which row it used.
    main = table[("death", "main")]
    alt = table[("death", "conflict:cudkowicz2022_deaths=fda_briefing")]
    assert alt["effect_ids_added"] == "cudkowicz2022_msc_ntf_death_fda"
    assert alt["estimate"] == pytest.approx(main["estimate"], rel=1e-12)


def test_pre_erratum_values_pool_with_oh2018(table, effects, config):
    row = table[("alsfrs_change_vs_control", "pre_erratum_admitted")]
    assert row["effect_ids"] == "oh2018_change_difference_6m;cudkowicz2022_table4_change_ge34"
    assert (row["k"], row["n_total"]) == (2, 56 + 57)
    fit = _pooled(effects, row["effect_ids"].split(";"), config["pooling"])
    assert row["estimate"] == pytest.approx(fit.estimate, rel=1e-12)
    # The abstract's n = 58 is the >= 35 subgroup's: never paired with the >= 34 values.
    assert not any(key[1].startswith("conflict:cudkowicz2022_high_baseline_n") for key in table)


def test_a_refused_overlap_is_a_row_not_a_crash(effects, data, config):
    definitions = {
        **config["outcome_definitions"],
        "any_safety": {
            "label": "x",
            "kind": "proportion",
            "ae_categories": ["headache", "serious_adr"],
        },
    }
    criteria = {
        **config["criteria"],
        "exclude_studies": ["sykova2017"],
        "outcomes": ["any_safety"],
        "products": ["msc", "msc_ntf", "unknown"],
        "overlap_rule": "refuse",
    }
    rows = variant_table(effects, data, criteria, definitions, config["pooling"])
    main = next(r for r in rows if r["variant"] == "main")
    assert main["status"] == "refused"
    assert "would pool barczewska2019 and barczewska2020" in main["reason"]
    named = next(r for r in rows if r["variant"] == "overlap:barczewska_olsztyn=barczewska2019")
    assert (named["status"], named["effect_ids"]) == ("not_pooled", "barczewska2019_msc_headache")


# --- data quality -----------------------------------------------------------------------


def test_outcome_k_and_n_match_the_inclusion_log(quality, effects, data, config):
    _, outcomes, _ = quality
    by_outcome = {r["outcome"]: r for r in outcomes}
    assert set(by_outcome) == set(config["outcome_definitions"])
    sel = select(effects, data, config["criteria"], config["outcome_definitions"])
    for outcome in config["criteria"]["outcomes"]:
        included = [
            r for r in sel.inclusion if r["outcome"] == outcome and r["decision"] == "included"
        ]
        analysed = [a for a in sel.analysed if a["outcome"] == outcome]
        n = sum((a["n"] or 0) + (a.get("comparator_n") or 0) for a in analysed)
        row = by_outcome[outcome]
        assert (row["k_main"], row["n_main"]) == (len(included), n), outcome
        # Main criteria are paper + registry: the two columns agree, + secondary adds.
        assert (row["k_paper_registry"], row["n_paper_registry"]) == (row["k_main"], row["n_main"])
        assert row["k_plus_secondary"] >= row["k_main"]


def test_per_outcome_counts_on_the_shipped_data(quality):
    _, outcomes, _ = quality
    k = {r["outcome"]: (r["k_main"], r["n_main"], r["k_plus_secondary"]) for r in outcomes}
    assert k["serious_ae"] == (3, 121, 3)
    # Oh 2018's statement (over its randomized n 33) is out by default: an assumed n.
    assert k["treatment_related_sae"] == (3, 108, 5)
    assert k["serious_ae_any_definition"] == (6, 229, 8)
    assert k["responders_vs_control"] == (1, 59, 1)
    assert k["responders_any_definition_vs_control"] == (2, 248, 2)
    analysed = {r["outcome"]: r["analysed_by_default"] for r in outcomes}
    for outcome in ("back_radicular_pain", "fever", "injection_site_pain"):
        # Defined, but no source prints a count: reported here, not analysed by default.
        assert k[outcome] == (0, 0, 0) and analysed[outcome] is False


def test_every_study_has_a_data_quality_row_saying_what_it_contributes(quality, data):
    studies, _, _ = quality
    by_id = {r["study_id"]: r for r in studies}
    assert set(by_id) == {s["study_id"] for s in data["studies"]}
    assert by_id["oh2018"]["contribution"] == "in the main analysis"
    assert "responders_vs_control" in by_id["oh2018"]["outcomes_included_main"].split(";")
    assert by_id["petrou2016"]["contribution"] == "only with secondary values"
    # (29 paper rows: the >= 34 Table 4 values are entered once, with their own n.)
    assert by_id["cudkowicz2022"]["tiers"] == "paper:29;registry:6;secondary:10"
    assert "count_from_percent" in by_id["cudkowicz2022"]["derivations"].split(";")
    assert by_id["martinez2012"]["contribution"].startswith("no usable numbers: not MSC")


def test_known_gaps_hold_the_dossier_list_and_the_gaps_table(quality, data):
    _, _, gaps = quality
    dossier = [g for g in gaps if g["source"] == "dossier"]
    assert len(dossier) == len(data["dossier_gaps"])
    oh = next(g for g in dossier if g["trial_id"] == "T12")
    assert oh["study_ids"] == "oh2018" and oh["gap"].startswith("T12 Oh 2018: per-arm AE table")
    assert len(gaps) - len(dossier) == len(data["gaps"])
