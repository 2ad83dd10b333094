"""Turn the extracted rows into effect sizes on the analysis scale.

One output row per adverse-event row and per efficacy row, with ``yi``/``vi`` on the
analysis scale, a per-study CI on the natural scale, the derivation written out, and
the provenance carried through. A row whose statistics cannot give an effect size is
kept with ``status = not_computable`` and the reason, so that the inclusion log can
show it.

Analysis scales:

* adverse-event proportions: logit (``measure = PLO``), per-study exact
  Clopper-Pearson CI on the proportion scale;
* change in ALSFRS-R slope after vs before treatment, within an arm (``MC``), and its
  difference between arms (``MD``): points/month, positive = slower progression,
  per-study normal-theory CI.
"""

from __future__ import annotations

import math

from . import effects as fx
from .tables import Row

#: Columns of effects.tsv, in order.
COLUMNS = [
    "effect_id",
    "source_table",
    "study_id",
    "arm_id",
    "comparator_arm_id",
    "category",
    "measure",
    "status",
    "status_reason",
    "events",
    "n",
    "comparator_n",
    "yi",
    "vi",
    "sei",
    "estimate",
    "ci_lower",
    "ci_upper",
    "ci_method",
    "continuity_added",
    "scale",
    "unit",
    "timepoint_months",
    "is_primary",
    "flags",
    "derivation",
    "tier",
    "source",
    "locator",
    "quote_id",
]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _provenance(row: Row, table: str) -> dict:
    return {
        "source_table": table,
        "study_id": row["study_id"],
        "arm_id": row["arm_id"],
        "tier": row["tier"],
        "source": row["source"],
        "locator": row["locator"],
        "quote_id": ";".join(row["quote_id"]),
    }


def harmonize_adverse_events(
    rows: list[Row],
    add: float,
    to: str,
    level: float,
    measure: str = "PLO",
    ci_method: str = "clopper_pearson",
) -> list[dict]:
    """Proportions on the ``measure`` scale with per-study CIs, one per adverse-event row."""
    out = []
    for row in rows:
        n = row["n"]
        flags, steps = [], []
        if row["count_basis"] == "percent":
            events = fx.count_from_percent(row["percent"], n)
            steps.append(
                f"events = round({_fmt(row['percent'])}% x {n}) = {events} "
                "(source prints a percentage; halves round up)"
            )
            flags.append("count_from_percent")
        else:
            events = row["events"]
            if row["count_basis"] == "statement_none":
                steps.append(f"events = 0 from the statement that none occurred (n = {n})")
                flags.append("count_from_statement")
        yi, vi, added = fx.proportion_effect(measure, [events], [n], add=add, to=to)
        yi, vi, added = float(yi[0]), float(vi[0]), float(added[0])
        interval = fx.wilson if ci_method == "wilson" else fx.clopper_pearson
        lo, hi = interval([events], [n], level=level)
        record = {
            "effect_id": row["ae_id"],
            **_provenance(row, "adverse_events"),
            "comparator_arm_id": "",
            "category": row["ae_category"],
            "measure": measure,
            "events": events,
            "n": n,
            "estimate": events / n,
            "ci_lower": float(lo[0]),
            "ci_upper": float(hi[0]),
            "ci_method": (
                f"Wilson score {level:.0%}"
                if ci_method == "wilson"
                else f"Clopper-Pearson exact {level:.0%}"
            ),
            "continuity_added": added,
            "scale": "proportion",
            "unit": "",
            "timepoint_months": None,
            "is_primary": True,
        }
        if math.isnan(yi) or not vi > 0:
            record.update(
                status="not_computable",
                status_reason=(
                    f"{events}/{n} has no finite {measure} estimate with a positive variance "
                    f"without a continuity correction (continuity_correction_to = {to!r})"
                ),
            )
        else:
            x_adj, n_adj = events + added, n + 2 * added
            if added:
                steps.append(f"continuity correction {_fmt(added)} added to events and non-events")
            steps.append(_proportion_formula(measure, x_adj, n_adj, yi, vi))
            record.update(status="ok", status_reason="", yi=yi, vi=vi, sei=math.sqrt(vi))
        record["flags"] = ";".join(flags)
        record["derivation"] = "; ".join(steps)
        out.append(record)
    return out


def _proportion_formula(measure, x, n, yi, vi) -> str:
    """The escalc formula with this row's numbers, as shown in the derivation column."""
    if measure == "PLO":
        return (
            f"yi = log({_fmt(x)}/{_fmt(n - x)}) = {yi:.6f}; "
            f"vi = 1/{_fmt(x)} + 1/{_fmt(n - x)} = {vi:.6f}"
        )
    if measure == "PR":
        return f"yi = {_fmt(x)}/{_fmt(n)} = {yi:.6f}; vi = p(1-p)/{_fmt(n)} = {vi:.6f}"
    if measure == "PAS":
        return f"yi = asin(sqrt({_fmt(x)}/{_fmt(n)})) = {yi:.6f}; vi = 1/(4 x {_fmt(n)}) = {vi:.6f}"
    return (
        f"yi = (asin(sqrt({_fmt(x)}/{_fmt(n + 1)})) + asin(sqrt({_fmt(x + 1)}/{_fmt(n + 1)})))/2"
        f" = {yi:.6f}; vi = 1/(4 x {_fmt(n)} + 2) = {vi:.6f}"
    )


#: Analysis scale of each two-group measure.
RATIO_SCALE = {"OR": "log odds ratio", "RR": "log risk ratio", "RD": "risk difference"}


def harmonize_binary_contrasts(ae_rows, arms, add: float, to: str, level: float) -> list[dict]:
    """OR, RR and RD of each MSC arm against each control arm of its study, per AE category.

    A contrast pairs two rows of the same study, category and evidence tier. Each measure
    is its own row (``measure`` OR/RR/RD); analyses of kind ``binary_comparison`` pool
    them, never together with single-arm rates. The per-study CI is normal-theory on the
    analysis scale, exponentiated for OR and RR.
    """
    groups = {}
    for row in ae_rows:
        key = (row["study_id"], row["category"], row["tier"])
        groups.setdefault(key, []).append((arms[row["arm_id"]], row))
    z = fx.normal_quantile(level)
    out = []
    for (_, category, _), members in sorted(groups.items()):
        treated = [r for a, r in members if a["arm_type"] == "msc"]
        controls = [r for a, r in members if a["arm_type"] == "control"]
        for t in treated:
            for c in controls:
                counts = f"{t['events']}/{t['n']} vs {c['events']}/{c['n']}"
                quotes = dict.fromkeys(f"{t['quote_id']};{c['quote_id']}".split(";"))
                for measure in fx.BINARY_MEASURES:
                    yi, vi, added = fx.two_group_binary(
                        measure, [t["events"]], [t["n"]], [c["events"]], [c["n"]], add=add, to=to
                    )
                    yi, vi, added = float(yi[0]), float(vi[0]), float(added[0])
                    record = {
                        key: t[key]
                        for key in (
                            "source_table",
                            "study_id",
                            "arm_id",
                            "tier",
                            "source",
                            "locator",
                        )
                    }
                    record.update(
                        effect_id=f"{t['effect_id']}_vs_{c['arm_id']}_{measure.lower()}",
                        comparator_arm_id=c["arm_id"],
                        quote_id=";".join(q for q in quotes if q),
                        category=category,
                        measure=measure,
                        events=t["events"],
                        n=t["n"],
                        comparator_n=c["n"],
                        scale=RATIO_SCALE[measure],
                        unit="",
                        is_primary=True,
                        continuity_added=added,
                        flags=";".join(f for f in (t["flags"], c["flags"]) if f),
                    )
                    if math.isnan(yi):
                        record.update(
                            status="not_computable",
                            status_reason=f"{measure} not computable from {counts}",
                        )
                    else:
                        se = math.sqrt(vi)
                        back = (lambda x: x) if measure == "RD" else math.exp
                        record.update(
                            status="ok",
                            status_reason="",
                            yi=yi,
                            vi=vi,
                            sei=se,
                            estimate=back(yi),
                            ci_lower=back(yi - z * se),
                            ci_upper=back(yi + z * se),
                            ci_method=f"normal {level:.0%} on the {RATIO_SCALE[measure]} scale",
                            derivation=(
                                f"{measure} from {counts}"
                                + (f"; {_fmt(added)} added to all four cells" if added else "")
                                + f"; yi = {yi:.6f}, vi = {vi:.6f}"
                            ),
                        )
                    out.append(record)
    return out


def _standard_error(row: Row, estimate: float, unit: str, r: float) -> tuple[float, str]:
    """SE (per month) of a slope statistic from what was printed, and how it was found.

    Order of preference: a printed SE, an SD with its n, a CI, a two-sided p-value,
    and for separately printed pre/post slopes the SD of the change from the pre/post
    SDs with the configured correlation ``r``. Raises ValueError with the reason
    when none applies.
    """
    per_month = 1.0 / fx.MONTHS_PER_UNIT[unit]
    n = row.get("n")
    if row.get("se") is not None:
        se = row["se"] * per_month
        return se, f"SE as printed ({_fmt(row['se'])})"
    if row.get("sd") is not None and n is not None:
        se = fx.se_from_sd(row["sd"], n) * per_month
        return se, f"SE = SD/sqrt(n) = {_fmt(row['sd'])}/sqrt({n}) = {se:.6f}"
    if row.get("ci_lower") is not None:
        level = row.get("ci_level", 0.95)
        se = fx.se_from_ci(row["ci_lower"], row["ci_upper"], level) * per_month
        return se, (
            f"SE = ({_fmt(row['ci_upper'])} - {_fmt(row['ci_lower'])})/(2 x "
            f"{fx.normal_quantile(level):.4f}) = {se:.6f} (normal-theory {level:.0%} CI)"
        )
    if row.get("p_value") is not None:
        if row.get("p_qualifier") == "<":
            raise ValueError(f"only a p-value bound is printed (p < {_fmt(row['p_value'])})")
        se = fx.se_from_p(estimate, row["p_value"])
        return se, (
            f"SE = |{estimate:.6g}|/z(1 - {_fmt(row['p_value'])}/2) = {se:.6f} "
            "(two-sided p, z test assumed)"
        )
    if row.get("pre_sd") is not None and row.get("post_sd") is not None and n is not None:
        sd = fx.sd_of_change(row["pre_sd"], row["post_sd"], r) * per_month
        se = sd / math.sqrt(n)
        return se, (
            f"SD of change = sqrt(pre_sd^2 + post_sd^2 - 2 r pre_sd post_sd) with r = {r} "
            f"-> {sd:.6f}; SE = {se:.6f}"
        )
    raise ValueError("no SD with n, SE, CI or p-value is printed")


def harmonize_efficacy(rows: list[Row], r: float, level: float) -> list[dict]:
    """Change in ALSFRS(-R) slope (points/month, positive = slower progression)."""
    out = []
    for row in rows:
        unit, sign = row["unit"], row["sign_convention"]
        contrast = row["measure"] == "slope_change_difference"
        flags, steps = [], []
        if row["scale"] == "alsfrs":
            flags.append("original_alsfrs")
        record = {
            "effect_id": row["eff_id"],
            **_provenance(row, "efficacy"),
            "comparator_arm_id": row.get("comparator_arm_id", ""),
            "category": row["measure"],
            "measure": "MD" if contrast else "MC",
            "events": None,
            "n": row.get("n"),
            "comparator_n": row.get("comparator_n"),
            "scale": row["scale"],
            "unit": "points_per_month",
            "timepoint_months": row.get("timepoint_months"),
            "is_primary": row["is_primary"],
        }
        try:
            if unit not in fx.MONTHS_PER_UNIT:
                raise ValueError(
                    "slopes are printed per period and the period lengths are not reported, "
                    "so they cannot be expressed per month"
                )
            if row["measure"] == "slope_pre_post":
                pre = fx.as_slope(fx.to_per_month(row["pre_mean"], unit), sign)
                post = fx.as_slope(fx.to_per_month(row["post_mean"], unit), sign)
                estimate = post - pre
                steps.append(f"change = post - pre = {post:.6g} - ({pre:.6g}) = {estimate:.6g}")
            else:
                # A change in slope is already post minus pre; a printed rate-of-decline
                # change would be negated like a slope.
                estimate = fx.as_slope(fx.to_per_month(row["mean"], unit), sign)
                steps.append(f"change in slope as printed: {estimate:.6g}")
            if unit == "points_per_year":
                steps.append("per-year values divided by 12")
                flags.append("converted_from_per_year")
            if sign == "decline_rate":
                steps.append("rate of decline (positive = loss) negated to a slope")
                flags.append("sign_normalised")
            se, how = _standard_error(row, estimate, unit, r)
            steps.append(how)
        except ValueError as exc:
            record.update(status="not_computable", status_reason=str(exc))
            record["flags"] = ";".join(flags)
            record["derivation"] = "; ".join(steps)
            out.append(record)
            continue
        z = fx.normal_quantile(level)
        record.update(
            status="ok",
            status_reason="",
            yi=estimate,
            vi=se**2,
            sei=se,
            estimate=estimate,
            ci_lower=estimate - z * se,
            ci_upper=estimate + z * se,
            ci_method=f"normal {level:.0%}: estimate +/- {z:.2f} SE",
            continuity_added=None,
            flags=";".join(flags),
            derivation="; ".join(steps),
        )
        out.append(record)
    return out


def harmonize(
    data: dict[str, list[Row]],
    add: float,
    to: str,
    level: float,
    r: float,
    measure: str = "PLO",
    ci_method: str = "clopper_pearson",
) -> list[dict]:
    """Every effect-size row: adverse events, their two-arm contrasts, then efficacy."""
    ae = harmonize_adverse_events(data["adverse_events"], add, to, level, measure, ci_method)
    arms = {a["arm_id"]: a for a in data["arms"]}
    rows = ae + harmonize_binary_contrasts(ae, arms, add, to, level)
    rows += harmonize_efficacy(data["efficacy"], r, level)
    return [{column: row.get(column) for column in COLUMNS} for row in rows]
