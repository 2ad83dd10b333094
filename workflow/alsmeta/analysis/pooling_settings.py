"""The ``pooling`` section of the config as one typed, validated, immutable object.

A job builds it once (:meth:`PoolingSettings.from_config`) and hands it, alone, to every
function that pools: the random-effects model (:class:`alsmeta.stats.random_effects.Settings`,
its ``random_effects`` field), how single-arm rates and zero-cell comparisons are pooled, and
the GLMM quadrature. A misspelt or out-of-range value fails here, naming the config key.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.analysis.headline import SETTINGS as FRAMEWORKS
from alsmeta.kinds import is_event_rate
from alsmeta.stats.random_effects import Settings

PROPORTION_METHODS = ("glmm", "inverse_variance")
#: What a binary comparison with a zero cell in any study is headlined with (see
#: :func:`alsmeta.analysis.binary_models.headline_method`).
ZERO_CELL_METHODS = ("mantel_haenszel", "peto", "inverse_variance")


@dataclass(frozen=True)
class PoolingSettings:
    """Every pooling choice of a run.

    Attributes
    ----------
    random_effects : Settings
        tau^2 estimator, its fallback, inference on the mean, prediction interval, level.
    proportion_method : str
        ``glmm`` (binomial-normal model) or ``inverse_variance`` for single-arm rates.
    glmm_quadrature_points : int
        Adaptive Gauss-Hermite points per study of the GLMM.
    profile_max_k : int
        GLMM analyses of up to this many studies get profile-likelihood intervals for the
        typical-study and population-averaged rates instead of Wald intervals.
    zero_cell_method : str
        Headline of an odds-ratio comparison in which any study has a zero cell:
        ``mantel_haenszel`` or ``peto`` (no continuity correction needed), or
        ``inverse_variance`` (the random-effects model on corrected log odds ratios).
    primary_framework : str
        ``frequentist``, ``bayesian`` or ``auto``: which result the summary of findings, the
        forest plots' total and the plain-language statement lead with
        (:func:`alsmeta.analysis.headline.headline_framework`).
    bayesian_headline_max_k : int
        Under ``auto``, analyses of 2 to this many studies lead with the Bayesian result.
    """

    random_effects: Settings
    proportion_method: str = "glmm"
    glmm_quadrature_points: int = 101
    zero_cell_method: str = "mantel_haenszel"
    profile_max_k: int = 4
    primary_framework: str = "auto"
    bayesian_headline_max_k: int = 4

    def __post_init__(self):
        for key, value, allowed in (
            ("proportion_method", self.proportion_method, PROPORTION_METHODS),
            ("zero_cell_method", self.zero_cell_method, ZERO_CELL_METHODS),
            ("primary_framework", self.primary_framework, FRAMEWORKS),
        ):
            if value not in allowed:
                raise ValueError(f"pooling.{key} must be one of {allowed}, not {value!r}")
        if not isinstance(self.glmm_quadrature_points, int) or self.glmm_quadrature_points < 1:
            raise ValueError("pooling.glmm_quadrature_points must be a positive integer")
        if not isinstance(self.profile_max_k, int) or self.profile_max_k < 0:
            raise ValueError("pooling.profile_max_k must be a non-negative integer")
        if not isinstance(self.bayesian_headline_max_k, int) or self.bayesian_headline_max_k < 1:
            raise ValueError("pooling.bayesian_headline_max_k must be a positive integer")

    @classmethod
    def from_config(cls, pooling: dict) -> PoolingSettings:
        """Build from the config's ``pooling`` mapping as the schema validated it (every
        key the schema requires present); a missing or invalid key is a ValueError naming it."""
        try:
            random_effects = Settings(
                estimator=pooling["estimator"],
                inference=pooling["inference"],
                prediction=pooling["prediction"],
                level=pooling["level"],
                fallback_estimator=pooling["fallback_estimator"],
            )
            return cls(
                random_effects=random_effects,
                proportion_method=pooling["proportion_method"],
                glmm_quadrature_points=pooling["glmm_quadrature_points"],
                zero_cell_method=pooling["zero_cell_method"],
                profile_max_k=pooling["profile_max_k"],
                primary_framework=pooling["primary_framework"],
                bayesian_headline_max_k=pooling["bayesian_headline_max_k"],
            )
        except KeyError as exc:
            raise ValueError(f"config key pooling.{exc.args[0]} is missing") from None
        except ValueError as exc:
            message = str(exc)
            raise ValueError(
                message if message.startswith("pooling.") else f"pooling.{message}"
            ) from None

    @property
    def level(self) -> float:
        return self.random_effects.level

    def uses_glmm(self, definition: dict) -> bool:
        """Whether an outcome's analyses are fitted with the binomial-normal GLMM."""
        return is_event_rate(definition["kind"]) and self.proportion_method == "glmm"
