"""One run of the workflow in a scratch copy with the documented non-default labels at once:
a risk ratio, a risk difference (which once stopped the run with "math domain error", drawn
on a log axis), every interval at 90%, and a per-outcome forest override. Only the figures
that show them are asked for, so the run does the jobs they need and no more."""

import re
import subprocess
import sys

import pytest
from workdir import copy_project

from alsmeta.figures.record import shown_text

OVERRIDES = """\
pooling:
  level: 0.9
harmonize:
  ci_level: 0.9
outcome_definitions:
  serious_ae_vs_control:
    label: Serious adverse events (all causes), MSC vs control (risk ratio)
    measure: RR
  death_vs_control:
    label: Death, MSC vs control (risk difference)
    measure: RD
figures:
  forest_overrides:
    slope_change_vs_control: {sort: effect, xlim: [-1, 1]}
"""
FIGURES = (
    "forest_serious_ae_vs_control",
    "forest_death_vs_control",
    "forest_responders_any_definition_vs_control",
    "forest_slope_change_vs_control",
    "leave_one_out_serious_ae",
)


def _snakemake(workdir, *args):
    targets = [f"results/figures/{name}.svg" for name in FIGURES]
    proc = subprocess.run(
        # The targets go before --configfile, which takes every argument after it; the
        # full-log profile prints the job list the re-run test reads.
        [sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/full-log"]
        + [*targets, "--cores", "2", *args]
        + ["--configfile", "labels.yaml"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = copy_project(tmp_path_factory.mktemp("labels"))
    (workdir / "labels.yaml").write_text(OVERRIDES)
    _snakemake(workdir)
    return workdir


@pytest.fixture(scope="module")
def shown(workdir):
    """figure name -> the lines of text its SVG shows, after the run."""
    return {
        name: shown_text((workdir / f"results/figures/{name}.svg").read_bytes()) for name in FIGURES
    }


def test_no_figure_states_a_level_the_run_did_not_use(shown):
    for name, lines in shown.items():
        assert not [line for line in lines if "95%" in line], name
        assert any("90% CI" in line for line in lines), name


def test_a_risk_ratio_and_a_risk_difference_are_named_and_drawn_as_such(shown):
    assert "Risk ratio  Risk ratio" in shown["forest_serious_ae_vs_control"]
    rd = shown["forest_death_vs_control"]
    assert "Risk difference  Risk difference" in rd
    # A linear axis through 0 (a log axis has no 0 and no negative tick).
    ticks = next(line for line in rd if line.split("  ")[0].startswith("\u2212"))
    assert "0" in ticks.split("  ")


def test_a_forest_override_sets_that_outcomes_axis(shown):
    assert "\u22121  \u22120.5  0  0.5  1" in shown["forest_slope_change_vs_control"]
    assert "Total (90% CI)" in " ".join(shown["forest_responders_any_definition_vs_control"])


def test_a_changed_override_redraws_only_that_outcomes_plots(workdir):
    """The controls reach the plots through params: a dry run after changing one outcome's
    override plans its forest plots and nothing else."""
    (workdir / "labels.yaml").write_text(OVERRIDES.replace("[-1, 1]", "[-2, 2]"))
    try:
        plan = _snakemake(workdir, "--dry-run")
    finally:
        (workdir / "labels.yaml").write_text(OVERRIDES)
    jobs = re.findall(
        r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    wildcards: outcome=(\w+)",
        plan.stdout + plan.stderr,
        flags=re.M,
    )
    assert jobs == [("forest_plots", "slope_change_vs_control")], plan.stdout
