"""Labels that follow the run: units from the kinds registry, interval levels from the config,
figure formats the run wrote, readable evidence variants, and a weight (or why none) on every
row of 20a."""

from __future__ import annotations

import re

from report_page import section_of, tables_in, text_of

from alsmeta.report.build import build_report
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections import per_outcome, results
from alsmeta.report.values import GLMM_NO_WEIGHT, data_text


def _twenty_a(ctx: ReportInputs, outcome: str) -> list[list[str]]:
    return tables_in(per_outcome._characteristics(ctx, outcome))[0]


def test_data_are_written_with_the_unit_of_their_kind():
    assert data_text({"events": 23, "n": 95}, "%") == "23/95"
    assert data_text({"events": 23, "n": 95, "comparator_events": 17, "comparator_n": 94}, "") == (
        "23/95 vs 17/94"
    )
    change = {"estimate": 3.38, "n": 31, "comparator_n": 25}
    assert data_text(change, "points") == "3.38 points, n = 31 vs 25"
    assert data_text({"estimate": -0.5, "n": None}, "points/month") == (
        "\u22120.50 points/month, n not reported"
    )


def test_studies_contributing_use_the_kind_registry_units(inputs):
    ctx = ReportInputs.of(**inputs)
    slope = _twenty_a(ctx, "slope_change")
    assert slope[1][6].endswith("points/month, n = 32")
    # The same row as an ALSFRS-R change from baseline is in points, not points/month.
    analysed = [
        {**r, "kind": "alsfrs_change_difference", "comparator_n": 27}
        if r["outcome"] == "slope_change"
        else r
        for r in inputs["analysed"]
    ]
    change = _twenty_a(ReportInputs.of(**{**inputs, "analysed": analysed}), "slope_change")
    assert change[1][6] == "1.13 points, n = 32 vs 27"
    # Two-arm counts with an odds ratio: the counts and the ratio, no unit.
    two_arm = [
        {**r, "comparator_events": 4, "comparator_n": 30, "measure": "OR", "estimate": 1.45}
        if r["outcome"] == "death"
        else r
        for r in inputs["analysed"]
    ]
    death = _twenty_a(ReportInputs.of(**{**inputs, "analysed": two_arm}), "death")
    assert all(re.fullmatch(r"\d+/\d+ vs 4/30; OR \S+", row[6]) for row in death[1:])
    assert "points/month" not in per_outcome._characteristics(ctx, "serious_ae")


def test_every_row_has_a_weight_or_says_why_not(inputs):
    ctx = ReportInputs.of(**inputs)
    glmm = _twenty_a(ctx, "serious_ae")  # pooled by the GLMM: no inverse-variance weights
    assert glmm[0][-1] == "Weight" and {r[-1] for r in glmm[1:]} == {GLMM_NO_WEIGHT}
    single = _twenty_a(ctx, "headache")  # one study: not pooled
    assert {r[-1] for r in single[1:]} == {"not pooled"}
    weighted = [
        {**w, "weight_pct": 50.0} if w["outcome"] == "death" else w for w in inputs["weights"]
    ]
    pooled_iv = [
        {**p, "method": "inverse variance"} if p["outcome"] == "death" else p
        for p in inputs["pooled"]
    ]
    ctx = ReportInputs.of(**{**inputs, "weights": weighted, "pooled": pooled_iv})
    assert {r[-1] for r in _twenty_a(ctx, "death")[1:]} == {"50.0%"}


def _at_level(rows, level: str):
    """Stored rows as a run at another level writes them: their interval words say it."""
    return [
        {k: v.replace("95%", level) if isinstance(v, str) else v for k, v in r.items()}
        for r in rows
    ]


def test_interval_level_comes_from_config(inputs):
    config = inputs["config"]
    config = {
        **config,
        "pooling": {**config["pooling"], "level": 0.9},
        "harmonize": {**config["harmonize"], "ci_level": 0.9},
    }
    tables = ("summary_of_findings", "pooled", "leave_one_out")
    page = build_report(
        **{
            **inputs,
            "config": config,
            **{name: _at_level(inputs[name], "90%") for name in tables},
            "extra": {
                k: _at_level(v, "90%") if isinstance(v, list) else v
                for k, v in inputs["extra"].items()
            },
        }
    )
    body = page[page.index("<main>") : page.index("<section id='reproducibility'>")]
    # Not the report's words: verbatim quotes of the sources, and the certainty rules the
    # grading prints (alsmeta.analysis.grade.rules).
    body = re.sub(r"<span class='quote'>.*?</span>", "", body, flags=re.S)
    rules = body.index("<div id='grade-rules'>")
    body = body[:rules] + body[body.index("</div>", rules) :]
    seen = text_of(body)
    interval = r"95% (?:CI|PI|CrI|credible|prediction|predictive|confidence)"
    assert not re.search(interval, seen), re.findall(rf".{{60}}{interval}.{{20}}", seen)
    assert "Relative effect (90% CI or CrI)" in seen and "Absolute effect (90% CI or CrI)" in seen
    assert tables_in(section_of(page, "results"))[0][0][4:6] == ["90% CI", "90% PI"]
    assert _twenty_a(ReportInputs.of(**{**inputs, "config": config}), "serious_ae")[0][7] == (
        "90% CI"
    )
    assert "90% CrI" in text_of(section_of(page, "few-studies"))


def test_only_the_formats_the_run_wrote_are_named(inputs):
    def sentence(formats):
        config = {
            **inputs["config"],
            "figures": {**inputs["config"]["figures"], "formats": formats},
        }
        return results.figure_files_sentence(ReportInputs.of(**{**inputs, "config": config}))

    assert sentence(["svg"]) == "the SVG file is under <code>results/figures/</code>."
    assert sentence(["svg", "png", "pdf"]) == (
        "the SVG, PNG (300 dpi) and PDF files are under <code>results/figures/</code>."
    )
    assert "PNG" not in text_of(section_of(build_report(**inputs), "results")) or (
        "png" in inputs["config"]["figures"]["formats"]
    )


def test_evidence_variants_read_as_words_and_percentages(inputs):
    variants = tables_in(section_of(build_report(**inputs), "sensitivity"))[0]
    assert variants[0][:3] == ["Outcome", "Variant", "Status"]
    ids = {r["variant"] for r in inputs["extra"]["variants"]} - {"main"}
    shown = " ".join(" ".join(row) for row in variants[1:])
    assert ids and not any(f" {i} " in f" {shown} " for i in ids)
    labels = {r["outcome_label"] for r in inputs["extra"]["variants"]}
    assert {row[0] for row in variants[1:]} <= labels
    estimates = [
        (row[5], r)
        for row, r in zip(variants[1:], inputs["extra"]["variants"], strict=True)
        if r["estimate"] is not None and r["scale"] == "proportion"
    ]
    assert estimates
    for text, r in estimates:
        assert text.startswith(f"{100 * r['estimate']:.1f}%".replace("-", "\u2212"))
