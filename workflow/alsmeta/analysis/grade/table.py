"""summary_of_findings.tsv: one row per outcome, a column per GRADE domain.

A domain cell reads '-1: reason' where it rates certainty down, '+1: reason' where it
rates it up, else the reason; a recorded judgement's reason says it is one and what it
replaces.
"""

from __future__ import annotations

from alsmeta.analysis.grade.finding import Finding

#: (column, domain) of every GRADE domain, in the order the table and the report show them.
DOMAIN_COLUMNS = (
    ("risk_of_bias", "Risk of bias"),
    ("inconsistency", "Inconsistency"),
    ("indirectness", "Indirectness"),
    ("imprecision", "Imprecision"),
    ("publication_bias", "Publication bias"),
    ("large_effect", "Large effect"),
    ("dose_response", "Dose-response"),
    ("plausible_confounding", "Plausible confounding"),
)

COLUMNS = [
    "outcome",
    "label",
    "importance",
    "follow_up",
    "studies",
    "participants",
    "headline_framework",
    "effect",
    "other_framework",
    "events",
    "absolute_effect",
    "assumed_control_risk",
    "assumed_control_risk_basis",
    "statement",
    "start",
    "certainty",
    *(column for column, _ in DOMAIN_COLUMNS),
    "notes",
    "effect_ids",
]


def table_rows(items: list[Finding]) -> list[dict]:
    """summary_of_findings.tsv rows."""
    rows = []
    for f in items:
        domains = {}
        for column, domain in DOMAIN_COLUMNS:
            rating = f.rating(domain)
            domains[column] = rating.cell() if rating else ""
        rows.append(
            {
                "outcome": f.outcome,
                "label": f.label,
                "importance": f.importance,
                "follow_up": f.follow_up,
                "studies": f.studies,
                "participants": f.participants,
                "headline_framework": f.framework,
                "effect": f.effect,
                "other_framework": f.other_framework,
                "events": f.events,
                "absolute_effect": f.absolute,
                "assumed_control_risk": f.assumed_control_risk,
                "assumed_control_risk_basis": f.assumed_control_risk_basis,
                "statement": f.statement,
                "start": f.start.cell() if f.start else "",
                "certainty": f.certainty,
                **domains,
                "notes": "; ".join(f.notes),
                "effect_ids": ";".join(f.effect_ids),
            }
        )
    return rows
