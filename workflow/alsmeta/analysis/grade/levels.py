"""The GRADE certainty levels, a domain's rating, and the certainty they give.

A body of evidence starts at High or Low (:mod:`alsmeta.analysis.grade.start`); each
domain rates it down (negative levels) or, for non-randomised evidence, up (positive
levels); the certainty is the start moved by the sum, within Very low to High (Balshem et
al. 2011, GRADE guidelines 3, J Clin Epidemiol 64:401-406, Table 2).
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("Very low", "Low", "Moderate", "High")
#: GRADE's symbols: one filled circle per level, from one (Very low) to four (High).
SYMBOLS = {
    level: "\u2295" * filled + "\u25cb" * (len(LEVELS) - filled)
    for filled, level in enumerate(LEVELS, start=1)
}
#: Where a rating comes from: a rule computed on the data, or a judgement recorded in
#: data/grade_judgements.tsv.
RULE, JUDGEMENT = "rule", "judgement"


@dataclass(frozen=True)
class Rating:
    """One domain's rating: ``levels`` down (negative) or up (positive), its reason, and
    whether a rule or a recorded judgement gave it."""

    domain: str
    levels: int
    reason: str
    source: str = RULE

    def cell(self) -> str:
        """The table cell: '-1: reason' or '+1: reason' where it moves certainty, else the
        reason."""
        return f"{self.levels:+d}: {self.reason}" if self.levels else self.reason


def certainty(start: str, ratings) -> str:
    """The level ``start`` moved by every rating's levels, within Very low to High."""
    index = LEVELS.index(start) + sum(r.levels for r in ratings)
    return LEVELS[min(len(LEVELS) - 1, max(0, index))]


def level_label(level: float) -> str:
    """'95%' for 0.95, '99.5%' for 0.995: an interval's level as a label (config
    pooling.level), never a hard-coded 95%."""
    return f"{100 * level:.10g}%"
