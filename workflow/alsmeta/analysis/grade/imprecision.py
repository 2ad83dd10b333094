"""GRADE's imprecision domain (Guyatt et al. 2011, GRADE guidelines 6: rating the quality
of evidence, imprecision. J Clin Epidemiol 64:1283-1293): the interval of the headline
result against the effects a panel would call appreciable, and the optimal information
size (OIS), for every outcome type.

Thresholds are config ``grade.imprecision`` (:class:`Imprecision`); the defaults are the
kinds registry's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alsmeta.analysis.grade.levels import Rating
from alsmeta.kinds import KINDS, is_event_rate

DOMAIN = "Imprecision"


@dataclass(frozen=True)
class Imprecision:
    """CI width of a rate in events per 1,000 (serious, very serious), GRADE's appreciable
    benefit and harm of ratios, the half-width of an appreciable difference per
    continuous kind, and the OIS (0 = not applied): events for comparisons of counts,
    participants for mean differences, for single-arm event rates and for within-arm
    changes."""

    rate_ci_width_per_1000: tuple[float, float] = KINDS["proportion"].appreciable
    ratio_appreciable: tuple[float, float] = KINDS["binary_comparison"].appreciable
    difference_appreciable: dict = field(
        default_factory=lambda: {
            name: kind.appreciable[0]
            for name, kind in KINDS.items()
            if kind.shows in ("within_arm", "difference")
        }
    )
    optimal_information_size_events: int = 0
    optimal_information_size_participants: int = 0
    optimal_information_size_rate_participants: int = 0
    optimal_information_size_within_arm_participants: int = 0

    @classmethod
    def from_config(cls, grade: dict | None) -> Imprecision:
        """From config ``grade`` (None: the registry's thresholds, no OIS)."""
        if not grade:
            return cls()
        given = grade["imprecision"]
        return cls(
            tuple(given["rate_ci_width_per_1000"]),
            tuple(given["ratio_appreciable"]),
            dict(given["difference_appreciable"]),
            given["optimal_information_size_events"],
            given["optimal_information_size_participants"],
            given["optimal_information_size_rate_participants"],
            given["optimal_information_size_within_arm_participants"],
        )

    def difference(self, kind: str) -> float:
        return self.difference_appreciable[kind]

    def information_size(self, kind: str) -> tuple[int, str, str]:
        """(OIS, unit, what it is for) of an outcome kind."""
        entry = KINDS[kind]
        if entry.log_scale:
            return self.optimal_information_size_events, "events", "comparisons of counts"
        if is_event_rate(kind):
            return (
                self.optimal_information_size_rate_participants,
                "participants",
                "single-arm event rates",
            )
        if entry.shows == "within_arm":
            return (
                self.optimal_information_size_within_arm_participants,
                "participants",
                "within-arm changes",
            )
        return self.optimal_information_size_participants, "participants", "mean differences"


def information(kind: str, rows) -> int:
    """The information an analysis rests on, in the unit of its OIS: total events in both
    arms for comparisons of counts, participants for everything else."""
    if KINDS[kind].log_scale:
        return sum((r.get("events") or 0) + (r.get("comparator_events") or 0) for r in rows)
    return sum((r.get("n") or 0) + (r.get("comparator_n") or 0) for r in rows)


def rating(kind, lower, upper, ci_name, measure="OR", thresholds=None, rows=None):
    """The domain's rating from the interval (``ci_name``: how it is named, with the level
    of config pooling.level) and, with ``rows``, the OIS."""
    t = thresholds or Imprecision()
    if KINDS[kind].log_scale and measure != "RD":
        low, high = t.ratio_appreciable
        if lower <= low and upper >= high:
            levels, why = 2, f"includes both {low:g} and {high:g}"
        elif lower <= 1 <= upper:
            levels, why = 1, "includes no effect (1)"
        else:
            levels, why = 0, "excludes 1"
        name = {"OR": "odds ratio", "RR": "risk ratio"}[measure]
        reason = f"{ci_name} {lower:.2f} to {upper:.2f} ({name}) {why}"
    elif KINDS[kind].log_scale:  # a risk difference: imprecise when it includes no difference
        levels = 1 if lower <= 0 <= upper else 0
        reason = f"{ci_name} {1000 * lower:.0f} to {1000 * upper:.0f} per 1,000 (risk difference)"
    elif is_event_rate(kind):
        serious, very = t.rate_ci_width_per_1000
        width = 1000 * (upper - lower)
        levels = 2 if width >= very else 1 if width >= serious else 0
        reason = (
            f"{ci_name} {1000 * lower:.0f} to {1000 * upper:.0f} per 1,000 spans "
            f"{width:.0f} per 1,000"
        )
    else:
        m = t.difference(kind)
        if lower <= -m and upper >= m:
            levels, why = 2, f"includes both \u2212{m:g} and +{m:g}"
        elif lower <= 0 <= upper:
            levels, why = 1, "includes no effect"
        elif lower < m <= upper or lower <= -m < upper:
            levels, why = 1, f"includes both trivial and appreciable effects (\u00b1{m:g})"
        elif upper < m and lower > -m:
            levels, why = 0, f"excludes an appreciable effect (\u00b1{m:g})"
        else:
            levels, why = 0, f"lies beyond an appreciable effect (\u00b1{m:g})"
        reason = f"{ci_name} {lower:.2f} to {upper:.2f} {KINDS[kind].unit} {why}"
    if rows is not None:
        ois, unit, _ = t.information_size(kind)
        size = information(kind, rows)
        if ois and size < ois:
            levels = min(2, levels + 1)
            reason += f"; {size} {unit}, below the optimal information size of {ois}"
        elif ois:
            reason += f"; {size} {unit}, optimal information size {ois} reached"
    return Rating(DOMAIN, -levels, reason if levels else f"not serious ({reason})")


def rule_text(ci_name: str, thresholds: Imprecision | None = None) -> str:
    """The rule as the reader sees it, with the configured thresholds."""
    t = thresholds or Imprecision()
    low, high = t.ratio_appreciable
    differences = "; ".join(
        f"{KINDS[kind].unit} ({kind.replace('_', ' ')}) {value:g}"
        for kind, value in t.difference_appreciable.items()
    )
    text = (
        "Guyatt et al. 2011, GRADE guidelines 6 (J Clin Epidemiol 64:1283). Rates: down one "
        f"level when the {ci_name} spans {t.rate_ci_width_per_1000[0]:g} or more events per "
        f"1,000, two when it spans {t.rate_ci_width_per_1000[1]:g} or more. Mean changes and "
        "differences: down one level when the interval includes no effect, or both a trivial "
        "and an appreciable effect; two when it includes both an appreciable benefit and an "
        f"appreciable harm; appreciable effects: {differences}. Odds and risk ratios: down "
        f"one level when the interval includes 1, two when it includes both {low:g} and "
        f"{high:g} (GRADE's default appreciable benefit and harm)."
    )
    sizes = [
        (t.optimal_information_size_events, "events for comparisons of counts"),
        (t.optimal_information_size_participants, "participants for mean differences"),
        (t.optimal_information_size_rate_participants, "participants for single-arm event rates"),
        (
            t.optimal_information_size_within_arm_participants,
            "participants for within-arm changes",
        ),
    ]
    named = [f"{size} {what}" for size, what in sizes if size]
    if named:
        text += (
            " Optimal information size (GRADE guidelines 6): an analysis with fewer than "
            f"{', '.join(named)} goes down one level where its interval would not rate it "
            "down, and two where its interval rates it down one level."
        )
    return text
