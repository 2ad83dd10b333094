"""The paragraph under the report's title: how many studies, how many syntheses, which model."""

from __future__ import annotations

from alsmeta.report.html import esc
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.sections.few_studies import framework_sentence

INFERENCE_NAMES = {
    "knapp_hartung": "Knapp-Hartung",
    "knapp_hartung_adhoc": "modified Knapp-Hartung, never narrower than Wald",
    "wald": "Wald",
}


def section(ctx: ReportInputs) -> str:
    pooling = ctx.config["pooling"]
    inference = pooling["inference"]
    return (
        f"<p>{ctx.flow.count('assessed', 'studies')} studies were assessed and "
        f"{ctx.flow.count('included', 'studies in at least one synthesis')} contribute to at "
        f"least one of {len(ctx.outcomes)} syntheses. Random effects "
        f"({esc(pooling['estimator'])}, {esc(INFERENCE_NAMES.get(inference, inference))})"
        + (
            "; single-arm rates by a binomial-normal GLMM (maximum likelihood)"
            if pooling["proportion_method"] == "glmm"
            else ""
        )
        + f", with a Bayesian analysis beside each. {esc(framework_sentence(ctx))}</p>"
    )
