"""Apply the declarative inclusion criteria to the harmonized effect sizes.

For every analysed outcome and every study, the inclusion log says which rows were
candidates, whether each was included and every reason it was not. Nothing in the
criteria is evaluated as an expression: each key is a list of admitted values, a
threshold, a switch or a named choice, and each check below names the key that excluded
a row.

Three judgements are made here, each switchable in config and each written into the log:

* conflicting values (``criteria.conflict_versions``): rows of a conflict group whose
  version is not the one picked are excluded;
* shared patients (``criteria.overlap_rule``, ``criteria.overlap_keep``): when members of
  one overlap group (studies, or arms of one study) meet in an analysis, one is kept and
  the log says which rule kept it; no analysis ever pools two members of one group
  (:func:`check_no_overlap` is the guard);
* one row per arm: among the rows an arm has for an outcome, the whole-population row
  of the highest evidence tier is used, then the AE category or response definition the
  outcome lists first.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.effects.derive import duration_months
from alsmeta.effects.harmonize import COLUMNS as EFFECT_COLUMNS
from alsmeta.io.config import check_criteria
from alsmeta.io.errors import InputError
from alsmeta.io.risk_of_bias import LEVEL_NAMES, MAX_LEVEL, TOOLS, assessments, scope_of
from alsmeta.io.tables import Row
from alsmeta.kinds import KINDS, PROPORTION_MEASURES, is_event_rate

TIER_RANK = {"paper": 0, "registry": 1, "secondary": 2}

#: Columns of inclusion.tsv.
INCLUSION_COLUMNS = [
    "outcome",
    "study_id",
    "effect_id",
    "arm_id",
    "decision",
    "reason_codes",
    "reasons",
    "notes",
]
#: Reason codes that are not a config key: what each means (criteria keys are their own).
FIXED_REASON_CODES = {
    "no_candidate": "no usable data row for this outcome",
    "control_arm": "control arm only (the outcome pools treated arms)",
    "not_primary": "not the analysed time point (criteria.time_point)",
    "already_analysed": "same arm already analysed through another row",
    "not_computable": "effect size not computable from the printed statistics",
}
#: Study and row attributes an analysis can be split by (config ``subgroups``):
#: ``definition`` is the row's definition in the reader's words (:func:`definition_label`),
#: ``follow_up_window`` the study's follow-up window (:func:`follow_up_window`).
SUBGROUP_VARIABLES = (
    "route",
    "tissue",
    "design",
    "product",
    "autologous",
    "definition",
    "follow_up_window",
)
#: Columns of analysed_effects.tsv: the outcome, its kind, the row's label and study
#: attributes (subgroup variables and numeric moderators), then the effect columns.
ANALYSED_COLUMNS = [
    "outcome",
    "kind",
    "label",
    "year",
    *SUBGROUP_VARIABLES,
    "follow_up_months",
    "lead_in_months",
    *EFFECT_COLUMNS,
]
#: Flags of a count derived from a percentage, of a denominator the source did not print
#: with the value, and of a randomized n standing for the unprinted number at risk
#: (criteria.allow_counts_from_assumed_n).
_PERCENT_FLAG = "count_from_percent"
_OTHER_N_FLAGS = ("n_from_other_field", "n_from_other_source")
_RANDOMIZED_N_FLAG = "n_from_randomized"


def counts_from_assumed_n(effect: dict) -> bool:
    """Whether a row's effect rests on an assumed denominator
    (criteria.allow_counts_from_assumed_n): a count derived from a printed percentage of a
    denominator the source does not print with it, or any count over an arm's randomized n
    used as the number at risk because the treated n is not printed. An odds ratio the
    source prints does not: its derived counts are only shown."""
    flags = _flags(effect)
    if effect["measure"] == "OR" and "log_odds_ratio_from_counts" not in flags:
        return False
    if _RANDOMIZED_N_FLAG in flags:
        return True
    return _PERCENT_FLAG in flags and bool(set(_OTHER_N_FLAGS) & set(flags))


def count_from_statement(effect: dict) -> bool:
    """Whether a row's count is a zero read from a statement that no such event occurred
    ("No serious adverse events were observed": count_basis statement_none), not a count
    (criteria.allow_counts_from_statements)."""
    return "count_from_statement" in _flags(effect)


def follow_up_window(months: float | None, bounds: list) -> str:
    """The follow-up window a study falls in (``criteria.follow_up_windows``: upper bounds in
    months, ascending): "<= 7 months", "> 7 to <= 12 months", "> 12 months", or "follow-up
    not reported". A bound is inclusive, so 6 months and 28 weeks (6.4 months) share the
    window "<= 7 months"."""
    if months is None:
        return "follow-up not reported"
    lower = None
    for bound in bounds:
        if months <= bound:
            return (
                f"<= {bound:g} months" if lower is None else f"> {lower:g} to <= {bound:g} months"
            )
        lower = bound
    return f"> {lower:g} months" if lower is not None else "any follow-up"


#: Measures of one series: a slope change printed as such and one printed as pre and post
#: slopes describe the same quantity, so one time-point choice covers both.
_MEASURE_SERIES = {"slope_pre_post": "slope_change"}


def _series(effect: dict) -> tuple:
    """The rows among which one time point is chosen: one arm (or arm contrast), one
    measure or definition on one scale, one population, one source and conflict version."""
    return (*_series_of_populations(effect), effect.get("population") or "")


def _series_of_populations(effect: dict) -> tuple:
    """A series without its population: the rows among which the data's ``is_primary``
    picks one population at one time point (Cudkowicz 2022 Table 4: baseline >= 34)."""
    return (
        effect["source_table"],
        effect["arm_id"],
        effect.get("comparator_arm_id") or "",
        _MEASURE_SERIES.get(effect["category"], effect["category"]),
        effect.get("measure") or "",
        effect.get("scale") or "",
        effect.get("source") or "",
        effect.get("conflict_group") or "",
        effect.get("conflict_version") or "",
    )


def time_point_choices(effects: list[dict], rule: dict) -> dict[str, bool]:
    """Which rows are at the analysed time point of their series (:func:`_series`), by
    effect id (config ``criteria.time_point``).

    ``rule`` ``closest_to``: the time point closest to ``months``, the later of two equally
    close; ``longest``: the latest time point; ``as_entered``: the data's ``is_primary``
    column. A series whose rows print no time point (a window between two injections, a
    time point the source does not give) keeps its ``is_primary`` choice under every rule;
    in a series where some rows print one, the rows that do not are not chosen. Where the
    data mark one of several populations primary at the chosen time point (subgroups of
    one table), that one is chosen. One rule for every outcome, so that slopes, changes
    from baseline and responders of one trial are read at the same time point."""
    name = rule["rule"]
    if name == "as_entered":
        return {e["effect_id"]: bool(e["is_primary"]) for e in effects}
    target = rule.get("months")
    series: dict[tuple, list[dict]] = {}
    primary_at: set[tuple] = set()  # (series without population, time point) marked primary
    for effect in effects:
        series.setdefault(_series(effect), []).append(effect)
        if effect["is_primary"]:
            primary_at.add((_series_of_populations(effect), effect.get("timepoint_months")))
    chosen = {}
    for rows in series.values():
        timed = [e for e in rows if e.get("timepoint_months") is not None]
        if not timed:
            for e in rows:
                chosen[e["effect_id"]] = bool(e["is_primary"])
            continue
        times = [e["timepoint_months"] for e in timed]
        if name == "longest":
            best = max(times)
        else:
            best = min(times, key=lambda t: (abs(t - target), -t))
        for e in rows:
            other_primary = (_series_of_populations(e), best) in primary_at
            chosen[e["effect_id"]] = e.get("timepoint_months") == best and (
                bool(e["is_primary"]) or not other_primary
            )
    return chosen


def _time_point_setting(rule: dict) -> str:
    if rule["rule"] == "closest_to":
        return f"criteria.time_point: closest to {rule['months']:g} months"
    return f"criteria.time_point: {rule['rule']}"


def _timepoint_as_printed(row: Row | None) -> str:
    if row is None or row.get("timepoint") is None:
        return "time point not printed"
    unit = row["timepoint_unit"]
    value = row["timepoint"]
    if value == 1:
        unit = unit[:-1]
    return f"{value:g} {unit}"


def definition_label(effect: dict, labels: dict | None, efficacy: dict) -> str:
    """A row's definition in the reader's words (config ``definition_labels``): its AE
    category, its response threshold, or "<scale> <measure>, <time point as printed>" for
    a continuous row (``efficacy``: efficacy.tsv rows by eff_id). Without labels (a caller
    that only counts rows), the controlled value itself."""
    labels = labels or {}
    table = effect["source_table"]
    if table in ("adverse_events", "responders"):
        key = "ae_categories" if table == "adverse_events" else "response_definitions"
        return labels.get(key, {}).get(effect["category"], effect["category"])
    row = efficacy.get(effect["effect_id"])
    scale = row["scale"] if row else effect["scale"]
    scale = labels.get("scales", {}).get(scale, scale)
    measure = labels.get("measures", {}).get(effect["category"], effect["category"])
    return f"{scale} {measure}, {_timepoint_as_printed(row)}"


class OverlapError(InputError):
    """Two members of one overlap group would be pooled in one analysis."""


@dataclass(frozen=True)
class Selection:
    """The inclusion log and the effect rows each outcome analyses."""

    inclusion: list[dict]
    analysed: list[dict]


def _route(arm: Row) -> str:
    return "+".join(sorted(arm["routes"]))


def _label(study: Row, arm: Row, several_arms: bool, effect: dict) -> str:
    label = f"{study['first_author']} {study['year']}"
    if several_arms:
        label += f" ({arm['label']})"
    details = []
    if effect.get("population"):
        details.append(str(effect["population"]))
    return f"{label} [{'; '.join(details)}]" if details else label


def candidates(effects: list[dict], kind: str, definition: dict) -> list[dict]:
    """The effect rows an outcome considers, before any criterion.

    Single-arm rates and two-arm contrasts are different rows (their ``measure``
    differs), so an outcome never mixes them silently.
    """
    if kind == "binary_comparison":
        accepted = definition["ae_categories"]
        return [
            e
            for e in effects
            if e["source_table"] == "adverse_events"
            and e["measure"] == definition["measure"]
            and e["category"] in accepted
        ]
    if is_event_rate(kind):
        if "ae_categories" in definition:
            table, accepted = "adverse_events", definition["ae_categories"]
        else:
            table, accepted = "responders", definition["response_definitions"]
        return [
            e
            for e in effects
            if e["source_table"] == table
            and e["measure"] in PROPORTION_MEASURES
            and e["category"] in accepted
        ]
    if kind == "responder_odds_ratio":
        accepted = definition["response_definitions"]
        return [
            e
            for e in effects
            if e["source_table"] == "responders"
            and e["measure"] == "OR"
            and e["category"] in accepted
        ]
    measures, scales = KINDS[kind].efficacy_rows
    return [
        e
        for e in effects
        if e["source_table"] == "efficacy" and e["category"] in measures and e["scale"] in scales
    ]


def _source_table(kind: str, definition: dict) -> str:
    tables = KINDS[kind].count_tables
    if "adverse_events" in tables and "ae_categories" in definition:
        return "adverse_events"
    if "responders" in tables:
        return "responders"
    return "efficacy"


def _flags(effect: dict) -> list[str]:
    return [f for f in str(effect.get("flags") or "").split(";") if f]


def _risk_of_bias_reason(judgement, criteria) -> tuple[str, str] | None:
    """Why a study fails ``criteria.max_risk_of_bias`` (None when it passes)."""
    limit = MAX_LEVEL[criteria["max_risk_of_bias"]]
    if limit is None:
        return None
    key = "criteria.max_risk_of_bias"
    if judgement is None:
        return (key, f"no risk-of-bias assessment ({key} = {criteria['max_risk_of_bias']})")
    name = f"{TOOLS[judgement.tool].name} overall {judgement.overall.replace('_', ' ')}"
    if judgement.level is None or judgement.level > limit:
        return (key, f"{name} for scope {judgement.scope!r} is above {key} = {LEVEL_NAMES[limit]}")
    return None


def _row_reasons(
    effect, study, arm, kind, criteria, tier_exempt, at_time_point
) -> list[tuple[str, str]]:
    """Every criterion the effect row fails, as (reason code, readable reason) pairs.

    The code names the config key (``criteria.routes``) or a fixed reason
    (:data:`FIXED_REASON_CODES`), so that counts (PRISMA) never parse the wording."""
    reasons = []
    if study["study_id"] in criteria["exclude_studies"]:
        reasons.append(("criteria.exclude_studies", "listed in criteria.exclude_studies"))
    checks = [
        ("design", study["design"], "designs"),
        ("cell product", study["cell_product"], "products"),
        ("tissue", study["tissue"], "tissues"),
        ("autologous/allogeneic", study["autologous"], "autologous"),
    ]
    for what, value, key in checks:
        if value not in criteria[key]:
            reasons.append((f"criteria.{key}", f"{what} {value!r} not in criteria.{key}"))
    phases = study.get("phase") or ["not_reported"]
    if not set(phases) & set(criteria["phases"]):
        reasons.append(("criteria.phases", f"phase {'/'.join(phases)!r} not in criteria.phases"))
    if arm["arm_type"] == "msc":
        bad_routes = [r for r in arm["routes"] if r not in criteria["routes"]]
        if bad_routes:
            reasons.append(
                ("criteria.routes", f"route {'+'.join(bad_routes)!r} not in criteria.routes")
            )
    elif not KINDS[kind].controlled:
        reasons.append(("control_arm", "control arm (this outcome pools MSC-treated arms)"))
    n, min_n = effect.get("n"), criteria["min_n"]
    if n is None:
        if min_n > 0:
            reasons.append(("criteria.min_n", f"n not reported (criteria.min_n = {min_n})"))
    elif n < min_n:
        reasons.append(("criteria.min_n", f"n = {n} < criteria.min_n = {min_n}"))
    min_fu = criteria["min_follow_up_months"]
    if min_fu > 0:
        follow_up = study_months(study, "follow_up")
        if follow_up is None:
            reasons.append(
                (
                    "criteria.min_follow_up_months",
                    f"follow-up not reported (criteria.min_follow_up_months = {min_fu:g})",
                )
            )
        elif follow_up < min_fu:
            reasons.append(
                (
                    "criteria.min_follow_up_months",
                    f"follow-up {follow_up:.3g} months < "
                    f"criteria.min_follow_up_months = {min_fu:g}",
                )
            )
    if effect["tier"] not in criteria["evidence_tiers"] and effect["effect_id"] not in tier_exempt:
        reasons.append(
            (
                "criteria.evidence_tiers",
                f"evidence tier {effect['tier']!r} not in criteria.evidence_tiers",
            )
        )
    flags = _flags(effect)
    if "original_alsfrs" in flags and not criteria["allow_original_alsfrs"]:
        reasons.append(
            (
                "criteria.allow_original_alsfrs",
                "original ALSFRS (0-40) scale and criteria.allow_original_alsfrs is false",
            )
        )
    if "superseded_by_erratum" in flags and not criteria["allow_pre_erratum"]:
        reasons.append(
            (
                "criteria.allow_pre_erratum",
                "value corrected by an erratum (corrected value not available) and "
                "criteria.allow_pre_erratum is false",
            )
        )
    if counts_from_assumed_n(effect) and not criteria["allow_counts_from_assumed_n"]:
        assumed = (
            "count over the arm's randomized n, the treated n not being printed"
            if _RANDOMIZED_N_FLAG in flags
            else "count derived from a printed percentage of a denominator the source does not "
            "print with it"
        )
        reasons.append(
            (
                "criteria.allow_counts_from_assumed_n",
                f"{assumed} and criteria.allow_counts_from_assumed_n is false",
            )
        )
    if effect.get("population") and not criteria["allow_subgroup_estimates"]:
        reasons.append(
            (
                "criteria.allow_subgroup_estimates",
                f"subgroup estimate ({effect['population']}) and "
                "criteria.allow_subgroup_estimates is false",
            )
        )
    group = effect.get("conflict_group")
    if group:
        chosen = criteria["conflict_versions"].get(group)
        if effect["conflict_version"] != chosen:
            reasons.append(
                (
                    "criteria.conflict_versions",
                    f"conflict group {group!r}: criteria.conflict_versions picks {chosen!r} "
                    f"(this row is {effect['conflict_version']!r})",
                )
            )
    if count_from_statement(effect) and not criteria["allow_counts_from_statements"]:
        reasons.append(
            (
                "criteria.allow_counts_from_statements",
                "0 events read from a statement that none occurred and "
                "criteria.allow_counts_from_statements is false",
            )
        )
    if not at_time_point:
        reasons.append(
            (
                "not_primary",
                "not the analysed time point or window of this series "
                f"({_time_point_setting(criteria['time_point'])})",
            )
        )
    if effect["status"] != "ok":
        reasons.append(("not_computable", f"not computable: {effect['status_reason']}"))
    return reasons


def study_months(study: Row, column: str) -> float | None:
    """A study duration (``follow_up`` or ``lead_in``) in months, None when not printed."""
    if study.get(column) is None:
        return None
    return duration_months(study[column], study[f"{column}_unit"]).value


def overlap_units(effect: dict, studies: dict, arms: dict) -> list[tuple[str, str]]:
    """(overlap group, member id) pairs an effect row belongs to: its study's and its arms'."""
    pairs = [
        (g, effect["study_id"]) for g in studies[effect["study_id"]].get("overlap_group") or []
    ]
    for arm_id in (effect["arm_id"], effect.get("comparator_arm_id")):
        if arm_id:
            pairs += [(g, arm_id) for g in arms[arm_id].get("overlap_group") or []]
    return pairs


def _resolve_overlaps(outcome, kept, studies, arms, criteria, log, notes):
    """Drop rows until no overlap group has two members among the kept rows.

    Returns the dropped member ids; ``log`` gets the reason for each dropped member and
    ``notes`` the note for each member kept over another.
    """
    rule, named = criteria["overlap_rule"], criteria["overlap_keep"]
    dropped: set[str] = set()
    # Each row's overlap units and ids, computed once. Clashing groups are resolved in
    # name order; dropping members never makes a new clash, so one pass in that order,
    # re-checking each group's live members, resolves the same groups the same way as
    # re-scanning every kept row after each resolution (which cost groups x rows).
    alive = [True] * len(kept)
    rows_of_id: dict[str, list[int]] = {}
    rows_of_member: dict[tuple[str, str], list[int]] = {}
    for i, effect in enumerate(kept):
        for member_id in {effect["study_id"], effect["arm_id"], effect.get("comparator_arm_id")}:
            if member_id:
                rows_of_id.setdefault(member_id, []).append(i)
        for group, member in overlap_units(effect, studies, arms):
            rows_of_member.setdefault((group, member), []).append(i)
    members_of: dict[str, set[str]] = {}
    for group, member in rows_of_member:
        members_of.setdefault(group, set()).add(member)
    for group in sorted(g for g, m in members_of.items() if len(m) > 1):
        members = {
            m for m in members_of[group] if any(alive[i] for i in rows_of_member[(group, m)])
        }
        if len(members) < 2:
            continue
        names = sorted(members)
        pair = " and ".join(names)
        if group in named and named[group] in members:
            keep, how = named[group], f"criteria.overlap_keep names {named[group]}"
        elif rule == "refuse":
            raise OverlapError(
                "config key 'criteria.overlap_rule'",
                f"outcome {outcome!r} would pool {pair}, which share patients (overlap group "
                f"{group!r}); exclude one, name one in criteria.overlap_keep, or set "
                "overlap_rule to largest or most_recent",
            )
        elif rule == "named":
            raise OverlapError(
                "config key 'criteria.overlap_keep'",
                f"outcome {outcome!r} would pool {pair}, which share patients (overlap group "
                f"{group!r}), and criteria.overlap_keep names none of them for that group",
            )
        else:

            def size(member):
                return sum(
                    (kept[i].get("n") or 0) + (kept[i].get("comparator_n") or 0)
                    for i in rows_of_id.get(member, [])
                )

            def year(member):
                study = member if member in studies else arms[member]["study_id"]
                return studies[study]["year"]

            if rule == "largest":
                keep = max(names, key=lambda m: (size(m), year(m), m))
            else:
                keep = max(names, key=lambda m: (year(m), size(m), m))
            how = f"criteria.overlap_rule = {rule} keeps {keep}"
        for member in names:
            if member != keep:
                dropped.add(member)
                log[member] = f"shares patients with {keep} (overlap group {group!r}); {how}"
                for i in rows_of_id.get(member, []):
                    alive[i] = False
        notes.setdefault(keep, []).append(
            f"kept over {', '.join(m for m in names if m != keep)} (overlap group {group!r}; {how})"
        )
    return dropped


def check_no_overlap(analysed: list[dict], studies: dict, arms: dict) -> None:
    """The guard: raise :class:`OverlapError` if one analysis holds two members of a group."""
    by_outcome: dict[str, list[dict]] = {}
    for row in analysed:
        by_outcome.setdefault(row["outcome"], []).append(row)
    for outcome, rows in sorted(by_outcome.items()):
        groups: dict[str, set[str]] = {}
        for row in rows:
            for group, member in overlap_units(row, studies, arms):
                groups.setdefault(group, set()).add(member)
        for group, members in sorted(groups.items()):
            if len(members) > 1:
                raise OverlapError(
                    f"outcome {outcome!r}",
                    f"{' and '.join(sorted(members))} share patients (overlap group {group!r}) "
                    "and must not be pooled together",
                )


def _no_candidate_reason(study, outcome, kind, definition, gaps, effects_by_study, arms_by_study):
    """Why a study has no candidate row for an outcome: the gaps table, else what the data show."""
    why = gaps.get((study["study_id"], outcome), []) + gaps.get((study["study_id"], "all"), [])
    if why:
        return "; ".join(why)
    if KINDS[kind].controlled and not any(
        a["arm_type"] == "control" for a in arms_by_study.get(study["study_id"], [])
    ):
        return f"no concurrent control arm (design {study['design']})"
    table = _source_table(kind, definition)
    others = sorted(
        {
            str(e["category"]) + (f" ({e['scale']})" if table == "efficacy" else "")
            for e in effects_by_study.get(study["study_id"], [])
            if e["source_table"] == table
        }
    )
    if others:
        return (
            f"no row matches outcome_definitions.{outcome} (this study's {table} rows: "
            f"{', '.join(others)})"
        )
    return "no value for this outcome in the sources available"


def select(
    effects,
    data,
    criteria,
    definitions,
    tier_exempt=frozenset(),
    only_studies=None,
    labels=None,
    rob=None,
) -> Selection:
    """Decide, for each analysed outcome, which effect rows are pooled and why others are not.

    ``effects`` are harmonized rows (dicts), ``data`` the validated tables. ``tier_exempt``
    holds effect ids admitted whatever their evidence tier (the sensitivity analysis uses
    it to pool one alternative value of a conflict without admitting every secondary
    value). Returns the inclusion log (one row per outcome x study x candidate row, or x
    study when the study has no candidate row) and the analysed rows with their subgroup
    attributes. Raises :class:`InputError` for criteria that name unknown things and
    :class:`OverlapError` when the overlap rule is to refuse. ``only_studies``: log only
    these studies (the caller passes only their effect rows). ``labels``: config
    ``definition_labels``, the reader's words of each row's ``definition``. ``rob``: config
    ``risk_of_bias`` (which scope each outcome uses, the tools' overall rules), for
    ``criteria.max_risk_of_bias``. Which time point of a series is analysed follows
    ``criteria.time_point`` (:func:`time_point_choices`); the ``follow_up_window`` subgroup
    of each row, ``criteria.follow_up_windows`` (:func:`follow_up_window`).
    """
    check_criteria(criteria, data)
    studies = {s["study_id"]: s for s in data["studies"]}
    arms = {a["arm_id"]: a for a in data["arms"]}
    efficacy = {e["eff_id"]: e for e in data.get("efficacy", [])}
    arms_by_study: dict[str, list[Row]] = {}
    for arm in data["arms"]:
        arms_by_study.setdefault(arm["study_id"], []).append(arm)
    effects_by_study: dict[str, list[dict]] = {}
    for effect in effects:
        effects_by_study.setdefault(effect["study_id"], []).append(effect)
    gaps = {}
    for gap in data["gaps"]:
        gaps.setdefault((gap["study_id"], gap["outcome"]), []).append(gap["reason"])
    judged = assessments(data["risk_of_bias"], rob) if criteria["max_risk_of_bias"] != "any" else {}
    at_time_point = time_point_choices(effects, criteria["time_point"])
    windows = criteria["follow_up_windows"]
    inclusion, analysed = [], []
    for outcome in criteria["outcomes"]:
        definition = definitions[outcome]
        kind = definition["kind"]
        scope = scope_of(outcome, rob)
        decisions = []
        for effect in candidates(effects, kind, definition):
            study = studies[effect["study_id"]]
            reasons = _row_reasons(
                effect,
                study,
                arms[effect["arm_id"]],
                kind,
                criteria,
                tier_exempt,
                at_time_point[effect["effect_id"]],
            )
            biased = _risk_of_bias_reason(judged.get((effect["study_id"], scope)), criteria)
            if biased:
                reasons.append(biased)
            decisions.append([effect, reasons])

        # One row per arm (or arm contrast): the whole population before a subgroup, the
        # higher evidence tier, then the category or definition the outcome lists first.
        order = definition.get("ae_categories") or definition.get("response_definitions") or []

        def preference(effect, order=order):
            category = order.index(effect["category"]) if effect["category"] in order else 0
            return (
                bool(effect.get("population")),
                TIER_RANK[effect["tier"]],
                category,
                effect["effect_id"],
            )

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
                    (
                        "already_analysed",
                        f"same arm already analysed through {chosen['effect_id']} "
                        f"({chosen['tier']} tier, {chosen['category']})",
                    )
                )

        kept = [effect for effect, reasons in decisions if not reasons]
        overlap_log, keep_notes = {}, {}
        dropped = _resolve_overlaps(outcome, kept, studies, arms, criteria, overlap_log, keep_notes)
        for effect, reasons in decisions:
            if reasons:
                continue
            for member in (effect["study_id"], effect["arm_id"], effect.get("comparator_arm_id")):
                if member in dropped:
                    reasons.append(("criteria.overlap_rule", overlap_log[member]))
                    break

        by_study = {}
        for effect, reasons in decisions:
            by_study.setdefault(effect["study_id"], []).append((effect, reasons))
        for study_id in sorted(studies if only_studies is None else only_studies):
            rows = by_study.get(study_id)
            if not rows:
                inclusion.append(
                    {
                        "outcome": outcome,
                        "study_id": study_id,
                        "effect_id": "",
                        "arm_id": "",
                        "decision": "excluded",
                        "reason_codes": "no_candidate",
                        "reasons": _no_candidate_reason(
                            studies[study_id],
                            outcome,
                            kind,
                            definition,
                            gaps,
                            effects_by_study,
                            arms_by_study,
                        ),
                        "notes": "",
                    }
                )
                continue
            for effect, reasons in sorted(rows, key=lambda item: item[0]["effect_id"]):
                notes = []
                if not reasons:
                    for member in (effect["study_id"], effect["arm_id"]):
                        notes += keep_notes.get(member, [])
                    if effect.get("conflict_group"):
                        notes.append(
                            f"conflict group {effect['conflict_group']!r}: version "
                            f"{effect['conflict_version']!r} (criteria.conflict_versions)"
                        )
                    if effect["effect_id"] in tier_exempt:
                        notes.append(f"{effect['tier']} tier admitted for this row only")
                inclusion.append(
                    {
                        "outcome": outcome,
                        "study_id": study_id,
                        "effect_id": effect["effect_id"],
                        "arm_id": effect["arm_id"],
                        "decision": "excluded" if reasons else "included",
                        "reason_codes": ";".join(code for code, _ in reasons),
                        "reasons": "; ".join(text for _, text in reasons),
                        "notes": "; ".join(notes),
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
            several = len(arms_per_study[effect["study_id"]]) > 1
            analysed.append(
                {
                    "outcome": outcome,
                    "kind": kind,
                    **effect,
                    "label": _label(study, arm, several, effect),
                    "year": study["year"],
                    "route": _route(arm),
                    "tissue": study["tissue"],
                    "design": study["design"],
                    "product": study["cell_product"],
                    "autologous": study["autologous"],
                    "definition": definition_label(effect, labels, efficacy),
                    "follow_up_window": follow_up_window(study_months(study, "follow_up"), windows),
                    "follow_up_months": study_months(study, "follow_up"),
                    "lead_in_months": study_months(study, "lead_in"),
                }
            )
    check_no_overlap(analysed, studies, arms)
    return Selection(inclusion, analysed)
