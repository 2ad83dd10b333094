"""What a reader sees says only what is true: no library names or internal messages in the
report or the summary of findings, and no sentence that the run's tables or configuration
contradict (a statistic called unavailable while a table carries it, a pooling method named
that did not run). The checks are in tests/reader_text.py; the fixtures below show they fail
on a false sentence."""

from __future__ import annotations

import html

from reader_text import (
    SOF_TEXT_COLUMNS,
    carried,
    denied_terms,
    false_claims,
    reader_page_text,
)
from report_page import ROOT

from alsmeta.report.build import build_report
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections import methods, per_outcome


def _facts(inputs):
    return carried(pooled=inputs["pooled"], extra=inputs["extra"], config=inputs["config"])


def test_report_and_summary_of_findings_name_no_library_or_internal_message(inputs):
    page = html.unescape(reader_page_text(build_report(**inputs)))
    assert denied_terms(page) == []
    cells = " | ".join(
        str(row.get(c) or "") for row in inputs["summary_of_findings"] for c in SOF_TEXT_COLUMNS
    )
    assert denied_terms(cells) == []


def test_the_deny_list_catches_an_internal_message(inputs):
    inputs["pooled"][0] = {**inputs["pooled"][0], "reason": "lme4::glmer: mu -> -inf, nan"}
    page = html.unescape(reader_page_text(build_report(**inputs)))
    assert len(denied_terms(page)) >= 3
    # 'What was run' names the software on purpose and is not scanned; 'finance' is no NaN.
    assert denied_terms(reader_page_text("<section id='reproducibility'>pymare</section>")) == []
    assert denied_terms("financial nano") == []


def test_report_and_readme_claim_nothing_the_tables_contradict(inputs):
    facts = _facts(inputs)
    # The fixtures carry every statistic whose absence the old text claimed.
    assert facts["test for subgroup differences"] and facts["pre/post correlation sensitivity"]
    assert facts["funnel-plot asymmetry test"] and facts["proportion_method"] == "glmm"
    assert false_claims(build_report(**inputs), facts) == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert false_claims(readme, facts) == []


def test_a_claim_of_unavailability_is_caught_when_the_table_has_it(inputs):
    facts = _facts(inputs)
    false = (
        "<p>A test for subgroup differences is not available in this version of the "
        "pipeline; subgroup estimates are descriptive.</p><p>The sensitivity of slope SEs to "
        "the assumed pre/post correlation r is not available in this version.</p><p>Not "
        "assessed: no asymmetry test is computed by this version of the pipeline.</p>"
    )
    found = false_claims(false, facts)
    assert len(found) == 3
    assert [f.split(",")[0] for f in found] == [
        "says the test for subgroup differences is unavailable",
        "says the pre/post correlation sensitivity is unavailable",
        "says the funnel-plot asymmetry test is unavailable",
    ]
    # The same sentences are true of a run without those tables.
    inputs["pooled"] = [{**r, "q_between": None} for r in inputs["pooled"]]
    inputs["extra"] = {**inputs["extra"], "prepost_sweep": [], "small_study": []}
    assert false_claims(false, _facts(inputs)) == []


def test_a_method_that_did_not_run_is_caught(inputs):
    logit = "<p>Adverse-event rates are logit proportions with a continuity correction.</p>"
    assert len(false_claims(logit, _facts(inputs))) == 1
    inputs["config"] = {
        **inputs["config"],
        "pooling": {**inputs["config"]["pooling"], "proportion_method": "inverse_variance"},
    }
    assert false_claims(logit, _facts(inputs)) == []
    glmm = "<p>Adverse-event rates are pooled by a binomial-normal GLMM.</p>"
    assert len(false_claims(glmm, _facts(inputs))) == 1


def test_methods_follow_the_configured_proportion_method(inputs):
    ctx = ReportInputs.of(**inputs)
    text = methods._proportions(ctx)
    assert "binomial-normal generalized linear mixed model" in text and "101 points" in text
    assert "logit scale" not in text
    config = {
        **inputs["config"],
        "pooling": {**inputs["config"]["pooling"], "proportion_method": "inverse_variance"},
        "harmonize": {**inputs["config"]["harmonize"], "proportion_measure": "PFT"},
    }
    text = methods._proportions(ReportInputs.of(**{**inputs, "config": config}))
    assert "inverse variance on the Freeman-Tukey double arcsine scale (PFT)" in text
    assert "GLMM" not in text and "mixed model" not in text


def test_sentences_on_subgroup_tests_prepost_and_small_study_follow_the_tables(inputs):
    ctx = ReportInputs.of(**inputs)
    assert methods._subgroup_tests(ctx).startswith("The test for subgroup differences is")
    assert "sensitivity-prepost_sweep" in methods._prepost(ctx)
    assert "sensitivity-prepost_sweep" in per_outcome._prepost_line(ctx)
    done = [r for r in inputs["extra"]["small_study"] if r["status"] != "not_done"]
    assert ("none was made" in methods._small_study(ctx)) == (not done)
    bare = {
        **inputs,
        "pooled": [{**r, "q_between": None} for r in inputs["pooled"]],
        "extra": {k: v for k, v in inputs["extra"].items() if k not in ("prepost_sweep",)},
    }
    ctx = ReportInputs.of(**bare)
    assert methods._subgroup_tests(ctx).startswith("No outcome had two subgroups")
    assert methods._prepost(ctx) == "The pre/post correlation sweep was not part of this run."
