"""Config ``grade`` (with the GRADE rule of config ``risk_of_bias`` and the headline rule of
config ``pooling``) as one typed object, built once per job.

Every departure from GRADE as published, and every threshold a rule needs, is a key here
with its default; :mod:`alsmeta.analysis.grade.rules` prints them as the reader sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alsmeta.analysis.grade.imprecision import Imprecision
from alsmeta.io.risk_of_bias import DEFAULTS as RISK_OF_BIAS_DEFAULTS

IMPORTANCE = ("critical", "important", "not_important")


@dataclass(frozen=True)
class GradeSettings:
    """What the GRADE rules read.

    ``event_rates``: ``nonrandomized`` (start Low, Balshem et al. 2011) or ``prognosis``
    (start High, Iorio et al. 2015); ``robins_i_high``: non-randomised comparisons assessed
    with ROBINS-I start High (Schünemann et al. 2019); ``randomized_share``: % of the weight
    that studies starting High must carry for the body of evidence to start High;
    ``importance``: outcome -> critical / important / not_important, ``default_importance``
    for the others; ``modified_products`` and ``modified_product_share``: the indirectness
    rule; ``egger_p``: publication bias from the small-study test; ``large_ratio`` and
    ``very_large_ratio``: GRADE 9's large and very large effects; ``risk_of_bias``: config
    ``risk_of_bias``; ``headline`` and ``bayesian_headline_max_k``: config ``pooling``;
    ``small_study_min_k``: config ``sensitivity``.
    """

    imprecision: Imprecision = field(default_factory=Imprecision)
    event_rates: str = "nonrandomized"
    robins_i_high: bool = True
    randomized_share: float = 50.0
    importance: dict = field(default_factory=dict)
    default_importance: str = "important"
    modified_products: tuple[str, ...] = ("msc_ntf",)
    modified_product_share: float = 50.0
    egger_p: float = 0.10
    large_ratio: float = 2.0
    very_large_ratio: float = 5.0
    risk_of_bias: dict = field(default_factory=lambda: dict(RISK_OF_BIAS_DEFAULTS))
    headline: str = "auto"
    bayesian_headline_max_k: int = 4
    small_study_min_k: int = 10
    level: float = 0.95

    @classmethod
    def from_config(cls, config: dict) -> GradeSettings:
        """From the whole config (keys ``grade``, ``risk_of_bias``, ``pooling``,
        ``sensitivity``)."""
        grade, pooling = config["grade"], config["pooling"]
        return cls(
            imprecision=Imprecision.from_config(grade),
            event_rates=grade["start"]["event_rates"],
            robins_i_high=grade["start"]["robins_i_starts_high"],
            randomized_share=grade["start"]["high_start_share"],
            importance={o: v["importance"] for o, v in grade["outcomes"].items()},
            default_importance=grade["default_importance"],
            modified_products=tuple(grade["indirectness"]["modified_products"]),
            modified_product_share=grade["indirectness"]["modified_product_share"],
            egger_p=grade["publication_bias"]["egger_p"],
            large_ratio=grade["upgrading"]["large_ratio"],
            very_large_ratio=grade["upgrading"]["very_large_ratio"],
            risk_of_bias={**RISK_OF_BIAS_DEFAULTS, **config["risk_of_bias"]},
            headline=pooling["primary_framework"],
            bayesian_headline_max_k=pooling["bayesian_headline_max_k"],
            small_study_min_k=config["sensitivity"]["small_study_min_k"],
            level=pooling["level"],
        )

    def importance_of(self, outcome: str) -> tuple[str, bool]:
        """(importance, whether it is the default) of an outcome."""
        given = self.importance.get(outcome)
        return (given, False) if given else (self.default_importance, True)
