"""How the workflow scales with the size of the evidence base: 30, 300, 3,000 studies.

Usage (from the repository root, with the pipeline installed):

    python tests/benchmarks/scale.py [--sizes 30,300,3000] [--cores 2] [--seed 20261201]
                                     [--keep DIR] [--timeout SECONDS] [--keep-going]

For each size, generates a schema-valid synthetic evidence base (fixed seed: the same
tables every time; study i has its own random stream, so it is the same study at every
size and the sizes are nested) over 20 outcomes; copies the project (Snakefile, config/,
profiles/, workflow/, data/) to a scratch directory; replaces data/*.tsv with the
synthetic tables and config/config.yaml with a full configuration that defines and
analyses the 20 outcomes; and runs ``snakemake --cores N`` there under /usr/bin/time,
with PYTHONPATH set to the copy's workflow/ so that the copy's own ``alsmeta`` package is
imported.

The synthetic studies exercise the real paths: single-arm AE proportions in nine
categories (counts, "none occurred" statements, percentages, n from another field or
source), MSC vs control contrasts (OR, RR, RD), ALSFRS-R and FVC slope changes (mean with
SD or SE, per year, rates of decline, pre/post slopes, medians with quartiles, p-value-only
rows that are not computable, non-primary time points, subgroup and pre-erratum rows),
between-arm slope and change-from-baseline differences (SE, CI, arm LS means, exact p),
responders and responder odds ratios, conflict groups, study- and arm-level overlap
groups, gaps, several designs, routes, tissues and cell products (some outside the
criteria), and the three evidence tiers.

The generated config is the shipped one with these outcomes, every conflict group's first
version, and the shipped sensitivity.small_study_min_k (Begg's test takes the normal
approximation with the tie-corrected variance where equal counts tie).

The 20 outcomes: AE categories are a closed enum in the schemas, so they are reached by
combining kinds: 9 single-arm AE proportions (any_ae, serious_ae, treatment_related_sae,
death, headache, back_radicular_pain, fever, injection_site_pain, other_nonserious_ae),
4 binary comparisons (serious AE OR and RR, death OR, headache OR; not RD, which the
schema allows but the forest plot cannot draw on its log axis), the 5 continuous kinds and
the 2 responder kinds.

Prints one row per size: studies, arms, outcomes, effect rows (effects.tsv), analysed
rows, jobs, wall s, CPU s (user + sys of every process), peak RSS MB (the largest single
process; sampled from /proc when a run is stopped), wall and CPU per study relative to the
smallest size (1.0 = linear; a value that keeps growing with size means super-linear
cost), and the mean load average during the run (the machine may be shared). Then, per
size, the seconds each rule took, read from the Snakemake log's timestamps (1 s
resolution), and each rule's peak RSS (sampled every second). A failed or stopped run is
flagged with the last 30 lines of its stderr. Target: 3,000 studies under 2 GiB peak
RSS. Not collected by pytest: nothing is asserted, least of all a time.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workdir import ROOT, copy_project  # noqa: E402

from alsmeta.io.risk_of_bias import TOOLS  # noqa: E402
from alsmeta.io.tsv import format_cell  # noqa: E402

DEFAULT_SEED = 20261201
TIME_FORMAT = "TIME wall %e user %U sys %S rss %M"

# -- the 20 outcomes ------------------------------------------------------------------

SERIOUS = [
    "serious_ae",
    "treatment_related_sae",
    "serious_adr",
    "serious_adverse_reaction",
    "susar",
]
RESPONSES = [
    "slope_improvement_gt25pct",
    "slope_improvement_ge25pct",
    "slope_improvement_ge50pct",
    "slope_gain_ge1_25_points",
    "slope_gain_ge1_5_points",
]
AE_OUTCOMES = {
    "any_ae": ("Any adverse event", ["any_ae"]),
    "serious_ae": ("Serious adverse events", SERIOUS),
    "treatment_related_sae": (
        "Treatment-related serious adverse events or reactions",
        SERIOUS[1:],
    ),
    "death": ("Death (all causes)", ["death"]),
    "headache": ("Headache", ["headache"]),
    "back_radicular_pain": ("Back or radicular pain", ["back_radicular_pain"]),
    "fever": ("Fever", ["fever"]),
    "injection_site_pain": ("Injection-site pain", ["injection_site_pain"]),
    "other_nonserious_ae": ("Other (non-serious) adverse events", ["other_nonserious_ae"]),
}
BINARY_OUTCOMES = {
    "serious_ae_vs_control": ("Serious adverse events, MSC vs control (odds ratio)", "OR", SERIOUS),
    "death_vs_control": ("Death, MSC vs control (odds ratio)", "OR", ["death"]),
    "serious_ae_vs_control_rr": (
        "Serious adverse events, MSC vs control (risk ratio)",
        "RR",
        SERIOUS,
    ),
    # Not RD: the schema allows it, but forest plots of binary comparisons use a log axis
    # (outcome_figures.KINDS), and a negative risk difference stops the figure job.
    "headache_vs_control": ("Headache, MSC vs control (odds ratio)", "OR", ["headache"]),
}
CONTINUOUS_OUTCOMES = {
    "slope_change": ("Change in ALSFRS-R slope after vs before MSC (points/month)", "slope_change"),
    "slope_change_vs_control": (
        "Difference in ALSFRS-R slope change, MSC vs control (points/month)",
        "slope_change_difference",
    ),
    "alsfrs_change_vs_control": (
        "Difference in ALSFRS-R change from baseline, MSC vs control (points)",
        "alsfrs_change_difference",
    ),
    "fvc_slope_change": (
        "Change in FVC slope after vs before MSC (% predicted/month)",
        "fvc_slope_change",
    ),
    "fvc_slope_change_vs_control": (
        "Difference in FVC slope change, MSC vs control (% predicted/month)",
        "fvc_slope_change_difference",
    ),
}


def outcome_definitions() -> dict:
    out = {}
    for name, (label, categories) in AE_OUTCOMES.items():
        out[name] = {"label": label, "kind": "proportion", "ae_categories": categories}
    for name, (label, measure, categories) in BINARY_OUTCOMES.items():
        out[name] = {
            "label": label,
            "kind": "binary_comparison",
            "measure": measure,
            "ae_categories": categories,
        }
    for name, (label, kind) in CONTINUOUS_OUTCOMES.items():
        out[name] = {"label": label, "kind": kind}
    out["responders"] = {
        "label": "Responders on the ALSFRS-R slope, MSC arms",
        "kind": "proportion",
        "response_definitions": RESPONSES,
    }
    out["responders_vs_control"] = {
        "label": "Responders on the ALSFRS-R slope, MSC vs control (odds ratio)",
        "kind": "responder_odds_ratio",
        "response_definitions": RESPONSES,
    }
    return out


# -- synthetic studies ----------------------------------------------------------------

SYLLABLES = [
    "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "ha",
    "bo", "di", "fu", "ge", "ja", "ko", "li", "mo", "nu", "pe",
]  # fmt: skip
#: (value, probability) tables.
DESIGNS = [
    ("rct", 0.22),
    ("nonrandomized_controlled", 0.10),
    ("case_control_external", 0.05),
    ("case_report", 0.04),
    ("observational_cohort", 0.02),
    ("single_arm", 0.57),
]
CONTROLLED = ("rct", "nonrandomized_controlled")
ROUTES = [
    (["intrathecal"], 0.42),
    (["intravenous"], 0.18),
    (["intramuscular"], 0.10),
    (["intraventricular"], 0.05),
    (["intramuscular", "intrathecal"], 0.14),
    (["intrathecal", "intravenous"], 0.08),
    (["intraspinal"], 0.03),
]
TISSUES = [
    ("bone_marrow", 0.5),
    ("adipose", 0.2),
    ("wharton_jelly", 0.15),
    ("unknown", 0.1),
    ("peripheral_blood", 0.05),
]
PRODUCTS = [("msc", 0.85), ("msc_ntf", 0.12), ("bm_mononuclear", 0.03)]
PHASES = [(["1"], 0.25), (["1", "2"], 0.2), (["2"], 0.25), (["2a"], 0.05), (["3"], 0.05), ([], 0.2)]
TIERS = [("paper", 0.85), ("registry", 0.10), ("secondary", 0.05)]
#: AE category -> (probability that an arm reports it, base risk, log OR of MSC vs control).
AE_CATEGORIES = {
    "serious_ae": (0.8, 0.12, 0.0),
    "death": (0.6, 0.05, 0.0),
    "any_ae": (0.5, 0.55, 0.3),
    "headache": (0.5, 0.25, 0.5),
    "fever": (0.4, 0.15, 0.4),
    "back_radicular_pain": (0.3, 0.20, 0.6),
    "injection_site_pain": (0.3, 0.18, 0.6),
    "other_nonserious_ae": (0.3, 0.40, 0.2),
    "treatment_related_sae": (0.3, 0.02, 0.0),
    "treatment_related_ae": (0.2, 0.10, 0.3),
    "significant_ae": (0.15, 0.03, 0.0),
    "serious_adr": (0.1, 0.02, 0.0),
    "susar": (0.05, 0.01, 0.0),
    "serious_adverse_reaction": (0.05, 0.02, 0.0),
}
AE_WORDING = {
    "serious_ae": "serious adverse events",
    "death": "deaths",
    "any_ae": "adverse events",
    "headache": "headache",
    "fever": "fever",
    "back_radicular_pain": "back or radicular pain",
    "injection_site_pain": "pain at the injection site",
    "other_nonserious_ae": "other (non-serious) adverse events",
    "treatment_related_sae": "serious treatment-related adverse events",
    "treatment_related_ae": "adverse events related to the treatment",
    "significant_ae": "significant adverse events",
    "serious_adr": "serious adverse drug reactions",
    "susar": "suspected unexpected serious adverse reactions",
    "serious_adverse_reaction": "serious adverse reaction",
}


def pick(rng, table):
    values = [v for v, _ in table]
    p = np.array([w for _, w in table], dtype=float)
    return values[int(rng.choice(len(values), p=p / p.sum()))]


def name_of(i: int) -> str:
    """A surname made of syllables, unique per study index (letters only)."""
    digits, j = [], i
    while True:
        digits.append(j % len(SYLLABLES))
        j //= len(SYLLABLES)
        if j == 0 and len(digits) >= 3:
            break
    return "".join(SYLLABLES[d] for d in reversed(digits)).capitalize()


def year_of(i: int) -> int:
    return 2005 + (i * 7) % 21


def study_id_of(i: int) -> str:
    return f"{name_of(i).lower()}{year_of(i)}"


def paired(seed: int, i: int) -> bool:
    """Whether study i shares patients with study i - 1 (odd i only)."""
    return i % 2 == 1 and np.random.default_rng([seed, i, 7]).random() < 0.08


def g(x: float, digits: int = 3) -> float:
    """A number as a source would print it (``digits`` significant digits)."""
    return float(f"{x:.{digits}g}")


def expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def p_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


class Study:
    """All rows of one synthetic study (its own random stream: the same at every size)."""

    def __init__(self, i: int, seed: int, n_studies: int):
        self.i, self.rng = i, np.random.default_rng([seed, i])
        self.sid = study_id_of(i)
        self.author, self.year = name_of(i), year_of(i)
        self.trial = f"T{i % 100:02d}"
        self.paper_source = f"[S{2 * (i // 100) + 1}]"
        self.registry_source = f"[S{2 * (i // 100) + 2}]"
        self.q1, self.q2 = f"SYN{i:05d}-Q1", f"SYN{i:05d}-Q2"
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLE_NAMES}
        self.conflicts: dict[str, str] = {}  # conflict group -> version used
        groups = []
        if paired(seed, i):
            groups.append(f"grp{i:05d}")
        if i + 1 < n_studies and paired(seed, i + 1):
            groups.append(f"grp{i + 1:05d}")
        self.study_groups = groups
        self.build()
        self.build_risk_of_bias(np.random.default_rng([seed, i, 11]))

    # helpers
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def add(self, table: str, **row) -> dict:
        self.rows[table].append(row)
        return row

    def quote(self, other=False) -> list[str]:
        return [self.q1, self.q2] if other else [self.q1]

    def build(self) -> None:
        rng = self.rng
        self.design = pick(rng, DESIGNS)
        routes = pick(rng, ROUTES)
        tissue = pick(rng, TISSUES)
        product = pick(rng, PRODUCTS)
        autologous = pick(rng, [("autologous", 0.7), ("allogeneic", 0.2), ("unknown", 0.1)])
        if tissue == "wharton_jelly":
            autologous = "allogeneic"
        phase = [] if self.design == "case_report" else pick(rng, PHASES)
        no_data = self.chance(0.03)
        tier = pick(rng, [("paper", 0.9), ("registry", 0.08), ("secondary", 0.02)])
        quote_ids = [self.q1]
        if self.i % 50 == 0:
            quote_ids.append(seed_quote_id(self.i))
        if self.i % 7 == 0:
            quote_ids.append(f"dossier:T{self.i % 100:02d}")
        follow = pick(rng, [((6, "months"), 0.5), ((12, "months"), 0.3), ((28, "weeks"), 0.2)])
        lead_in = 3 if self.chance(0.6) else None
        self.add(
            "studies",
            study_id=self.sid,
            trial_id=self.trial,
            first_author=self.author,
            year=self.year,
            citation=f"{self.author} X et al. {self.year}. Synthetic J {self.i % 40 + 1}:{self.i}",
            doi=f"10.5555/synthetic.{self.i}",
            pmid=str(30000000 + self.i) if self.chance(0.7) else None,
            registry_ids=[f"NCT{10000000 + self.i:08d}"] if self.chance(0.6) else None,
            design=self.design,
            phase=phase or None,
            cell_product=product,
            tissue=tissue,
            autologous=autologous,
            routes=routes,
            dose="1 x 10^6 cells/kg",
            n_injections=pick(rng, [("1", 0.6), ("2", 0.25), ("1-4", 0.15)]),
            lead_in=lead_in,
            lead_in_unit="months" if lead_in is not None else None,
            follow_up=follow[0],
            follow_up_unit=follow[1],
            overlap_group=self.study_groups or None,
            tier=tier,
            locator="abstract",
            quote_ids=quote_ids,
            notes="Synthetic study for the scale benchmark.",
        )
        self.add(
            "quotes",
            quote_id=self.q1,
            trial_id=self.trial,
            source_ref=self.paper_source,
            text=f"{self.author} {self.year}: patients received MSC; outcomes as tabulated.",
        )
        self.add(
            "quotes",
            quote_id=self.q2,
            trial_id=self.trial,
            source_ref=self.registry_source,
            tier_note="VERIFIED-REGISTRY",
            text=f"{self.author} {self.year} registry record: participants at risk as listed.",
        )
        # Every quote names a source of its own trial (data/sources.tsv): the study's paper
        # and its registry record (trial ids repeat every 100 studies, so the refs move on).
        self.add(
            "sources",
            trial_id=self.trial,
            source_ref=self.paper_source,
            description=f"Abstract: https://example.org/synthetic/{self.sid}",
        )
        self.add(
            "sources",
            trial_id=self.trial,
            source_ref=self.registry_source,
            description=f"Registry record: https://example.org/synthetic/{self.sid}/registry",
        )
        if self.i % 50 == 0:
            j = self.i // 50
            self.add(
                "extra_quotes",
                quote_id=seed_quote_id(self.i),
                trial_id=self.trial,
                seed_file=f"seeds/{j % 1000:03d}_{j:016x}.txt",
                tier_note="SECONDARY: synthetic seed page",
                text=f"No serious adverse events were reported in {self.author} {self.year}.",
            )
        if self.i % 10 == 0:
            self.add(
                "dossier_gaps",
                label=f"{self.trial} {self.author} {self.year}",
                trial_id=self.trial,
                text="lead-in; registry results; per-arm SDs.",
            )
        if no_data:
            self.add(
                "gaps",
                study_id=self.sid,
                outcome="all",
                reason="no source text available (synthetic)",
            )
            return
        self.build_arms(routes)
        self.build_adverse_events()
        if self.design != "case_report" and self.chance(0.65):
            self.build_efficacy()
            if self.chance(0.6):
                self.build_responders()
        else:
            self.add(
                "gaps",
                study_id=self.sid,
                outcome="slope_change",
                reason="efficacy not reported (synthetic)",
                quote_id=[self.q1],
            )

    def build_risk_of_bias(self, rng) -> None:
        """Every domain of the design's tool, scope 'all' (a study of a design no tool
        covers stays unassessed); its own random stream, so the other tables do not move."""
        tool = next((t for t in TOOLS.values() if self.design in t.designs), None)
        if tool is None:
            return
        for domain in tool.domains:
            judgement = tool.judgements[int(rng.integers(len(tool.judgements)))]
            self.add(
                "risk_of_bias",
                study_id=self.sid,
                outcome_scope="all",
                tool=tool.key,
                domain=domain,
                judgement=judgement,
                support=f"Synthetic judgement of {domain}.",
                quote_ids=[self.q1],
                source_type=["abstract"],
            )

    def build_arms(self, routes) -> None:
        rng = self.rng
        case = self.design == "case_report"
        self.msc, self.control = [], None
        n = 1 if case else int(np.clip(rng.lognormal(math.log(25), 0.6), 6, 300))
        if not case and self.chance(0.15):
            low = max(3, n // 2)
            high = max(3, n - low)
            arms = [("msc_low", "low dose", low, []), ("msc_high", "high dose", high, [])]
            if self.chance(0.4):
                g1, g2 = f"{self.sid}_pool_low", f"{self.sid}_pool_high"
                arms[0][3].append(g1)
                arms[1][3].append(g2)
                arms.append(("msc_pooled", "both doses pooled", low + high, [g1, g2]))
                for group, level_arms in ((g1, "low"), (g2, "high")):
                    self.add(
                        "overlap_groups",
                        overlap_group=group,
                        level="arm",
                        status="confirmed",
                        description=f"The pooled arm includes the {level_arms}-dose cohort.",
                        dossier_ref="synthetic",
                        quote_id=[self.q1],
                    )
        else:
            arms = [("msc", "MSC", n, [])]
        for name, label, size, groups in arms:
            arm = self.add(
                "arms",
                arm_id=f"{self.sid}_{name}",
                study_id=self.sid,
                arm_type="msc",
                label=label,
                routes=routes,
                dose="1 x 10^6 cells/kg",
                n_randomized=size,
                n_treated=size,
                overlap_group=groups or None,
                tier="paper",
                locator="Table 1",
                quote_id=[self.q1],
            )
            self.msc.append(arm)
        controlled = self.design in CONTROLLED or (
            self.design == "case_control_external" and self.chance(0.5)
        )
        if controlled:
            size = int(np.clip(rng.lognormal(math.log(22), 0.6), 6, 300))
            self.control = self.add(
                "arms",
                arm_id=f"{self.sid}_control",
                study_id=self.sid,
                arm_type="control",
                label="placebo" if self.design == "rct" else "standard care",
                routes=["none"],
                n_randomized=size,
                n_treated=size,
                tier="paper",
                locator="Table 1",
                quote_id=[self.q1],
            )
        self.study_logit = float(rng.normal(0.0, 0.5))

    def ae_row(self, arm, category, events, tier, version=None, group=None) -> None:
        rng, n = self.rng, arm["n_treated"]
        basis = "count"
        row = {
            "ae_id": f"{arm['arm_id']}_{category}" + (f"_{version}" if version else ""),
            "study_id": self.sid,
            "arm_id": arm["arm_id"],
            "ae_category": category,
            "ae_definition": AE_WORDING[category],
            "n": n,
            "window": "6 months after the first injection",
            "source": f"{self.author} {self.year} {'registry' if tier == 'registry' else 'paper'}",
            "tier": tier,
            "locator": "results module" if tier == "registry" else "Table 2",
            "quote_id": [self.q1],
            "conflict_group": group,
            "conflict_version": version,
        }
        u = rng.random()
        if events == 0 and u < 0.5:
            basis = "statement_none"
        elif u < 0.07 and n >= 10:
            basis = "percent"
        if basis == "percent":
            row["percent"] = round(100.0 * events / n, 1)
        else:
            row["events"] = events
        row["count_basis"] = basis
        v = rng.random()
        if v < 0.05:
            row.update(n_source="other_source", quote_id=[self.q1, self.q2])
        elif v < 0.08:
            row["n_source"] = "other_field"
        self.add("adverse_events", **row)

    def build_adverse_events(self) -> None:
        rng = self.rng
        arms = [*self.msc, *([self.control] if self.control else [])]
        conflicted = self.control is not None and self.chance(0.08)
        for category, (p_report, risk, log_or) in AE_CATEGORIES.items():
            if not self.chance(p_report):
                continue
            tier = pick(rng, TIERS)
            base = math.log(risk / (1 - risk)) + self.study_logit
            counts = {}
            for arm in arms:
                shift = 0.0 if arm["arm_type"] == "control" else log_or
                if arm["arm_id"].endswith("_msc_pooled"):
                    continue
                counts[arm["arm_id"]] = int(rng.binomial(arm["n_treated"], expit(base + shift)))
            for arm in arms:
                if arm["arm_id"].endswith("_msc_pooled"):
                    events = sum(v for k, v in counts.items() if "_msc_" in k)
                else:
                    events = counts[arm["arm_id"]]
                if category == "death" and conflicted:
                    group = f"{self.sid}_deaths"
                    self.ae_row(arm, category, events, "paper", "paper", group)
                    other = min(arm["n_treated"], events + (arm["arm_type"] == "control"))
                    self.ae_row(arm, category, other, "registry", "registry", group)
                else:
                    self.ae_row(arm, category, events, tier)
        if conflicted and any(r["ae_category"] == "death" for r in self.rows["adverse_events"]):
            self.add_conflict(f"{self.sid}_deaths", ["paper", "registry"], "Deaths per arm")

    def add_conflict(self, group, versions, what) -> None:
        self.conflicts[group] = versions[0]
        self.add(
            "conflicts",
            conflict_group=group,
            study_id=self.sid,
            versions=versions,
            description=f"{what}: the sources disagree (synthetic).",
            dossier_ref="synthetic",
            quote_id=[self.q1, self.q2],
        )

    def eff(self, arm, measure, scale="alsfrs_r", unit="per_month", suffix="", **values):
        row = {
            "eff_id": f"{arm['arm_id']}_{measure}_{scale}{suffix}",
            "study_id": self.sid,
            "arm_id": arm["arm_id"],
            "measure": measure,
            "scale": scale,
            "unit": unit,
            "sign_convention": "slope",
            "timepoint": 6,
            "timepoint_unit": "months",
            "is_primary": True,
            "source": f"{self.author} {self.year} paper",
            "tier": "paper",
            "locator": "Table 3",
            "quote_id": [self.q1],
        }
        row.update(values)
        return self.add("efficacy", **row)

    def slope_row(self, arm, scale, true_change, suffix="", **extra) -> None:
        """One within-arm slope change in one of the printed forms sources use."""
        rng, n = self.rng, arm["n_treated"]
        sd = (
            float(rng.uniform(0.6, 1.6))
            if scale != "fvc_percent_predicted"
            else float(rng.uniform(1.5, 4.0))
        )
        mean = float(rng.normal(true_change, sd / math.sqrt(n)))
        form = pick(
            rng,
            [
                ("sd", 0.55),
                ("se_per_year", 0.15),
                ("pre_post", 0.10),
                ("median", 0.05),
                ("p_only", 0.05),
                ("decline_rate", 0.05),
                ("ci", 0.05),
            ],
        )
        if scale == "alsfrs":
            form = "sd"
        if form == "sd":
            self.eff(
                arm, "slope_change", scale, suffix=suffix, mean=g(mean), sd=g(sd), n=n, **extra
            )
        elif form == "se_per_year":
            self.eff(
                arm,
                "slope_change",
                scale,
                "per_year",
                suffix=suffix,
                mean=g(12 * mean),
                se=g(12 * sd / math.sqrt(n)),
                n=n,
                **extra,
            )
        elif form == "pre_post":
            pre = float(rng.uniform(-1.6, -0.6))
            self.eff(
                arm,
                "slope_pre_post",
                scale,
                suffix=suffix,
                pre_mean=g(pre),
                pre_sd=g(sd),
                post_mean=g(pre + mean),
                post_sd=g(sd * 1.1),
                n=n,
                **extra,
            )
        elif form == "median":
            self.eff(
                arm,
                "slope_change",
                scale,
                suffix=suffix,
                median=g(mean),
                q1=g(mean - 0.67 * sd),
                q3=g(mean + 0.67 * sd),
                n=n,
                **extra,
            )
        elif form == "p_only":
            self.eff(
                arm,
                "slope_change",
                scale,
                suffix=suffix,
                p_value=0.05,
                p_qualifier="<",
                n=n,
                **extra,
            )
        elif form == "decline_rate":
            self.eff(
                arm,
                "slope_change",
                scale,
                suffix=suffix,
                sign_convention="decline_rate",
                mean=g(-mean),
                sd=g(sd),
                n=n,
                **extra,
            )
        else:
            se = sd / math.sqrt(n)
            self.eff(
                arm,
                "slope_change",
                scale,
                suffix=suffix,
                mean=g(mean),
                ci_lower=g(mean - 1.96 * se),
                ci_upper=g(mean + 1.96 * se),
                ci_level=0.95,
                n=n,
                **extra,
            )

    def difference_row(self, arm, measure, scale, unit, true_diff) -> None:
        rng = self.rng
        n, m = arm["n_treated"], self.control["n_treated"]
        sd = float(rng.uniform(0.8, 1.6)) * (2.5 if scale == "fvc_percent_predicted" else 1.0)
        if unit == "total":
            sd *= 4
        se = sd * math.sqrt(1 / n + 1 / m)
        diff = float(rng.normal(true_diff, se))
        values = {"n": n, "comparator_n": m, "comparator_arm_id": self.control["arm_id"]}
        form = pick(rng, [("se", 0.5), ("ci", 0.2), ("arms", 0.15), ("p", 0.15)])
        if form == "se":
            values.update(mean=g(diff), se=g(se))
        elif form == "ci":
            values.update(
                mean=g(diff),
                ci_lower=g(diff - 1.96 * se),
                ci_upper=g(diff + 1.96 * se),
                ci_level=0.95,
            )
        elif form == "arms":
            arm_se = se / math.sqrt(2)
            base = float(rng.uniform(-1.2, -0.2))
            values.update(
                arm_mean=g(base + diff, 4),
                arm_se=g(arm_se),
                comparator_mean=g(base, 4),
                comparator_se=g(arm_se),
                p_test="mmrm",
            )
        else:
            p = max(0.001, round(p_two_sided(diff / se), 3))
            values.update(mean=g(diff), p_value=p, p_qualifier="=", p_test="t")
        self.eff(arm, measure, scale, unit, suffix=f"_vs_{self.control['arm_id']}", **values)

    def build_efficacy(self) -> None:
        rng = self.rng
        effect = float(rng.normal(0.3, 0.3))
        alsfrs = "alsfrs" if self.chance(0.05) else "alsfrs_r"
        conflict = self.chance(0.05)
        for arm in self.msc:
            if conflict and arm is self.msc[0]:
                group = f"{self.sid}_slope"
                for version, tier in (("paper", "paper"), ("press_release", "secondary")):
                    self.slope_row(
                        arm,
                        alsfrs,
                        effect,
                        suffix=f"_{version}",
                        tier=tier,
                        conflict_group=group,
                        conflict_version=version,
                    )
                self.add_conflict(group, ["paper", "press_release"], "ALSFRS-R slope change")
            else:
                self.slope_row(arm, alsfrs, effect)
            if self.chance(0.3):  # an earlier time point, not the primary one
                self.slope_row(arm, alsfrs, effect, suffix="_3m", timepoint=3, is_primary=False)
            if self.chance(0.05):
                self.slope_row(
                    arm,
                    alsfrs,
                    effect + 0.2,
                    suffix="_sub",
                    population="baseline ALSFRS-R >= 34",
                    **({"erratum_status": "superseded_by_erratum"} if self.chance(0.4) else {}),
                )
            if self.chance(0.35):
                self.slope_row(arm, "fvc_percent_predicted", float(rng.normal(0.4, 0.5)))
        if self.control is None:
            return
        if self.chance(0.7):
            self.slope_row(self.control, "alsfrs_r", 0.0)
        for arm in self.msc:
            if self.chance(0.85):
                self.difference_row(arm, "slope_change_difference", alsfrs, "per_month", effect)
            if self.chance(0.5):
                self.difference_row(
                    arm, "change_from_baseline_difference", alsfrs, "total", 6 * effect
                )
            if self.chance(0.3):
                self.difference_row(
                    arm, "slope_change_difference", "fvc_percent_predicted", "per_month", 0.4
                )

    def resp(self, arm, definition, timepoint, primary, events, n, comparator=None, **extra):
        rng = self.rng
        row = {
            "resp_id": f"{arm['arm_id']}_{definition}_{timepoint}m",
            "study_id": self.sid,
            "arm_id": arm["arm_id"],
            "comparator_arm_id": comparator,
            "response_definition": definition,
            "definition_wording": definition.replace("_", " "),
            "timepoint": timepoint,
            "timepoint_unit": "months",
            "is_primary": primary,
            "n": n,
            "source": f"{self.author} {self.year} paper",
            "tier": "paper",
            "locator": "Table 3",
            "quote_id": [self.q1],
        }
        u = rng.random()
        if u < 0.85:
            row.update(count_basis="count", events=events)
        elif u < 0.95 and n >= 10:
            row.update(count_basis="percent", percent=round(100.0 * events / n, 1))
        else:
            row.update(count_basis="not_reported", p_value=0.04, p_qualifier="=")
        row.update(extra)
        return self.add("responders", **row)

    def build_responders(self) -> None:
        rng = self.rng
        defs = [pick(rng, [(d, 1.0) for d in RESPONSES])]
        if self.chance(0.3):
            defs.append(pick(rng, [(d, 1.0) for d in RESPONSES if d != defs[0]]))
        times = [(6, True)] + ([(3, False)] if self.chance(0.2) else [])
        p_control = float(rng.uniform(0.1, 0.35))
        for definition in defs:
            for timepoint, primary in times:
                control_events = None
                if self.control is not None:
                    m = self.control["n_treated"]
                    control_events = int(rng.binomial(m, p_control))
                    self.resp(self.control, definition, timepoint, primary, control_events, m)
                for arm in self.msc:
                    n = arm["n_treated"]
                    events = int(rng.binomial(n, min(0.95, p_control * 1.6)))
                    extra = {}
                    comparator = None
                    if self.control is not None:
                        comparator = self.control["arm_id"]
                        m = self.control["n_treated"]
                        if self.chance(0.4):
                            a, b = events + 0.5, n - events + 0.5
                            c, d = control_events + 0.5, m - control_events + 0.5
                            log_or = math.log(a * d / (b * c))
                            se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
                            extra = {
                                "odds_ratio": g(math.exp(log_or)),
                                "ci_lower": g(math.exp(log_or - 1.96 * se)),
                                "ci_upper": g(math.exp(log_or + 1.96 * se)),
                                "ci_level": 0.95,
                            }
                            if not extra["ci_lower"] <= extra["odds_ratio"] <= extra["ci_upper"]:
                                extra = {}
                    self.resp(arm, definition, timepoint, primary, events, n, comparator, **extra)


def seed_quote_id(i: int) -> str:
    j = i // 50
    return f"SEED{j % 1000:03d}-Q{j // 1000 + 1}"


TABLE_NAMES = (
    "quotes",
    "extra_quotes",
    "sources",
    "dossier_gaps",
    "studies",
    "arms",
    "conflicts",
    "overlap_groups",
    "adverse_events",
    "efficacy",
    "responders",
    "gaps",
    "risk_of_bias",
)


def evidence_base(n_studies: int, seed: int) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """Every table's rows for ``n_studies`` studies, and the conflict versions to pick."""
    tables: dict[str, list[dict]] = {t: [] for t in TABLE_NAMES}
    conflicts: dict[str, str] = {}
    for i in range(n_studies):
        study = Study(i, seed, n_studies)
        for table, rows in study.rows.items():
            tables[table] += rows
        conflicts.update(study.conflicts)
    for i in range(1, n_studies):
        if paired(seed, i):
            tables["overlap_groups"].append(
                {
                    "overlap_group": f"grp{i:05d}",
                    "level": "study",
                    "status": "possible",
                    "description": f"{study_id_of(i - 1)} and {study_id_of(i)}: same centre.",
                    "dossier_ref": "synthetic",
                    "quote_id": [f"SYN{i:05d}-Q1"],
                }
            )
    return tables, conflicts


def write_tables(tables: dict, data_dir: Path, schema_dir: Path) -> None:
    """Each table with exactly its schema's columns, in the schema's order."""
    for old in data_dir.glob("*.tsv"):
        old.unlink()
    for name, rows in tables.items():
        schema = yaml.safe_load((schema_dir / f"{name}.schema.yaml").read_text(encoding="utf-8"))
        columns = list(schema["properties"])
        for row in rows:
            unknown = set(row) - set(columns)
            if unknown:
                raise ValueError(f"{name}: columns not in the schema: {sorted(unknown)}")
        write_input_tsv(rows, columns, data_dir / f"{name}.tsv")


def write_input_tsv(rows: list[dict], columns: list[str], path: Path) -> None:
    """An input table as a reviewer types it: text as it is (the output writer's
    spreadsheet-safe ``'`` in front of ``=``, which the input reader refuses, is for
    outputs), numbers as the output writer formats them, lists ";"-separated."""

    def cell(value) -> str:
        if isinstance(value, list):
            return ";".join(value)
        return value if isinstance(value, str) else format_cell(value)

    lines = ["\t".join(columns)]
    lines += ["\t".join(cell(row.get(c)) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_grade_judgements(work: Path, definitions: dict) -> None:
    """The shipped GRADE judgements (data/grade_judgements.tsv) of the outcomes defined here."""
    shipped = (ROOT / "data" / "grade_judgements.tsv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in shipped[1:] if line.split("\t", 1)[0] in definitions]
    text = "\n".join([shipped[0], *kept]) + "\n"
    (work / "data" / "grade_judgements.tsv").write_text(text, encoding="utf-8")


def write_config(work: Path, conflicts: dict[str, str]) -> int:
    """A full config for the synthetic data: the shipped one with the 20 outcomes."""
    path = work / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    definitions = outcome_definitions()
    config["outcome_definitions"] = definitions
    config["criteria"]["outcomes"] = list(definitions)
    config["criteria"]["conflict_versions"] = dict(sorted(conflicts.items()))
    config["criteria"]["overlap_keep"] = {}
    config["criteria"]["exclude_studies"] = []
    # Outcome scopes of the risk-of-bias judgements and the GRADE importance of outcomes,
    # for the outcomes defined here only.
    scopes = config["risk_of_bias"]["outcome_scopes"]
    config["risk_of_bias"]["outcome_scopes"] = {o: s for o, s in scopes.items() if o in definitions}
    grade = config["grade"]["outcomes"]
    config["grade"]["outcomes"] = {o: g for o, g in grade.items() if o in definitions}
    write_grade_judgements(work, definitions)
    path.write_text(
        "# Generated by tests/benchmarks/scale.py: the shipped config with 20 outcomes.\n"
        + yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=100),
        encoding="utf-8",
    )
    return len(definitions)


# -- running and reading the results --------------------------------------------------

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def rule_times(log_text: str) -> dict[str, list[float]]:
    """Seconds per job, by rule, from the Snakemake log's timestamps (1 s resolution)."""
    started: dict[str, tuple[str, datetime]] = {}
    out: dict[str, list[float]] = {}
    stamp, rule = None, None
    for line in log_text.splitlines():
        m = STAMP.match(line.strip())
        if m:
            stamp = datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
            continue
        m = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if m:
            rule = m.group(1)
            continue
        m = re.match(r"^jobid: (\d+)$", line.strip())
        if m and rule is not None and stamp is not None:
            started.setdefault(m.group(1), (rule, stamp))
            rule = None
            continue
        m = re.match(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$", line.strip())
        if m and m.group(1) in started and stamp is not None:
            name, start = started.pop(m.group(1))
            out.setdefault(name, []).append((stamp - start).total_seconds())
    for name, _ in started.values():  # started, never finished
        out.setdefault(f"{name} (unfinished)", []).append(float("nan"))
    return out


def count_rows(path: Path) -> int | None:
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as handle:
        return max(0, sum(1 for line in handle if line.strip()) - 1)


def run_size(n_studies: int, args, scratch: Path) -> dict:
    work = scratch / f"studies_{n_studies}"
    if work.exists():
        shutil.rmtree(work)
    copy_project(work)
    started = time.perf_counter()
    tables, conflicts = evidence_base(n_studies, args.seed)
    write_tables(tables, work / "data", work / "workflow" / "schemas")
    outcomes = write_config(work, conflicts)
    generated = time.perf_counter() - started
    env = {**os.environ, "PYTHONPATH": str(work / "workflow")}
    command = ["/usr/bin/time", "-f", TIME_FORMAT, sys.executable, "-m", "snakemake"]
    # The full log (profiles/full-log): its "Finished jobid" lines are what is counted.
    command += ["--cores", str(args.cores), "--workflow-profile", "profiles/full-log"]
    if args.keep_going:
        command.append("--keep-going")
    out_path, err_path = work / "snakemake.stdout", work / "snakemake.stderr"
    timed_out = False
    peaks: dict[str, float] = {}
    with open(out_path, "w") as out, open(err_path, "w") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=work, env=env, stdout=out, stderr=err, start_new_session=True
        )
        loads = []
        while proc.poll() is None:
            sample_rss(proc.pid, peaks)
            loads.append(os.getloadavg()[0])
            if args.timeout and time.perf_counter() - began > args.timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGTERM)  # the process group this run started
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(POLL_SECONDS)
        rc = proc.wait()
        elapsed = time.perf_counter() - began
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    measured = re.search(r"TIME wall ([\d.]+) user ([\d.]+) sys ([\d.]+) rss (\d+)", stderr)
    steps = re.findall(r"(\d+) of (\d+) steps", stderr)
    total = re.search(r"^total\s+(\d+)$", stderr, re.MULTILINE)
    result = {
        "studies": n_studies,
        "arms": len(tables["arms"]),
        "value_rows": sum(len(tables[t]) for t in ("adverse_events", "efficacy", "responders")),
        "conflicts": len(tables["conflicts"]),
        "overlap_groups": len(tables["overlap_groups"]),
        "outcomes": outcomes,
        "generated_s": generated,
        "effects": count_rows(work / "results" / "effects" / "effects.tsv"),
        "analysed": count_rows(work / "results" / "tables" / "analysed_effects.tsv"),
        "jobs_done": int(steps[-1][0]) if steps else 0,
        "jobs_total": int(total.group(1)) if total else (int(steps[-1][1]) if steps else 0),
        "rc": rc,
        "timed_out": timed_out,
        "stderr_tail": stderr.splitlines()[-30:],
        "rules": rule_times(stderr),
        "work": work,
    }
    result["rule_rss_mb"] = peaks
    result["load"] = float(np.mean(loads)) if loads else float("nan")
    if measured:
        wall, user, sys_, rss = measured.groups()
        result.update(wall=float(wall), cpu=float(user) + float(sys_), rss_mb=int(rss) / 1024)
    else:  # killed before /usr/bin/time could report: the sampled peak, no CPU time
        result.update(wall=elapsed, cpu=float("nan"), rss_mb=max(peaks.values(), default=math.nan))
    return result


POLL_SECONDS = 1.0
SCRIPT = re.compile(rb"\.snakemake/scripts/tmp\w+\.(\w+)\.py")


def sample_rss(session: int, peaks: dict[str, float]) -> None:
    """Largest RSS (MB) seen so far per rule script, and for snakemake itself ("snakemake"),
    over the processes of the run's session (Linux /proc; sampled every POLL_SECONDS)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) != session:  # field 6 of stat: the session id
                continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                cmdline = handle.read()
            with open(f"/proc/{entry.name}/status", "rb") as handle:
                rss = next(int(line.split()[1]) for line in handle if line.startswith(b"VmRSS:"))
        except (OSError, StopIteration, IndexError, ValueError):
            continue  # gone, or a kernel thread
        m = SCRIPT.search(cmdline)
        if m:
            name = m.group(1).decode()
        elif b"snakemake" in cmdline:
            name = "snakemake"
        else:
            continue
        peaks[name] = max(peaks.get(name, 0.0), rss / 1024)


def fmt(x, spec=".1f") -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "?"
    return format(x, spec)


def print_table(results: list[dict], cores: int) -> None:
    print(
        f"\nsnakemake --cores {cores}; per-study cost relative to {results[0]['studies']} studies"
    )
    head = (
        f"{'studies':>7} {'arms':>6} {'outcomes':>8} {'effect rows':>11} {'analysed':>8} "
        f"{'jobs':>7} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>11} {'wall/st':>7} "
        f"{'CPU/st':>7} {'load':>5}  status"
    )
    print(head)
    print("-" * len(head))
    base = results[0]
    for r in results:
        rel_wall = (r["wall"] / r["studies"]) / (base["wall"] / base["studies"])
        rel_cpu = (r["cpu"] / r["studies"]) / (base["cpu"] / base["studies"])
        if r["timed_out"]:
            status = "TIMED OUT (wall = time to the stop; CPU unknown)"
        elif r["rc"] != 0:
            status = f"FAILED (exit {r['rc']})"
        else:
            status = "ok"
        if r["rss_mb"] == r["rss_mb"] and r["rss_mb"] >= 2048:
            status += "; peak RSS >= 2 GiB"
        print(
            f"{r['studies']:>7} {r['arms']:>6} {r['outcomes']:>8} {fmt(r['effects'], 'd'):>11} "
            f"{fmt(r['analysed'], 'd'):>8} {r['jobs_done']:>3}/{r['jobs_total']:<3} "
            f"{fmt(r['wall']):>8} {fmt(r['cpu']):>8} {fmt(r['rss_mb']):>11} "
            f"{fmt(rel_wall, '.2f'):>7} {fmt(rel_cpu, '.2f'):>7} {fmt(r['load']):>5}  {status}"
        )
    print(
        "\nwall/st, CPU/st: seconds per study divided by the same at the smallest size "
        "(about 1 or falling = linear or better; growing with size = super-linear).\n"
        f"load: mean 1-minute load average during the run, on {os.cpu_count()} CPUs (above the "
        "CPU count, other work shared the machine and wall times are inflated; CPU s less so)."
    )
    for r in results:
        print(
            f"\n{r['studies']} studies: {r['arms']} arms, {r['value_rows']} value rows, "
            f"{r['conflicts']} conflict groups, {r['overlap_groups']} overlap groups "
            f"(data generated in {r['generated_s']:.1f} s). Seconds per rule (log timestamps):"
        )
        print(f"  {'rule':<28} {'jobs':>4} {'sum s':>8} {'max s':>8} {'peak RSS MB':>11}")
        ranked = sorted(r["rules"].items(), key=lambda i: -np.nansum(i[1]))
        for name, times in ranked:
            done = [t for t in times if not math.isnan(t)]
            longest = max(done) if done else float("nan")
            rss = r["rule_rss_mb"].get(name.split(" ")[0])
            print(
                f"  {name:<28} {len(times):>4} {fmt(sum(done), '.0f'):>8} "
                f"{fmt(longest, '.0f'):>8} {fmt(rss, '.0f'):>11}"
            )
        if "snakemake" in r["rule_rss_mb"]:
            print(
                f"  {'(snakemake itself)':<28} {'':>4} {'':>8} {'':>8} "
                f"{fmt(r['rule_rss_mb']['snakemake'], '.0f'):>11}"
            )
        if r["rc"] != 0 or r["timed_out"]:
            print(f"  run {'timed out' if r['timed_out'] else 'failed'}; last 30 lines of stderr:")
            for line in r["stderr_tail"]:
                print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,300,3000", help="study counts, comma-separated")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", metavar="DIR", help="keep the scratch copies under DIR")
    parser.add_argument(
        "--timeout", type=float, default=0, help="stop a run after this many seconds (0: never)"
    )
    parser.add_argument("--keep-going", action="store_true", help="pass --keep-going to snakemake")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs positive study counts")
    scratch = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="alsmeta-scale-"))
    scratch.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for n in sizes:
            print(f"running {n} studies in {scratch / f'studies_{n}'} ...", flush=True)
            results.append(run_size(n, args, scratch))
            r = results[-1]
            print(
                f"  exit {r['rc']}{' (timed out)' if r['timed_out'] else ''}, "
                f"wall {fmt(r['wall'])} s, peak RSS {fmt(r['rss_mb'])} MB",
                flush=True,
            )
    finally:
        if results:
            print_table(results, args.cores)
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    if any(r["rc"] != 0 or r["timed_out"] for r in results):
        sys.exit("a run failed or was stopped (its stderr is above)")


if __name__ == "__main__":
    main()
