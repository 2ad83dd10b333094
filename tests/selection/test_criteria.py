"""The selection rules (alsmeta.selection.criteria) on the shipped rows and worked examples:
inclusion log and reasons, tiers, conflicts and errata, the config checks, overlap groups."""

import itertools
from pathlib import Path

import pytest
import yaml

from alsmeta.io.errors import InputError
from alsmeta.selection.criteria import OverlapError, check_criteria, check_no_overlap, select

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def effects(harmonized):
    return {e["effect_id"]: e for e in harmonized}


# --- selection --------------------------------------------------------------------------


def _select(data, effects, config, definitions=None, tier_exempt=frozenset(), **criteria):
    crit = {**config["criteria"], **criteria}
    return select(
        list(effects.values()),
        data,
        crit,
        definitions or config["outcome_definitions"],
        tier_exempt,
    )


def _included(selection, outcome):
    return {
        r["study_id"]
        for r in selection.inclusion
        if r["outcome"] == outcome and r["decision"] == "included"
    }


def test_default_selection(data, effects, config):
    sel = _select(data, effects, config)
    # All-cause serious AEs only; the related-only statements are their own outcome, and
    # pooled with the all-cause ones only in the labelled sensitivity analysis.
    assert _included(sel, "serious_ae") == {"cudkowicz2022", "oh2015", "petrou2021"}
    # Oh 2018's statement is over the randomized n (the treated n is not printed): an
    # assumed denominator, out of count pools by default (criteria.allow_counts_from_assumed_n).
    related = {"barczewska2020", "sykova2017", "tavakolafshari2021"}
    assert _included(sel, "treatment_related_sae") == related
    assert _included(sel, "serious_ae_any_definition") == related | _included(sel, "serious_ae")
    assert _included(sel, "headache") == {"sykova2017"}
    assert _included(sel, "slope_change") == {"oh2018"}
    assert _included(sel, "responders_vs_control") == {"oh2018"}
    assert _included(sel, "responders_absolute_vs_control") == {"cudkowicz2022"}
    assert _included(sel, "responders_any_definition_vs_control") == {"oh2018", "cudkowicz2022"}
    assert _included(sel, "alsfrs_change_vs_control") == {"oh2018"}


def test_every_study_and_every_dossier_trial_is_in_the_inclusion_log(data, effects, config):
    sel = _select(data, effects, config)
    studies = {s["study_id"] for s in data["studies"]}
    for outcome in config["criteria"]["outcomes"]:
        rows = [r for r in sel.inclusion if r["outcome"] == outcome]
        assert {r["study_id"] for r in rows} == studies
        assert all(r["reasons"] for r in rows if r["decision"] == "excluded")
    trial_of = {s["study_id"]: s["trial_id"] for s in data["studies"]}
    logged = {trial_of[r["study_id"]] for r in sel.inclusion}
    assert {f"T{i:02d}" for i in range(1, 21)} <= logged


def test_every_reason_is_listed(data, effects, config):
    sel = _select(data, effects, config)
    baek = next(r for r in sel.inclusion if r["effect_id"] == "baek2012_msc_trsae")
    assert baek["reasons"].split("; ") == [
        "design 'case_report' not in criteria.designs",
        "phase 'not_applicable' not in criteria.phases",
        "n = 1 < criteria.min_n = 5",
    ]
    placebo = next(r for r in sel.inclusion if r["effect_id"] == "cudkowicz2022_placebo_serious_ae")
    assert placebo["reasons"] == "control arm (this outcome pools MSC-treated arms)"


def test_exclusion_reason_for_a_study_without_rows(data, effects, config):
    sel = _select(data, effects, config)
    reason = {
        (r["outcome"], r["study_id"]): r["reasons"] for r in sel.inclusion if not r["effect_id"]
    }
    # From data/gaps.tsv.
    assert reason[("slope_change", "petrou2021")].startswith("reported as responder counts")
    # A controlled outcome for a single-arm study.
    assert reason[("responders_vs_control", "sykova2017")] == (
        "no concurrent control arm (design single_arm)"
    )
    # Rows exist, but under definitions the outcome does not accept.
    assert reason[("responders", "sykova2017")].startswith(
        "no row matches outcome_definitions.responders (this study's responders rows: "
        "fvc_stable_or_above_70pct, weakness_scale_stable)"
    )


def test_one_row_per_arm_prefers_the_higher_tier(data, effects, config):
    # A worked example: the same arm's SAE statement entered twice, once as a secondary copy.
    copy = {**effects["petrou2021_msc_sae"], "effect_id": "petrou2021_msc_sae_copy"}
    copy["tier"] = "secondary"
    rows = {**effects, copy["effect_id"]: copy}
    sel = _select(data, rows, config, evidence_tiers=["paper", "registry", "secondary"])
    decision = {r["effect_id"]: r for r in sel.inclusion if r["outcome"] == "serious_ae"}
    assert decision["petrou2021_msc_sae"]["decision"] == "included"
    assert decision["petrou2021_msc_sae_copy"]["reasons"] == (
        "same arm already analysed through petrou2021_msc_sae (paper tier, serious_ae)"
    )


def test_criteria_exclude_studies_and_routes(data, effects, config):
    sel = _select(data, effects, config, exclude_studies=["oh2018"], routes=["intrathecal"])
    reasons = {r["effect_id"]: r["reasons"] for r in sel.inclusion}
    assert reasons["oh2018_msc_trsae"] == (
        "listed in criteria.exclude_studies; count over the arm's randomized n, the treated n "
        "not being printed and criteria.allow_counts_from_assumed_n is false"
    )
    assert reasons["tavakolafshari2021_msc_serious_adverse_reaction"] == (
        "route 'intravenous' not in criteria.routes"
    )


def test_follow_up_printed_in_weeks_is_compared_in_months(data, effects, config):
    # Cudkowicz 2022 follow-up is 28 weeks = 6.44 months: it passes 6 months, fails 7.
    six = _select(data, effects, config, min_follow_up_months=6)
    seven = _select(data, effects, config, min_follow_up_months=7)
    assert "cudkowicz2022" in _included(six, "serious_ae")
    reason = next(
        r["reasons"]
        for r in seven.inclusion
        if r["effect_id"] == "cudkowicz2022_msc_ntf_serious_ae"
    )
    assert reason == "follow-up 6.44 months < criteria.min_follow_up_months = 7"


# --- conflicts, errata, subgroups -------------------------------------------------------


def test_config_picks_the_version_of_a_conflict(data, effects, config):
    main = _select(data, effects, config)
    decision = {r["effect_id"]: r for r in main.inclusion if r["outcome"] == "death"}
    assert decision["cudkowicz2022_msc_ntf_death_registry"]["decision"] == "included"
    assert (
        "criteria.conflict_versions picks 'registry'"
        in (decision["cudkowicz2022_msc_ntf_death_fda"]["reasons"])
    )
    versions = {**config["criteria"]["conflict_versions"], "cudkowicz2022_deaths": "fda_briefing"}
    alt = _select(
        data,
        effects,
        config,
        conflict_versions=versions,
        evidence_tiers=["paper", "registry", "secondary"],
    )
    assert [a["effect_id"] for a in alt.analysed if a["outcome"] == "death"] == [
        "nabavi2019_iv_death",
        "cudkowicz2022_msc_ntf_death_fda",
    ]


def test_a_tier_exemption_admits_only_the_named_rows(data, effects, config):
    versions = {**config["criteria"]["conflict_versions"], "oh2018_msc_n": "mnd_association"}
    sel = _select(
        data,
        effects,
        config,
        tier_exempt=frozenset({"oh2018_msc_trsae_mnd"}),
        conflict_versions=versions,
    )
    analysed = {a["effect_id"] for a in sel.analysed if a["outcome"] == "treatment_related_sae"}
    assert "oh2018_msc_trsae_mnd" in analysed
    assert "petrou2016_phase2a_trsae" not in analysed  # other secondary rows stay out
    note = next(r["notes"] for r in sel.inclusion if r["effect_id"] == "oh2018_msc_trsae_mnd")
    assert "secondary tier admitted for this row only" in note


def test_pre_erratum_and_subgroup_values_need_both_switches(data, effects, config):
    def analysed(**criteria):
        sel = _select(data, effects, config, **criteria)
        return [a["effect_id"] for a in sel.analysed if a["outcome"] == "alsfrs_change_vs_control"]

    assert analysed() == ["oh2018_change_difference_6m"]
    assert analysed(allow_subgroup_estimates=True) == ["oh2018_change_difference_6m"]
    assert analysed(allow_pre_erratum=True, allow_subgroup_estimates=True) == [
        "oh2018_change_difference_6m",
        "cudkowicz2022_table4_change_ge34",
    ]


def test_check_criteria_names_the_config_key(data, config):
    criteria = config["criteria"]
    versions = dict(criteria["conflict_versions"])
    del versions["oh2018_msc_n"]
    with pytest.raises(InputError) as info:
        check_criteria({**criteria, "conflict_versions": versions}, data)
    assert str(info.value) == (
        "config key 'criteria.conflict_versions.oh2018_msc_n': is missing: pick one of "
        "paper, mnd_association"
    )
    with pytest.raises(InputError) as info:
        check_criteria(
            {**criteria, "conflict_versions": {**versions, "oh2018_msc_n": "press"}}, data
        )
    assert str(info.value) == (
        "config key 'criteria.conflict_versions.oh2018_msc_n': 'press' is not a version of "
        "this conflict (paper, mnd_association)"
    )
    with pytest.raises(InputError) as info:
        check_criteria({**criteria, "overlap_keep": {"barczewska_olsztyn": "oh2018"}}, data)
    assert str(info.value) == (
        "config key 'criteria.overlap_keep.barczewska_olsztyn': 'oh2018' is not a member of "
        "this group (barczewska2019, barczewska2020)"
    )


def test_the_shipped_config_picks_a_version_of_every_conflict(data):
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    check_criteria(config["criteria"], data)
    picked = config["criteria"]["conflict_versions"]
    assert picked["cudkowicz2022_deaths"] == "registry"  # dossier: registry value is primary
    assert picked["oh2018_msc_n"] == "paper"


# --- overlap groups -----------------------------------------------------------------------

ANY_SAFETY = {"label": "x", "kind": "proportion", "ae_categories": ["headache", "serious_adr"]}


def _barczewska(data, effects, config, **criteria):
    # Barczewska 2019 and 2020 may share patients. Counting headache and serious ADR together
    # and admitting the unverified product puts both in one analysis.
    # (Syková 2017's headache row is excluded, so that only the two studies meet.)
    definitions = {**config["outcome_definitions"], "any_safety": ANY_SAFETY}
    return _select(
        data,
        effects,
        config,
        definitions,
        outcomes=["any_safety"],
        products=["msc", "msc_ntf", "unknown"],
        **{"exclude_studies": ["sykova2017"], **criteria},
    )


def test_overlap_rule_largest_and_most_recent_keep_one_study(data, effects, config):
    sel = _barczewska(data, effects, config)
    decisions = {r["study_id"]: r for r in sel.inclusion if r["effect_id"]}
    assert decisions["barczewska2020"]["decision"] == "included"  # 67 > 43
    assert decisions["barczewska2019"]["reasons"] == (
        "shares patients with barczewska2020 (overlap group 'barczewska_olsztyn'); "
        "criteria.overlap_rule = largest keeps barczewska2020"
    )
    assert decisions["barczewska2020"]["notes"] == (
        "kept over barczewska2019 (overlap group 'barczewska_olsztyn'; "
        "criteria.overlap_rule = largest keeps barczewska2020)"
    )
    sel = _barczewska(data, effects, config, overlap_rule="most_recent")
    assert [a["study_id"] for a in sel.analysed] == ["barczewska2020"]


def test_overlap_rule_refuse_names_both_studies(data, effects, config):
    with pytest.raises(OverlapError) as info:
        _barczewska(data, effects, config, overlap_rule="refuse")
    assert str(info.value).startswith(
        "config key 'criteria.overlap_rule': outcome 'any_safety' would pool barczewska2019 "
        "and barczewska2020, which share patients (overlap group 'barczewska_olsztyn')"
    )


def test_overlap_rule_named_keeps_the_named_study(data, effects, config):
    keep = {"barczewska_olsztyn": "barczewska2019"}
    sel = _barczewska(data, effects, config, overlap_rule="named", overlap_keep=keep)
    assert [a["study_id"] for a in sel.analysed] == ["barczewska2019"]
    reason = next(
        r["reasons"] for r in sel.inclusion if r["study_id"] == "barczewska2020" and r["effect_id"]
    )
    assert reason.endswith("criteria.overlap_keep names barczewska2019")
    # A name overrides the rule for its group; a group without a name under "named" stops.
    sel = _barczewska(data, effects, config, overlap_keep=keep)
    assert [a["study_id"] for a in sel.analysed] == ["barczewska2019"]
    with pytest.raises(OverlapError, match="criteria.overlap_keep names none of them"):
        _barczewska(data, effects, config, overlap_rule="named")


def test_arm_level_overlap_keeps_the_pooled_set_or_its_cohorts(data, effects, config):
    # A worked example: an SAE statement for the pooled Petrou 2016 IT analysis set, which
    # holds patients of both the phase 1/2 set (12) and the phase 2a cohort (14).
    pooled = {
        **effects["petrou2016_phase2a_trsae"],
        "effect_id": "synthetic_it_pooled_trsae",
        "arm_id": "petrou2016_it_pooled",
        "n": 20,
    }
    rows = {**effects, pooled["effect_id"]: pooled}
    tiers = ["paper", "registry", "secondary"]
    sel = _select(data, rows, config, evidence_tiers=tiers, outcomes=["treatment_related_sae"])
    petrou = [a["arm_id"] for a in sel.analysed if a["study_id"] == "petrou2016"]
    assert petrou == ["petrou2016_it_pooled"]  # 20 > 12 and 20 > 14
    rows[pooled["effect_id"]] = {**pooled, "n": 10}
    sel = _select(data, rows, config, evidence_tiers=tiers, outcomes=["treatment_related_sae"])
    petrou = sorted(a["arm_id"] for a in sel.analysed if a["study_id"] == "petrou2016")
    assert petrou == ["petrou2016_phase1_2", "petrou2016_phase2a"]  # disjoint cohorts


def _groups(data):
    """Overlap group -> members, read from the tables (not through alsmeta.selection.criteria)."""
    members = {}
    for table, column in (("studies", "study_id"), ("arms", "arm_id")):
        for row in data[table]:
            for group in row.get("overlap_group") or []:
                members.setdefault(group, set()).add(row[column])
    return members


def test_no_two_members_of_an_overlap_group_are_ever_pooled_together(data, effects, config):
    """Every rule, every member named, tiers, products, switches, and a definition that
    makes the Barczewska studies meet: no analysis holds two members of one group."""
    groups = _groups(data)
    definitions = {**config["outcome_definitions"], "any_safety": ANY_SAFETY}
    outcomes = [*config["criteria"]["outcomes"], "any_safety"]
    keeps = [{}] + [{g: m} for g, ms in sorted(groups.items()) for m in sorted(ms)]
    grid = itertools.product(
        ["largest", "most_recent"],
        keeps,
        [["paper", "registry"], ["paper", "registry", "secondary"]],
        [["msc", "msc_ntf"], ["msc", "msc_ntf", "unknown", "bm_stem_cells_unspecified"]],
        [0, 5],
        [False, True],
    )
    checked = 0
    for rule, keep, tiers, products, min_n, switches in grid:
        sel = _select(
            data,
            effects,
            config,
            definitions,
            outcomes=outcomes,
            overlap_rule=rule,
            overlap_keep=keep,
            evidence_tiers=tiers,
            products=products,
            min_n=min_n,
            allow_subgroup_estimates=switches,
            allow_pre_erratum=switches,
            designs=[
                "rct",
                "nonrandomized_controlled",
                "case_control_external",
                "single_arm",
                "case_report",
                "observational_cohort",
                "unknown",
            ],
        )
        for outcome in outcomes:
            rows = [a for a in sel.analysed if a["outcome"] == outcome]
            units = {a["study_id"] for a in rows} | {a["arm_id"] for a in rows}
            for group, members in groups.items():
                assert len(units & members) <= 1, (outcome, group, rule, keep, tiers)
        checked += 1
    assert checked == 2 * len(keeps) * 2 * 2 * 2 * 2


def test_the_guard_refuses_an_analysis_with_two_members(data, effects):
    studies = {s["study_id"]: s for s in data["studies"]}
    arms = {a["arm_id"]: a for a in data["arms"]}
    analysed = [
        {"outcome": "any_ae", **effects["barczewska2019_msc_any_ae"]},
        {"outcome": "any_ae", **effects["barczewska2020_msc_serious_adr"]},
    ]
    with pytest.raises(OverlapError) as info:
        check_no_overlap(analysed, studies, arms)
    assert str(info.value) == (
        "outcome 'any_ae': barczewska2019 and barczewska2020 share patients (overlap group "
        "'barczewska_olsztyn') and must not be pooled together"
    )
    check_no_overlap(analysed[:1], studies, arms)  # one member is fine


# --- outcome definitions: strict main analyses, labelled sensitivity analyses ---------------

RELATIVE = {"slope_improvement_gt25pct", "slope_improvement_ge25pct", "slope_improvement_ge50pct"}
ABSOLUTE = {"slope_gain_ge1_25_points", "slope_gain_ge1_5_points"}


def _labelled(data, effects, config, **criteria):
    crit = {**config["criteria"], **criteria}
    return select(
        list(effects.values()),
        data,
        crit,
        config["outcome_definitions"],
        labels=config["definition_labels"],
    )


def test_serious_ae_counts_all_cause_serious_events_only(data, effects, config):
    assert config["outcome_definitions"]["serious_ae"]["ae_categories"] == ["serious_ae"]
    assert config["outcome_definitions"]["serious_ae_vs_control"]["ae_categories"] == ["serious_ae"]
    sel = _labelled(data, effects, config, evidence_tiers=["paper", "registry", "secondary"])
    for outcome in ("serious_ae", "serious_ae_vs_control"):
        rows = [a for a in sel.analysed if a["outcome"] == outcome]
        assert rows and {a["category"] for a in rows} == {"serious_ae"}
        assert {a["definition"] for a in rows} == {"all-cause SAE"}
    # The related-only statements (no related SAE, no SUSAR, no serious ADR or reaction)
    # are their own outcome, and the main analysis gives each of them its reason.
    related = {"treatment_related_sae", "serious_adr", "serious_adverse_reaction", "susar"}
    assert set(config["outcome_definitions"]["treatment_related_sae"]["ae_categories"]) == related
    reasons = {
        (r["outcome"], r["study_id"]): r["reasons"] for r in sel.inclusion if not r["effect_id"]
    }
    assert reasons[("serious_ae", "sykova2017")] == (
        "no row matches outcome_definitions.serious_ae (this study's adverse_events rows: "
        "headache, susar)"
    )


def test_pooling_every_serious_statement_is_a_labelled_sensitivity_analysis(data, effects, config):
    from alsmeta.analysis.pooling import build_analyses

    definitions = config["outcome_definitions"]
    broad = definitions["serious_ae_any_definition"]
    assert (broad["role"], broad["sensitivity_of"]) == ("sensitivity", ["serious_ae"])
    assert broad["label"].endswith("(sensitivity analysis)")
    assert "definition" in config["subgroups"]
    # Oh 2018's denominator is its randomized n (an assumption), admitted here.
    sel = _labelled(data, effects, config, allow_counts_from_assumed_n=True)
    analyses = build_analyses(
        sel.analysed, ["serious_ae_any_definition"], definitions, config["subgroups"]
    )
    levels = {
        a.level: {r["study_id"] for r in a.rows} for a in analyses if a.variable == "definition"
    }
    assert levels == {
        "all-cause SAE": {"cudkowicz2022", "oh2015", "petrou2021"},
        "treatment-related SAE": {"oh2018"},
        "serious adverse drug reaction": {"barczewska2020"},
        "serious adverse reaction": {"tavakolafshari2021"},
        "SUSAR": {"sykova2017"},
    }


def test_main_and_secondary_responder_analyses_pool_one_threshold_each(data, effects, config):
    # Issue: the main `responders` pool mixed > 25% (Petrou 2021) with >= 50% (Oh 2018).
    definitions = config["outcome_definitions"]
    responder_outcomes = [n for n, d in definitions.items() if "response_definitions" in d]
    for name in responder_outcomes:
        accepted = definitions[name]["response_definitions"]
        sensitivity = definitions[name].get("role") == "sensitivity"
        assert (len(accepted) > 1) == sensitivity, name
        if sensitivity:
            assert definitions[name]["label"].endswith("sensitivity analysis)"), name
    assert definitions["responders"]["response_definitions"] == ["slope_improvement_ge50pct"]
    assert definitions["responders_vs_control"]["response_definitions"] == [
        "slope_improvement_ge50pct"
    ]
    sel = _labelled(data, effects, config, allow_counts_from_assumed_n=True)
    for name in responder_outcomes:
        used = {a["category"] for a in sel.analysed if a["outcome"] == name}
        if definitions[name].get("role") != "sensitivity":
            assert len(used) <= 1, (name, used)
    assert _included(sel, "responders") == {"oh2018"}
    assert _included(sel, "responders_gt25pct") == {"petrou2021"}
    relative = {
        a["category"] for a in sel.analysed if a["outcome"] == "responders_relative_any_threshold"
    }
    assert relative == {"slope_improvement_ge50pct", "slope_improvement_gt25pct"}
    mixed = {a["category"] for a in sel.analysed if a["outcome"] == "responders_any_definition"}
    assert mixed & RELATIVE and mixed & ABSOLUTE


def test_a_count_from_a_percentage_of_an_assumed_n_stays_out_of_count_pools(data, effects, config):
    # Cudkowicz 2022: 33% of the treated 95 (the analysis set is not printed) -> 31/95 is
    # derived under an assumption; the printed OR 1.33 is used as printed.
    sel = _labelled(data, effects, config)
    row = next(
        r
        for r in sel.inclusion
        if r["outcome"] == "responders_absolute"
        and r["effect_id"] == "cudkowicz2022_msc_ntf_resp_primary"
    )
    assert row["reason_codes"] == "criteria.allow_counts_from_assumed_n"
    assert _included(sel, "responders_absolute_vs_control") == {"cudkowicz2022"}
    odds = next(
        a for a in sel.analysed if a["effect_id"] == "cudkowicz2022_msc_ntf_resp_primary_odds_ratio"
    )
    assert {"count_from_percent", "n_from_other_source"} <= set(odds["flags"].split(";"))
    admitted = _labelled(data, effects, config, allow_counts_from_assumed_n=True)
    assert _included(admitted, "responders_absolute") == {"cudkowicz2022"}


def test_each_analysed_row_carries_its_definition_in_reader_words(data, effects, config):
    sel = _labelled(data, effects, config)
    definition = {(a["outcome"], a["effect_id"]): a["definition"] for a in sel.analysed}
    assert definition[("responders", "oh2018_msc_resp_ge50_6m")] == ("slope improvement \u2265 50%")
    assert definition[("responders_absolute_vs_control", _CUD_OR)] == (
        "slope gain \u2265 1.25 points/month"
    )
    assert definition[("slope_change_vs_control", "oh2018_slope_change_difference_6m")] == (
        "ALSFRS-R slope change, 6 months"
    )
    assert definition[("alsfrs_change_vs_control", "oh2018_change_difference_6m")] == (
        "ALSFRS-R change from baseline, 6 months"
    )
    assert all(a["definition"] for a in sel.analysed)
    # The study label no longer repeats the threshold: it is the Definition column's.
    assert all("slope improvement" not in a["label"] for a in sel.analysed)


_CUD_OR = "cudkowicz2022_msc_ntf_resp_primary_odds_ratio"


def test_audited_rows_reach_the_analysis_as_corrected(effects):
    any_ae = effects["barczewska2019_msc_any_ae"]
    assert (any_ae["status"], any_ae["status_reason"]) == (
        "not_computable",
        "no count or percentage is printed",
    )
    for effect_id in ("oh2018_msc_slope_change_4m", "oh2018_slope_change_difference_4m"):
        assert "timepoint_inferred" in effects[effect_id]["flags"].split(";")
        assert "time point 4 months inferred" in effects[effect_id]["derivation"]
    assert "timepoint_inferred" not in effects["oh2018_slope_change_difference_6m"]["flags"]
