"""GRADE's indirectness domain (Guyatt et al. 2011, GRADE guidelines 8: rating the quality
of evidence, indirectness. J Clin Epidemiol 64:1303-1310): differences between the
question and the evidence in population, intervention, comparator or outcome.

* Intervention, computed: the question is about MSC; a modified product (config
  ``grade.indirectness.modified_products``, by default MSC-NTF, MSC induced to secrete
  neurotrophic factors) that carries ``grade.indirectness.modified_product_share`` % of an
  analysis' weight or more makes the answer mostly one about that product: down one level.
* Outcome, recorded: whether an outcome is a surrogate (for example a responder threshold
  on the ALSFRS-R slope) is a judgement, recorded in data/grade_judgements.tsv under domain
  ``indirectness_outcome`` with its reason and source; without one the outcome is taken
  as the one that matters.

The two parts add up to at most two levels; a recorded ``indirectness`` judgement replaces
both.
"""

from __future__ import annotations

from alsmeta.analysis.grade.evidence import Evidence
from alsmeta.analysis.grade.judgements import as_rating
from alsmeta.analysis.grade.levels import JUDGEMENT, RULE, Rating

DOMAIN = "Indirectness"


def product_name(product: str) -> str:
    """msc_ntf -> MSC-NTF."""
    return product.replace("_", "-").upper()


def rating(evidence: Evidence, settings, outcome_judgement: dict | None = None) -> Rating:
    """The intervention part computed from the rows' ``product``, plus the recorded outcome
    part (``outcome_judgement``: a data/grade_judgements.tsv row, or None)."""
    modified = settings.modified_products
    share = evidence.share(lambda r: r.get("product") in modified)
    names = ", ".join(product_name(p) for p in modified)
    if share >= settings.modified_product_share:
        levels = -1
        intervention = (
            f"intervention serious: {share:.0f}% of the weight from {names}, a modified "
            f"product, for a question about MSC (grade.indirectness.modified_product_share "
            f"{settings.modified_product_share:g}%)"
        )
    else:
        levels = 0
        intervention = f"intervention not serious: {share:.0f}% of the weight from {names}"
    if outcome_judgement is None:
        outcome = "outcome: no recorded judgement (taken as the outcome that matters)"
        source = RULE
    else:
        part = as_rating(DOMAIN, outcome_judgement)
        levels += part.levels
        outcome = f"outcome {part.reason}"
        source = JUDGEMENT
    levels = max(-2, levels)
    text = f"{intervention}; {outcome}"
    return Rating(DOMAIN, levels, text if levels else f"not serious ({text})", source)


def rule_text(settings) -> str:
    names = ", ".join(product_name(p) for p in settings.modified_products)
    return (
        "Guyatt et al. 2011, GRADE guidelines 8 (J Clin Epidemiol 64:1303). Intervention, "
        f"computed: down one level when {names} (a modified product) carries "
        f"{settings.modified_product_share:g}% of the weight or more, since the question is "
        "about MSC. Outcome, recorded: a surrogate outcome is rated down by a judgement in "
        "data/grade_judgements.tsv (domain indirectness_outcome), with its reason and "
        "source. The parts add up to at most two levels."
    )
