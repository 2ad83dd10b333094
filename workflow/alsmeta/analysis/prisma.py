"""PRISMA 2020 flow of studies, counted from the inclusion log and drawn as the flow diagram.

Every count comes from ``inclusion.tsv`` (one row per outcome x study x candidate data row),
``studies.tsv`` and ``sources.tsv``, so the diagram always matches the inclusion table:

* identified: the studies of the extraction dossier, and the reports (sources) about them;
* assessed: every study, against the criteria of each synthesis (PRISMA 2020 item 13a);
* in no synthesis: studies without a usable data row for any analysed outcome, and studies
  whose every row failed a criterion;
* per synthesis: the studies included, and why each other study is not in it.

A study that is not in a synthesis is counted once, under its *primary* reason: "no usable
data" when it has no candidate row for the outcome, else the first reason logged for its
first candidate row (the inclusion table lists every reason). Search counts (records from
databases and registers, duplicates removed) are not in the repository; the diagram says so
rather than inventing them (Page et al. 2021, BMJ 372:n71, Figure 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.selection.criteria import FIXED_REASON_CODES

NO_DATA = "no usable data for this outcome"

#: Reason categories, in display order, by the reason code the selection logs
#: (``reason_codes`` of inclusion.tsv): criteria keys, then the fixed codes.
CRITERIA_LABELS = {
    "criteria.exclude_studies": "excluded by name (criteria.exclude_studies)",
    "criteria.designs": "design not admitted (criteria.designs)",
    "criteria.products": "cell product not admitted (criteria.products)",
    "criteria.tissues": "tissue not admitted (criteria.tissues)",
    "criteria.autologous": "autologous/allogeneic not admitted (criteria.autologous)",
    "criteria.phases": "phase not admitted (criteria.phases)",
    "criteria.routes": "route not admitted (criteria.routes)",
    "criteria.min_n": "sample size below or not reported (criteria.min_n)",
    "criteria.min_follow_up_months": (
        "follow-up too short or not reported (criteria.min_follow_up_months)"
    ),
    "criteria.evidence_tiers": "evidence tier not admitted (criteria.evidence_tiers)",
    "criteria.allow_original_alsfrs": "original ALSFRS scale (criteria.allow_original_alsfrs)",
    "criteria.allow_pre_erratum": "value corrected by an erratum (criteria.allow_pre_erratum)",
    "criteria.allow_subgroup_estimates": (
        "subgroup estimate only (criteria.allow_subgroup_estimates)"
    ),
    "criteria.conflict_versions": "another version of a conflicting value is used "
    "(criteria.conflict_versions)",
    "criteria.overlap_rule": "shares patients with an analysed study (criteria.overlap_rule)",
    "criteria.allow_counts_from_assumed_n": (
        "count over an assumed denominator (criteria.allow_counts_from_assumed_n)"
    ),
    "criteria.allow_counts_from_statements": (
        "zero read from a statement that none occurred (criteria.allow_counts_from_statements)"
    ),
}
CATEGORY_LABELS = {
    "no_candidate": NO_DATA,
    **CRITERIA_LABELS,
    **{code: label for code, label in FIXED_REASON_CODES.items() if code != "no_candidate"},
}
CATEGORY_ORDER = list(CATEGORY_LABELS.values())


def reason_category(code: str) -> str:
    """The category of one logged reason code (an unknown code is kept, not dropped)."""
    return CATEGORY_LABELS.get(code, f"other: {code}")


def _order(category: str) -> tuple:
    return (
        CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER),
        category,
    )


@dataclass(frozen=True)
class Synthesis:
    outcome: str
    label: str
    included: tuple[str, ...]  # study ids
    k: int  # analysed rows (arms or contrasts)
    participants: int
    participants_unreported: int  # analysed rows whose n was not reported
    not_included: dict  # category -> tuple of study ids (primary reason)

    @property
    def not_in(self) -> int:
        return sum(len(v) for v in self.not_included.values())


@dataclass(frozen=True)
class Flow:
    studies: int
    reports: int
    included_any: tuple[str, ...]
    reports_included: int
    none_no_data: tuple[str, ...]
    none_criteria: dict  # category -> study ids (primary reason in the first outcome with data)
    syntheses: tuple[Synthesis, ...]

    @property
    def in_no_synthesis(self) -> int:
        return len(self.none_no_data) + sum(len(v) for v in self.none_criteria.values())


def _primary(rows: list[dict]) -> str:
    """A study's primary reason for not being in a synthesis (rows: its inclusion rows)."""
    candidates = sorted((r for r in rows if r["effect_id"]), key=lambda r: r["effect_id"])
    if not candidates:
        return NO_DATA
    codes = str(candidates[0]["reason_codes"] or "").split(";")
    return reason_category(codes[0])


def flow(inclusion, studies, sources, pooled, outcomes, labels) -> Flow:
    """Count the flow. ``inclusion``/``pooled``: rows of inclusion.tsv / pooled.tsv;
    ``studies``/``sources``: rows of the data tables; ``labels``: outcome -> label."""
    trial_of = {s["study_id"]: s["trial_id"] for s in studies}
    reports_of: dict[str, int] = {}
    for source in sources:
        reports_of[source["trial_id"]] = reports_of.get(source["trial_id"], 0) + 1
    study_ids = sorted(trial_of)
    by_outcome: dict[str, dict[str, list[dict]]] = {o: {} for o in outcomes}
    for row in inclusion:
        if row["outcome"] in by_outcome:
            by_outcome[row["outcome"]].setdefault(row["study_id"], []).append(row)
    overall = {r["outcome"]: r for r in pooled if r["subgroup_variable"] == "overall"}
    syntheses, included_any = [], set()
    for outcome in outcomes:
        rows_of = by_outcome[outcome]
        unknown = sorted(set(rows_of) - set(study_ids))
        if unknown:
            raise ValueError(f"inclusion.tsv names studies missing from studies.tsv: {unknown}")
        included = sorted(
            s for s, rows in rows_of.items() if any(r["decision"] == "included" for r in rows)
        )
        included_any.update(included)
        not_included: dict[str, list[str]] = {}
        for study in study_ids:
            if study in included:
                continue
            not_included.setdefault(_primary(rows_of.get(study, [])), []).append(study)
        pooled_row = overall.get(outcome, {})
        syntheses.append(
            Synthesis(
                outcome,
                labels[outcome],
                tuple(included),
                int(pooled_row.get("k") or 0),
                int(pooled_row.get("n_total") or 0),
                int(pooled_row.get("k_n_unreported") or 0),
                {c: tuple(v) for c, v in sorted(not_included.items(), key=lambda i: _order(i[0]))},
            )
        )
    none_no_data, none_criteria = [], {}
    for study in study_ids:
        if study in included_any:
            continue
        reason = NO_DATA
        for outcome in outcomes:
            rows = by_outcome[outcome].get(study, [])
            if any(r["effect_id"] for r in rows):
                reason = _primary(rows)
                break
        if reason == NO_DATA:
            none_no_data.append(study)
        else:
            none_criteria.setdefault(reason, []).append(study)
    trials = {trial_of[s] for s in study_ids}
    trials_included = {trial_of[s] for s in included_any}
    return Flow(
        studies=len(study_ids),
        reports=sum(reports_of.get(t, 0) for t in trials),
        included_any=tuple(sorted(included_any)),
        reports_included=sum(reports_of.get(t, 0) for t in trials_included),
        none_no_data=tuple(none_no_data),
        none_criteria={
            c: tuple(v) for c, v in sorted(none_criteria.items(), key=lambda i: _order(i[0]))
        },
        syntheses=tuple(syntheses),
    )


FLOW_COLUMNS = ["stage", "outcome", "category", "n_studies", "study_ids"]


def flow_rows(f: Flow) -> list[dict]:
    """The flow as a tidy table (prisma_flow.tsv): one row per box line."""
    rows = [
        {"stage": "identified", "outcome": "", "category": "studies", "n_studies": f.studies},
        {"stage": "identified", "outcome": "", "category": "reports", "n_studies": f.reports},
        {"stage": "assessed", "outcome": "", "category": "studies", "n_studies": f.studies},
    ]
    rows.append(
        {
            "stage": "in_no_synthesis",
            "outcome": "",
            "category": "no usable data for any analysed outcome",
            "n_studies": len(f.none_no_data),
            "study_ids": ";".join(f.none_no_data),
        }
    )
    for category, ids in f.none_criteria.items():
        rows.append(
            {
                "stage": "in_no_synthesis",
                "outcome": "",
                "category": category,
                "n_studies": len(ids),
                "study_ids": ";".join(ids),
            }
        )
    rows.append(
        {
            "stage": "included",
            "outcome": "",
            "category": "studies in at least one synthesis",
            "n_studies": len(f.included_any),
            "study_ids": ";".join(f.included_any),
        }
    )
    rows.append(
        {
            "stage": "included",
            "outcome": "",
            "category": "reports of included studies",
            "n_studies": f.reports_included,
        }
    )
    for s in f.syntheses:
        rows.append(
            {
                "stage": "synthesis",
                "outcome": s.outcome,
                "category": "included",
                "n_studies": len(s.included),
                "study_ids": ";".join(s.included),
            }
        )
        for category, ids in s.not_included.items():
            rows.append(
                {
                    "stage": "not_in_synthesis",
                    "outcome": s.outcome,
                    "category": category,
                    "n_studies": len(ids),
                    "study_ids": ";".join(ids),
                }
            )
    return rows


def n_is(count: int) -> str:
    """'n = 3' that never wraps inside."""
    return f"n\u00a0=\u00a0{count}"


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def synthesis_text(s: Synthesis) -> str:
    if not s.included:
        return f"{s.label}: no study included"
    parts = [_n(len(s.included), "study", "studies")]
    if s.k != len(s.included):
        parts.append(_n(s.k, "arm or contrast", "arms or contrasts"))
    parts.append(f"{s.participants} participants")
    if s.participants_unreported:
        parts[-1] += f" (+{s.participants_unreported} with n not reported)"
    return f"{s.label}: {', '.join(parts)}"
