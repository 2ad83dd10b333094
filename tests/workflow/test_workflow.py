"""End to end: the real workflow in a temporary copy, judged by what a user looks at."""

import hashlib
import html as html_module
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from reader_text import carried, denied_terms, false_claims, reader_page_text
from spreadsheet import assert_no_formula, spreadsheet_cells
from workdir import copy_project

from alsmeta.io.tsv import read_tsv
from alsmeta.report.browser import find_chromium

ROOT = Path(__file__).resolve().parents[2]
# Snakemake's full log (every job, its wildcards and reason): what these tests read to see
# which jobs ran. The default console (profiles/default) is tested in test_console.py.
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/full-log"]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
OUTCOMES = CONFIG["criteria"]["outcomes"]
# Configured outcomes no shipped study reports: any AE, the two FVC outcomes and the three
# absolute-threshold responder analyses other than Cudkowicz 2022's. Each gets one line in
# the report instead of a forest plot.
OUTCOMES_WITHOUT_STUDY = 6
SUBGROUPS = CONFIG["subgroups"]
# Without Chromium the browser checks are skipped, except in CI (CI=true), where .ci/run
# installs it: there a missing browser is a failure, not a silent skip.
needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium not found (apt-get install chromium); the browser checks need it",
)
#: The rules a cold run executes: no outcome has the 10 studies a funnel plot needs.
ALL_JOBS = {
    "harmonize",
    "select",
    "analyse",
    "tables",
    "forest_plots",
    "leave_one_out_plot",
    "prisma_plot",
    "prepost_sweep_plot",
    "rob_traffic_light",
    "rob_summary_plot",
    "rob_weighted_summary_plot",
    "report",
    "summary_of_findings_export",
    "figure_formats",
    "all",
}
#: The figures drawn from the risk-of-bias table alone: no change of selection or
#: harmonization redraws them.
RISK_OF_BIAS_ONLY = {"rob_traffic_light", "rob_summary_plot"}


def needed_figures(workdir: Path) -> dict[str, list[str]]:
    """outcome -> the displays the select checkpoint asked for (forest, leave_one_out, ...)."""
    return json.loads((workdir / "results/selection/figures.json").read_text())


def figure_stems(workdir: Path) -> list[str]:
    stems = []
    for outcome, needed in needed_figures(workdir).items():
        if "forest" in needed:
            stems += [f"forest_{outcome}", *(f"forest_{outcome}_by_{v}" for v in SUBGROUPS)]
        stems += [f"{name}_{outcome}" for name in needed if name != "forest"]
    return stems


def run(workdir: Path, *args, check=True, cores=2):
    proc = subprocess.run(
        [*SNAKEMAKE, "--cores", str(cores), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


#: The report's sections, in order: the main body, then the appendices.
SECTIONS = (
    "summary",
    "methods",
    "results",
    "selection",
    "per-outcome",
    "inclusion",
    "few-studies",
    "risk-of-bias",
    "sensitivity",
    "provenance",
    "reproducibility",
)

#: The risk-of-bias figures the tables job draws (traffic lights per tool, the summary).
ROB_FIGURES = [
    "rob_traffic_light_rob2",
    "rob_traffic_light_robins_i",
    "rob_traffic_light_jbi_case_series",
    "rob_summary",
    "rob_summary_weighted",
]

#: The one line Snakemake itself prints before parsing, naming the workflow profile.
PROFILE_NOTICE = "Using workflow specific profile profiles/"


def shown_subgroup_plots(workdir) -> int:
    """Subgroup forest plots the report shows: one per outcome and variable with two levels
    or more (a one-level plot would repeat the overall one; the report says so instead)."""
    levels: dict = {}
    for r in read_tsv(workdir / "results/tables/pooled.tsv"):
        if r["subgroup_variable"] != "overall":
            levels.setdefault((r["outcome"], r["subgroup_variable"]), set()).add(
                r["subgroup_level"]
            )
    return sum(len(seen) > 1 for seen in levels.values())


def error_lines(proc) -> list[str]:
    """What a user reads on stderr after Snakemake's notice of the workflow profile."""
    return [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith(PROFILE_NOTICE)]


def job_log(proc) -> list[tuple[str, str]]:
    """(rule, outcome wildcard or '') of every job a run executed (from Snakemake's log)."""
    text = proc.stdout + proc.stderr
    jobs = re.finditer(r"^(?:local)?(?:rule|checkpoint) (\w+):\n((?:    .*\n)*)", text + "\n", re.M)
    out = []
    for job in jobs:
        wildcard = re.search(r"^    wildcards: outcome=(\w+)$", job.group(2), re.M)
        out.append((job.group(1), wildcard.group(1) if wildcard else ""))
    return out


def jobs_run(proc) -> set[str]:
    """Names of the rules whose jobs a run executed."""
    return {rule for rule, _ in job_log(proc)}


def digest(workdir: Path) -> dict[str, str]:
    results = workdir / "results"
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("run1"))
    first = run(workdir)
    return workdir, first, digest(workdir)


def test_cold_run_makes_every_output(project):
    workdir, first, _ = project
    assert jobs_run(first) == ALL_JOBS
    figures = workdir / "results/figures"
    # The figures an outcome has data for, as SVG (figures.formats adds PNG and PDF): a
    # forest plot from one study, leave-one-out from 3, a funnel plot from 10; none for an
    # outcome without a study (the report says so in a line).
    needed = needed_figures(workdir)
    assert needed["serious_ae"] == ["forest", "leave_one_out"]
    assert needed["death"] == ["forest"] and needed["any_ae"] == []
    stems = figure_stems(workdir)
    for stem in stems:
        assert (figures / f"{stem}.svg").stat().st_size > 1000
    assert sorted(p.stem for p in figures.glob("*.svg")) == sorted(
        [*stems, "prisma", "prepost_sweep", *ROB_FIGURES]
    )
    assert not list(figures.glob("*.png")) and not list(figures.glob("*.pdf"))
    for name in (
        "effects/effects.tsv",
        "tables/inclusion.tsv",
        "tables/pooled.tsv",
        "tables/bayes_shrinkage.tsv",
        "tables/variants.tsv",
        "tables/data_quality_studies.tsv",
        "tables/data_quality_outcomes.tsv",
        "tables/known_gaps.tsv",
        "tables/summary_of_findings.tsv",
        "tables/prisma_flow.tsv",
        "report/report.html",
    ):
        assert (workdir / "results" / name).stat().st_size > 0
    assert (workdir / "results/logs/harmonize.log").read_text().strip().endswith("INFO done")
    # Leave-one-out re-fits exist where k >= 3 (serious AEs, any definition: 6 studies), not
    # for k = 2, in one table that the figures and the report read.
    loo = read_tsv(workdir / "results/tables/leave_one_out.tsv")
    assert len([r for r in loo if r["outcome"] == "serious_ae_any_definition"]) == 6
    assert len([r for r in loo if r["outcome"] == "serious_ae"]) == 3
    assert [r for r in loo if r["outcome"] == "death"] == []
    assert {r["method"] for r in loo if r["outcome"] == "serious_ae"} == {"binomial-normal GLMM"}


def test_no_output_table_holds_a_formula_a_spreadsheet_would_run(project):
    workdir, _, _ = project
    tables = sorted((workdir / "results").glob("*/*.tsv"))
    # report/: the editable summary of findings a panel pastes.
    assert {p.parent.name for p in tables} == {"effects", "tables", "report"}
    quoted = 0
    for path in tables:
        assert_no_formula(path)
        quoted += sum(c.startswith("'-") for row in spreadsheet_cells(path) for c in row)
    # The summary of findings writes its downgrades as "-1: ..." text: quoted, and read back
    # by the pipeline without the quote.
    assert quoted > 0
    sof = read_tsv(workdir / "results/tables/summary_of_findings.tsv")
    assert any(str(r["imprecision"]).startswith("-") for r in sof)


def test_all_formats_add_png_at_300_dpi_and_pdf(tmp_path):
    """Every figure drawn gets all three files. On the three-study test config (a tenth of
    the figures): what the formats cost at full size is measured by
    tests/benchmarks/pipeline.py (measurement b), not here."""
    workdir = copy_project(tmp_path / "formats")
    shutil.copytree(ROOT / ".test", workdir / ".test")
    formats = workdir / "formats.yaml"
    formats.write_text("figures:\n  formats: [svg, png, pdf]\n  max_forest_rows: 60\n")
    run(workdir, "--configfile", ".test/config/config.yaml", str(formats))
    figures = workdir / "results/figures"
    for stem in figure_stems(workdir):
        for ext in ("svg", "png", "pdf"):
            assert (figures / f"{stem}.{ext}").stat().st_size > 1000
    for ext in ("svg", "png", "pdf"):
        assert (figures / f"prisma.{ext}").stat().st_size > 1000
    from PIL import Image

    with Image.open(figures / "forest_serious_ae.png") as png:
        assert round(png.info["dpi"][0]) == 300


def test_every_forest_plot_shows_each_rows_definition(project):
    """Every study row of every forest plot the run drew (overall and per subgroup) carries
    its definition in the reader's words, wrapped as the Definition column wraps it."""
    from alsmeta.figures import outcome as outcome_figures
    from alsmeta.figures import style
    from alsmeta.figures.record import shown_text

    workdir, _, _ = project
    analysed = read_tsv(workdir / "results/tables/analysed_effects.tsv")
    labels = CONFIG["definition_labels"]
    known = {*labels["ae_categories"].values(), *labels["response_definitions"].values()}
    width = outcome_figures.DEFINITION_WRAP_IN
    checked = 0
    for outcome, needed in needed_figures(workdir).items():
        if "forest" not in needed:
            continue
        rows = [r for r in analysed if r["outcome"] == outcome]
        assert rows, outcome
        for stem in [f"forest_{outcome}", *(f"forest_{outcome}_by_{v}" for v in SUBGROUPS)]:
            text = "\n".join(shown_text((workdir / f"results/figures/{stem}.svg").read_bytes()))
            assert "Definition" in text, stem
            for row in rows:
                definition = row["definition"]
                assert definition in known or re.fullmatch(
                    r"(ALSFRS-R|ALSFRS \(original\)|FVC % predicted) .+, .+", definition
                ), definition
                for part in style.wrap(definition, width):
                    assert part in text, (stem, row["effect_id"], part)
                checked += 1
    assert checked > 40
    # Continuous rows: the measure and the time point as printed. The time-point rule
    # (criteria.time_point: closest to 6 months) reads Oh 2018 at its printed 6-month
    # window, not the 4-month one the data infer, so no footnote marks an inferred window.
    slope = "\n".join(
        shown_text((workdir / "results/figures/forest_slope_change_vs_control.svg").read_bytes())
    )
    assert "ALSFRS-R slope change, 6" in slope
    assert "time point inferred" not in slope


def test_pooled_table_holds_the_headline_results(project):
    workdir, _, _ = project
    pooled = {
        (r["outcome"], r["subgroup_variable"], r["subgroup_level"]): r
        for r in read_tsv(workdir / "results/tables/pooled.tsv")
    }
    # All-cause serious AEs: 3 studies; every "serious" statement as reported (the labelled
    # sensitivity analysis): 6, with a subtotal per definition (Oh 2018's treatment-related
    # statement is over its randomized n, an assumed denominator, and stays out).
    sae = pooled[("serious_ae", "overall", "all")]
    assert (sae["status"], sae["k"], sae["n_total"]) == ("pooled", 3, 121)
    assert [k[2] for k in pooled if k[:2] == ("serious_ae", "definition")] == ["all-cause SAE"]
    broad = pooled[("serious_ae_any_definition", "overall", "all")]
    assert (broad["status"], broad["k"], broad["n_total"]) == ("pooled", 6, 229)
    by_definition = {
        k[2]: v["k"]
        for k, v in pooled.items()
        if k[:2] == ("serious_ae_any_definition", "definition")
    }
    assert by_definition == {
        "all-cause SAE": 3,
        "serious adverse drug reaction": 1,
        "serious adverse reaction": 1,
        "SUSAR": 1,
    }
    # Three studies: profile-likelihood intervals (pooling.profile_max_k), whose lower end
    # for the typical-study rate is the boundary 0 here (zero events in two studies).
    assert 0 <= sae["ci_lower"] < sae["estimate"] < sae["ci_upper"] < 1
    assert sae["ci_method"].startswith("profile likelihood") and "boundary" in sae["ci_method"]
    assert 0 < sae["marginal_ci_lower"] < sae["marginal_estimate"] < sae["marginal_ci_upper"]
    assert sae["pi_upper"] >= sae["ci_upper"]
    # AE rates default to the binomial-normal GLMM, which reports its quadrature check.
    assert sae["method"] == "binomial-normal GLMM" and sae["q"] is None
    assert "adaptive Gauss-Hermite (101 points); 203-point check" in sae["note"]
    death = pooled[("death", "overall", "all")]
    assert (death["status"], death["k"], death["n_total"]) == ("pooled", 2, 101)
    # Subgroup rows carry both tests for subgroup differences (the moderator test under the
    # default inference, Knapp-Hartung with the ad hoc floor).
    route = pooled[("serious_ae_any_definition", "route", "intrathecal")]
    assert route["q_between_df"] == 1
    assert route["qm_test"] == "F (Knapp-Hartung, ad hoc floor s^2 >= 1), REML"
    slope = pooled[("slope_change", "overall", "all")]
    assert (slope["status"], slope["k"]) == ("not_pooled", 1)
    assert slope["reason"] == "k = 1: at least 2 studies are needed to estimate tau^2"


def test_pooled_table_holds_a_finite_bayesian_result_for_every_analysis_with_a_study(project):
    workdir, _, _ = project
    pooled = read_tsv(workdir / "results/tables/pooled.tsv")
    with_study = [r for r in pooled if r["k"] >= 1]
    for r in with_study:
        assert r["bayes_status"] == "pooled", r
        cells = ("bayes_pred_lower", "bayes_cri_lower", "bayes_estimate", "bayes_cri_upper")
        values = [r[c] for c in (*cells, "bayes_pred_upper")]
        assert all(isinstance(v, float) and math.isfinite(v) for v in values), r
        assert values == sorted(values)
        assert r["bayes_tau_lower"] <= r["bayes_tau_median"] <= r["bayes_tau_upper"]
    # Also where the frequentist model did not pool: one study, zero events everywhere.
    reasons = [r["reason"] for r in with_study if r["status"] != "pooled"]
    assert any(reason.startswith("k = 1:") for reason in reasons)
    assert any(reason.startswith("0 events in") for reason in reasons)
    for r in pooled:
        if r["k"] == 0:
            assert (r["bayes_status"], r["bayes_estimate"]) == ("not_pooled", None)
    shrinkage = read_tsv(workdir / "results/tables/bayes_shrinkage.tsv")
    assert {s["outcome"] for s in shrinkage} >= {
        "responders_any_definition_vs_control",
        "slope_change",
    }


def test_report_shows_every_section(project):
    workdir, _, _ = project
    html = (workdir / "results/report/report.html").read_text()
    for section in SECTIONS:
        assert f"<section id='{section}'>" in html
    for item in ("13a", "13b", "13c", "13d", "13e", "13f", "20a", "20b", "20c", "20d"):
        assert f"id='prisma-{item}'" in html
    # Forest (overall and per subgroup variable), leave-one-out for k >= 3, PRISMA.
    loo = sum(
        1
        for r in read_tsv(workdir / "results/tables/pooled.tsv")
        if r["subgroup_variable"] == "overall" and r["k"] >= 3 and r["status"] == "pooled"
    )
    assert loo == 2  # serious AEs, all-cause and any definition
    # Forest plots for the outcomes with a study, + PRISMA and the pre/post-correlation
    # sweep figure.
    with_study = [o for o, needed in needed_figures(workdir).items() if "forest" in needed]
    assert len(with_study) == len(OUTCOMES) - OUTCOMES_WITHOUT_STUDY
    subgroup_plots = shown_subgroup_plots(workdir)
    assert 0 < subgroup_plots < len(with_study) * len(SUBGROUPS)
    assert html.count("<svg role='img'") == (
        len(with_study) + subgroup_plots + loo + 2 + len(ROB_FIGURES)
    )
    assert "pymare" in html and "snakemake" in html
    assert "[SYK17-Q1]" in html and "events = round(30% x 26 = 7.8) = 8" in html
    # Self-contained: every src is a data URI, and every figure has alt text.
    assert re.findall(r"src='(?!data:)", html) == []
    assert "aria-label=''" not in html
    # The methods paragraph is written from the configuration that ran.
    assert "restricted maximum likelihood (REML)" in html and "r = 0.5" in html
    # Subgroup tests are in pooled.tsv: the methods say how they were made, never that
    # they are unavailable.
    assert "The test for subgroup differences is Cochran's Q" in html
    assert "not available in this version" not in html
    # What a reader sees names no library or internal message and claims nothing the run's
    # tables contradict.
    tables = workdir / "results/tables"
    extra = {n: read_tsv(tables / f"{n}.tsv") for n in ("small_study", "prepost_sweep")}
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    facts = carried(pooled=read_tsv(tables / "pooled.tsv"), extra=extra, config=config)
    assert false_claims(html, facts) == []
    assert denied_terms(html_module.unescape(reader_page_text(html))) == []


def test_every_pooled_number_links_to_its_rows_and_every_row_to_its_source(project):
    workdir, _, _ = project
    html = (workdir / "results/report/report.html").read_text()
    ids = set(re.findall(r"id='([^']+)'", html))
    targets = set(re.findall(r"href='#([^']+)'", html))
    assert targets - ids == set()
    for row in read_tsv(workdir / "results/tables/pooled.tsv"):
        anchor = "analysis-" + "-".join(
            re.sub(r"[^A-Za-z0-9_]+", "-", str(p)).strip("-")
            for p in (row["outcome"], row["subgroup_variable"], row["subgroup_level"])
        )
        assert anchor in ids
        block = html[html.index(f"<div id='{anchor}'>") :].split("</div>", 1)[0]
        for effect_id in filter(None, str(row["effect_ids"] or "").split(";")):
            assert f"href='#effect-{effect_id}'" in block
    for effect in read_tsv(workdir / "results/effects/effects.tsv"):
        cell = html[html.index(f"<span id='effect-{effect['effect_id']}'>") :].split("</tr>")[0]
        assert effect["locator"] in cell
        for quote in filter(None, effect["quote_id"].split(";")):
            assert f"[{quote}]" in cell


def test_summary_of_findings_names_each_downgrade(project):
    workdir, _, _ = project
    rows = {r["outcome"]: r for r in read_tsv(workdir / "results/tables/summary_of_findings.tsv")}
    sae = rows["serious_ae"]
    assert (sae["studies"], sae["participants"]) == (3, 121)
    # All-cause serious AEs: one trial counts 23/95, two small ones state none (0/7, 0/19).
    # The headline is the average rate across studies (the GLMM's population-averaged rate)
    # with the summed counts beside it; a typical study's rate is secondary. With three
    # studies its interval is the profile-likelihood one (pooling.profile_max_k), as the
    # brute-force R fixture gives it (tests/stats/test_glmm_profile.py: 0.68% to 53.6%).
    assert sae["effect"].startswith("average rate across studies 10.0% (95% CI 0.7% to 53.6%)")
    assert sae["events"] == "23 events in 121 participants (3 studies)"
    assert sae["other_framework"].startswith("rate of a typical study, expit(μ), 2.8%")
    assert sae["absolute_effect"] == "100 per 1,000 (7 to 536)"
    # A rate without a comparator starts Low (GRADE 3); MSC-NTF carries most of it.
    assert sae["start"].startswith("Low: event rate in treated arms without a comparator")
    assert sae["certainty"] == "Very low"
    assert sae["inconsistency"].startswith("-2: I² = 81%")
    assert sae["imprecision"].startswith("-2: 95% CI 7 to 536 per 1,000 spans 529 per 1,000")
    assert sae["indirectness"].startswith(
        "-1: intervention serious: 79% of the weight from MSC-NTF"
    )
    assert sae["risk_of_bias"].startswith("-1: serious")
    assert sae["publication_bias"].startswith("not rated down: k = 3")
    assert sae["importance"] == "critical" and sae["follow_up"].startswith("6.4 to 12 months")
    # Studies without an event, which no model pools: the counts and an exact bound
    # on their sums, with the assumption it rests on, graded like any rate.
    trsae = rows["treatment_related_sae"]
    assert (trsae["studies"], trsae["participants"]) == (3, 108)
    assert trsae["effect"] == "0 events in 108 participants (3 studies)"
    assert trsae["absolute_effect"].startswith("0 per 1,000 (0 to 34): exact 95% CI")
    assert trsae["absolute_effect"].endswith("assuming one common rate across studies")
    ratio = rows["death_vs_control"]
    assert ratio["effect"] == "OR 2.65 (95% CI 0.80 to 8.76)"
    assert ratio["headline_framework"] == "frequentist"  # one study: its own result
    # The absolute effect at the control arm's risk (4/94), the CI limits transformed alike.
    assert ratio["assumed_control_risk"] == pytest.approx(4 / 94, rel=1e-9)
    assert ratio["assumed_control_risk_basis"] == "control-group risk of the 1 study"
    assert ratio["absolute_effect"] == "63 more per 1,000 (from 8 fewer to 238 more)"
    # One level for a CI that includes no effect, one more for 14 deaths in all, far below
    # GRADE 6's optimal information size of 300 events; some concerns (RoB 2) and MSC-NTF:
    # very uncertain.
    assert ratio["imprecision"] == (
        "-2: 95% CI 0.80 to 8.76 (odds ratio) includes no effect (1); 14 events, below the "
        "optimal information size of 300"
    )
    assert ratio["statement"] == (
        "The evidence is very uncertain about the effect of MSC on the risk of death."
    )
    vs_control = rows["slope_change_vs_control"]
    assert vs_control["start"] == "High: randomized trials (Balshem et al. 2011, GRADE 3)"
    # One open-label trial, RoB 2 high for ALSFRS-R (measurement by unblinded raters
    # against an untreated control): down one level for risk of bias.
    assert vs_control["risk_of_bias"].startswith(
        "-1: serious: 100% of the weight at high risk or worse"
    )
    assert "Oh 2018: RoB 2 high" in vs_control["risk_of_bias"]
    assert "recorded judgement, data/grade_judgements.tsv" in vs_control["indirectness"]
    # One trial's CI (0.18 to 1.66) includes trivial and appreciable slowing, and 57
    # participants are below the optimal information size of 400: two more levels.
    assert vs_control["imprecision"].startswith("-2: 95% CI 0.18 to 1.66 points/month")
    assert vs_control["certainty"] == "Very low"
    assert vs_control["absolute_effect"].endswith("over 6 months of follow-up")
    # A before-after change is never an effect of MSC.
    assert rows["slope_change"]["statement"].endswith("it does not show an effect of MSC.")
    # The k = 2 responder analysis is headlined by its Bayesian result, not an interval
    # that spans five orders of magnitude.
    mixed = rows["responders_any_definition_vs_control"]
    assert mixed["headline_framework"] == "bayesian"
    assert mixed["effect"] == "OR 2.26 (95% CrI 0.84 to 7.00)"
    assert mixed["other_framework"].startswith("frequentist OR 2.60 (95% CI 0.00 to 29913")


def test_prisma_counts_match_the_inclusion_table(project):
    workdir, _, _ = project
    inclusion = read_tsv(workdir / "results/tables/inclusion.tsv")
    flow = read_tsv(workdir / "results/tables/prisma_flow.tsv")
    for outcome in OUTCOMES:
        included = {
            r["study_id"]
            for r in inclusion
            if r["outcome"] == outcome and r["decision"] == "included"
        }
        studies = {r["study_id"] for r in inclusion if r["outcome"] == outcome}
        box = next(f for f in flow if f["outcome"] == outcome and f["category"] == "included")
        assert box["n_studies"] == len(included)
        assert set(str(box["study_ids"] or "").split(";")) - {""} == included
        others = [f for f in flow if f["stage"] == "not_in_synthesis" and f["outcome"] == outcome]
        assert sum(f["n_studies"] for f in others) == len(studies - included)
    any_included = {r["study_id"] for r in inclusion if r["decision"] == "included"}
    box = next(f for f in flow if f["category"] == "studies in at least one synthesis")
    assert box["n_studies"] == len(any_included) == 8


def test_snakemake_report_bundle_has_every_figure_and_table(project, tmp_path):
    workdir, _, _ = project
    bundle = tmp_path / "bundle.zip"
    proc = run(workdir, "--report", str(bundle))
    # A caption docutils cannot parse (a wildcard on an output without one) prints a
    # warning and leaves it in the page.
    assert "WARNING" not in proc.stdout + proc.stderr
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        text = "".join(
            archive.read(n).decode("utf-8", "replace") for n in names if n.endswith(".html")
        )
    expected = [f"{stem}.svg" for stem in figure_stems(workdir)]
    expected += ["prisma.svg", "prisma_flow.tsv", "summary_of_findings.tsv", "report.html"]
    for name in expected:
        assert any(n.endswith("/" + name) for n in names), name
    for category in (
        "Forest plots",
        "Subgroup forest plots",
        "Sensitivity analyses",
        "Study selection",
        "Risk of bias",
        "Tables",
        "Report",
    ):
        assert category in text, category
    assert "(WARNING/" not in text and "(ERROR/" not in text
    # One name per category: no second one that only adds or drops a word.
    declared = set(re.findall(r'category="([^"]+)"', _rule_text()))
    for a in declared:
        assert not [b for b in declared - {a} if b.startswith(a) or a.startswith(b)], a


def _rule_text() -> str:
    return "".join(p.read_text() for p in sorted((ROOT / "workflow/rules").glob("*.smk")))


@needs_chromium
def test_report_in_a_browser(project, tmp_path):
    """Open the report in headless Chromium as a reader would, and take a screenshot."""
    from alsmeta.report.browser import check

    workdir, _, _ = project
    shot = tmp_path / "report.png"
    seen = check(workdir / "results/report/report.html", screenshot=shot)
    # Forest plots of the outcomes with a study and their subgroup plots with two levels or
    # more, + 2 leave-one-out plots, PRISMA, the r sweep and the risk-of-bias figures.
    assert seen.images == (
        (len(OUTCOMES) - OUTCOMES_WITHOUT_STUDY)
        + shown_subgroup_plots(workdir)
        + 2
        + 2
        + len(ROB_FIGURES)
    )
    assert seen.broken == []
    assert seen.without_alt == 0
    assert seen.console_errors == []
    assert seen.dead_links == []
    assert seen.external == []
    assert seen.sections == list(SECTIONS)
    # It fits a desktop window and a phone without scrolling sideways, and every link of the
    # table of contents (each section, each outcome) lands.
    assert seen.overflowing == {}, seen.overflow
    assert [t for t in seen.toc if not t.startswith("outcome-")] == list(SECTIONS)
    assert [t for t in seen.toc if t.startswith("outcome-")] == [f"outcome-{o}" for o in OUTCOMES]
    assert seen.dead_toc_links == []
    # Opened, it is within 15,000 px at 1280 px and 25,000 px at 390 px; unfolded, no text on
    # a phone is smaller than 9 px.
    assert seen.too_tall == {} and set(seen.heights) == {1280, 390}, seen.heights
    assert seen.illegible == [], seen.smallest_text
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@needs_chromium
def test_report_pdf_is_printed_and_reproducible(project):
    workdir, _, _ = project
    pdf = workdir / "results/report/report.pdf"
    run(workdir, "report_pdf")
    first = pdf.read_bytes()
    run(workdir, "report_pdf", "--forcerun", "report_pdf")
    assert pdf.read_bytes() == first
    assert first.startswith(b"%PDF-") and b"/CreationDate" not in first
    pdf.unlink()


def test_sensitivity_and_data_quality_tables(project):
    workdir, _, _ = project
    tables = workdir / "results/tables"
    sensitivity = {(r["outcome"], r["variant"]): r for r in read_tsv(tables / "variants.tsv")}
    for outcome in OUTCOMES:
        assert sensitivity[(outcome, "main")]["differs_from_main"] is False
        assert (outcome, "plus_secondary") in sensitivity
    erratum = sensitivity[("alsfrs_change_vs_control", "pre_erratum_admitted")]
    assert (erratum["status"], erratum["k"]) == ("pooled", 2)
    outcomes = {r["outcome"]: r for r in read_tsv(tables / "data_quality_outcomes.tsv")}
    pooled = {
        r["outcome"]: r
        for r in read_tsv(tables / "pooled.tsv")
        if r["subgroup_variable"] == "overall"
    }
    for outcome in OUTCOMES:
        assert outcomes[outcome]["k_main"] == pooled[outcome]["k"], outcome
        assert outcomes[outcome]["n_main"] == pooled[outcome]["n_total"], outcome
    studies = read_tsv(tables / "data_quality_studies.tsv")
    inclusion = read_tsv(tables / "inclusion.tsv")
    assert {r["study_id"] for r in studies} == {r["study_id"] for r in inclusion}


def test_an_unknown_conflict_version_stops_before_any_job(project):
    workdir, _, _ = project
    before = digest(workdir)
    config = workdir / "config/config.yaml"
    original = config.read_text()
    try:
        config.write_text(original.replace("oh2018_msc_n: paper", "oh2018_msc_n: press"))
        proc = run(workdir, check=False)
    finally:
        config.write_text(original)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        "Input error: config key 'criteria.conflict_versions.oh2018_msc_n': 'press' is not a "
        "version of this conflict (paper, mnd_association)"
    ]
    assert digest(workdir) == before


def test_second_run_has_nothing_to_do(project):
    workdir, _, _ = project
    proc = run(workdir)
    assert "Nothing to be done" in proc.stdout + proc.stderr
    assert jobs_run(proc) == set()


def test_same_inputs_give_identical_outputs_whatever_the_cores(project, tmp_path):
    _, _, first = project  # made with --cores 2: jobs in parallel, each a fork
    workdir = copy_project(tmp_path / "run2")
    run(workdir, cores=1)
    assert digest(workdir) == first


def test_bad_input_stops_with_one_line_and_leaves_results(project):
    workdir, _, _ = project
    before = digest(workdir)
    arms = workdir / "data/arms.tsv"
    original = arms.read_text()
    try:
        lines = original.split("\n")
        number = next(i for i, line in enumerate(lines) if line.startswith("oh2018_msc\t"))
        header = lines[0].split("\t")
        cells = lines[number].split("\t")
        cells[header.index("n_randomized")] = "-33"
        lines[number] = "\t".join(cells)
        arms.write_text("\n".join(lines))
        proc = run(workdir, check=False)
    finally:
        arms.write_text(original)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        f"Input error: data/arms.tsv, line {number + 1} (arm_id 'oh2018_msc'), "
        "column 'n_randomized': -33 is less than the minimum of 1"
    ]
    assert digest(workdir) == before


def _refused(workdir, *args, edit=None, text=None):
    """Run with ``edit`` (a file of the copy) replaced by ``text`` (bytes or str, restored
    afterwards) and ``args``; the one stderr line, after checking exit 1 and that results/
    is byte-identical."""
    before = digest(workdir)
    path = workdir / edit if edit else None
    original = path.read_bytes() if path else None
    try:
        if path:
            path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        proc = run(workdir, *args, check=False)
    finally:
        if path:
            path.write_bytes(original)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert digest(workdir) == before
    # Snakemake's own notice that --config or --configfile extends config/config.yaml.
    (line,) = [ln for ln in error_lines(proc) if not ln.startswith("Config file ")]
    return line


def test_a_duplicated_config_key_stops_before_any_job(project):
    workdir, _, _ = project
    text = (workdir / "config/config.yaml").read_text()
    text = text.replace("  estimator: REML\n", "  estimator: REML\n  estimator: DL\n")
    line = text[: text.index("  estimator: DL")].count("\n") + 1
    assert _refused(workdir, edit="config/config.yaml", text=text) == (
        f"Input error: config/config.yaml:{line}: key 'estimator' appears twice in one mapping "
        f"(first on line {line - 1})"
    )


def test_an_empty_config_file_is_one_line(project):
    workdir, _, _ = project
    assert _refused(workdir, edit="config/config.yaml", text="") == (
        "Input error: config/config.yaml: the file is empty (a mapping of config keys is required)"
    )


def test_a_config_syntax_error_names_its_line(project):
    workdir, _, _ = project
    text = (workdir / "config/config.yaml").read_text()
    text = text.replace("  estimator: REML\n", "  estimator: [REML\n", 1)
    start = text[: text.index("[REML")].count("\n") + 1
    assert _refused(workdir, edit="config/config.yaml", text=text) == (
        f"Input error: config/config.yaml:{start + 2}: YAML syntax error (column 3): did not "
        f"find expected ',' or ']' (while parsing a flow sequence, which starts on line {start})"
    )


def test_a_nan_pooling_level_from_the_command_line_is_refused(project):
    workdir, _, _ = project
    assert _refused(workdir, "--config", "pooling={level: .nan}") == (
        "Input error: config key 'pooling.level': '.nan' is not of type 'number'"
    )


def test_a_nan_in_a_configfile_is_refused(project, tmp_path):
    workdir, _, _ = project
    extra = tmp_path / "extra.yaml"
    extra.write_text("pooling:\n  level: .nan\n")
    assert _refused(workdir, "--configfile", str(extra)) == (
        f"Input error: {extra}:2: '.nan' is not a finite number (NaN and inf are refused)"
    )


def test_an_override_switching_a_prior_family_runs(project, tmp_path):
    """The shipped half-normal tau prior switched to a lognormal one in a --configfile:
    the override's prior replaces the shipped one whole (its `scale` is not merged in)."""
    workdir, _, _ = project
    override = tmp_path / "lognormal_tau.yaml"
    override.write_text(
        "bayes:\n  priors:\n    log_odds_ratio:\n"
        "      tau: {family: lognormal, meanlog: -3.0, sdlog: 1.5}\n"
    )
    proc = run(workdir, "-n", "--configfile", str(override), check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Input error" not in proc.stderr


def test_a_data_path_outside_the_repository_is_refused_unread(project, tmp_path):
    workdir, _, _ = project
    secret = tmp_path / "environment"
    secret.write_text("quote_id\tSECRET=do-not-print\n")
    line = _refused(workdir, "--config", f"data={{quotes: {secret}}}")
    assert line == (
        f"Input error: config key 'data.quotes': '{secret}' is outside the repository; to read "
        "data from another folder, name it in config key 'data_root_allowed'"
    )


def test_a_latin1_table_is_one_line(project):
    workdir, _, _ = project
    raw = (workdir / "data/studies.tsv").read_bytes()
    latin = raw.replace(b"Baek W et al.", b"B\xe6k W et al.", 1)
    assert latin != raw
    offset = latin.index(b"\xe6")
    line = latin.count(b"\n", 0, offset) + 1
    column = offset - (latin.rfind(b"\n", 0, offset) + 1) + 1
    assert _refused(workdir, edit="data/studies.tsv", text=latin) == (
        f"Input error: data/studies.tsv, line {line}, column {column}: byte 0xe6 at byte offset "
        f"{offset} is not UTF-8 (is the file Latin-1 or Windows-1252? save it as UTF-8)"
    )


def test_a_utf16_table_is_one_line(project):
    workdir, _, _ = project
    text = (workdir / "data/arms.tsv").read_text(encoding="utf-8").encode("utf-16")
    assert _refused(workdir, edit="data/arms.tsv", text=text) == (
        "Input error: data/arms.tsv: is UTF-16 or UTF-32 text (as Excel's 'Unicode Text' saves "
        "it); save it as UTF-8"
    )


def test_a_slope_written_with_an_underscore_is_refused(project):
    workdir, _, _ = project
    path = workdir / "data/efficacy.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    column = header.index("mean")
    number = next(i for i, ln in enumerate(lines[1:], 1) if ln and ln.split("\t")[column])
    cells = lines[number].split("\t")
    cells[header.index("mean")] = "1_13"
    lines[number] = "\t".join(cells)
    assert _refused(workdir, edit="data/efficacy.tsv", text="\n".join(lines)) == (
        f"Input error: data/efficacy.tsv, line {number + 1} (eff_id {cells[0]!r}), column "
        "'mean': '1_13' is not a number (digits, one decimal point, an exponent)"
    )


def test_a_typo_in_exclude_studies_is_refused(project):
    workdir, _, _ = project
    assert _refused(workdir, "--config", "criteria={exclude_studies: [petrou2106]}") == (
        "Input error: config key 'criteria.exclude_studies.0': no study 'petrou2106' in the "
        "data (a study_id of the studies table) (did you mean 'petrou2016'?)"
    )


def test_changed_criterion_reruns_only_what_depends_on_it(project):
    workdir, _, _ = project
    config = workdir / "config/config.yaml"
    original = config.read_text()
    effects = workdir / "results/effects/effects.tsv"
    effects_mtime = effects.stat().st_mtime_ns
    try:
        before = digest(workdir)
        config.write_text(original.replace("  min_n: 5\n", "  min_n: 10\n"))
        proc = run(workdir)
        # figures.formats is unchanged, so the stale-format cleanup has nothing to redo.
        assert jobs_run(proc) == ALL_JOBS - {"harmonize", "figure_formats"} - RISK_OF_BIAS_ONLY
        # Only the outcomes whose selection changed (Oh 2015, n = 7, leaves both serious-AE
        # analyses; a variant of death loses a small study) are analysed and drawn again;
        # the others keep their byte-identical selection file and every output made from it.
        after = digest(workdir)
        changed = {
            o for o in OUTCOMES if before[f"selection/{o}.json"] != after[f"selection/{o}.json"]
        }
        assert changed == {"serious_ae", "serious_ae_any_definition", "death"}
        assert {o for rule, o in job_log(proc) if rule == "analyse"} == changed
        assert {o for rule, o in job_log(proc) if rule == "forest_plots"} == changed
        for o in set(OUTCOMES) - changed:
            if "forest" in needed_figures(workdir)[o]:
                assert before[f"figures/forest_{o}.svg"] == after[f"figures/forest_{o}.svg"]
        assert effects.stat().st_mtime_ns == effects_mtime
        oh2015 = next(
            r
            for r in read_tsv(workdir / "results/tables/inclusion.tsv")
            if r["effect_id"] == "oh2015_msc_sae"
        )
        assert oh2015["reasons"] == "n = 7 < criteria.min_n = 10"
    finally:
        config.write_text(original)
    # Back to the original criteria: the selection re-runs, harmonize still does not.
    assert "harmonize" not in jobs_run(run(workdir))


def test_editing_the_report_text_reruns_only_the_report(project):
    workdir, _, _ = project
    sections = workdir / "workflow/alsmeta/report/sections/summary.py"
    original = sections.read_text()
    try:
        sections.write_text(original.replace("One row per outcome.", "One row per outcome!", 1))
        assert sections.read_text() != original
        assert jobs_run(run(workdir)) == {"report", "all"}
    finally:
        sections.write_text(original)
    run(workdir)


def test_editing_an_engine_module_reruns_the_analyses_that_import_it(project):
    workdir, _, _ = project
    engine = workdir / "workflow/alsmeta/stats/glmm.py"
    original = engine.read_text()
    try:
        engine.write_text(original + "\n# edited\n")
        ran = jobs_run(run(workdir))
        assert {"analyse", "tables", "forest_plots", "report"} <= ran
        assert not {"harmonize", "select"} & ran
    finally:
        engine.write_text(original)
    run(workdir)


def test_changed_harmonization_reruns_harmonize(project):
    workdir, _, _ = project
    proc = run(workdir, "--config", "harmonize={continuity_correction_to: all}")
    assert jobs_run(proc) == ALL_JOBS - {"figure_formats"} - RISK_OF_BIAS_ONLY
    effects = {e["effect_id"]: e for e in read_tsv(workdir / "results/effects/effects.tsv")}
    assert effects["sykova2017_msc_headache"]["continuity_added"] == 0.5
    run(workdir)  # restore the default outputs for the tests that follow


def test_sensitivity_config_pools_headache_and_slope_change(project):
    workdir, _, _ = project
    proc = run(workdir, "--configfile", "config/sensitivity_broad.yaml")
    assert "harmonize" not in jobs_run(proc)
    pooled = {
        (r["outcome"], r["subgroup_variable"]): r
        for r in read_tsv(workdir / "results/tables/pooled.tsv")
        if r["subgroup_variable"] == "overall"
    }
    headache = pooled[("headache", "overall")]
    assert (headache["status"], headache["k"], headache["n_total"]) == ("pooled", 2, 69)
    slope = pooled[("slope_change", "overall")]
    assert (slope["status"], slope["k"], slope["k_n_unreported"]) == ("pooled", 2, 1)
    # Studies are listed by year.
    assert slope["effect_ids"] == "petrou2016_it_pooled_pre_post_6m;oh2018_msc_slope_change_6m"
