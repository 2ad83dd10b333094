"""Snakemake adapter: pooled table + analysed rows -> one forest plot (SVG, PNG, PDF)."""

from alsmeta.forest import forest_plot, save
from alsmeta.runner import run
from alsmeta.tsv import read_tsv

X_LABELS = {
    "proportion": "Proportion of participants with the event",
    "slope_change": "Change in ALSFRS-R slope, points/month (positive = slower progression)",
    "slope_change_difference": "MSC minus control, points/month (positive favours MSC)",
    "binary_comparison": "MSC vs control (ratio > 1 or difference > 0: more events with MSC)",
    "alsfrs_change_difference": "MSC minus control, ALSFRS-R points (positive favours MSC)",
    "responder_odds_ratio": "Odds ratio of responding, MSC vs control (above 1 favours MSC)",
    "fvc_slope_change": "Change in FVC slope, % predicted/month (positive = slower decline)",
    "fvc_slope_change_difference": "MSC minus control, % predicted/month (positive favours MSC)",
}


def main(smk, log):
    outcome = smk.wildcards.outcome
    definition = smk.params.definition
    rows = [r for r in read_tsv(smk.input.analysed) if r["outcome"] == outcome]
    pooled = next(
        r
        for r in read_tsv(smk.input.pooled)
        if r["outcome"] == outcome and r["subgroup_variable"] == "overall"
    )
    weights = {
        w["effect_id"]: w["weight_pct"]
        for w in read_tsv(smk.input.weights)
        if w["outcome"] == outcome and w["subgroup_variable"] == "overall"
    }
    kind = definition["kind"]
    fig = forest_plot(rows, pooled, weights, kind, definition["label"], X_LABELS[kind])
    save(fig, {"svg": smk.output.svg, "png": smk.output.png, "pdf": smk.output.pdf})
    log.info("%s: %d studies, %s", outcome, len(rows), pooled["status"])


run(main, snakemake)  # noqa: F821 (injected by Snakemake)
