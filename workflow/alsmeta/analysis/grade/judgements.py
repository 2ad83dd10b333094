"""Judgements a panel records (data/grade_judgements.tsv, read by
:mod:`alsmeta.io.grade_judgements`): one row per outcome and domain, with its rating, its
reason and its source. A recorded judgement replaces the rule of its domain, and the reason
the reader sees says so and what the rule alone gives; ``indirectness_outcome`` is the
outcome part of indirectness (a surrogate outcome, GRADE 8), combined with the computed
intervention part (:mod:`alsmeta.analysis.grade.indirectness`).
"""

from __future__ import annotations

from dataclasses import replace

from alsmeta.analysis.grade.levels import JUDGEMENT, Rating

#: The judgement column's words -> levels (down negative, up positive).
LEVELS = {
    "not_serious": 0,
    "serious": -1,
    "very_serious": -2,
    "no_upgrade": 0,
    "upgrade_one": 1,
    "upgrade_two": 2,
}


def recorded(judgements, outcome: str) -> dict:
    """domain -> the recorded judgement row (a dict) of one outcome."""
    return {j["domain"]: j for j in judgements or () if j["outcome"] == outcome}


def as_rating(domain_name: str, row: dict) -> Rating:
    """A recorded judgement as a domain rating, its reason and source shown."""
    word = row["judgement"].replace("_", " ")
    return Rating(
        domain_name,
        LEVELS[row["judgement"]],
        f"{word} (recorded judgement, data/grade_judgements.tsv line {row['line']}): "
        f"{row['reason']} [source: {row['source']}]",
        JUDGEMENT,
    )


def override(computed: Rating, row: dict | None) -> Rating:
    """``computed``, or the recorded judgement ``row`` in its place with what the rule
    alone gives."""
    if row is None:
        return computed
    judged = as_rating(computed.domain, row)
    rule = f"{computed.levels:+d}" if computed.levels else "0"
    return replace(
        judged, reason=f"{judged.reason}; replaces the rule, which gives {rule}: {computed.reason}"
    )
