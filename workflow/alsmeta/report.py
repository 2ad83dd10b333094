"""The self-contained HTML report: what was run, who was included and why, the pooled
results, the forest plots (inline SVG) and the provenance of every number.

The page carries no timestamp, so identical inputs give an identical file.
"""

from __future__ import annotations

import hashlib
import html
import platform
import re
from importlib import metadata
from pathlib import Path

import yaml

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

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.excluded td{color:#555}tr.not_pooled td{color:#8a1c1c}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}
figure{margin:1em 0 2em}figure svg{max-width:100%;height:auto}
.quote{font-style:italic}.small{font-size:.85em;color:#444}
nav a{margin-right:1em}
"""


def _e(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return html.escape(f"{value:.4g}")
    return html.escape(str(value))


def _num(value, digits=3) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return _e(value)


def _table(headers, rows, classes=None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for i, cells in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes else ""
        tds = "".join(
            f'<td class="num">{c}</td>' if isinstance(c, Num) else f"<td>{c}</td>" for c in cells
        )
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Num(str):
    """A table cell rendered right-aligned."""


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


def _inline_svg(path) -> str:
    text = Path(path).read_text(encoding="utf-8")
    text = re.sub(r"^<\?xml[^>]*>\s*", "", text)
    return re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)


def _weight_text(weight) -> str:
    """A study's weight in an analysis; the GLMM has no inverse-variance weights."""
    return "no weight: GLMM" if weight is None else f"{weight:.1f}%"


def _pct(value):
    return Num(f"{100 * value:.1f}%") if isinstance(value, float) else Num("")


def _pooled_section(pooled) -> str:
    headers = [
        "Outcome",
        "Subgroup",
        "k",
        "N",
        "Estimate",
        "95% CI",
        "95% PI",
        "\u03c4\u00b2",
        "I\u00b2 (\u03c4\u00b2-based)",
        "I\u00b2 (Q-based)",
        "Q (df), p",
        "Method / note",
    ]
    rows, classes = [], []
    for r in pooled:
        group = (
            "overall"
            if r["subgroup_variable"] == "overall"
            else f"{r['subgroup_variable']} = {r['subgroup_level']}"
        )
        if r["status"] == "pooled":
            show = _pct if r["scale"] == "proportion" else (lambda v: Num(_num(v, 2)))
            ci = f"{show(r['ci_lower'])} to {show(r['ci_upper'])}"
            pi = f"{show(r['pi_lower'])} to {show(r['pi_upper'])}"
            cells = [
                _e(r["outcome_label"]),
                _e(group),
                Num(r["k"]),
                Num(r["n_total"]),
                show(r["estimate"]),
                Num(ci),
                Num(pi),
                Num(f"{r['tau2']:.4g}"),
                Num(f"{r['i2_tau2_pct']:.1f}%"),
                Num(f"{r['i2_q_pct']:.1f}%" if r.get("i2_q_pct") is not None else "n/a"),
                Num(
                    f"{r['q']:.2f} ({r['q_df']}), {r['q_p']:.3f}"
                    if r.get("q") is not None
                    else "n/a (GLMM)"
                ),
                _e(f"{r['estimator']}; {r['ci_method']}; PI {r['pi_method']}"),
            ]
        else:
            cells = [
                _e(r["outcome_label"]),
                _e(group),
                Num(r["k"]),
                Num(r["n_total"]),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                _e(f"not pooled: {r['reason']}"),
            ]
        if r.get("k_n_unreported"):
            cells[3] = Num(f"{r['n_total']} (+{r['k_n_unreported']} study with n not reported)")
        rows.append(cells)
        classes.append(r["status"])
    return _table(headers, rows, classes)


def build_report(
    *,
    config,
    outcomes,
    data,
    effects,
    inclusion,
    pooled,
    analysed,
    weights,
    figures: dict,
    input_files: dict,
) -> str:
    """The report as one HTML string. ``figures`` maps outcome to its SVG path."""
    studies = {s["study_id"]: s for s in data["studies"]}
    quotes = {q["quote_id"]: q for q in data["quotes"]}
    labels = config["outcome_definitions"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>MSC therapy for ALS: meta-analysis report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Mesenchymal stromal cell therapy for ALS: random-effects meta-analysis</h1>",
        "<nav><a href='#run'>What was run</a><a href='#pooled'>Pooled results</a>"
        "<a href='#forest'>Forest plots</a><a href='#inclusion'>Inclusion</a>"
        "<a href='#provenance'>Provenance</a></nav>",
    ]

    # What was run.
    crit = config["criteria"]
    pool_cfg = config["pooling"]
    harm = config["harmonize"]
    parts.append("<section id='run'><h2>What was run</h2>")
    inference = (
        "Knapp-Hartung (t, k-1 df)" if pool_cfg["inference"] == "knapp_hartung" else "Wald (normal)"
    )
    corrected = (
        "studies with 0 or n events"
        if harm["continuity_correction_to"] == "only0"
        else f"{harm['continuity_correction_to']} studies"
    )
    parts.append(
        "<p>Random-effects meta-analysis with the between-study variance estimated by "
        f"<b>{_e(pool_cfg['estimator'])}</b> and <b>{inference}</b> inference at the "
        f"{pool_cfg['level']:.0%} level. Prediction intervals use the same reference "
        "distribution as the CI with variance SE<sup>2</sup> + &tau;<sup>2</sup> (metafor's "
        "<code>predict()</code>). I<sup>2</sup> is given in both its &tau;<sup>2</sup>-based "
        "form (metafor's printed value) and its Q-based form. Adverse-event rates are pooled "
        f"as logits with a continuity correction of {harm['continuity_correction']:g} added to "
        f"events and non-events of {corrected}, and shown back-transformed to proportions; "
        "per-study intervals are exact Clopper-Pearson. Slope changes are in ALSFRS-R "
        "points/month, positive = slower progression.</p>"
    )
    parts.append("<h3>Inclusion criteria</h3>")
    parts.append(
        _table(
            ["Criterion", "Value"],
            [
                [_e(k), _e(", ".join(map(str, v)) if isinstance(v, list) else v)]
                for k, v in crit.items()
            ],
        )
    )
    parts.append(
        "<details><summary>Full configuration (YAML)</summary><pre>"
        + html.escape(
            yaml.safe_dump(config, sort_keys=True, allow_unicode=True, default_flow_style=None)
        )
        + "</pre></details>"
    )
    parts.append("<h3>Software</h3>")
    parts.append(_table(["Package", "Version"], [[_e(n), _e(v)] for n, v in software_versions()]))
    parts.append("<h3>Input files</h3>")
    parts.append(
        _table(
            ["File", "SHA-256"],
            [[_e(p), f"<code>{sha256(p)}</code>"] for _, p in sorted(input_files.items())],
        )
    )
    parts.append("</section>")

    parts.append("<section id='pooled'><h2>Pooled results</h2>")
    parts.append(_pooled_section(pooled))
    parts.append("</section>")

    parts.append("<section id='forest'><h2>Forest plots</h2>")
    for outcome in outcomes:
        label = labels[outcome]["label"]
        parts.append(
            f"<figure role='img' aria-label='Forest plot: {_e(label)}'>"
            f"{_inline_svg(figures[outcome])}<figcaption>{_e(label)}</figcaption></figure>"
        )
    parts.append("</section>")

    # Inclusion.
    parts.append("<section id='inclusion'><h2>Inclusion of studies</h2>")
    for outcome in outcomes:
        rows = [r for r in inclusion if r["outcome"] == outcome]
        included = sorted({r["study_id"] for r in rows if r["decision"] == "included"})
        parts.append(f"<h3>{_e(labels[outcome]['label'])}</h3>")
        parts.append(
            f"<p>{len(included)} of {len({r['study_id'] for r in rows})} studies included"
            f"{': ' + ', '.join(included) if included else ''}.</p>"
        )
        parts.append(
            _table(
                ["Study", "Data row", "Decision", "Reasons"],
                [
                    [_e(r["study_id"]), _e(r["effect_id"]), _e(r["decision"]), _e(r["reasons"])]
                    for r in rows
                ],
                [r["decision"] for r in rows],
            )
        )
    parts.append("</section>")

    # Provenance of every analysed number, then of every extracted row.
    parts.append("<section id='provenance'><h2>Provenance</h2>")
    parts.append(
        "<p>Every effect size below was computed by the pipeline from the numbers the "
        "source printed; the derivation is shown with each. Quotes are verbatim from the "
        "extraction dossier.</p>"
    )
    weight_of = {
        (w["outcome"], w["effect_id"]): w["weight_pct"]
        for w in weights
        if w["subgroup_variable"] == "overall"
    }
    for study_id in sorted({e["study_id"] for e in effects}):
        study = studies[study_id]
        parts.append(
            f"<h3 id='study-{_e(study_id)}'>{_e(study['first_author'])} {_e(study['year'])}"
            f" <span class='small'>({_e(study_id)})</span></h3>"
        )
        parts.append(f"<p class='small'>{_e(study['citation'])}</p>")
        rows = []
        for e in (e for e in effects if e["study_id"] == study_id):
            used = [a["outcome"] for a in analysed if a["effect_id"] == e["effect_id"]]
            text = " / ".join(
                f"[{q}] <span class='quote'>{_e(quotes[q]['text'])}</span>"
                if q in quotes
                else _e(q)
                for q in str(e["quote_id"]).split(";")
                if q
            )
            used_text = (
                ", ".join(f"{u} ({_weight_text(weight_of.get((u, e['effect_id'])))})" for u in used)
                or "not analysed"
            )
            value = (
                f"{e['events']}/{e['n']}"
                if e["source_table"] == "adverse_events"
                else f"{_num(e.get('estimate'), 3)} pts/month"
            )
            rows.append(
                [
                    _e(e["effect_id"]),
                    _e(e["category"]),
                    _e(value),
                    _e(e["tier"]),
                    _e(f"{e['source']}; {e['locator']}"),
                    text,
                    _e(e["derivation"] or e["status_reason"]),
                    _e(used_text),
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
    parts.append("</section></body></html>\n")
    return "\n".join(parts)
