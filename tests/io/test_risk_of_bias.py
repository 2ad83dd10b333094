"""The risk-of-bias table (data/risk_of_bias.tsv): bad cells give one line naming file, line,
row and column; every analysed study is appraised; each tool's overall rule as the tool
(or, for JBI, this review's configured rule) prescribes."""

from pathlib import Path

import pytest
from badinput import copy_data, message

from alsmeta.io.risk_of_bias import TOOLS, assessments, overall


@pytest.fixture
def paths(tmp_path):
    return copy_data(tmp_path)


def _edit_line(path, line_number, column, value):
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    cells = lines[line_number - 1].split("\t")
    cells[header.index(column)] = value
    lines[line_number - 1] = "\t".join(cells)
    Path(path).write_text("\n".join(lines), encoding="utf-8")
    return cells[0]


def test_a_judgement_outside_the_vocabulary(paths):
    path = paths["risk_of_bias"]
    study = _edit_line(path, 2, "judgement", "probably_low")
    assert message(paths).startswith(
        f"{path}, line 2 (study_id {study!r}), column 'judgement': 'probably_low' is not one of"
    )


def test_a_judgement_of_another_tool(paths):
    path = paths["risk_of_bias"]
    study = _edit_line(path, 2, "judgement", "serious")  # a ROBINS-I word on an RoB 2 row
    assert message(paths) == (
        f"{path}, line 2 (study_id {study!r}), column 'judgement': 'serious' is not a RoB 2 "
        "judgement (low, some_concerns, high, no_information)"
    )


def test_an_unknown_study(paths):
    path = paths["risk_of_bias"]
    _edit_line(path, 3, "study_id", "nobody2020")
    lines = message(paths).split("\n")
    # The study the row was moved from now lacks that domain: both are listed in one pass.
    assert lines[0] == "2 problems in the input (fix them all, then run again):"
    assert lines[1] == f"  {path}, line 3, column 'study_id': unknown study_id 'nobody2020'"


def test_an_unknown_quote_id(paths):
    path = paths["risk_of_bias"]
    _edit_line(path, 2, "quote_ids", "OH18-Q99")
    assert message(paths).startswith(
        f"{path}, line 2, column 'quote_ids': unknown quote id 'OH18-Q99' (not in"
    )


def test_a_tool_that_does_not_fit_the_design(paths):
    path = paths["risk_of_bias"]
    study = _edit_line(path, 2, "tool", "jbi_case_series")
    assert message(paths).startswith(
        f"{path}, line 2 (study_id {study!r}), column 'tool': 'jbi_case_series' does not fit "
        "design 'rct' (use rob2)"
    )


def test_a_missing_domain_for_scope_all(paths):
    path = paths["risk_of_bias"]
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    first = lines[1].split("\t")
    domain = first[3]
    Path(path).write_text("\n".join([lines[0], *lines[2:]]), encoding="utf-8")
    assert f"column 'domain': no row with scope 'all' for {domain} " in message(paths)


def test_every_analysed_study_is_appraised(data, harmonized, config):
    from alsmeta.selection.criteria import select
    from alsmeta.selection.variants import variant_context, variant_selections

    assessed = {r["study_id"] for r in data["risk_of_bias"]}
    criteria, definitions = config["criteria"], config["outcome_definitions"]
    rob = config["risk_of_bias"]
    analysed = {r["study_id"] for r in select(harmonized, data, criteria, definitions).analysed}
    context = variant_context(harmonized, data, criteria, rob)
    for outcome in criteria["outcomes"]:
        for entry in variant_selections(harmonized, data, criteria, definitions, outcome, context):
            analysed |= {r["study_id"] for r in entry["rows"]}
    assert analysed and analysed <= assessed, sorted(analysed - assessed)


def _all(tool, value):
    return {d: value for d in TOOLS[tool].domains}


def test_rob2_overall_is_the_worst_domain_and_high_for_many_concerns():
    assert overall("rob2", _all("rob2", "low")) == "low"
    one = {**_all("rob2", "low"), "D4": "some_concerns"}
    assert overall("rob2", one) == "some_concerns"
    assert overall("rob2", {**one, "D2": "high"}) == "high"
    # No information counts as some concerns; four domains with concerns make it high.
    three = {**one, "D1": "no_information", "D5": "some_concerns"}
    assert overall("rob2", three) == "some_concerns"
    four = {**three, "D3": "some_concerns"}
    assert overall("rob2", four) == "high"
    assert overall("rob2", four, {"rob2_some_concerns_for_high": None}) == "some_concerns"


def test_robins_i_overall():
    low = _all("robins_i", "low")
    assert overall("robins_i", low) == "low"
    assert overall("robins_i", {**low, "D6": "moderate"}) == "moderate"
    assert overall("robins_i", {**low, "D2": "no_information"}) == "no_information"
    assert overall("robins_i", {**low, "D2": "no_information", "D1": "serious"}) == "serious"
    assert overall("robins_i", {**low, "D1": "serious", "D7": "critical"}) == "critical"


def test_jbi_overall_from_the_share_of_yes():
    tool = "jbi_case_series"
    seven = {d: ("yes" if i < 7 else "unclear") for i, d in enumerate(TOOLS[tool].domains)}
    assert overall(tool, seven) == "low"  # 7 of 10 = 70%
    five = {d: ("yes" if i < 5 else "no") for i, d in enumerate(TOOLS[tool].domains)}
    assert overall(tool, five) == "moderate"
    # Not-applicable items leave the denominator: 5 yes of 6 applicable items.
    applicable = {**five, "Q6": "not_applicable", "Q7": "not_applicable", "Q8": "not_applicable"}
    applicable["Q9"] = "not_applicable"
    assert overall(tool, applicable) == "low"
    assert overall(tool, _all(tool, "unclear")) == "high"


def test_a_scope_row_replaces_the_all_row_of_its_domain(data, config):
    table = assessments(data["risk_of_bias"], config["risk_of_bias"])
    oh = {s: dict(table[("oh2018", s)].domains) for s in ("all", "mortality", "alsfrs_r")}
    assert oh["all"]["D4"] == "some_concerns"
    assert oh["mortality"]["D4"] == "low" and oh["alsfrs_r"]["D4"] == "high"
    assert table[("oh2018", "alsfrs_r")].overall == "high"
    assert oh["mortality"]["D1"] == oh["all"]["D1"]  # other domains are the 'all' rows
