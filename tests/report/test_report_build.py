"""The report built from small stored tables, judged by what a reader sees.

The summary of findings, the PRISMA counts and the leave-one-out re-fits are read from their
tables, never recomputed: changing a table changes the page, and the functions that compute
them may not be called.
"""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from report_page import (
    OUTCOMES,
    embedded_figures,
    section_of,
    tables_in,
    text_of,
)

from alsmeta.analysis.grade.levels import SYMBOLS
from alsmeta.analysis.grade.table import DOMAIN_COLUMNS
from alsmeta.figures.text import num
from alsmeta.report import build
from alsmeta.report.build import build_report
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections import selection

SECTION_IDS = (
    "summary methods results selection per-outcome inclusion few-studies risk-of-bias "
    "sensitivity provenance reproducibility".split()
)


def _by_outcome(rows):
    return {r["outcome"]: r for r in rows}


def test_every_section_in_order_with_its_link(inputs):
    page = build_report(**inputs)
    assert [s.ID for s in build.SECTIONS] == SECTION_IDS
    opened = re.findall(r"<section id='([^']+)'><h2>", page)
    assert opened == SECTION_IDS
    assert page.count("</section>") == len(SECTION_IDS)
    nav = page[page.index("<nav") : page.index("</nav>")]
    targets = re.findall(r"href='#([^']+)'", nav)
    assert [t for t in targets if not t.startswith("outcome-")] == SECTION_IDS
    # Under Results, a link to each outcome's result, in the configured order.
    after_results = targets[targets.index("results") + 1 : targets.index(SECTION_IDS[3])]
    assert after_results == [f"outcome-{o}" for o in OUTCOMES]
    for target in targets:
        assert f"id='{target}'" in page
    for module in build.MAIN:
        assert f"<h2>{module.TITLE}</h2>" in section_of(page, module.ID)
    for i, module in enumerate(build.APPENDICES):  # headed, and folded until opened
        appendix = section_of(page, module.ID)
        assert f"<h2>Appendix {'ABCDEFG'[i]}. {html.escape(module.TITLE)}</h2>" in appendix
        assert "<details class='appendix'><summary>Show " in appendix
    for item in ("13a", "13b", "13c", "13d", "13e", "13f", "20a", "20b", "20c", "20d"):
        assert f"id='prisma-{item}'" in page
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>\n")


def _sof(page: str) -> list[list[str]]:
    return tables_in(section_of(page, "summary"))[0]


def test_summary_table_is_laid_out_as_gradepro_lays_it_out(inputs):
    """GRADEpro's columns; main outcomes, then a group line and the sensitivity analyses,
    then one line naming every outcome without a study."""
    table = _sof(build_report(**inputs))
    assert table[0] == [
        "Outcome",
        "Participants (studies)",
        "Relative effect (95% CI or CrI)",
        "Absolute effect (95% CI or CrI)",
        "Certainty",
        "Comments",
    ]
    rows = _by_outcome(inputs["summary_of_findings"])
    definitions = inputs["config"]["outcome_definitions"]
    with_study = [o for o in OUTCOMES if rows[o]["studies"]]
    main = [o for o in with_study if "role" not in definitions[o]]
    later = [o for o in with_study if "role" in definitions[o]]
    assert later == ["serious_ae_any_definition"]  # a sensitivity analysis, after the main ones
    # The outcome cell is the label, then its importance and follow-up.
    labels = [r[0] for r in table[1:]]
    expected = [rows[o] for o in main] + [None] + [rows[o] for o in later]
    assert len(labels) == len(expected) + 1
    for shown, row in zip(labels, expected, strict=False):
        if row is None:
            assert shown == "Secondary and sensitivity analyses"
        else:
            assert shown == f"{row['label']}{row['importance']}; follow-up {row['follow_up']}"
    assert table[-1][0].startswith("No study met the criteria: Any adverse event")
    for shown, row in zip(table[1:], expected, strict=False):
        if row is None:
            continue
        outcome, participants, relative, absolute, certainty, comments = shown
        assert participants == f"{row['participants']} ({row['studies']})"
        ratio = definitions[row["outcome"]]["kind"] != "proportion" and row["effect"].startswith(
            "OR"
        )
        assert relative.startswith(row["effect"] if ratio else "\u2014")
        assert absolute.startswith(row["absolute_effect"] or row["effect"])
        assert certainty.startswith(f"{SYMBOLS[row['certainty']]} {row['certainty']}")
        assert comments.startswith(row["statement"])


def test_each_domain_reason_is_a_numbered_footnote(inputs):
    """Every domain's reason is a footnote under the table; a downgrade says its levels; the
    certainty cell links to its row's footnotes; identical reasons share one number."""
    summary = section_of(build_report(**inputs), "summary")
    notes = re.findall(r"<li id='sof-note-(\d+)'>(.*?)</li>", summary)
    assert [int(n) for n, _ in notes] == list(range(1, len(notes) + 1))
    texts = [html.unescape(t) for _, t in notes]
    assert len(texts) == len(set(texts))
    sae = _by_outcome(inputs["summary_of_findings"])["serious_ae"]
    assert sae["imprecision"].startswith("-2: ")
    assert f"Imprecision (\u22122): {sae['imprecision'][4:]}" in texts
    assert sae["risk_of_bias"].startswith("-1: serious")
    assert f"Risk of bias (\u22121): {sae['risk_of_bias'][4:]}" in texts
    row = summary[summary.index("<tr id='sof-serious_ae'>") :].split("</tr>")[0]
    marks = re.findall(r"href='#sof-note-(\d+)'", row)
    # The start level, then every domain the table grades, in GRADE's order.
    shown = [texts[int(m) - 1] for m in marks]
    assert shown[0] == f"Start: {sae['start']}"
    graded = [name for column, name in DOMAIN_COLUMNS if sae[column]]
    assert [t.split(":")[0].split(" (")[0] for t in shown[1:]] == graded
    zero = _by_outcome(inputs["summary_of_findings"])["treatment_related_sae"]
    assert zero["absolute_effect"] == (
        "0 per 1,000 (0 to 26): exact 95% CI on the summed counts, "
        "assuming one common rate across studies"
    )
    assert "0 per 1,000 (0 to 26): exact 95% CI" in summary
    assert "<a href='#outcome-serious_ae'>" in summary
    assert "<a href='#analysis-serious_ae-overall-all'>" in summary
    assert "<div id='grade-rules'>" in summary


def test_summary_shows_what_the_table_says(inputs):
    """An edited summary_of_findings row is what the page shows: it is read, not graded."""
    row = _by_outcome(inputs["summary_of_findings"])["death"]
    row.update(
        certainty="Moderate",
        absolute_effect="an effect only the table knows",
        imprecision="-2: a reason only the table knows",
        notes="first note; second note",
        importance="critical",
        follow_up="6 to 12 months",
    )
    summary = section_of(build_report(**inputs), "summary")
    death = next(r for r in _sof(build_report(**inputs)) if r[0].startswith(row["label"]))
    assert death[0] == f"{row['label']}critical; follow-up 6 to 12 months"
    assert death[3].startswith("an effect only the table knows")
    assert death[4].startswith(f"{SYMBOLS['Moderate']} Moderate")
    assert "Imprecision (\u22122): a reason only the table knows</li>" in summary
    assert "First note. Second note." in death[5]


def test_a_missing_column_is_named(inputs):
    for row in inputs["summary_of_findings"]:
        del row["notes"]
    with pytest.raises(ValueError, match="summary_of_findings: no column notes"):
        build_report(**inputs)


def _flow(rows, stage, category, outcome=None):
    return next(
        r
        for r in rows
        if r["stage"] == stage and r["category"] == category and r["outcome"] == outcome
    )


def test_selection_counts_are_the_prisma_flow_rows(inputs):
    flow = inputs["prisma_flow"]
    studies = _flow(flow, "assessed", "studies")["n_studies"]
    reports = _flow(flow, "identified", "reports")["n_studies"]
    included = _flow(flow, "included", "studies in at least one synthesis")["n_studies"]
    none = sum(r["n_studies"] for r in flow if r["stage"] == "in_no_synthesis")
    no_data = _flow(flow, "in_no_synthesis", "no usable data for any analysed outcome")
    page = build_report(**inputs)
    text = text_of(section_of(page, "selection"))
    assert (
        f"{studies} studies ({reports} reports) were assessed; {included} are in at least one "
        f"synthesis and {none} in none." in text
    )
    alt = re.search(r"<figure id='figure-prisma'>.*? aria-label='([^']*)'", page).group(1)
    assert alt.startswith(
        f"PRISMA 2020 flow diagram: {studies} studies in the extraction dossier ({reports} "
        f"reports); {none} in no synthesis ({no_data['n_studies']} without usable data); "
        f"{included} included in at least one synthesis; "
    )
    assert f"<p>{studies} studies were assessed and {included} contribute to at least" in page
    pooled = {r["outcome"]: r for r in inputs["pooled"] if r["subgroup_variable"] == "overall"}
    for outcome in OUTCOMES:
        box = _flow(flow, "synthesis", "included", outcome)
        label = inputs["config"]["outcome_definitions"][outcome]["label"]
        if box["n_studies"]:
            n = box["n_studies"]
            expected = f"{label}: {n} stud{'y' if n == 1 else 'ies'}"
            assert expected in alt and f"{pooled[outcome]['n_total']} participants" in alt
        else:
            assert f"{label}: no study included" in alt
        ids = str(box["study_ids"] or "").split(";") if box["study_ids"] else []
        listed = ": " + ", ".join(ids) if ids else ""
        log = text_of(section_of(page, "inclusion"))
        assert re.search(rf"{len(ids)} of \d+ studies included{re.escape(listed)}\.", log)


def test_selection_shows_what_the_flow_table_says(inputs):
    """Edited prisma_flow counts are what the page shows: they are read, not counted."""
    flow = inputs["prisma_flow"]
    _flow(flow, "assessed", "studies")["n_studies"] = 101
    _flow(flow, "identified", "reports")["n_studies"] = 202
    _flow(flow, "included", "studies in at least one synthesis")["n_studies"] = 33
    for r in flow:
        if r["stage"] == "in_no_synthesis":
            r["n_studies"] = 10
    _flow(flow, "synthesis", "included", "death")["n_studies"] = 9
    page = build_report(**inputs)
    text = text_of(section_of(page, "selection"))
    none = 10 * sum(1 for r in flow if r["stage"] == "in_no_synthesis")
    assert "101 studies (202 reports) were assessed; 33 are in at least one synthesis and " in text
    assert f"and {none} in none." in text
    assert "Death (all causes): 9 studies, 2 arms or contrasts, 101 participants" in page
    assert "<p>101 studies were assessed and 33 contribute" in page


def test_synthesis_text_names_arms_and_unreported_participants(inputs):
    for row in inputs["pooled"]:
        if row["outcome"] == "serious_ae_any_definition" and row["subgroup_variable"] == "overall":
            row.update(k=9, n_total=146, k_n_unreported=2)
    ctx = ReportInputs.of(**inputs)
    assert selection.synthesis_text(ctx, "serious_ae_any_definition") == (
        "Serious adverse events, any definition as reported (sensitivity analysis): 7 studies, "
        "9 arms or contrasts, 146 participants (+2 with n not reported)"
    )
    assert selection.synthesis_text(ctx, "any_ae") == "Any adverse event: no study included"
    assert selection.synthesis_text(ctx, "headache") == "Headache: 1 study, 26 participants"


def _leave_one_out_block(page: str, outcome: str) -> str:
    """The 20d part of one outcome: from its heading to the next outcome's."""
    results = section_of(page, "per-outcome")
    start = results.index("<h3 id='prisma-20d'>")
    blocks = re.split(
        r"<h4>|<p class='no-study'>", results[start : results.index("<h3 id='analyses'>")]
    )[1:]
    labels = {o: i for i, o in enumerate(OUTCOMES)}
    return blocks[labels[outcome]]


def test_every_leave_one_out_row_is_shown(inputs):
    page = build_report(**inputs)
    loo = inputs["leave_one_out"]
    kinds = {o: d["kind"] for o, d in inputs["config"]["outcome_definitions"].items()}
    for outcome in OUTCOMES:
        rows = [r for r in loo if r["outcome"] == outcome]
        block = _leave_one_out_block(page, outcome)
        if not any(a["outcome"] == outcome for a in inputs["analysed"]):
            assert "no study, so no leave-one-out or funnel plot.</p>" in block
            continue
        if not rows:
            assert "Leave-one-out not done: it needs at least 3 pooled studies" in block
            assert "figure-leave-one-out" not in block
            continue
        assert f"<figure id='figure-leave-one-out-{outcome}'>" in block
        table = tables_in(block)[0]
        assert table[0] == [
            "Omitted",
            "k",
            "Estimate",
            "95% CI",
            "95% PI",
            "\u03c4\u00b2",
            "I\u00b2",
        ]
        assert len(table) - 1 == len(rows)
        for shown, row in zip(table[1:], rows, strict=True):
            assert shown[0] == row["omitted_label"]
            assert shown[1] == str(row["k"])
            assert f"href='#effect-{row['omitted_effect_id']}'" in block
            if row["status"] != "pooled":  # a re-fit without a finite estimate says why
                assert shown[2].startswith("not estimated: ")
                continue
            assert shown[5] == f"{row['tau2']:.3g}"
            assert shown[6] == f"{row['i2_tau2_pct']:.0f}%"
            if kinds[outcome] == "proportion":
                assert shown[2] == f"{num(100 * row['estimate'], 1)}%"
        fits = [r for r in rows if r["status"] == "pooled"]
        low = min(fits, key=lambda r: r["estimate"])
        high = max(fits, key=lambda r: r["estimate"])
        said = text_of(block)
        assert f"(without {low['omitted_label']}) to " in said
        assert f"(without {high['omitted_label']})." in said
    # Outcomes with k >= 3 have rows; the others are said not to be done.
    assert {r["outcome"] for r in loo} == {"serious_ae", "serious_ae_any_definition"}


def test_a_leave_one_out_row_that_could_not_be_fitted(inputs):
    outcome = "serious_ae_any_definition"
    row = next(
        r for r in inputs["leave_one_out"] if r["outcome"] == outcome and r["status"] == "pooled"
    )
    row.update(status="not_pooled", reason="no fit: tau^2 diverged", estimate=None)
    block = _leave_one_out_block(build_report(**inputs), outcome)
    shown = next(r for r in tables_in(block)[0] if r[0] == row["omitted_label"])
    assert shown[2:] == ["not estimated: no fit: \u03c4\u00b2 diverged", "", "", "", ""]


def test_the_report_computes_no_result(inputs, monkeypatch):
    """Grading, PRISMA counting and pooling are other rules' work: calling them is an error."""
    import alsmeta.analysis.grade.finding as grading
    import alsmeta.analysis.grade.table as grade_table
    import alsmeta.analysis.prisma as prisma
    import alsmeta.stats.random_effects as random_effects

    def forbidden(*args, **kwargs):
        raise AssertionError("the report recomputed a result")

    for module, name in (
        (grading, "findings"),
        (grading, "finding"),
        (grade_table, "table_rows"),
        (prisma, "flow"),
        (prisma, "flow_rows"),
        (prisma, "synthesis_text"),
        (random_effects, "random_effects"),
    ):
        monkeypatch.setattr(module, name, forbidden)
    assert "<section id='summary'>" in build_report(**inputs)


def test_every_link_resolves_and_every_row_links_to_its_source(inputs):
    page = build_report(**inputs)
    ids = set(re.findall(r"id='([^']+)'", page))
    assert set(re.findall(r"href='#([^']+)'", page)) - ids == set()
    for row in inputs["pooled"]:
        anchor = "analysis-" + "-".join(
            re.sub(r"[^A-Za-z0-9_]+", "-", str(p)).strip("-")
            for p in (row["outcome"], row["subgroup_variable"], row["subgroup_level"])
        )
        block = page[page.index(f"<div id='{anchor}'>") :].split("</div>", 1)[0]
        for effect_id in filter(None, str(row["effect_ids"] or "").split(";")):
            assert f"href='#effect-{effect_id}'" in block
    for effect in inputs["effects"]:
        cell = page[page.index(f"<span id='effect-{effect['effect_id']}'>") :].split("</tr>")[0]
        assert effect["locator"] in cell
        for quote in filter(None, effect["quote_id"].split(";")):
            assert f"[{quote}]" in cell
    assert "[SYK17-Q1]" in page and "events = round(30% x 26 = 7.8) = 8" in page


def test_figures_are_embedded_with_alt_text(inputs):
    page = build_report(**inputs)
    subgroups = inputs["config"]["subgroups"]
    loo = {r["outcome"] for r in inputs["leave_one_out"]}
    levels = {}
    for r in inputs["pooled"]:
        if r["subgroup_variable"] != "overall":
            levels.setdefault((r["outcome"], r["subgroup_variable"]), set()).add(
                r["subgroup_level"]
            )
    one_level = {key for key, seen in levels.items() if len(seen) == 1}
    assert one_level  # the fixture has subgroup plots that would repeat the overall plot
    # Forest (overall, and per subgroup variable with two levels or more), leave-one-out for
    # k >= 3, PRISMA, r sweep; a one-level subgroup plot is a sentence instead, and an
    # outcome without a study is one line (even though a figure was handed in for it).
    no_study = [o for o in OUTCOMES if not any(a["outcome"] == o for a in inputs["analysed"])]
    assert no_study == ["any_ae"]
    with_study = len(OUTCOMES) - len(no_study)
    n_plots = with_study * len(subgroups) - len(one_level)
    assert page.count("<svg role='img'") == with_study + n_plots + len(loo) + 2
    assert re.findall(r"src='(?!data:)", page) == []
    assert "aria-label=''" not in page and "<img" not in page
    figures = embedded_figures(page)
    assert figures["figure-prisma"] == "prisma"
    assert figures["figure-prepost"] == "prepost_sweep"
    for outcome in OUTCOMES:
        if outcome in no_study:
            assert not any(f.startswith(f"figure-forest-{outcome}") for f in figures)
            line = page[page.index(f"<p class='no-study' id='outcome-{outcome}'>") :]
            assert line.split("</p>")[0].endswith("not pooled: k = 0: no study meets the criteria.")
            continue
        assert figures[f"figure-forest-{outcome}"] == f"forest_{outcome}"
        for v in subgroups:
            anchor = f"figure-forest-{outcome}-by-{v}"
            if (outcome, v) in one_level:
                sentence = page[page.index(f"<p id='{anchor}'>") :].split("</p>")[0]
                assert "so the subgroup forest plot is the overall one" in sentence
            else:
                assert figures[anchor] == f"forest_{outcome}_by_{v}"
    for outcome in loo:
        assert figures[f"figure-leave-one-out-{outcome}"] == f"leave_one_out_{outcome}"
    # 72 pt shown at 1.25 x its printed size.
    assert "style='width:120px'" in page


def test_methods_and_what_was_run_are_written_from_the_configuration(inputs):
    page = build_report(**inputs)
    assert "restricted maximum likelihood (REML)" in page and "r = 0.5" in page
    assert "The test for subgroup differences is Cochran's Q" in page
    assert "binomial-normal generalized linear mixed model" in section_of(page, "methods")
    run = section_of(page, "reproducibility")
    assert "pymare" in run and "snakemake" in run
    assert inputs["input_files"]["studies"] in run
    assert "Full configuration (YAML)" in run


def test_sensitivity_tables_and_their_absence(inputs):
    del inputs["extra"]["influence"]
    inputs["extra"]["known_gaps"] = []
    sensitivity = section_of(build_report(**inputs), "sensitivity")
    influence = sensitivity[sensitivity.index("id='sensitivity-influence'") :]
    assert influence.split("<h3", 1)[0].endswith("<p class='na'>not available in this run</p>\n")
    gaps = sensitivity[sensitivity.index("id='sensitivity-known_gaps'") :]
    assert "<p>No rows.</p>" in gaps
    variants = tables_in(sensitivity)[0]
    assert variants[0][:3] == ["Outcome", "Variant", "Status"]
    assert len(variants) - 1 == len(inputs["extra"]["variants"])


def test_inputs_are_read_only_and_the_page_reproducible(inputs):
    ctx = ReportInputs.of(**inputs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.pooled = ()
    assert build_report(**inputs) == build_report(**inputs)


def test_glmm_rates_are_shown_as_typical_study_and_population_averaged(inputs):
    from alsmeta.report.values import value

    page = build_report(**inputs)
    glmm = [r for r in inputs["pooled"] if r.get("marginal_estimate") is not None]
    assert glmm  # the fixture pools with the GLMM
    for r in glmm:
        averaged = value("proportion", r["marginal_estimate"])
        assert f"(typical study)<br>{averaged} population-averaged" in page
