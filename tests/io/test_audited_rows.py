"""Rows an audit against the dossier and the sources found wrong, as corrected: each test
asserts the corrected cell and what the pipeline does with it, so that a regression to the
old value fails here, not only in a reader's eyes."""

import pytest

from alsmeta.io.risk_of_bias import assessments
from alsmeta.selection.criteria import select


def _rob(data, study, scope, domain):
    rows = [
        r
        for r in data["risk_of_bias"]
        if (r["study_id"], r["outcome_scope"], r["domain"]) == (study, scope, domain)
    ]
    assert len(rows) == 1, (study, scope, domain)
    return rows[0]


def _row(data, table, key, value):
    return next(r for r in data[table] if r[key] == value)


def _quote_ids(data):
    return {q["quote_id"] for q in data["quotes"] + data["extra_quotes"]}


def _included(data, harmonized, config, outcome, **criteria):
    crit = {**config["criteria"], **criteria, "outcomes": [outcome]}
    sel = select(harmonized, data, crit, config["outcome_definitions"])
    return {r["effect_id"] for r in sel.inclusion if r["decision"] == "included"}


# --- risk of bias ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("study", "printed"),
    [
        # Nabavi 2019 abstract: definitive sporadic ALS, ALS-FRS >= 24, FVC >= 40% predicted.
        ("nabavi2019", ("sporadic ALS", "ALS-FRS of 24", "40% predicted")),
        # Petrou 2021 abstract (HTML rendering): age 20-70, definite ALS, ALSFRS-R > 20.
        ("petrou2021", ("age 20 to 70", "definite diagnosis of ALS", "ALSFRS-R score > 20")),
    ],
)
def test_printed_inclusion_criteria_answer_jbi_q1_yes(data, study, printed):
    row = _rob(data, study, "all", "Q1")
    assert row["judgement"] == "yes"
    for words in printed:
        assert words in row["support"]
    assert set(row["quote_ids"]) - {q for q in row["quote_ids"] if q.startswith("dossier:")} <= (
        _quote_ids(data)
    )


def test_barczewska2020_deviations_and_missing_data_are_judged_from_the_abstract(data):
    # All 67 received three injections every two months; 21 + 33 + 13 = 67 analysed.
    d4 = _rob(data, "barczewska2020", "all", "D4")
    d5 = _rob(data, "barczewska2020", "all", "D5")
    assert (d4["judgement"], d5["judgement"]) == ("low", "low")
    assert "three intrathecal injections every two months" in d4["support"]
    assert "21 + 33 + 13 = 67" in d5["support"]
    # Confounding still decides the overall judgement: an external database control.
    judged = assessments(data["risk_of_bias"])[("barczewska2020", "all")]
    assert judged.overall == "serious"


def test_barczewska2020_d1_names_the_matching_variables_the_abstract_prints(data):
    d1 = _rob(data, "barczewska2020", "all", "D1")
    assert d1["judgement"] == "serious"
    assert "matching variables are not in the abstract" not in d1["support"]
    for variable in ("race", "sex", "FT9 disease stage", "concomitant ALS medications"):
        assert variable in d1["support"]


def test_cudkowicz2022_reported_result_is_not_low_after_the_erratum(data):
    # CUD22-Q11: the original analyses deviated from the pre-specified analysis plan.
    d5 = _rob(data, "cudkowicz2022", "all", "D5")
    assert d5["judgement"] == "some_concerns"
    assert "CUD22-Q11" in d5["quote_ids"]
    judged = assessments(data["risk_of_bias"])[("cudkowicz2022", "all")]
    assert dict(judged.domains)["D5"] == "some_concerns"


def test_cudkowicz2022_d2_does_not_claim_the_efficacy_n(data):
    d2 = _rob(data, "cudkowicz2022", "all", "D2")
    assert "the analyses count the 189 treated" not in d2["support"]
    assert "not in the sources read" in d2["support"]


def test_petrou2016_q8_rests_on_the_paper_not_on_an_unnamed_cohort(data):
    q8 = _rob(data, "petrou2016", "all", "Q8")
    assert q8["quote_ids"] == ["PET16-Q1"]


def test_oh2018_fvc_has_its_own_missing_data_judgement(data, config):
    # Table 3: FVC analysed in 31 of 33 MSC and 25 of 31 control participants.
    fvc = _rob(data, "oh2018", "fvc", "D3")
    assert fvc["judgement"] == "some_concerns"
    assert "31 of 33" in fvc["support"] and "25 of 31" in fvc["support"]
    assert "OH18-Q8" in fvc["quote_ids"]
    assert config["risk_of_bias"]["outcome_scopes"]["fvc_slope_change_vs_control"] == "fvc"
    judged = assessments(data["risk_of_bias"], config["risk_of_bias"])
    assert dict(judged[("oh2018", "fvc")].domains)["D3"] == "some_concerns"
    assert dict(judged[("oh2018", "all")].domains)["D3"] == "no_information"


# --- populations and denominators --------------------------------------------------------


def test_oh2018_randomized_n_is_an_assumed_denominator(data, harmonized, config):
    # 'MSC group, n = 33' is the randomized n; the treated n is UNVERIFIED in the dossier.
    row = _row(data, "adverse_events", "ae_id", "oh2018_msc_trsae")
    assert (row["n"], row["n_source"]) == (33, "randomized")
    effect = next(e for e in harmonized if e["effect_id"] == "oh2018_msc_trsae")
    assert "n_from_randomized" in effect["flags"].split(";")
    assert "oh2018_msc_trsae" not in _included(data, harmonized, config, "treatment_related_sae")
    admitted = _included(
        data, harmonized, config, "treatment_related_sae", allow_counts_from_assumed_n=True
    )
    assert "oh2018_msc_trsae" in admitted


def test_sykova2017_six_month_p_value_is_a_subgroup_estimate(data, harmonized, config):
    # 'that, in some cases, persisted for 6 months': a subset the abstract does not define.
    row = _row(data, "efficacy", "eff_id", "sykova2017_slope_change_6m")
    assert row["population"] == "some cases (not specified)"
    sel = select(
        harmonized,
        data,
        {**config["criteria"], "outcomes": ["slope_change"], "allow_original_alsfrs": True},
        config["outcome_definitions"],
    )
    log = next(r for r in sel.inclusion if r["effect_id"] == "sykova2017_slope_change_6m")
    assert "criteria.allow_subgroup_estimates" in log["reason_codes"].split(";")


def test_prabhakar2012_one_year_change_has_no_analysed_n(data, harmonized):
    # 10 is the number treated; the number analysed at one year is not printed.
    assert _row(data, "efficacy", "eff_id", "prabhakar2012_change_12m").get("n") is None
    effect = next(e for e in harmonized if e["effect_id"] == "prabhakar2012_change_12m")
    assert effect.get("n") is None and effect["status"] != "ok"


def test_barczewska2020_response_types_are_not_coded_against_the_reference(data):
    rows = [r for r in data["responders"] if r["study_id"] == "barczewska2020"]
    assert len(rows) == 3
    assert {r["response_definition"] for r in rows} == {
        "progression_decreased",
        "progression_unchanged",
        "progression_increased",
    }


def test_petrou2016_unnamed_cohort_overlaps_every_arm_but_keeps_the_cohorts_disjoint(data):
    row = _row(data, "responders", "resp_id", "petrou2016_it_pooled_resp_ge25_alsfrs_or_fvc")
    assert row["arm_id"] == "petrou2016_cohort_unnamed"
    groups = {
        a["arm_id"]: set(a.get("overlap_group") or [])
        for a in data["arms"]
        if a["study_id"] == "petrou2016"
    }
    unnamed = groups.pop("petrou2016_cohort_unnamed")
    for arm, its_groups in groups.items():
        assert unnamed & its_groups, arm
    # The phase 1/2 set and the phase 2a cohort are different patients.
    assert not groups["petrou2016_phase1_2"] & groups["petrou2016_phase2a"]


def test_berry2019_primary_rows_of_one_source_share_a_time_point(data):
    primary = {}
    for row in data["responders"]:
        if row["study_id"] == "berry2019" and row["is_primary"]:
            key = (row["source"], row["response_definition"], row.get("population"))
            primary.setdefault(key, set()).add((row["timepoint"], row["timepoint_unit"]))
    hopenow = [times for (source, _, _), times in primary.items() if "Hope Now" in source]
    assert hopenow == [{(12, "weeks")}]


def test_a_conflict_group_holds_versions_of_one_time_point(data):
    # petrou2016_phase2a_decline_3m is a 3-month value; the group's versions are 6-month
    # (or undated) values of one rate.
    row = _row(data, "efficacy", "eff_id", "petrou2016_phase2a_decline_3m")
    assert row.get("conflict_group") is None
    for group in {r["conflict_group"] for r in data["efficacy"] if r.get("conflict_group")}:
        times = {
            (r.get("timepoint"), r.get("timepoint_unit"))
            for r in data["efficacy"]
            if r.get("conflict_group") == group and r.get("timepoint") is not None
        }
        assert len(times) <= 1, group


def test_barczewska2019_gap_reason_matches_its_any_ae_row(data):
    gap = next(
        g
        for g in data["gaps"]
        if (g["study_id"], g["outcome"]) == ("barczewska2019", "treatment_related_sae")
    )
    assert "0/43" not in gap["reason"]
    any_ae = [r for r in data["adverse_events"] if r["study_id"] == "barczewska2019"]
    assert any(r["ae_category"] == "any_ae" and r.get("events") is None for r in any_ae)
