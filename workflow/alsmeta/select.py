"""Apply the declarative inclusion criteria to the harmonized effect sizes.

For every analysed outcome and every study, the inclusion log says which rows were
candidates, whether each was included and every reason it was not. Nothing in the
criteria is evaluated as an expression: each key is a list of admitted values or a
threshold, and each check below names the key that excluded a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .effects import PROPORTION_MEASURES as PROPORTIONS
from .errors import InputError
from .tables import Row

TIER_RANK = {"paper": 0, "registry": 1, "secondary": 2}

#: Columns of inclusion.tsv and of the analysed-effects table.
INCLUSION_COLUMNS = ["outcome", "study_id", "effect_id", "arm_id", "decision", "reasons"]
SUBGROUP_VARIABLES = ("route", "tissue", "design", "product", "autologous")


@dataclass(frozen=True)
class Selection:
    """The inclusion log and the effect rows each outcome analyses."""

    inclusion: list[dict]
    analysed: list[dict]


def _route(arm: Row) -> str:
    return "+".join(sorted(arm["routes"]))


def _label(study: Row, arm: Row, several_arms: bool) -> str:
    label = f"{study['first_author']} {study['year']}"
    return f"{label} ({arm['label']})" if several_arms else label


def _candidates(effects: list[dict], kind: str, definition: dict) -> list[dict]:
    if kind in ("proportion", "binary_comparison"):
        categories = definition["ae_categories"]
        # Single-arm rates and two-arm contrasts are different rows: never mixed silently.
        wanted = {definition.get("measure")} if kind == "binary_comparison" else PROPORTIONS
        return [
            e
            for e in effects
            if e["source_table"] == "adverse_events"
            and e["category"] in categories
            and e["measure"] in wanted
        ]
    if kind == "slope_change":
        return [e for e in effects if e["category"] in ("slope_change", "slope_pre_post")]
    return [e for e in effects if e["category"] == "slope_change_difference"]


def _row_reasons(effect, study, arm, kind, criteria) -> list[str]:
    """Every criterion the effect row fails, as readable reasons."""
    reasons = []
    if study["study_id"] in criteria["exclude_studies"]:
        reasons.append("listed in criteria.exclude_studies")
    checks = [
        ("design", study["design"], "designs"),
        ("cell product", study["cell_product"], "products"),
        ("tissue", study["tissue"], "tissues"),
        ("autologous/allogeneic", study["autologous"], "autologous"),
    ]
    for what, value, key in checks:
        if value not in criteria[key]:
            reasons.append(f"{what} {value!r} not in criteria.{key}")
    phases = study.get("phase") or ["not_reported"]
    if not set(phases) & set(criteria["phases"]):
        reasons.append(f"phase {'/'.join(phases)!r} not in criteria.phases")
    if arm["arm_type"] == "msc":
        bad_routes = [r for r in arm["routes"] if r not in criteria["routes"]]
        if bad_routes:
            reasons.append(f"route {'+'.join(bad_routes)!r} not in criteria.routes")
    elif kind in ("proportion", "slope_change"):
        reasons.append("control arm (this outcome pools MSC-treated arms)")
    n, min_n = effect.get("n"), criteria["min_n"]
    if n is None:
        if min_n > 0:
            reasons.append(f"n not reported (criteria.min_n = {min_n})")
    elif n < min_n:
        reasons.append(f"n = {n} < criteria.min_n = {min_n}")
    follow_up, min_fu = study.get("follow_up_months"), criteria["min_follow_up_months"]
    if min_fu > 0:
        if follow_up is None:
            reasons.append(f"follow-up not reported (criteria.min_follow_up_months = {min_fu:g})")
        elif follow_up < min_fu:
            reasons.append(
                f"follow-up {follow_up:g} months < criteria.min_follow_up_months = {min_fu:g}"
            )
    if effect["tier"] not in criteria["evidence_tiers"]:
        reasons.append(f"evidence tier {effect['tier']!r} not in criteria.evidence_tiers")
    if "original_alsfrs" in (effect.get("flags") or "") and not criteria["allow_original_alsfrs"]:
        reasons.append("original ALSFRS (0-40) scale and criteria.allow_original_alsfrs is false")
    if kind != "proportion" and not effect["is_primary"]:
        reasons.append("not the study's primary time point for this measure")
    if effect["status"] != "ok":
        reasons.append(f"not computable: {effect['status_reason']}")
    return reasons


def _resolve_overlaps(outcome, kept, studies, rule, log):
    """Keep one study per overlap group among the rows an outcome analyses."""
    groups: dict[str, set[str]] = {}
    for effect in kept:
        group = studies[effect["study_id"]].get("overlap_group")
        if group:
            groups.setdefault(group, set()).add(effect["study_id"])
    dropped = set()
    for group, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        names = sorted(members)
        if rule == "refuse":
            raise InputError(
                "config key 'criteria.overlap_rule'",
                f"outcome {outcome!r} would pool {' and '.join(names)}, which share patients "
                f"(overlap group {group!r}); exclude one, or set overlap_rule to largest or "
                "most_recent",
            )
        size = {s: sum(e["n"] or 0 for e in kept if e["study_id"] == s) for s in members}
        year = {s: studies[s]["year"] for s in members}
        if rule == "largest":
            keep = max(names, key=lambda s: (size[s], year[s], s))
        else:
            keep = max(names, key=lambda s: (year[s], size[s], s))
        for s in names:
            if s != keep:
                dropped.add(s)
                log[s] = (
                    f"shares patients with {keep} (overlap group {group!r}); "
                    f"criteria.overlap_rule = {rule} keeps {keep}"
                )
    return dropped


def select(effects, data, criteria, definitions) -> Selection:
    """Decide, for each analysed outcome, which effect rows are pooled and why others are not.

    ``effects`` are harmonized rows (dicts), ``data`` the validated tables. Returns the
    inclusion log (one row per outcome x study x candidate row, or x study when the study
    has no candidate row) and the analysed rows with their subgroup attributes.
    """
    studies = {s["study_id"]: s for s in data["studies"]}
    arms = {a["arm_id"]: a for a in data["arms"]}
    gaps = {}
    for gap in data["gaps"]:
        gaps.setdefault((gap["study_id"], gap["outcome"]), []).append(gap["reason"])
    inclusion, analysed = [], []
    for outcome in criteria["outcomes"]:
        definition = definitions[outcome]
        kind = definition["kind"]
        candidates = _candidates(effects, kind, definition)
        decisions = []
        for effect in candidates:
            study = studies[effect["study_id"]]
            reasons = _row_reasons(effect, study, arms[effect["arm_id"]], kind, criteria)
            decisions.append([effect, reasons])

        # One row per arm (or arm contrast): prefer the higher evidence tier, then the
        # AE category listed first in the outcome definition.
        order = definition.get("ae_categories", [])

        def preference(effect, order=order):
            category = order.index(effect["category"]) if effect["category"] in order else 0
            return (TIER_RANK[effect["tier"]], category, effect["effect_id"])

        best = {}
        for effect, reasons in decisions:
            if reasons:
                continue
            key = (effect["arm_id"], effect.get("comparator_arm_id") or "")
            if key not in best or preference(effect) < preference(best[key]):
                best[key] = effect
        for item in decisions:
            effect, reasons = item
            key = (effect["arm_id"], effect.get("comparator_arm_id") or "")
            if not reasons and best[key] is not effect:
                chosen = best[key]
                reasons.append(
                    f"same arm already analysed through {chosen['effect_id']} "
                    f"({chosen['tier']} tier, {chosen['category']})"
                )

        kept = [effect for effect, reasons in decisions if not reasons]
        overlap_log = {}
        dropped = _resolve_overlaps(outcome, kept, studies, criteria["overlap_rule"], overlap_log)
        for effect, reasons in decisions:
            if not reasons and effect["study_id"] in dropped:
                reasons.append(overlap_log[effect["study_id"]])

        by_study = {}
        for effect, reasons in decisions:
            by_study.setdefault(effect["study_id"], []).append((effect, reasons))
        for study_id in sorted(studies):
            rows = by_study.get(study_id)
            if not rows:
                why = gaps.get((study_id, outcome), []) + gaps.get((study_id, "all"), [])
                inclusion.append(
                    {
                        "outcome": outcome,
                        "study_id": study_id,
                        "effect_id": "",
                        "arm_id": "",
                        "decision": "excluded",
                        "reasons": "; ".join(why) or "no data extracted for this outcome",
                    }
                )
                continue
            for effect, reasons in sorted(rows, key=lambda item: item[0]["effect_id"]):
                inclusion.append(
                    {
                        "outcome": outcome,
                        "study_id": study_id,
                        "effect_id": effect["effect_id"],
                        "arm_id": effect["arm_id"],
                        "decision": "excluded" if reasons else "included",
                        "reasons": "; ".join(reasons),
                    }
                )

        included = [effect for effect, reasons in decisions if not reasons]
        arms_per_study = {}
        for effect in included:
            arms_per_study.setdefault(effect["study_id"], set()).add(effect["arm_id"])
        for effect in sorted(
            included, key=lambda e: (studies[e["study_id"]]["year"], e["study_id"], e["effect_id"])
        ):
            study, arm = studies[effect["study_id"]], arms[effect["arm_id"]]
            analysed.append(
                {
                    "outcome": outcome,
                    "kind": kind,
                    **effect,
                    "label": _label(study, arm, len(arms_per_study[effect["study_id"]]) > 1),
                    "year": study["year"],
                    "route": _route(arm),
                    "tissue": study["tissue"],
                    "design": study["design"],
                    "product": study["cell_product"],
                    "autologous": study["autologous"],
                }
            )
    return Selection(inclusion, analysed)
