"""Data-quality tables: what each study could contribute, what each outcome rests on, and
the known gaps.

* per study: which outcomes it has rows for, which of them are computable, which enter
  the main analysis and the analysis with secondary values added, from which evidence
  tiers, with which derivations, and why a study contributes nothing;
* per outcome (every outcome defined in config): k and N under the main criteria, under
  paper and registry values only, and with secondary values added;
* known gaps: the dossier's list of gaps (data/dossier_gaps.tsv) and the per-outcome gaps
  of data/gaps.tsv.

Counting N: the participants of every analysed row (arm n, plus the comparator's n for a
between-arm row), as the pooled table counts them.
"""

from __future__ import annotations

from alsmeta.io.tables import VALUE_TABLES
from alsmeta.selection.criteria import OverlapError, candidates, select

STUDY_COLUMNS = [
    "study_id",
    "trial_id",
    "citation",
    "design",
    "cell_product",
    "value_rows",
    "tiers",
    "outcomes_with_rows",
    "outcomes_computable",
    "outcomes_included_main",
    "outcomes_included_plus_secondary",
    "derivations",
    "rows_not_computable",
    "conflict_groups",
    "overlap_groups",
    "contribution",
]
OUTCOME_COLUMNS = [
    "outcome",
    "outcome_label",
    "kind",
    "analysed_by_default",
    "studies_with_rows",
    "studies_computable",
    "k_main",
    "n_main",
    "k_n_unreported_main",
    "studies_main",
    "k_paper_registry",
    "n_paper_registry",
    "k_plus_secondary",
    "n_plus_secondary",
    "studies_plus_secondary",
    "derivations_main",
    "note",
]
GAP_COLUMNS = ["source", "trial_id", "study_ids", "outcome", "gap"]

#: Flags that describe a row rather than a derivation the pipeline made.
_NOT_DERIVATIONS = {"original_alsfrs", "superseded_by_erratum", "erratum_statement"}


def _flags(effect: dict) -> list[str]:
    return [f for f in str(effect.get("flags") or "").split(";") if f]


def _n(rows: list[dict]) -> tuple[int, int]:
    known = [r for r in rows if r.get("n") is not None]
    total = sum(r["n"] for r in known) + sum(r.get("comparator_n") or 0 for r in rows)
    return total, len(rows) - len(known)


def _join(values) -> str:
    return ";".join(sorted(set(values)))


def outcome_selections(
    effects, data, criteria, definitions, main=None, rob=None
) -> dict[str, dict[str, list[dict]]]:
    """Analysed rows per criteria set (main, paper_registry, plus_secondary) and outcome.

    Every outcome defined in ``definitions`` is selected, analysed by default or not.
    ``main``: the run's main :class:`~alsmeta.selection.criteria.Selection`, reused for
    the outcomes it covers rather than selected again.
    """
    outcomes = list(definitions)
    tiers = list(criteria["evidence_tiers"])
    sets = {
        "main": criteria,
        "paper_registry": {**criteria, "evidence_tiers": ["paper", "registry"]},
        "plus_secondary": {
            **criteria,
            "evidence_tiers": tiers + ([] if "secondary" in tiers else ["secondary"]),
        },
    }
    out = {}
    for name, crit in sets.items():
        by_outcome: dict[str, list[dict] | OverlapError] = {}
        for outcome in outcomes:
            if name == "main" and main is not None and outcome in criteria["outcomes"]:
                by_outcome[outcome] = [r for r in main.analysed if r["outcome"] == outcome]
                continue
            try:
                selection = select(
                    effects, data, {**crit, "outcomes": [outcome]}, definitions, rob=rob
                )
                by_outcome[outcome] = selection.analysed
            except OverlapError as exc:
                by_outcome[outcome] = exc
        out[name] = by_outcome
    return out


def _analysed(selections, name, outcome) -> list[dict]:
    rows = selections[name][outcome]
    return [] if isinstance(rows, OverlapError) else rows


def outcome_table(effects, data, criteria, definitions, selections) -> list[dict]:
    rows = []
    for outcome, definition in definitions.items():
        pool = candidates(effects, definition["kind"], definition)
        main = _analysed(selections, "main", outcome)
        plus = _analysed(selections, "plus_secondary", outcome)
        pr = _analysed(selections, "paper_registry", outcome)
        n_main, unreported = _n(main)
        refused = [
            f"{name}: {selections[name][outcome].what}"
            for name in ("main", "paper_registry", "plus_secondary")
            if isinstance(selections[name][outcome], OverlapError)
        ]
        rows.append(
            {
                "outcome": outcome,
                "outcome_label": definition["label"],
                "kind": definition["kind"],
                "analysed_by_default": outcome in criteria["outcomes"],
                "studies_with_rows": len({e["study_id"] for e in pool}),
                "studies_computable": len({e["study_id"] for e in pool if e["status"] == "ok"}),
                "k_main": len(main),
                "n_main": n_main,
                "k_n_unreported_main": unreported,
                "studies_main": _join(r["study_id"] for r in main),
                "k_paper_registry": len(pr),
                "n_paper_registry": _n(pr)[0],
                "k_plus_secondary": len(plus),
                "n_plus_secondary": _n(plus)[0],
                "studies_plus_secondary": _join(r["study_id"] for r in plus),
                "derivations_main": _join(
                    f for r in main for f in _flags(r) if f not in _NOT_DERIVATIONS
                ),
                "note": "; ".join(f"refused by criteria.overlap_rule ({r})" for r in refused),
            }
        )
    return rows


def study_table(effects, data, criteria, definitions, selections) -> list[dict]:
    gaps_all = {}
    for gap in data["gaps"]:
        if gap["outcome"] == "all":
            gaps_all.setdefault(gap["study_id"], []).append(gap["reason"])
    values = {}
    for table in VALUE_TABLES:
        for row in data[table]:
            values.setdefault(row["study_id"], []).append(row)
    arms_by_study = {}
    for arm in data["arms"]:
        arms_by_study.setdefault(arm["study_id"], []).append(arm)
    # Indexes by study, so that the table costs one pass over the rows, not one per study.
    effects_of: dict[str, list[dict]] = {}
    for e in effects:
        effects_of.setdefault(e["study_id"], []).append(e)
    with_rows_of: dict[str, list[str]] = {}
    computable_of: dict[str, list[str]] = {}
    for outcome, d in definitions.items():
        candidate_rows = candidates(effects, d["kind"], d)
        for sid in dict.fromkeys(e["study_id"] for e in candidate_rows):
            with_rows_of.setdefault(sid, []).append(outcome)
        for sid in dict.fromkeys(e["study_id"] for e in candidate_rows if e["status"] == "ok"):
            computable_of.setdefault(sid, []).append(outcome)
    analysed_in = {
        name: {o: {r["study_id"] for r in _analysed(selections, name, o)} for o in definitions}
        for name in ("main", "plus_secondary")
    }
    rows = []
    for study in data["studies"]:
        sid = study["study_id"]
        mine = effects_of.get(sid, [])
        tiers = {}
        for row in values.get(sid, []):
            tiers[row["tier"]] = tiers.get(row["tier"], 0) + 1
        with_rows = with_rows_of.get(sid, [])
        computable = computable_of.get(sid, [])
        main = [o for o in definitions if sid in analysed_in["main"][o]]
        plus = [o for o in definitions if sid in analysed_in["plus_secondary"][o]]
        overlap = list(study.get("overlap_group") or [])
        for arm in arms_by_study.get(sid, []):
            overlap += arm.get("overlap_group") or []
        if main:
            contribution = "in the main analysis"
        elif plus:
            contribution = "only with secondary values"
        elif computable:
            contribution = "computable values, excluded by the main criteria (see inclusion.tsv)"
        elif values.get(sid):
            contribution = "values extracted, none computable (see effects.tsv status_reason)"
        else:
            reason = "; ".join(gaps_all.get(sid, [])) or (
                "no outcome numbers in the sources available (known_gaps.tsv lists what is missing)"
            )
            contribution = f"no usable numbers: {reason}"
        rows.append(
            {
                "study_id": sid,
                "trial_id": study["trial_id"],
                "citation": study["citation"],
                "design": study["design"],
                "cell_product": study["cell_product"],
                "value_rows": len(values.get(sid, [])),
                "tiers": ";".join(
                    f"{t}:{tiers[t]}" for t in ("paper", "registry", "secondary") if t in tiers
                ),
                "outcomes_with_rows": ";".join(with_rows),
                "outcomes_computable": ";".join(computable),
                "outcomes_included_main": ";".join(main),
                "outcomes_included_plus_secondary": ";".join(plus),
                "derivations": _join(
                    f for e in mine for f in _flags(e) if f not in _NOT_DERIVATIONS
                ),
                "rows_not_computable": sum(e["status"] != "ok" for e in mine),
                "conflict_groups": _join(
                    e["conflict_group"] for e in mine if e.get("conflict_group")
                ),
                "overlap_groups": _join(overlap),
                "contribution": contribution,
            }
        )
    return rows


def gap_table(data) -> list[dict]:
    by_trial = {}
    for study in data["studies"]:
        by_trial.setdefault(study["trial_id"], []).append(study["study_id"])
    rows = [
        {
            "source": "dossier",
            "trial_id": gap.get("trial_id") or "",
            "study_ids": ";".join(by_trial.get(gap.get("trial_id"), [])),
            "outcome": "",
            "gap": f"{gap['label']}: {gap['text']}",
        }
        for gap in data["dossier_gaps"]
    ]
    trial_of = {s["study_id"]: s["trial_id"] for s in data["studies"]}
    rows += [
        {
            "source": "data/gaps.tsv",
            "trial_id": trial_of[gap["study_id"]],
            "study_ids": gap["study_id"],
            "outcome": gap["outcome"],
            "gap": gap["reason"],
        }
        for gap in data["gaps"]
    ]
    return rows


def data_quality(
    effects, data, criteria, definitions, main=None, rob=None
) -> tuple[list, list, list]:
    """The per-study, per-outcome and known-gaps tables (``main``: see outcome_selections;
    ``rob``: config ``risk_of_bias``)."""
    selections = outcome_selections(effects, data, criteria, definitions, main, rob)
    return (
        study_table(effects, data, criteria, definitions, selections),
        outcome_table(effects, data, criteria, definitions, selections),
        gap_table(data),
    )
