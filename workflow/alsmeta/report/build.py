"""The self-contained HTML report, written for the reviewer who audits every number.

Order: summary of findings (GRADE-style, with its rules), methods and results as PRISMA 2020
items 13a-13f and 20a-20d, study selection (flow diagram, inclusion log), provenance of every
extracted number, and what was run (software versions, input checksums, the configuration).

Links: every pooled number links to the block listing the rows behind it
(``#analysis-...``); every row there links to its provenance (``#effect-<id>``): source,
locator, verbatim quote and derivation, under the study's citation (``#study-<id>``).

Figures are embedded as SVG data URIs with alt text. The page carries no timestamp and
iterates over sorted or configured orders only, so identical inputs give an identical file.
"""

from __future__ import annotations

import base64
import hashlib
import html
import platform
import re
from importlib import metadata
from pathlib import Path

import yaml

from alsmeta.analysis import prisma
from alsmeta.analysis import summary_of_findings as sof
from alsmeta.analysis.sensitivity import MIN_K_LEAVE_ONE_OUT
from alsmeta.figures.funnel import MIN_K_FUNNEL
from alsmeta.figures.text import MINUS, heterogeneity_line, num, overall_test_line, readable
from alsmeta.figures.text import subgroup_test_line as subgroup_line

PACKAGES = (
    "alsmeta",
    "snakemake",
    "pymare",
    "numpy",
    "scipy",
    "matplotlib",
    "jsonschema",
    "PyYAML",
)

INFERENCE_NAMES = {"knapp_hartung": "Knapp-Hartung", "wald": "Wald"}

SECTIONS = (
    ("summary", "Summary of findings"),
    ("methods", "Methods"),
    ("results", "Results"),
    ("selection", "Study selection"),
    ("sensitivity", "Sensitivity and data quality"),
    ("provenance", "Provenance"),
    ("reproducibility", "What was run"),
)

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.6em}h4{margin:1.2em 0 .3em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.excluded td{color:#555}tr.not_pooled td{color:#8a1c1c}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}
figure{margin:1em 0 2em}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#333;margin-top:.4em}
.quote{font-style:italic}.small{font-size:.85em;color:#444}.na{color:#8a1c1c}
.certainty{white-space:nowrap;font-weight:600}
nav a{margin-right:1em}nav{position:sticky;top:0;background:#fff;padding:.4em 0;
border-bottom:1px solid #ddd}
:target{background:#fff7d6}
@media print{nav{position:static}figure{break-inside:avoid}}
"""


def _e(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    return html.escape(str(value))


class Num(str):
    """A table cell rendered right-aligned (already escaped HTML)."""


def _table(headers, rows, classes=None, caption=None) -> str:
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in headers)
    body = []
    for i, cells in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes else ""
        tds = "".join(
            f'<td class="num">{c}</td>' if isinstance(c, Num) else f"<td>{c}</td>" for c in cells
        )
        body.append(f"<tr{cls}>{tds}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def slug(*parts) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_]+", "-", str(p)).strip("-") for p in parts)


def analysis_id(row: dict) -> str:
    return "analysis-" + slug(row["outcome"], row["subgroup_variable"], row["subgroup_level"])


def software_versions() -> list[tuple[str, str]]:
    versions = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def figure_html(path, alt: str, caption: str, fig_id: str) -> str:
    """An SVG file as a self-contained <img> (a data URI keeps each figure's ids apart)."""
    svg = Path(path).read_bytes()
    size = re.search(rb'<svg[^>]*?width="([0-9.]+)pt"', svg)
    # Shown at 1.25 x its printed size (8 pt text reads as 13 px), never wider than the page.
    width = f" style='width:{round(float(size.group(1)) * 96 / 72 * 1.25)}px'" if size else ""
    data = base64.b64encode(svg).decode("ascii")
    return (
        f"<figure id='{fig_id}'><img src='data:image/svg+xml;base64,{data}'{width} "
        f"alt='{_e(alt)}'>"
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _weight_text(weight) -> str:
    """A study's weight in an analysis; the GLMM has no inverse-variance weights."""
    return "GLMM, no weight" if weight is None else f"{weight:.1f}%"


def _value(kind: str, x) -> str:
    if x is None or x == "":
        return ""
    return f"{num(100 * x, 1)}%" if kind == "proportion" else num(x)


def _interval(kind: str, lo, hi) -> str:
    return f"{_value(kind, lo)} to {_value(kind, hi)}"


def _short(reason: str) -> str:
    """'k = 1' from 'k = 1: at least 2 studies ...' (the full reason is in the analysis list)."""
    return readable(reason).split(":")[0]


def _effect_link(effect_id: str, text: str) -> str:
    return f"<a href='#effect-{slug(effect_id)}'>{_e(text)}</a>"


class Report:
    """Holds the tables and writes the sections (one method per section)."""

    def __init__(
        self,
        *,
        config,
        outcomes,
        data,
        effects,
        inclusion,
        pooled,
        analysed,
        weights,
        figures,
        leave_one_out,
        input_files,
        extra=None,
    ):
        self.config = config
        self.outcomes = list(outcomes)
        self.definitions = config["outcome_definitions"]
        self.data = data
        self.effects = effects
        self.inclusion = inclusion
        self.pooled = pooled
        self.analysed = analysed
        self.weights = weights
        self.figures = figures
        self.leave_one_out = leave_one_out
        self.input_files = input_files
        self.extra = extra or {}
        self.studies = {s["study_id"]: s for s in data["studies"]}
        self.quotes = {q["quote_id"]: q for q in data["quotes"]}
        self.overall = {r["outcome"]: r for r in pooled if r["subgroup_variable"] == "overall"}
        self.weight_of = {
            (w["outcome"], w["subgroup_variable"], w["subgroup_level"], w["effect_id"]): w[
                "weight_pct"
            ]
            for w in weights
        }
        self.findings = sof.findings(self.outcomes, self.definitions, pooled, analysed, weights)
        labels = {o: self.definitions[o]["label"] for o in self.outcomes}
        self.flow = prisma.flow(
            inclusion, data["studies"], data["sources"], pooled, self.outcomes, labels
        )

    # -- helpers ---------------------------------------------------------------------

    def kind(self, outcome: str) -> str:
        return self.definitions[outcome]["kind"]

    def label(self, outcome: str) -> str:
        return self.definitions[outcome]["label"]

    def rows_of(self, outcome: str) -> list[dict]:
        return [r for r in self.analysed if r["outcome"] == outcome]

    def _studies_behind(self, row: dict) -> str:
        ids = [i for i in str(row.get("effect_ids") or "").split(";") if i]
        return ", ".join(_effect_link(i, i) for i in ids)

    # -- sections --------------------------------------------------------------------

    def summary(self) -> str:
        parts = [
            "<section id='summary'><h2>Summary of findings</h2>",
            "<p>One row per outcome. Certainty follows the rules printed below the table; "
            "each downgrade names the numbers that triggered it. Every effect links to the "
            "studies behind it.</p>",
        ]
        rows = []
        for f in self.findings:
            overall = self.overall[f.outcome]
            reasons = "".join(
                f"<li><b>{_e(d.domain)}</b> ({MINUS + str(d.levels) if d.levels else '0'}): "
                f"{_e(readable(d.reason))}</li>"
                for d in f.downgrades
            )
            notes = "".join(f"<li>{_e(readable(n))}</li>" for n in f.notes)
            rows.append(
                [
                    f"<a href='#outcome-{slug(f.outcome)}'>{_e(f.label)}</a>",
                    Num(f"{f.participants} ({f.studies})"),
                    f"<a href='#{analysis_id(overall)}'>{_e(f.effect)}</a>",
                    _e(f.absolute),
                    f"<span class='certainty'>{f.symbols} {_e(f.certainty)}</span>",
                    f"<ul>{reasons}{notes}</ul>",
                ]
            )
        parts.append(
            _table(
                [
                    "Outcome",
                    "Participants (studies)",
                    "Pooled effect (95% CI)",
                    "Absolute effect",
                    "Certainty",
                    "Reasons (levels down)",
                ],
                rows,
            )
        )
        parts.append("<h3 id='grade-rules'>Certainty rules</h3><dl>")
        for name, text in sof.RULES:
            parts.append(f"<dt><b>{_e(name)}</b></dt><dd>{_e(text)}</dd>")
        parts.append("</dl></section>")
        return "\n".join(parts)

    def methods(self) -> str:
        c = self.config
        crit, pool, harm = c["criteria"], c["pooling"], c["harmonize"]
        inference = (
            "Knapp-Hartung (t distribution with k \u2212 1 df)"
            if pool["inference"] == "knapp_hartung"
            else "Wald (normal distribution)"
        )
        estimator = {
            "REML": "restricted maximum likelihood (REML)",
            "ML": "maximum likelihood (ML)",
            "DL": "DerSimonian-Laird (DL)",
        }.get(pool["estimator"], pool["estimator"])
        corrected = {
            "only0": "only to studies with 0 or n events",
            "all": "to every study",
            "none": "to no study",
        }.get(harm["continuity_correction_to"], harm["continuity_correction_to"])

        def listed(key):
            v = crit[key]
            return ", ".join(map(str, v)) if isinstance(v, list) and v else "none"

        outcomes = "; ".join(
            f"{_e(self.label(o))} ({_e(self.kind(o).replace('_', ' '))}"
            + (
                f": AE categories {_e(', '.join(self.definitions[o]['ae_categories']))}"
                if self.definitions[o].get("ae_categories")
                else ""
            )
            + ")"
            for o in self.outcomes
        )
        subgroups = ", ".join(c["subgroups"]) or "none"
        level = f"{pool['level']:.0%}"
        items = [
            (
                "13a",
                "Eligibility for each synthesis",
                f"Outcomes synthesised: {outcomes}. For each outcome every extracted data row "
                f"was tested against the criteria in <code>config/config.yaml</code>: designs "
                f"{_e(listed('designs'))}; phases {_e(listed('phases'))}; routes "
                f"{_e(listed('routes'))} (an arm passes only if every route it used is "
                f"listed); tissues {_e(listed('tissues'))}; cell products "
                f"{_e(listed('products'))}; autologous/allogeneic {_e(listed('autologous'))}; "
                f"at least {crit['min_n']} participants; at least "
                f"{crit['min_follow_up_months']:g} months of follow-up; evidence tiers "
                f"{_e(listed('evidence_tiers'))}; studies excluded by name: "
                f"{_e(listed('exclude_studies'))}; original ALSFRS (0\u201340) scale "
                f"{'admitted' if crit['allow_original_alsfrs'] else 'not admitted'}. One row "
                "per arm (or arm contrast) is analysed, preferring the higher evidence tier. "
                "Studies sharing patients are resolved by the overlap rule "
                f"<code>{_e(crit['overlap_rule'])}</code>. Every decision and every reason is in "
                "the <a href='#selection'>inclusion log</a>.",
            ),
            (
                "13b",
                "Preparing the data",
                "Adverse-event rates are logit proportions (metafor's <code>escalc(measure="
                f"'PLO')</code>) with a continuity correction of {harm['continuity_correction']:g} "
                f"added to events and non-events {corrected}. A count printed only as a "
                "percentage is derived as round(percent \u00d7 n), halves up, and flagged. "
                "ALSFRS-R slope changes are in points/month, positive = slower progression: "
                "the SE comes from a printed SE, else SD/\u221an, else a normal-theory CI "
                f"(level {harm['ci_level']:.0%} unless printed otherwise), else a two-sided "
                "p-value (z test assumed), else pre/post SDs with a correlation of "
                f"r = {harm['prepost_correlation']:g}. Per-year slopes are divided by 12 and "
                "rates of decline printed as positive numbers are negated. Each derivation is "
                "printed with its row under <a href='#provenance'>Provenance</a>.",
            ),
            (
                "13c",
                "Tabulation and visual display",
                "Forest plots in the RevMan 5 layout (raw data per arm, weight, effect with 95% "
                "CI, pooled diamond, prediction interval, heterogeneity and the test for the "
                "overall effect); proportions on a percentage axis. Subgroup forest plots, "
                "leave-one-out plots, a funnel plot when 10 or more studies are pooled, the "
                "PRISMA 2020 flow diagram and this summary-of-findings table.",
            ),
            (
                "13d",
                "Synthesis methods",
                f"Random-effects meta-analysis with \u03c4\u00b2 estimated by {estimator} and "
                f"{inference} inference; {level} confidence intervals. The {level} prediction "
                "interval is \u03bc \u00b1 c\u221a(SE\u00b2 + \u03c4\u00b2) with the CI's "
                "reference distribution (metafor's <code>predict()</code>). Heterogeneity: "
                "Cochran's Q with its P value, I\u00b2 in its \u03c4\u00b2-based form "
                "(metafor's printed value; used for the certainty rules) and its Q-based form. "
                "Analyses with fewer than two studies are not pooled; the single study is "
                "shown. Software: see <a href='#reproducibility'>What was run</a>; pooling is "
                "checked against metafor 3.8 to a relative 1e-6.",
            ),
            (
                "13e",
                "Exploring heterogeneity",
                f"Subgroup analyses by: {_e(subgroups)}. Each subgroup level is pooled "
                "separately with the same model. "
                "<span class='na'>A test for subgroup differences is not available in this "
                "version of the pipeline</span>; subgroup estimates are descriptive.",
            ),
            (
                "13f",
                "Sensitivity analyses",
                f"Leave-one-out re-fits (same model) for every synthesis with at least "
                f"{MIN_K_LEAVE_ONE_OUT} studies. Alternative eligibility (secondary sources, "
                "unverified cell product, unreported n) is a separate run: <code>snakemake "
                "--configfile config/sensitivity_broad.yaml</code>. "
                "<span class='na'>The sensitivity of slope SEs to the assumed pre/post "
                "correlation r is not available in this version of the pipeline.</span>",
            ),
        ]
        parts = ["<section id='methods'><h2>Methods</h2>"]
        parts.append(
            "<p class='small'>PRISMA 2020 items 13a\u201313f, written from the configuration "
            "this report was built with.</p>"
        )
        for number, title, text in items:
            parts.append(f"<h3 id='prisma-{number}'>{number}. {_e(title)}</h3><p>{text}</p>")
        parts.append("</section>")
        return "\n".join(parts)

    def _characteristics(self, outcome: str) -> str:
        rows = self.rows_of(outcome)
        if not rows:
            return "<p>No study met the criteria.</p>"
        table = []
        for r in rows:
            study = self.studies[r["study_id"]]
            w = self.weight_of.get((outcome, "overall", "all", r["effect_id"]))
            if r["kind"] == "proportion":
                data = f"{r['events']}/{r['n']}"
            else:
                n = f"n = {r['n']}" if r.get("n") is not None else "n not reported"
                if r.get("comparator_n") is not None:
                    n += f" vs {r['comparator_n']}"
                data = f"{num(r['estimate'])} points/month, {n}"
            table.append(
                [
                    f"<a href='#study-{slug(r['study_id'])}'>{_e(r['label'])}</a>",
                    _e(study["design"].replace("_", " ")),
                    _e(r["tier"]),
                    _e(r["route"].replace("_", " ")),
                    _e(r["tissue"].replace("_", " ")),
                    _e(r["product"]),
                    Num(_effect_link(r["effect_id"], data)),
                    Num(
                        _effect_link(
                            r["effect_id"], _interval(r["kind"], r["ci_lower"], r["ci_upper"])
                        )
                    ),
                    Num(f"{w:.1f}%" if w is not None else ""),
                ]
            )
        return _table(
            ["Study", "Design", "Tier", "Route", "Tissue", "Product", "Data", "95% CI", "Weight"],
            table,
        )

    def _pooled_row_cells(self, r: dict, with_group: bool) -> list:
        kind = self.kind(r["outcome"])
        group = (
            []
            if not with_group
            else [_e(f"{r['subgroup_variable']} = {str(r['subgroup_level']).replace('_', ' ')}")]
        )
        if r["status"] != "pooled":
            return [
                _e(self.label(r["outcome"])),
                *group,
                Num(r["k"]),
                Num(r["n_total"]),
                f"<span class='na'>not pooled ({_e(_short(r['reason']))})</span>",
                "",
                "",
                "",
                "",
                self._studies_behind(r),
            ]
        estimate = f"<a href='#{analysis_id(r)}'>{_e(_value(kind, r['estimate']))}</a>"
        return [
            _e(self.label(r["outcome"])),
            *group,
            Num(r["k"]),
            Num(r["n_total"]),
            Num(estimate),
            Num(_e(_interval(kind, r["ci_lower"], r["ci_upper"]))),
            Num(_e(_interval(kind, r["pi_lower"], r["pi_upper"]))),
            Num(f"{r['tau2']:.3g}"),
            Num(
                f"{r['i2_tau2_pct']:.0f}% ({r['i2_q_pct']:.0f}%)"
                if r.get("i2_q_pct") is not None
                else f"{r['i2_tau2_pct']:.0f}% (GLMM: no Q)"
            ),
            self._studies_behind(r),
        ]

    def overall_weight(self, outcome, effect_id):
        return self.weight_of.get((outcome, "overall", "all", effect_id))

    def _analysis_blocks(self) -> str:
        """One anchor per pooled.tsv row, listing the rows behind it with their weights."""
        parts = ["<h3 id='analyses'>Rows behind every pooled number</h3>"]
        for r in self.pooled:
            kind = self.kind(r["outcome"])
            ids = [i for i in str(r.get("effect_ids") or "").split(";") if i]
            by_id = {a["effect_id"]: a for a in self.rows_of(r["outcome"])}
            items = []
            for i in ids:
                a = by_id.get(i)
                w = self.weight_of.get(
                    (r["outcome"], r["subgroup_variable"], r["subgroup_level"], i)
                )
                text = a["label"] if a else i
                if a:
                    ci = _interval(kind, a["ci_lower"], a["ci_upper"])
                    text += f": {_value(kind, a['estimate'])} [{ci}]"
                if w is not None:
                    text += f", weight {w:.1f}%" if w is not None else ", GLMM (no weight)"
                items.append(f"<li>{_effect_link(i, text)}</li>")
            group = (
                "overall"
                if r["subgroup_variable"] == "overall"
                else f"{r['subgroup_variable']} = {r['subgroup_level']}"
            )
            if r["status"] == "pooled":
                head = (
                    f"{_value(kind, r['estimate'])} (95% CI "
                    f"{_interval(kind, r['ci_lower'], r['ci_upper'])}; 95% PI "
                    f"{_interval(kind, r['pi_lower'], r['pi_upper'])})"
                )
            else:
                head = f"not pooled: {readable(r['reason'])}"
            parts.append(
                f"<div id='{analysis_id(r)}'><h4>{_e(self.label(r['outcome']))}, "
                f"{_e(group)}: {_e(head)}</h4><ul>{''.join(items)}</ul></div>"
            )
        return "\n".join(parts)

    def _forest_alt(self, outcome: str) -> str:
        rows, p, kind = self.rows_of(outcome), self.overall[outcome], self.kind(outcome)
        if not rows:
            return f"Forest plot of {self.label(outcome)}: no study included."
        spread = ", ".join(f"{r['label']} {_value(kind, r['estimate'])}" for r in rows[:12])
        more = f" and {len(rows) - 12} more" if len(rows) > 12 else ""
        text = f"Forest plot of {self.label(outcome)}: {len(rows)} studies ({spread}{more})."
        if p["status"] == "pooled":
            text += (
                f" Pooled {_value(kind, p['estimate'])}, 95% CI "
                f"{_interval(kind, p['ci_lower'], p['ci_upper'])}, 95% prediction interval "
                f"{_interval(kind, p['pi_lower'], p['pi_upper'])}; I\u00b2 "
                f"{p['i2_tau2_pct']:.0f}%."
            )
        else:
            text += f" Not pooled: {readable(p['reason'])}."
        return text

    def results(self) -> str:
        parts = ["<section id='results'><h2>Results</h2>"]
        parts.append(
            "<p class='small'>PRISMA 2020 items 20a\u201320d. Figures are embedded; the SVG, "
            "PNG (300 dpi) and PDF files are under <code>results/figures/</code>.</p>"
        )
        parts.append("<h3 id='prisma-20a'>20a. Studies contributing to each synthesis</h3>")
        for o in self.outcomes:
            parts.append(f"<h4>{_e(self.label(o))}</h4>")
            parts.append(self._characteristics(o))

        parts.append("<h3 id='prisma-20b'>20b. Results of the syntheses</h3>")
        overall = [self.overall[o] for o in self.outcomes]
        parts.append(
            _table(
                [
                    "Outcome",
                    "k",
                    "N",
                    "Estimate",
                    "95% CI",
                    "95% PI",
                    "\u03c4\u00b2",
                    "I\u00b2 \u03c4\u00b2-based (Q-based)",
                    "Rows behind it",
                ],
                [self._pooled_row_cells(r, False) for r in overall],
                [r["status"] for r in overall],
            )
        )
        for o in self.outcomes:
            p = self.overall[o]
            kind = self.kind(o)
            parts.append(f"<h4 id='outcome-{slug(o)}'>{_e(self.label(o))}</h4>")
            if p["status"] == "pooled":
                parts.append(
                    f"<p>{p['k']} studies, {p['n_total']} participants: "
                    f"{_value(kind, p['estimate'])} (95% CI "
                    f"{_interval(kind, p['ci_lower'], p['ci_upper'])}; 95% prediction interval "
                    f"{_interval(kind, p['pi_lower'], p['pi_upper'])}). "
                    f"{_e(heterogeneity_line(p))}. {_e(overall_test_line(p, kind))}.</p>"
                )
            else:
                parts.append(f"<p>Not pooled: {_e(readable(p['reason']))}.</p>")
            parts.append(
                figure_html(
                    self.figures[f"forest_{o}"],
                    self._forest_alt(o),
                    f"Forest plot: {_e(self.label(o))}. Rows behind it: {self._studies_behind(p)}.",
                    f"figure-forest-{slug(o)}",
                )
            )

        parts.append("<h3 id='prisma-20c'>20c. Investigations of heterogeneity</h3>")
        subgroups = self.config["subgroups"]
        if not subgroups:
            parts.append("<p>No subgroup analysis was configured.</p>")
        sub_rows = [r for r in self.pooled if r["subgroup_variable"] != "overall"]
        if sub_rows:
            parts.append(
                _table(
                    [
                        "Outcome",
                        "Subgroup",
                        "k",
                        "N",
                        "Estimate",
                        "95% CI",
                        "95% PI",
                        "\u03c4\u00b2",
                        "I\u00b2 \u03c4\u00b2-based (Q-based)",
                        "Rows behind it",
                    ],
                    [self._pooled_row_cells(r, True) for r in sub_rows],
                    [r["status"] for r in sub_rows],
                )
            )
        for o in self.outcomes:
            outcome_rows = [r for r in self.pooled if r["outcome"] == o]
            for v in subgroups:
                levels = [r for r in outcome_rows if r["subgroup_variable"] == v]
                alt = (
                    f"Forest plot of {self.label(o)} by {v}: "
                    + "; ".join(
                        f"{r['subgroup_level']}: k = {r['k']}, "
                        + (
                            f"pooled {_value(self.kind(o), r['estimate'])}"
                            if r["status"] == "pooled"
                            else "not pooled"
                        )
                        for r in levels
                    )
                    + f". {subgroup_line(outcome_rows, v)}."
                )
                parts.append(
                    figure_html(
                        self.figures[f"forest_{o}_by_{v}"],
                        alt,
                        f"{_e(self.label(o))} by {_e(v)}. <span class='na'>"
                        f"{_e(subgroup_line(outcome_rows, v))}</span>.",
                        f"figure-forest-{slug(o)}-by-{slug(v)}",
                    )
                )

        parts.append("<h3 id='prisma-20d'>20d. Sensitivity analyses</h3>")
        for o in self.outcomes:
            parts.append(f"<h4>{_e(self.label(o))}</h4>")
            parts.append(self._leave_one_out(o))
            k = len(self.rows_of(o))
            if k >= MIN_K_FUNNEL and self.overall[o]["status"] == "pooled":
                parts.append(
                    figure_html(
                        self.figures[f"funnel_{o}"],
                        f"Funnel plot of {self.label(o)}: {k} studies, effect against "
                        "standard error, with pseudo 95% limits.",
                        f"Funnel plot: {_e(self.label(o))}. <span class='na'>Test for "
                        "funnel-plot asymmetry: not available.</span>",
                        f"figure-funnel-{slug(o)}",
                    )
                )
            else:
                parts.append(
                    f"<p class='small'>Funnel plot not drawn: k = {k} &lt; {MIN_K_FUNNEL}.</p>"
                )
        parts.append(
            "<p class='na'>Sensitivity to the pre/post correlation r: not available in this "
            "version of the pipeline.</p>"
        )
        parts.append(self._analysis_blocks())
        parts.append("</section>")
        return "\n".join(parts)

    def _leave_one_out(self, outcome: str) -> str:
        loo = self.leave_one_out.get(outcome) or []
        k, kind = len(self.rows_of(outcome)), self.kind(outcome)
        if not loo:
            return (
                f"<p class='small'>Leave-one-out not done: it needs at least "
                f"{MIN_K_LEAVE_ONE_OUT} pooled studies (k = {k}).</p>"
            )
        fits = [r for r in loo if r["status"] == "pooled"]
        low = min(fits, key=lambda r: r["estimate"]) if fits else None
        high = max(fits, key=lambda r: r["estimate"]) if fits else None
        summary = (
            f"Omitting one study at a time, the estimate ranges from "
            f"{_value(kind, low['estimate'])} (without {low['omitted_label']}) to "
            f"{_value(kind, high['estimate'])} (without {high['omitted_label']})."
            if fits
            else "No re-fit could be made."
        )
        table = _table(
            ["Omitted", "k", "Estimate", "95% CI", "95% PI", "\u03c4\u00b2", "I\u00b2"],
            [
                [
                    _effect_link(r["omitted_effect_id"], r["omitted_label"]),
                    Num(r["k"]),
                    *(
                        [
                            Num(_value(kind, r["estimate"])),
                            Num(_interval(kind, r["ci_lower"], r["ci_upper"])),
                            Num(_interval(kind, r["pi_lower"], r["pi_upper"])),
                            Num(f"{r['tau2']:.3g}"),
                            Num(f"{r['i2_tau2_pct']:.0f}%"),
                        ]
                        if r["status"] == "pooled"
                        else [f"not estimated: {_e(readable(r['reason']))}", "", "", "", ""]
                    ),
                ]
                for r in loo
            ],
        )
        return (
            f"<p>{_e(summary)}</p>"
            + figure_html(
                self.figures[f"leave_one_out_{outcome}"],
                f"Leave-one-out plot of {self.label(outcome)}. {summary}",
                f"Leave-one-out: {_e(self.label(outcome))}.",
                f"figure-leave-one-out-{slug(outcome)}",
            )
            + table
        )

    def selection(self) -> str:
        f = self.flow
        parts = ["<section id='selection'><h2>Study selection</h2>"]
        parts.append(
            f"<p>{f.studies} studies ({f.reports} reports) were assessed; "
            f"{len(f.included_any)} are in at least one synthesis and {f.in_no_synthesis} in "
            "none. Counts are computed from the inclusion log below, so the diagram and the "
            "table always agree.</p>"
        )
        alt = (
            f"PRISMA 2020 flow diagram: {f.studies} studies in the extraction dossier "
            f"({f.reports} reports); {f.in_no_synthesis} in no synthesis "
            f"({len(f.none_no_data)} without usable data); {len(f.included_any)} included in "
            "at least one synthesis; "
            + "; ".join(prisma.synthesis_text(s) for s in f.syntheses)
            + "."
        )
        parts.append(
            figure_html(
                self.figures["prisma"], alt, "PRISMA 2020 flow of studies.", "figure-prisma"
            )
        )
        parts.append("<h3 id='inclusion'>Inclusion log</h3>")
        for o in self.outcomes:
            rows = [r for r in self.inclusion if r["outcome"] == o]
            synthesis = next(s for s in f.syntheses if s.outcome == o)
            parts.append(f"<h4>{_e(self.label(o))}</h4>")
            parts.append(
                f"<p>{len(synthesis.included)} of {len({r['study_id'] for r in rows})} studies "
                f"included{': ' + ', '.join(synthesis.included) if synthesis.included else ''}.</p>"
            )
            parts.append(
                _table(
                    ["Study", "Data row", "Decision", "Reasons"],
                    [
                        [
                            f"<a href='#study-{slug(r['study_id'])}'>{_e(r['study_id'])}</a>",
                            _effect_link(r["effect_id"], r["effect_id"]) if r["effect_id"] else "",
                            _e(r["decision"]),
                            _e(r["reasons"]),
                        ]
                        for r in rows
                    ],
                    [r["decision"] for r in rows],
                )
            )
        parts.append("</section>")
        return "\n".join(parts)

    def provenance(self) -> str:
        parts = ["<section id='provenance'><h2>Provenance</h2>"]
        parts.append(
            "<p>Every effect size was computed by the pipeline from the numbers the source "
            "printed; the derivation is shown with each. Quotes are verbatim from the "
            "extraction dossier.</p>"
        )
        used_in: dict[str, list[str]] = {}
        for a in self.analysed:
            used_in.setdefault(a["effect_id"], []).append(a["outcome"])
        for study_id in sorted(self.studies):
            study = self.studies[study_id]
            parts.append(
                f"<h3 id='study-{slug(study_id)}'>{_e(study['first_author'])} {_e(study['year'])}"
                f" <span class='small'>({_e(study_id)}; {_e(study['design'].replace('_', ' '))})"
                "</span></h3>"
            )
            parts.append(f"<p class='small'>{_e(study['citation'])}</p>")
            if not any(e["study_id"] == study_id for e in self.effects):
                parts.append("<p class='small'>No data row was extracted from this study.</p>")
                continue
            rows = []
            for e in (e for e in self.effects if e["study_id"] == study_id):
                quote = " / ".join(
                    f"[{_e(q)}] <span class='quote'>{_e(self.quotes[q]['text'])}</span>"
                    if q in self.quotes
                    else f"[{_e(q)}] <span class='small'>(reference, no verbatim quote)</span>"
                    for q in str(e["quote_id"]).split(";")
                    if q
                )
                used = (
                    ", ".join(
                        f"{u} ({_weight_text(self.overall_weight(u, e['effect_id']))})"
                        for u in used_in.get(e["effect_id"], [])
                    )
                    or "not analysed"
                )
                value = (
                    f"{e['events']}/{e['n']}"
                    if e["source_table"] == "adverse_events"
                    else (
                        f"{num(e['estimate'], 3)} points/month"
                        if e.get("estimate") is not None
                        else "not computable"
                    )
                )
                rows.append(
                    [
                        f"<span id='effect-{slug(e['effect_id'])}'>{_e(e['effect_id'])}</span>",
                        _e(e["category"]),
                        _e(value),
                        _e(e["tier"]),
                        _e(f"{e['source']}; {e['locator']}"),
                        quote,
                        _e(e["derivation"] or e["status_reason"]),
                        _e(used),
                    ]
                )
            parts.append(
                _table(
                    [
                        "Row",
                        "Measure",
                        "Value",
                        "Tier",
                        "Source; locator",
                        "Quote",
                        "Derivation",
                        "Used in (weight)",
                    ],
                    rows,
                )
            )
        parts.append("</section>")
        return "\n".join(parts)

    def reproducibility(self) -> str:
        parts = ["<section id='reproducibility'><h2>What was run</h2>"]
        parts.append(
            "<p>Re-run with <code>snakemake --cores 4</code> on the same inputs and "
            "configuration: every file under <code>results/</code> is byte-identical.</p>"
        )
        parts.append("<h3>Software</h3>")
        parts.append(
            _table(["Package", "Version"], [[_e(n), _e(v)] for n, v in software_versions()])
        )
        parts.append("<h3>Input files</h3>")
        parts.append(
            _table(
                ["File", "SHA-256"],
                [[_e(p), f"<code>{sha256(p)}</code>"] for _, p in sorted(self.input_files.items())],
            )
        )
        parts.append(
            "<h3>Configuration</h3><details><summary>Full configuration (YAML)</summary><pre>"
            + html.escape(
                yaml.safe_dump(
                    self.config, sort_keys=True, allow_unicode=True, default_flow_style=None
                )
            )
            + "</pre></details></section>"
        )
        return "\n".join(parts)

    #: Tables of the sensitivity section: (key, heading, explanation, [(column, header)]).
    EXTRA_TABLES = (
        (
            "variants",
            "Evidence variants",
            "Each outcome's pooled result under the main criteria and under each alternative "
            "judgement: paper and registry values only or with secondary values added, each "
            "alternative version of a value the sources disagree on, subgroup and pre-erratum "
            "values admitted, each member of an overlap group kept.",
            [
                ("outcome", "Outcome"),
                ("variant", "Variant"),
                ("status", "Status"),
                ("k", "k"),
                ("n_total", "N"),
                ("estimate", "Estimate"),
                ("ci_lower", "CI lower"),
                ("ci_upper", "CI upper"),
                ("differs_from_main", "Differs"),
                ("reason", "Note"),
            ],
        ),
        (
            "methods",
            "Every estimator and inference",
            "The same rows under each \u03c4\u00b2 estimator and inference, and for AE rates the "
            "binomial-normal GLMM beside inverse variance (natural scale).",
            [
                ("outcome", "Outcome"),
                ("method", "Method"),
                ("estimator", "\u03c4\u00b2"),
                ("inference", "Inference"),
                ("k", "k"),
                ("estimate", "Estimate"),
                ("ci_lower", "CI lower"),
                ("ci_upper", "CI upper"),
                ("tau2", "\u03c4\u00b2 value"),
                ("status", "Status"),
            ],
        ),
        (
            "small_study",
            "Funnel asymmetry tests",
            "Egger's regression (mixed-effects and weighted linear model) and Begg's rank test, "
            "only from the configured minimum number of studies.",
            [
                ("outcome", "Outcome"),
                ("k", "k"),
                ("test", "Test"),
                ("status", "Status"),
                ("statistic", "Statistic"),
                ("p_value", "p"),
                ("reason", "Reason"),
            ],
        ),
        (
            "influence",
            "Influence diagnostics",
            "Externally studentized residuals, Cook's distances, DFFITS, hat values and "
            "covariance ratios (metafor's influence()), on the analysis scale.",
            [
                ("outcome", "Outcome"),
                ("study_id", "Study"),
                ("rstudent", "rstudent"),
                ("cooks_distance", "Cook's D"),
                ("dffits", "DFFITS"),
                ("hat", "Hat"),
                ("cov_ratio", "Cov. ratio"),
                ("tau2_deleted", "\u03c4\u00b2 without"),
            ],
        ),
        (
            "cumulative",
            "Cumulative meta-analysis by year",
            "The pooled result as studies are added in order of publication.",
            [
                ("outcome", "Outcome"),
                ("step", "Step"),
                ("added_study", "Added"),
                ("year", "Year"),
                ("k", "k"),
                ("estimate", "Estimate"),
                ("ci_lower", "CI lower"),
                ("ci_upper", "CI upper"),
                ("status", "Status"),
            ],
        ),
        (
            "prepost_sweep",
            "Pre/post correlation sweep",
            "The pooled within-arm slope change for each assumed correlation r; "
            "k_depending_on_r counts the studies whose SE is derived with r.",
            [
                ("outcome", "Outcome"),
                ("r", "r"),
                ("k", "k"),
                ("k_depending_on_r", "k with r"),
                ("estimate", "Estimate"),
                ("ci_lower", "CI lower"),
                ("ci_upper", "CI upper"),
                ("i2_tau2", "I\u00b2 %"),
                ("status", "Status"),
                ("reason", "Reason"),
            ],
        ),
        (
            "data_quality_outcomes",
            "Data quality: per outcome",
            "Studies with rows and computable, and k and N under the main criteria, paper and "
            "registry values only, and with secondary values.",
            [
                ("outcome", "Outcome"),
                ("studies_with_rows", "With rows"),
                ("studies_computable", "Computable"),
                ("k_main", "k main"),
                ("n_main", "N main"),
                ("k_paper_registry", "k paper+registry"),
                ("n_paper_registry", "N paper+registry"),
                ("k_plus_secondary", "k +secondary"),
                ("n_plus_secondary", "N +secondary"),
            ],
        ),
        (
            "data_quality_studies",
            "Data quality: per study",
            "Which outcomes each study could give, from which evidence tiers, with which "
            "derivations.",
            [
                ("study_id", "Study"),
                ("design", "Design"),
                ("tiers", "Tiers"),
                ("outcomes_computable", "Outcomes computable"),
                ("outcomes_included_main", "Included (main)"),
                ("derivations", "Derivations"),
                ("contribution", "Contribution"),
            ],
        ),
        (
            "known_gaps",
            "Known gaps",
            "The dossier's list of values not found in any source, and the gap reasons in data/.",
            [
                ("trial_id", "Trial"),
                ("study_ids", "Studies"),
                ("outcome", "Outcome"),
                ("gap", "Gap"),
            ],
        ),
    )

    def sensitivity(self) -> str:
        parts = ["<section id='sensitivity'><h2>Sensitivity and data quality</h2>"]
        figure = self.extra.get("prepost_figure")
        for key, heading, text, columns in self.EXTRA_TABLES:
            rows = self.extra.get(key)
            parts.append(f"<h3 id='sensitivity-{key}'>{_e(heading)}</h3><p>{_e(text)}</p>")
            if key == "prepost_sweep" and figure:
                parts.append(
                    figure_html(
                        figure,
                        "Pooled slope change and I-squared against the pre/post correlation",
                        "Sensitivity of the pooled within-arm slope change to r",
                        "figure-prepost",
                    )
                )
            if rows is None:
                parts.append("<p class='na'>not available in this run</p>")
                continue
            if not rows:
                parts.append("<p>No rows.</p>")
                continue
            parts.append(
                _plain_table(
                    [h for _, h in columns], [[_cell(r.get(c)) for c, _ in columns] for r in rows]
                )
            )
        parts.append("</section>")
        return "\n".join(parts)

    def html(self) -> str:
        nav = "".join(f"<a href='#{i}'>{_e(t)}</a>" for i, t in SECTIONS)
        f = self.flow
        inference = self.config["pooling"]["inference"]
        intro = (
            f"<p>{f.studies} studies were assessed and {len(f.included_any)} contribute to at "
            f"least one of {len(self.outcomes)} syntheses. Random effects "
            f"({_e(self.config['pooling']['estimator'])}, "
            f"{_e(INFERENCE_NAMES.get(inference, inference))}).</p>"
        )
        return "\n".join(
            [
                "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
                "<meta name='viewport' content='width=device-width, initial-scale=1'>",
                "<title>MSC therapy for ALS: meta-analysis report</title>",
                f"<style>{CSS}</style></head><body>",
                "<h1>Mesenchymal stromal cell therapy for ALS: random-effects meta-analysis</h1>",
                f"<nav aria-label='Sections'>{nav}</nav>",
                intro,
                self.summary(),
                self.methods(),
                self.results(),
                self.selection(),
                self.sensitivity(),
                self.provenance(),
                self.reproducibility(),
                "</body></html>\n",
            ]
        )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _e(f"{value:.4g}")
    return _e(str(value).replace(";", "; "))


def _plain_table(headers, rows) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def build_report(**tables) -> str:
    """The report as one HTML string (transitional: the sections split replaces this)."""
    tables.pop("summary_of_findings")
    tables.pop("prisma_flow")
    loo = {}
    for row in tables["leave_one_out"]:
        loo.setdefault(row["outcome"], []).append(row)
    tables["leave_one_out"] = loo
    return Report(**tables).html()
