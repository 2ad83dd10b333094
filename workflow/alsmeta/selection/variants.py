"""The alternative judgements a sensitivity analysis re-runs, and the rows each one selects.

The main analysis uses the configured criteria. Each variant changes one judgement:

* ``evidence_tiers``: secondary values added (or, when the main analysis admits them,
  paper and registry values only);
* ``conflict``: for each conflict group (data/conflicts.tsv), each version the main
  analysis does not use. The alternative rows are admitted whatever their evidence tier
  (and only they), so that the variant changes one value; when the alternative is a
  subgroup or pre-erratum value, those switches are turned on too (``changed_setting``
  says so, and the ``subgroups`` / ``erratum`` variants give the matching comparison);
* ``subgroups`` / ``erratum``: subgroup estimates admitted; values superseded by an
  erratum admitted as well;
* ``assumed_n``: counts derived from a percentage of a denominator the source does not
  print with it admitted;
* ``statement_zeros``: zero counts read from a statement that no such event occurred ("No
  serious adverse events were observed") left out, where the main analysis admits them:
  a statement in an abstract is not an ascertained count, and such zeros pull a pooled
  rate down and its heterogeneity up;
* ``overlap``: for each overlap group, each member kept in turn;
* ``risk_of_bias``: only studies at low overall risk of bias, and only studies below high
  risk (some concerns or moderate at worst), where the main analysis admits more.

A variant that cannot touch an outcome (its rows are not candidates of the outcome) is
not listed for it. Selection runs per outcome, so that an overlap the configuration
refuses stops only that outcome's variant (status ``refused``), not the table. The
pooling of each selection is :mod:`alsmeta.analysis.variants`.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.io.risk_of_bias import MAX_LEVEL
from alsmeta.selection.criteria import (
    OverlapError,
    candidates,
    count_from_statement,
    counts_from_assumed_n,
    overlap_units,
    select,
)


@dataclass(frozen=True)
class Variant:
    """One alternative judgement: the criteria it runs with, and the rows it is about."""

    name: str
    kind: str
    setting: str
    criteria: dict
    tier_exempt: frozenset = frozenset()
    about: frozenset | None = None  # effect ids the variant changes; None = every outcome
    overlap_group: str | None = None


def tier_variants(criteria: dict) -> list[Variant]:
    """Paper and registry only, and with secondary values added (whichever differs from main)."""
    tiers = list(criteria["evidence_tiers"])
    out = []
    if "secondary" not in tiers:
        plus = [*tiers, "secondary"]
        out.append(
            Variant(
                "plus_secondary",
                "evidence_tiers",
                f"criteria.evidence_tiers = {', '.join(plus)}",
                {**criteria, "evidence_tiers": plus},
            )
        )
    if set(tiers) != {"paper", "registry"}:
        out.append(
            Variant(
                "paper_registry_only",
                "evidence_tiers",
                "criteria.evidence_tiers = paper, registry",
                {**criteria, "evidence_tiers": ["paper", "registry"]},
            )
        )
    return out


#: The risk-of-bias sensitivity analyses: criteria.max_risk_of_bias values, strictest first.
ROB_VARIANTS = {"low": "low_risk_only", "some_concerns": "no_high_risk"}


def risk_of_bias_variants(criteria: dict) -> list[Variant]:
    """Studies at low risk only, and without those at high risk, when main admits more."""
    main = MAX_LEVEL[criteria["max_risk_of_bias"]]
    return [
        Variant(
            name,
            "risk_of_bias",
            f"criteria.max_risk_of_bias = {value}",
            {**criteria, "max_risk_of_bias": value},
        )
        for value, name in ROB_VARIANTS.items()
        if main is None or MAX_LEVEL[value] < main
    ]


def variants(criteria: dict, data: dict, effects: list[dict]) -> list[Variant]:
    """Every variant the data and the configuration allow, main first."""
    out = [
        Variant("main", "main", "as configured", criteria),
        *tier_variants(criteria),
        *risk_of_bias_variants(criteria),
    ]
    tiers = set(criteria["evidence_tiers"])
    in_group: dict[str, list[dict]] = {}  # conflict group -> its rows, one pass over effects
    for e in effects:
        if e.get("conflict_group"):
            in_group.setdefault(e["conflict_group"], []).append(e)
    for conflict in data["conflicts"]:
        group = conflict["conflict_group"]
        for version in conflict["versions"]:
            if version == criteria["conflict_versions"][group]:
                continue
            rows = [e for e in in_group.get(group, []) if e.get("conflict_version") == version]
            exempt = frozenset(e["effect_id"] for e in rows if e["tier"] not in tiers)
            changed = {"conflict_versions": {**criteria["conflict_versions"], group: version}}
            setting = [f"criteria.conflict_versions.{group} = {version}"]
            if exempt:
                setting.append("its rows admitted whatever their evidence tier")
            # The alternative is compared where it can be pooled: if its rows are subgroup
            # or pre-erratum values, those are admitted too (and the setting says so).
            if any(e.get("population") for e in rows) and not criteria["allow_subgroup_estimates"]:
                changed["allow_subgroup_estimates"] = True
                setting.append("criteria.allow_subgroup_estimates = true")
            if not criteria["allow_pre_erratum"] and any(
                "superseded_by_erratum" in str(e.get("flags") or "") for e in rows
            ):
                changed["allow_pre_erratum"] = True
                setting.append("criteria.allow_pre_erratum = true")
            if not criteria["allow_counts_from_assumed_n"] and any(
                counts_from_assumed_n(e) for e in rows
            ):
                changed["allow_counts_from_assumed_n"] = True
                setting.append("criteria.allow_counts_from_assumed_n = true")
            out.append(
                Variant(
                    f"conflict:{group}={version}",
                    "conflict",
                    "; ".join(setting),
                    {**criteria, **changed},
                    exempt,
                    frozenset(e["effect_id"] for e in in_group.get(group, [])),
                )
            )
    subgroup_rows = frozenset(e["effect_id"] for e in effects if e.get("population"))
    erratum_rows = frozenset(
        e["effect_id"] for e in effects if "superseded_by_erratum" in str(e.get("flags") or "")
    )
    if not criteria["allow_subgroup_estimates"] and subgroup_rows:
        out.append(
            Variant(
                "subgroups_admitted",
                "subgroups",
                "criteria.allow_subgroup_estimates = true",
                {**criteria, "allow_subgroup_estimates": True},
                about=subgroup_rows,
            )
        )
    if not criteria["allow_pre_erratum"] and erratum_rows:
        out.append(
            Variant(
                "pre_erratum_admitted",
                "erratum",
                "criteria.allow_pre_erratum = true and criteria.allow_subgroup_estimates = true "
                "(values an erratum corrected; the corrected values are not available)",
                {**criteria, "allow_pre_erratum": True, "allow_subgroup_estimates": True},
                about=erratum_rows,
            )
        )
    assumed_n_rows = frozenset(e["effect_id"] for e in effects if counts_from_assumed_n(e))
    if not criteria["allow_counts_from_assumed_n"] and assumed_n_rows:
        out.append(
            Variant(
                "assumed_n_admitted",
                "assumed_n",
                "criteria.allow_counts_from_assumed_n = true (counts derived from a printed "
                "percentage of a denominator the source does not print with it)",
                {**criteria, "allow_counts_from_assumed_n": True},
                about=assumed_n_rows,
            )
        )
    statement_rows = frozenset(e["effect_id"] for e in effects if count_from_statement(e))
    if criteria["allow_counts_from_statements"] and statement_rows:
        out.append(
            Variant(
                "statement_zeros_excluded",
                "statement_zeros",
                "criteria.allow_counts_from_statements = false (zero counts read from a "
                "statement that no such event occurred left out)",
                {**criteria, "allow_counts_from_statements": False},
                about=statement_rows,
            )
        )
    members: dict[str, list[str]] = {}
    for table, id_column in (("studies", "study_id"), ("arms", "arm_id")):
        for row in data[table]:
            for group in row.get("overlap_group") or []:
                members.setdefault(group, []).append(row[id_column])
    for group in sorted(members):
        for member in sorted(members[group]):
            out.append(
                Variant(
                    f"overlap:{group}={member}",
                    "overlap",
                    f"criteria.overlap_keep.{group} = {member}",
                    {**criteria, "overlap_keep": {**criteria["overlap_keep"], group: member}},
                    overlap_group=group,
                )
            )
    return out


def _members_present(rows: list[dict], studies, arms) -> dict[str, set[str]]:
    """Overlap group -> its members (studies or arms) among ``rows``, in one pass."""
    present: dict[str, set[str]] = {}
    for e in rows:
        for group, member in overlap_units(e, studies, arms):
            present.setdefault(group, set()).add(member)
    return present


def _concerns(variant: Variant, ids: set[str], members: dict[str, set[str]]) -> bool:
    """Whether a variant can change an outcome whose candidate rows have the effect ids
    ``ids`` and the overlap-group members ``members`` (:func:`_members_present`)."""
    if variant.kind in ("main", "evidence_tiers", "risk_of_bias"):
        return True
    if variant.overlap_group is not None:
        return len(members.get(variant.overlap_group, ())) > 1
    return not ids.isdisjoint(variant.about)


def _local_studies(variant: Variant, criteria: dict, study_of: dict, links) -> frozenset | None:
    """The studies a variant can change, when that is a few: an overlap variant changes
    only the members of its group (and of the groups they share patients through), a
    conflict variant that flips no global switch only its group's rows. None: the variant
    can change any study (evidence tiers, subgroup or erratum values admitted)."""
    changed = {key for key in variant.criteria if variant.criteria[key] != criteria[key]}
    if variant.overlap_group is not None and changed == {"overlap_keep"}:
        return _overlap_component(variant.overlap_group, links)
    if variant.kind == "conflict" and changed == {"conflict_versions"}:
        local = {study_of[i] for i in variant.about}
        # A changed value can change which member of an overlap group is kept.
        for study in list(local):
            for group in links[0].get(study, ()):
                local |= _overlap_component(group, links)
        return frozenset(local)
    return None


def _overlap_links(data: dict) -> tuple[dict, dict]:
    """(study -> its overlap groups, study- or arm-level; group -> its studies)."""
    groups_of: dict[str, set[str]] = {}
    for row in data["studies"] + data["arms"]:
        for g in row.get("overlap_group") or []:
            groups_of.setdefault(row["study_id"], set()).add(g)
    studies_of: dict[str, set[str]] = {}
    for study, groups in groups_of.items():
        for g in groups:
            studies_of.setdefault(g, set()).add(study)
    return groups_of, studies_of


def _overlap_component(group: str, links: tuple[dict, dict]) -> frozenset:
    """Studies of ``group`` and of every overlap group linked to it through a shared study."""
    groups_of, studies_of = links
    seen, todo, found = {group}, [group], set()
    while todo:
        for study in studies_of.get(todo.pop(), ()):
            found.add(study)
            for g in groups_of[study] - seen:
                seen.add(g)
                todo.append(g)
    return frozenset(found)


@dataclass(frozen=True)
class VariantContext:
    """What every outcome's variant selection shares: the variants and the lookups they
    need, made once per run rather than once per outcome."""

    variants: list
    studies: dict
    arms: dict
    links: tuple
    study_of: dict
    rows_of_study: dict  # study -> positions of its effect rows, in order
    rob: dict | None = None  # config risk_of_bias, for the risk-of-bias variants


def variant_context(effects, data, criteria, rob=None) -> VariantContext:
    rows_of_study: dict[str, list[int]] = {}
    for i, e in enumerate(effects):
        rows_of_study.setdefault(e["study_id"], []).append(i)
    return VariantContext(
        variants(criteria, data, effects),
        {s["study_id"]: s for s in data["studies"]},
        {a["arm_id"]: a for a in data["arms"]},
        _overlap_links(data),
        {e["effect_id"]: e["study_id"] for e in effects},
        rows_of_study,
        rob,
    )


def _rows_of(studies, effects, rows_of_study) -> list[dict]:
    """The effect rows of ``studies``, in the order of ``effects`` (a cost in their rows,
    not in the evidence base)."""
    return [effects[i] for i in sorted(i for s in studies for i in rows_of_study.get(s, ()))]


def variant_selections(
    effects,
    data,
    criteria,
    definitions,
    outcome,
    context: VariantContext | None = None,
    labels: dict | None = None,
) -> list[dict]:
    """Per variant that concerns ``outcome`` (main first): its name, type, the setting it
    changes, and the rows it selects (``status = selected``) or why it refused.

    A variant that can change only a few studies (see :func:`_local_studies`) is selected
    on those studies' rows alone and joined with the main rows of the others, which it
    cannot change; that keeps the cost of the overlap and conflict variants, whose number
    grows with the evidence base, from growing with its square. ``labels``: as for
    :func:`alsmeta.selection.criteria.select` (the main selection's, so that rows compare)."""
    context = context or variant_context(effects, data, criteria)
    studies, links, study_of = context.studies, context.links, context.study_of
    definition = definitions[outcome]
    rows_of_outcome = candidates(effects, definition["kind"], definition)
    ids = {e["effect_id"] for e in rows_of_outcome}
    members = _members_present(rows_of_outcome, studies, context.arms)
    rows_of_study = context.rows_of_study
    main_rows = None
    out = []
    for variant in context.variants:
        if not _concerns(variant, ids, members):
            continue
        entry = {"variant": variant.name, "variant_type": variant.kind, "setting": variant.setting}
        local = None if main_rows is None else _local_studies(variant, criteria, study_of, links)
        chosen = effects if local is None else _rows_of(local, effects, rows_of_study)
        try:
            selection = select(
                chosen,
                data,
                {**variant.criteria, "outcomes": [outcome]},
                definitions,
                variant.tier_exempt,
                only_studies=local,
                labels=labels,
                rob=context.rob,
            )
            rows = selection.analysed
            if local is not None:
                rows = sorted(
                    [r for r in main_rows if r["study_id"] not in local] + rows, key=_order
                )
            entry.update(status="selected", reason="", rows=rows)
        except OverlapError as exc:
            entry.update(status="refused", reason=str(exc), rows=[])
        if not out and entry["status"] == "selected":
            main_rows = entry["rows"]  # the main analysis, against which the others differ
        out.append(entry)
    return out


def _order(row: dict) -> tuple:
    return (row["year"], row["study_id"], row["effect_id"])


def as_changes(selections: list[dict], analysed: list[dict]) -> list[dict]:
    """The variant selections as changes to the main ``analysed`` rows: the ids of the rows
    a variant drops (``removed``) and the rows it has that the main analysis has not
    (``added``). A variant usually changes a few rows, so this keeps a selection file
    growing with the number of variants plus the rows, not with their product."""
    main = {r["effect_id"]: r for r in analysed}
    out = []
    for entry in selections:
        rows = {r["effect_id"]: r for r in entry.pop("rows")}
        entry["removed"] = [i for i, r in main.items() if rows.get(i) != r]
        entry["added"] = [r for i, r in rows.items() if main.get(i) != r]
        out.append(entry)
    return out


def rows_of(entry: dict, analysed: list[dict]) -> list[dict]:
    """A variant's rows, from its changes (:func:`as_changes`), in the selection's order."""
    removed = set(entry["removed"])
    kept = [r for r in analysed if r["effect_id"] not in removed]
    return sorted(kept + entry["added"], key=_order)
