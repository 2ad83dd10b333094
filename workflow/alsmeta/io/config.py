"""Checking the workflow configuration against its schema."""

from __future__ import annotations

import jsonschema

from alsmeta.io.errors import InputError, did_you_mean
from alsmeta.io.reading import echo, short_message
from alsmeta.kinds import KINDS, is_event_rate, kind_of


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def check_config(config: dict, schema: dict) -> None:
    """Raise :class:`InputError` naming the config key of the first problem.

    Beyond the schema: every analysed outcome must be defined, a proportion outcome must
    list the AE categories or the response definitions it accepts, and a responder
    odds-ratio outcome the response definitions; a sensitivity analysis names the defined,
    non-sensitivity outcomes it re-analyses; every definition an outcome accepts has a
    reader label in definition_labels.
    """
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(
        validator.iter_errors(config), key=lambda e: (len(e.path), list(map(str, e.path)))
    )
    if errors:
        error = errors[0]
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            extra = sorted(set(error.instance) - set(known))
            key = _key([*error.path, extra[0]])
            hint = f" (allowed here: {', '.join(known)})" if known else ""
            raise InputError(f"config key {echo(key)}", f"unknown key{hint}")
        if error.validator == "required":
            missing = error.message.split("'")[1]
            raise InputError(f"config key {echo(_key([*error.path, missing]))}", "is missing")
        raise InputError(f"config key {echo(_key(error.path))}", short_message(error))

    _check_priors(config["bayes"]["priors"])
    definitions = config["outcome_definitions"]
    _check_forest(config["figures"], definitions, config["criteria"]["outcomes"])
    _check_labels(config)
    for i, name in enumerate(config["criteria"]["outcomes"]):
        if name not in definitions:
            raise InputError(
                f"config key 'criteria.outcomes.{i}'",
                f"{echo(name)} is not defined in outcome_definitions ({', '.join(definitions)})",
            )
    for name in config["risk_of_bias"]["outcome_scopes"]:
        if name not in definitions:
            raise InputError(
                f"config key 'risk_of_bias.outcome_scopes.{name}'",
                f"{echo(name)} is not defined in outcome_definitions",
            )
    for name in config["grade"]["outcomes"]:
        if name not in definitions:
            raise InputError(
                f"config key 'grade.outcomes.{name}'",
                f"{echo(name)} is not defined in outcome_definitions",
            )
    imprecision = config["grade"]["imprecision"]
    serious, very = imprecision["rate_ci_width_per_1000"]
    if serious >= very:
        raise InputError(
            "config key 'grade.imprecision.rate_ci_width_per_1000'",
            f"the first width ({serious:g}, one level down) must be below the second "
            f"({very:g}, two levels down)",
        )
    low, high = imprecision["ratio_appreciable"]
    if not low < 1 < high:
        raise InputError(
            "config key 'grade.imprecision.ratio_appreciable'",
            f"needs an appreciable benefit below 1 and a harm above 1 (got {low:g}, {high:g})",
        )
    rob = config["risk_of_bias"]
    if rob["jbi_moderate_share"] > rob["jbi_low_share"]:
        raise InputError(
            "config key 'risk_of_bias.jbi_moderate_share'",
            f"{rob['jbi_moderate_share']:g} exceeds risk_of_bias.jbi_low_share "
            f"({rob['jbi_low_share']:g})",
        )
    for name, spec in definitions.items():
        kind = spec["kind"]
        given = [key for key in ("ae_categories", "response_definitions") if key in spec]
        if is_event_rate(kind) and len(given) != 1:
            raise InputError(
                f"config key 'outcome_definitions.{name}.ae_categories'",
                "a proportion outcome lists either the AE categories or the response "
                "definitions it counts (one of the two)",
            )
        if kind == "binary_comparison" and given != ["ae_categories"]:
            raise InputError(
                f"config key 'outcome_definitions.{name}.ae_categories'",
                "a binary_comparison outcome lists the AE categories it counts",
            )
        if kind == "responder_odds_ratio" and given != ["response_definitions"]:
            raise InputError(
                f"config key 'outcome_definitions.{name}.response_definitions'",
                "a responder_odds_ratio outcome lists the response definitions it counts "
                "(and no AE categories)",
            )
        if not KINDS[kind].count_tables and given:
            raise InputError(
                f"config key 'outcome_definitions.{name}.{given[0]}'",
                f"only proportion, binary_comparison and responder outcomes take {given[0]} "
                f"(kind is {echo(kind)})",
            )
        _check_role(name, spec, definitions)
        if (kind == "binary_comparison") != ("measure" in spec):
            raise InputError(
                f"config key 'outcome_definitions.{name}.measure'",
                "a binary_comparison outcome needs a measure (OR, RR or RD), and only it takes one",
            )


def _check_forest(figures: dict, definitions: dict, outcomes: list) -> None:
    """figures.forest_overrides names defined outcomes; every axis limit an outcome's
    forest plots use is an increasing pair its axis can draw (a ratio above 0, a
    proportion from 0 to 1)."""
    overrides = figures["forest_overrides"]
    for name in overrides:
        if name not in definitions:
            raise InputError(
                f"config key 'figures.forest_overrides.{name}'",
                f"{echo(name)} is not defined in outcome_definitions",
            )
    for name in dict.fromkeys([*outcomes, *overrides]):
        if name not in definitions:
            continue  # reported with criteria.outcomes
        own = "xlim" in overrides.get(name, {})
        xlim = overrides[name]["xlim"] if own else figures["forest"]["xlim"]
        if xlim is None:
            continue
        key = f"figures.forest_overrides.{name}.xlim" if own else "figures.forest.xlim"
        lower, upper = xlim
        axis = kind_of(definitions[name]).axis
        if not lower < upper:
            problem = f"the lower limit ({lower:g}) must be below the upper ({upper:g})"
        elif axis == "log" and lower <= 0:
            problem = f"{name} is drawn on a log axis: its limits must be above 0"
        elif axis == "percent" and not 0 <= lower < upper <= 1:
            problem = f"{name} is a proportion: its limits are between 0 and 1 (0.5 = 50%)"
        else:
            continue
        raise InputError(f"config key {echo(key)}", problem)


def _check_role(name: str, spec: dict, definitions: dict) -> None:
    """role sensitivity <=> sensitivity_of, naming defined outcomes that are not sensitivity
    analyses themselves."""
    sensitivity = spec.get("role", "main") == "sensitivity"
    if sensitivity != ("sensitivity_of" in spec):
        raise InputError(
            f"config key 'outcome_definitions.{name}.sensitivity_of'",
            "a sensitivity analysis (role: sensitivity) names the outcomes it re-analyses in "
            "sensitivity_of, and only a sensitivity analysis takes sensitivity_of",
        )
    for i, main in enumerate(spec.get("sensitivity_of", [])):
        if main not in definitions:
            raise InputError(
                f"config key 'outcome_definitions.{name}.sensitivity_of.{i}'",
                f"{echo(main)} is not defined in outcome_definitions",
            )
        if definitions[main].get("role", "main") == "sensitivity":
            raise InputError(
                f"config key 'outcome_definitions.{name}.sensitivity_of.{i}'",
                f"{echo(main)} is itself a sensitivity analysis",
            )


def _check_labels(config: dict) -> None:
    """Every AE category and response definition an outcome accepts, and every measure and
    scale of a continuous kind, has a reader label (definition_labels)."""
    labels = config["definition_labels"]
    needed = []
    for name, spec in config["outcome_definitions"].items():
        for key in ("ae_categories", "response_definitions"):
            needed += [(key, value, name) for value in spec.get(key, [])]
        rows = KINDS[spec["kind"]].efficacy_rows
        if rows:
            needed += [("measures", m, name) for m in rows[0]]
            needed += [("scales", s, name) for s in rows[1]]
    for key, value, name in needed:
        if value not in labels[key]:
            raise InputError(
                f"config key 'definition_labels.{key}.{value}'",
                f"is missing: outcome {echo(name)} accepts {echo(value)}, and every forest plot "
                "shows each row's definition in words",
            )


#: The parameters each tau prior family takes (the others are errors, not ignored).
TAU_PRIOR_PARAMETERS = {
    "half_normal": ("scale",),
    "half_cauchy": ("scale",),
    "lognormal": ("meanlog", "sdlog"),
}


def _check_priors(priors: dict) -> None:
    """Each tau prior gives exactly the parameters of its family."""
    for scale, prior in priors.items():
        tau = prior["tau"]
        family = tau["family"]
        needed = TAU_PRIOR_PARAMETERS[family]
        for key in needed:
            if key not in tau:
                raise InputError(
                    f"config key 'bayes.priors.{scale}.tau.{key}'",
                    f"is missing: a {family} prior takes {' and '.join(needed)}",
                )
        for key in sorted(set(tau) - {"family", *needed}):
            raise InputError(
                f"config key 'bayes.priors.{scale}.tau.{key}'",
                f"a {family} prior takes {' and '.join(needed)}, not {key}",
            )


def check_references(config: dict, data: dict) -> None:
    """Check everything the config and the data name in each other: the criteria (see
    :func:`check_criteria`) and each gaps row's outcome (``all`` or a defined outcome)."""
    check_criteria(config["criteria"], data)
    definitions = config["outcome_definitions"]
    for row in data["gaps"]:
        if row["outcome"] != "all" and row["outcome"] not in definitions:
            raise InputError(
                f"{config['data']['gaps']}, line {row.line} (study_id {echo(row['study_id'])}), "
                "column 'outcome'",
                f"unknown outcome {echo(row['outcome'])} (use 'all' or an outcome defined in "
                "config outcome_definitions)",
            )


def check_criteria(criteria: dict, data: dict) -> None:
    """Check the criteria that name things in the data: excluded studies, conflict versions
    and overlap keeps."""
    studies = {s["study_id"] for s in data["studies"]}
    for i, study in enumerate(criteria["exclude_studies"]):
        if study not in studies:
            raise InputError(
                f"config key 'criteria.exclude_studies.{i}'",
                f"no study {echo(study)} in the data (a study_id of the studies table)"
                + did_you_mean(study, studies),
            )
    conflicts = {c["conflict_group"]: c for c in data["conflicts"]}
    chosen = criteria["conflict_versions"]
    for group in sorted(set(chosen) - set(conflicts)):
        raise InputError(
            f"config key 'criteria.conflict_versions.{group}'",
            f"no conflict group {echo(group)} in the data ({', '.join(sorted(conflicts))})"
            + did_you_mean(group, conflicts),
        )
    for group, row in conflicts.items():
        if group not in chosen:
            raise InputError(
                f"config key 'criteria.conflict_versions.{group}'",
                f"is missing: pick one of {', '.join(row['versions'])}",
            )
        if chosen[group] not in row["versions"]:
            raise InputError(
                f"config key 'criteria.conflict_versions.{group}'",
                f"{echo(chosen[group])} is not a version of this conflict "
                f"({', '.join(row['versions'])})",
            )
    members: dict[str, set[str]] = {}
    for table, id_column in (("studies", "study_id"), ("arms", "arm_id")):
        for row in data[table]:
            for group in row.get("overlap_group") or []:
                members.setdefault(group, set()).add(row[id_column])
    for group, keep in criteria["overlap_keep"].items():
        if group not in members:
            raise InputError(
                f"config key 'criteria.overlap_keep.{group}'",
                f"no overlap group {echo(group)} in the data ({', '.join(sorted(members))})",
            )
        if keep not in members[group]:
            raise InputError(
                f"config key 'criteria.overlap_keep.{group}'",
                f"{echo(keep)} is not a member of this group ({', '.join(sorted(members[group]))})",
            )
