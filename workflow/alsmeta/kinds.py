"""The outcome kinds: one entry each, read by every stage.

An outcome in ``outcome_definitions`` names its kind. The entry says what the kind pools
(its rows), on which scale it is pooled and shown, its value of no effect, unit and
"favours" labels, the axis of its forest plot, how its raw data are shown, and the
summary-of-findings threshold of an appreciable effect. Adding a continuous kind means
adding one entry here (and its name to the config schema's enum, which a test checks).

Proportions (single-arm event rates) and two-group binary comparisons (OR, RR or RD)
take their measure from the harmonized rows or the outcome definition; the entry of
``binary_comparison`` describes the odds ratio, its default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: Leave-one-out for every kind needs k >= 3, so that every re-fit keeps the two studies
#: a random-effects model needs (the select job asks for the plot from this k on).
MIN_K_LEAVE_ONE_OUT = 3

#: Proportion measures of single-arm event rates (metafor's escalc names).
PROPORTION_MEASURES = ("PLO", "PFT", "PAS", "PR")
#: Two-group measures of a binary comparison: natural scale, and the analysis scale.
BINARY_MEASURES = {
    "OR": ("odds ratio", "log odds ratio"),
    "RR": ("risk ratio", "log risk ratio"),
    "RD": ("risk difference", "risk difference"),
}
#: Analysis scale of each proportion measure.
PROPORTION_SCALES = {
    "PLO": "logit",
    "PFT": "Freeman-Tukey double arcsine",
    "PAS": "arcsine",
    "PR": "proportion",
}

_ALSFRS = ("alsfrs_r", "alsfrs")
_FVC = ("fvc_percent_predicted",)
_SLOPES = ("slope_change", "slope_pre_post")
_SLOPE_DIFFERENCE = ("slope_change_difference",)
_FASTER_SLOWER = ("Faster decline after MSC", "Slower decline after MSC")
_CONTROL_MSC = ("Favours control", "Favours MSC")


@dataclass(frozen=True)
class OutcomeKind:
    """What one kind of outcome is, for every stage that handles it."""

    measure: str  # header of the effect column and the graph ("Mean difference")
    unit: str  # "%", "points/month", ... ("" for ratios)
    natural_scale: str  # the scale results are reported on
    analysis_scale: str  # the scale the model pools on
    axis: str  # forest-plot axis: percent, linear or log
    null: float | None  # value of no effect (None: a rate has none)
    favours: tuple[str, str] | None  # labels under the axis, left then right
    controlled: bool  # compares MSC-treated arms with a concurrent control arm
    shows: str  # raw data per row: counts, two_arm_counts, within_arm or difference
    log_scale: bool = False  # pooled on the log scale and shown exponentiated
    # A single-arm event rate (a proportion): rows of one arm's counts on one of
    # PROPORTION_MEASURES, shown in percent, with no value of no effect to test; pooled by
    # a binomial-normal model where a likelihood is fitted (the GLMM, the Bayesian model),
    # its GRADE certainty started and its imprecision judged as a rate's.
    event_rate: bool = False
    # The tables of counts its rows may come from (adverse_events, responders); () for a
    # kind of efficacy rows (efficacy_rows).
    count_tables: tuple[str, ...] = ()
    # Efficacy rows it pools: (measures, instrument scales) of efficacy.tsv.
    efficacy_rows: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    # Summary of findings: half-width of an appreciable effect (differences, own unit),
    # or the (benefit, harm) pair for ratios, or (serious, very serious) CI widths per
    # 1,000 for proportions.
    appreciable: tuple[float, ...] = ()

    @property
    def binary(self) -> bool:
        """Whether its rows are counts (squares drawn green, as RevMan does)."""
        return self.shows in ("counts", "two_arm_counts")


def _continuous(
    unit: str, measures: tuple[str, ...], instruments: tuple[str, ...], controlled: bool
) -> OutcomeKind:
    """A continuous kind on the linear scale of its ``unit``: a within-arm mean change, or
    (``controlled``) a mean difference against a concurrent control arm. Its appreciable
    effect defaults to 0.25 of the unit (for ALSFRS-R slopes, about a quarter of a typical
    decline of 1 point/month); the summary of findings reads config
    ``grade.imprecision.difference_appreciable`` instead."""
    return OutcomeKind(
        "Mean difference" if controlled else "Mean change",
        unit,
        unit,
        unit,
        "linear",
        0.0,
        _CONTROL_MSC if controlled else _FASTER_SLOWER,
        controlled,
        "difference" if controlled else "within_arm",
        efficacy_rows=(measures, instruments),
        appreciable=(0.25,),
    )


def _odds_ratio(favours: tuple[str, str], count_table: str) -> OutcomeKind:
    """A two-group comparison of counts (rows of ``count_table``), pooled as a log odds
    ratio; GRADE's default appreciable benefit and harm."""
    return OutcomeKind(
        "Odds ratio",
        "",
        "odds ratio",
        "log odds ratio",
        "log",
        1.0,
        favours,
        True,
        "two_arm_counts",
        log_scale=True,
        count_tables=(count_table,),
        appreciable=(0.75, 1.25),
    )


#: The continuous kinds differ only in these: (unit, the efficacy rows they pool as
#: measures and instrument scales, whether they compare with a concurrent control).
_CONTINUOUS = {
    "slope_change": ("points/month", _SLOPES, _ALSFRS, False),
    "slope_change_difference": ("points/month", _SLOPE_DIFFERENCE, _ALSFRS, True),
    "alsfrs_change_difference": ("points", ("change_from_baseline_difference",), _ALSFRS, True),
    "fvc_slope_change": ("% predicted/month", _SLOPES, _FVC, False),
    "fvc_slope_change_difference": ("% predicted/month", _SLOPE_DIFFERENCE, _FVC, True),
}

KINDS: dict[str, OutcomeKind] = {
    "proportion": OutcomeKind(
        "Proportion",
        "%",
        "proportion",
        "logit",
        "percent",
        None,
        None,
        False,
        "counts",
        event_rate=True,
        count_tables=("adverse_events", "responders"),
        appreciable=(50, 200),
    ),
    **{name: _continuous(*fields) for name, fields in _CONTINUOUS.items()},
    # Adverse events: an odds ratio above 1 means more events with MSC.
    "binary_comparison": _odds_ratio(("Fewer with MSC", "More with MSC"), "adverse_events"),
    "responder_odds_ratio": _odds_ratio(_CONTROL_MSC, "responders"),
}


def is_event_rate(kind: str) -> bool:
    """Whether outcomes of ``kind`` are single-arm event rates (OutcomeKind.event_rate);
    False for a name that is not a kind."""
    entry = KINDS.get(kind)
    return entry is not None and entry.event_rate


def event_rate_kind(natural_scale: str | None) -> str | None:
    """The event-rate kind whose results are reported on ``natural_scale``, for a table row
    that names its scale but not its kind; None if no event-rate kind is."""
    for name, entry in KINDS.items():
        if entry.event_rate and entry.natural_scale == natural_scale:
            return name
    return None


#: How a binary_comparison outcome whose measure is not the odds ratio differs from the
#: registry entry: its name, axis and value of no effect. A risk difference is a difference
#: of proportions, drawn on a linear axis through 0; it has no ratio thresholds of an
#: appreciable effect (the summary of findings takes them from config).
_BINARY_ENTRIES = {
    "RR": {"measure": "Risk ratio"},
    "RD": {
        "measure": "Risk difference",
        "axis": "linear",
        "null": 0.0,
        "log_scale": False,
        "appreciable": (),
    },
}


def kind_of(definition: dict) -> OutcomeKind:
    """The registry entry of an outcome definition; for a binary_comparison, the entry of
    its measure (OR, RR or RD), named and drawn as that measure."""
    entry = KINDS[definition["kind"]]
    if definition["kind"] != "binary_comparison":
        return entry
    measure = definition.get("measure", "OR")
    natural, analysis = BINARY_MEASURES[measure]
    changes = _BINARY_ENTRIES.get(measure, {})
    return replace(entry, natural_scale=natural, analysis_scale=analysis, **changes)


def scales(definition: dict, measure: str | None = None) -> tuple[str, str]:
    """(natural scale, analysis scale) of an outcome; ``measure``: its rows' measure
    (proportion measure, or OR/RR/RD), where the kind does not fix it."""
    kind = definition["kind"]
    entry = KINDS[kind]
    if entry.event_rate:
        return entry.natural_scale, PROPORTION_SCALES[measure or "PLO"]
    if kind == "binary_comparison":
        return BINARY_MEASURES[measure or definition.get("measure", "OR")]
    return entry.natural_scale, entry.analysis_scale


def pooled_on_log_scale(definition: dict) -> bool:
    """Whether the pooled values are exponentiated back (OR and RR; not RD)."""
    if definition["kind"] == "binary_comparison":
        return definition.get("measure", "OR") != "RD"
    return KINDS[definition["kind"]].log_scale
