"""Turn the extracted rows into effect sizes on the analysis scale.

One output row per adverse-event row, per efficacy row, per responder row and per
responder comparison, with ``yi``/``vi`` on the analysis scale, a per-study CI on the
natural scale, every derivation written out (:mod:`alsmeta.effects.derive`) and flagged, and the
provenance carried through. A row whose printed statistics cannot give an effect size is
kept with ``status = not_computable`` and the reason, so that the inclusion log can show it.

Analysis scales:

* proportions (adverse events, responders in one arm): logit (``measure = PLO``) or the
  configured proportion measure, with an exact Clopper-Pearson per-study CI on the
  proportion scale; the continuity correction goes only to the measures listed in
  ``corrected_measures`` (metafor's default: PLO and PR, not PFT or PAS);
* responders, arm vs comparator: log odds ratio (``measure = OR``), per-study normal CI
  on the log scale;
* continuous measures: the change within an arm (``MC``) or its difference between arms
  (``MD``), in points (ALSFRS-R / ALSFRS) or % predicted (FVC), per month for slopes;
  positive = better function or slower progression; per-study normal-theory CI.
"""

from __future__ import annotations

import math

from alsmeta.effects import derive, measures
from alsmeta.effects.measures import CORRECTED_BY_DEFAULT
from alsmeta.io.tables import CONTRASTS, Row, responder_key
from alsmeta.kinds import BINARY_MEASURES

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
    "comparator_events",
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
    "population",
    "conflict_group",
    "conflict_version",
    "flags",
    "derivation",
    "tier",
    "source",
    "locator",
    "quote_id",
]

TIER_RANK = {"paper": 0, "registry": 1, "secondary": 2}

#: Unit labels of the analysis scale, by the scale of the instrument and the measure.
_UNITS = {
    ("alsfrs_r", True): "points/month",
    ("alsfrs", True): "points/month",
    ("fvc_percent_predicted", True): "% predicted/month",
    ("alsfrs_r", False): "points",
    ("alsfrs", False): "points",
    ("fvc_percent_predicted", False): "% predicted",
}


class _Trail:
    """The derivations behind one effect row: flags and the arithmetic, in order."""

    def __init__(self):
        self.flags: list[str] = []
        self.steps: list[str] = []

    def add(self, derived: derive.Derived) -> float:
        if derived.method and derived.method not in self.flags:
            self.flags.append(derived.method)
        if derived.text:
            self.steps.append(derived.text)
        return derived.value

    def flag(self, name: str, text: str = "") -> None:
        if name not in self.flags:
            self.flags.append(name)
        if text:
            self.steps.append(text)

    def fill(self, record: dict) -> dict:
        record["flags"] = ";".join(self.flags)
        record["derivation"] = "; ".join(self.steps)
        return record


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _unchanged(x: float) -> float:
    return x


def _computable(
    record: dict, yi: float, vi: float, se: float, z: float, *, back, ci_method: str, **more
):
    """Mark ``record`` computable: its yi, vi and SE, and the normal CI ``yi +/- z SE``
    taken to the natural scale by ``back`` (``_unchanged`` for differences)."""
    record.update(
        status="ok",
        status_reason="",
        yi=yi,
        vi=vi,
        sei=se,
        estimate=back(yi),
        ci_lower=back(yi - z * se),
        ci_upper=back(yi + z * se),
        ci_method=ci_method,
        **more,
    )


def _provenance(row: Row, table: str) -> dict:
    return {
        "source_table": table,
        "study_id": row["study_id"],
        "arm_id": row["arm_id"],
        "comparator_arm_id": row.get("comparator_arm_id"),
        "tier": row["tier"],
        "source": row["source"],
        "locator": row["locator"],
        "quote_id": ";".join(row["quote_id"]),
        "population": row.get("population"),
        "conflict_group": row.get("conflict_group"),
        "conflict_version": row.get("conflict_version"),
    }


def _timepoint(row: Row, trail: _Trail) -> float | None:
    if row.get("timepoint") is None:
        return None
    months = derive.duration_months(row["timepoint"], row["timepoint_unit"])
    if months.method:
        trail.add(derive.Derived(months.value, "", f"time point {months.text}"))
    if row.get("timepoint_basis") == "inferred":
        trail.flag(
            "timepoint_inferred",
            f"time point {row['timepoint']:g} {row['timepoint_unit']} inferred, not printed "
            "with the value (see the row's notes)",
        )
    return months.value


def _n_source(row: Row, trail: _Trail) -> None:
    source = row.get("n_source")
    if source == "other_field":
        trail.flag("n_from_other_field", f"n = {row['n']} read in another field of the source")
    elif source == "other_source":
        trail.flag("n_from_other_source", f"n = {row['n']} taken from another source of the trial")
    elif source == "randomized":
        trail.flag(
            "n_from_randomized",
            f"n = {row['n']} is the arm's randomized n (the treated n is not printed)",
        )


def _test_note(test: str | None) -> str:
    """How the z test of an SE-from-p derivation relates to what the source printed."""
    if test is None:
        return "the source does not name its test: z assumed"
    if test == "z":
        return "as the source states"
    return f"the source's test is {test.replace('_', ' ')}: z assumed for the estimate"


def _events(row: Row, trail: _Trail) -> int:
    """Participants with the event (or response), as printed or derived; ValueError if none."""
    n = row.get("n")
    basis = row["count_basis"]
    if basis == "not_reported":
        raise ValueError("no count or percentage is printed")
    if n is None:
        what = f"the count {row['events']}" if basis == "count" else f"{row['percent']:g}%"
        raise ValueError(f"the denominator of {what} is not printed")
    if basis == "percent":
        return int(trail.add(derive.count_from_percent(row["percent"], n)))
    if basis == "statement_none":
        # The statement itself (adverse events: the definition in the source's words, which
        # for a statement is the statement) and its quote ids, so the flag carries its quote.
        statement = row.get("ae_definition") or row.get("definition_wording") or ""
        quote = f" ('{statement}', {';'.join(row['quote_id'])})" if statement else ""
        trail.flag(
            "count_from_statement",
            f"events = 0 from the statement that none occurred{quote} (n = {n})",
        )
    return row["events"]


def _proportion(
    row: Row,
    table: str,
    effect_id: str,
    category: str,
    add,
    to,
    level,
    measure="PLO",
    ci_method="clopper_pearson",
    corrected_measures=CORRECTED_BY_DEFAULT,
) -> dict:
    """A proportion on the ``measure`` scale with its per-study CI for one arm's count.

    ``add`` is the continuity correction for the measures in ``corrected_measures``; the
    other measures get none (escalc's ``add = 0`` for PFT and PAS)."""
    trail = _Trail()
    record = {
        "effect_id": effect_id,
        **_provenance(row, table),
        "comparator_arm_id": None,
        "category": category,
        "measure": measure,
        "n": row.get("n"),
        "scale": "proportion",
        "unit": "proportion",
        "timepoint_months": _timepoint(row, trail),
        "is_primary": row.get("is_primary", True),
    }
    try:
        events = _events(row, trail)
    except ValueError as exc:
        record.update(status="not_computable", status_reason=str(exc))
        return trail.fill(record)
    _n_source(row, trail)
    n = row["n"]
    add = add if measure in corrected_measures else 0.0
    yi, vi, added = measures.proportion_effect(measure, [events], [n], add=add, to=to)
    yi, vi, added = float(yi[0]), float(vi[0]), float(added[0])
    interval = measures.wilson if ci_method == "wilson" else measures.clopper_pearson
    lo, hi = interval([events], [n], level=level)
    record.update(
        events=events,
        estimate=events / n,
        ci_lower=float(lo[0]),
        ci_upper=float(hi[0]),
        ci_method=(
            f"Wilson score {level:.0%}"
            if ci_method == "wilson"
            else f"Clopper-Pearson exact {level:.0%}"
        ),
        continuity_added=added,
    )
    if math.isnan(yi) or not vi > 0:
        record.update(
            status="not_computable",
            status_reason=(
                f"{events}/{n} has no finite {measure} estimate with a positive variance "
                f"without a continuity correction (continuity_correction_to = {to!r})"
            ),
        )
        return trail.fill(record)
    x_adj, n_adj = events + added, n + 2 * added
    if added:
        trail.steps.append(f"continuity correction {_fmt(added)} added to events and non-events")
    trail.steps.append(_proportion_formula(measure, x_adj, n_adj, yi, vi))
    record.update(status="ok", status_reason="", yi=yi, vi=vi, sei=math.sqrt(vi))
    return trail.fill(record)


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


#: Analysis scale of each two-group AE measure.


def harmonize_binary_contrasts(ae_rows, arms, add: float, to: str, level: float) -> list[dict]:
    """OR, RR and RD of each MSC arm against each control arm of its study, per AE category.

    A contrast pairs two computable-count rows of the same study, category, evidence tier
    and conflict version. Each measure is its own row (``measure`` OR/RR/RD); analyses of
    kind ``binary_comparison`` pool them, never together with single-arm rates. The
    per-study CI is normal-theory on the analysis scale, exponentiated for OR and RR.
    """
    groups = {}
    for row in ae_rows:
        if row.get("events") is None:
            continue
        key = (row["study_id"], row["category"], row["tier"], row.get("conflict_version"))
        groups.setdefault(key, []).append((arms[row["arm_id"]], row))
    z = measures.normal_quantile(level)
    out = []
    for (_, category, _, _), members in sorted(groups.items(), key=lambda i: str(i[0])):
        treated = [r for a, r in members if a["arm_type"] == "msc"]
        controls = [r for a, r in members if a["arm_type"] == "control"]
        for t in treated:
            for c in controls:
                counts = f"{t['events']}/{t['n']} vs {c['events']}/{c['n']}"
                quotes = dict.fromkeys(f"{t['quote_id']};{c['quote_id']}".split(";"))
                for measure in measures.BINARY_MEASURES:
                    yi, vi, added = measures.two_group_binary(
                        measure, [t["events"]], [t["n"]], [c["events"]], [c["n"]], add=add, to=to
                    )
                    yi, vi, added = float(yi[0]), float(vi[0]), float(added[0])
                    record = {
                        key: t.get(key)
                        for key in (
                            "source_table",
                            "study_id",
                            "arm_id",
                            "tier",
                            "source",
                            "locator",
                            "population",
                            "conflict_group",
                            "conflict_version",
                            "timepoint_months",
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
                        comparator_events=c["events"],
                        comparator_n=c["n"],
                        scale=BINARY_MEASURES[measure][1],
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
                        _computable(
                            record,
                            yi,
                            vi,
                            math.sqrt(vi),
                            z,
                            back=_unchanged if measure == "RD" else math.exp,
                            ci_method=(
                                f"normal {level:.0%} on the {BINARY_MEASURES[measure][1]} scale"
                            ),
                            derivation=(
                                f"{measure} from {counts}"
                                + (f"; {_fmt(added)} added to all four cells" if added else "")
                                + f"; yi = {yi:.6f}, vi = {vi:.6f}"
                            ),
                        )
                    out.append(record)
    return out


def _odds_ratio(row: Row, comparator: Row | None, add: float, level: float) -> dict:
    """Log odds ratio of responding, arm vs comparator, from a printed OR or the two counts."""
    trail = _Trail()
    used = [row] if comparator is None else [row, comparator]
    worst = max(used, key=lambda r: TIER_RANK[r["tier"]])
    quotes = []
    for r in used:
        quotes += [q for q in r["quote_id"] if q not in quotes]
    record = {
        "effect_id": f"{row['resp_id']}_odds_ratio",
        **_provenance(row, "responders"),
        "tier": worst["tier"],
        "quote_id": ";".join(quotes),
        "category": row["response_definition"],
        "measure": "OR",
        "n": row.get("n"),
        "comparator_n": comparator.get("n") if comparator is not None else None,
        "scale": "log_odds_ratio",
        "unit": "log odds ratio",
        "timepoint_months": _timepoint(row, trail),
        "is_primary": row["is_primary"],
    }
    if comparator is not None and comparator["source"] != row["source"]:
        record["source"] = f"{row['source']}; comparator: {comparator['source']}"
    try:
        if row.get("odds_ratio") is not None:
            odds = row["odds_ratio"]
            yi = math.log(odds)
            trail.steps.append(f"log OR = ln {_fmt(odds)} = {yi:.6f} (odds ratio as printed)")
            if row.get("ci_lower") is not None:
                se = trail.add(
                    derive.se_from_ci(
                        row["ci_lower"], row["ci_upper"], row.get("ci_level", 0.95), "log"
                    )
                )
            elif row.get("p_value") is not None and row.get("p_qualifier") == "=":
                se = trail.add(
                    derive.se_from_p(
                        yi,
                        row["p_value"],
                        "z",
                        sided=row.get("p_sided", "two"),
                        note=_test_note(row.get("p_test")),
                    )
                )
            else:
                raise ValueError("an odds ratio is printed without a CI or an exact p-value")
            shown, counts = [], _Trail()
            for side, r in (("", row), ("comparator_", comparator)):
                if r is not None and r.get("n") is not None and r["count_basis"] != "not_reported":
                    record[f"{side}events"] = _events(r, counts)
                    _n_source(r, counts)
                    shown.append(f"{record[f'{side}events']}/{r['n']}")
            # The counts shown carry their own flags (derived from a percentage, n from
            # another source), so that a reader of the forest plot sees how they were made.
            for flag in counts.flags:
                trail.flag(flag)
            if shown:
                trail.steps.append(
                    f"counts shown ({' vs '.join(shown)}) are as printed or derived from the "
                    "printed percentages; the effect uses the printed odds ratio"
                )
        else:
            if comparator is None:
                raise ValueError(
                    "no odds ratio is printed and the comparator arm has no row for this "
                    "definition, time point and population"
                    + (
                        f" (only p {row['p_qualifier'] or ''} {row['p_value']:g})"
                        if row.get("p_value")
                        else ""
                    )
                )
            events = _events(row, trail)
            _n_source(row, trail)
            comparator_events = _events(comparator, trail)
            _n_source(comparator, trail)
            yi, vi, text = derive.log_odds_ratio(
                events, row["n"], comparator_events, comparator["n"], add
            )
            trail.flag("log_odds_ratio_from_counts", text)
            se = math.sqrt(vi)
            record.update(events=events, comparator_events=comparator_events)
    except (ValueError, derive.DerivationError) as exc:
        record.update(status="not_computable", status_reason=str(exc))
        return trail.fill(record)
    z = measures.normal_quantile(level)
    _computable(
        record,
        yi,
        se**2,
        se,
        z,
        back=math.exp,
        ci_method=f"normal {level:.0%} on the log scale (exp(log OR +/- {z:.2f} SE))",
    )
    return trail.fill(record)


def harmonize_responders(rows: list[Row], add: float, to: str, level: float) -> list[dict]:
    """Per arm: the responder proportion; per comparison: the log odds ratio."""
    by_key = {responder_key(r): r for r in rows}
    out = []
    for row in rows:
        out.append(
            _proportion(
                row, "responders", row["resp_id"], row["response_definition"], add, to, level
            )
        )
        if row.get("comparator_arm_id") is not None:
            comparator = by_key.get(responder_key(row, row["comparator_arm_id"]))
            out.append(_odds_ratio(row, comparator, add, level))
    return out


def _estimate(row: Row, trail: _Trail) -> float:
    """The estimate in "higher = better" sign, per month for slopes; ValueError if none."""
    unit, sign = row["unit"], row["sign_convention"]
    rate = unit != "total"

    def per_month(value, period_column=None):
        if not rate:
            return value
        period = row.get(period_column) if period_column else None
        try:
            return trail.add(derive.rate_per_month(value, unit, period, row.get("period_unit")))
        except derive.DerivationError as exc:
            which = {"pre_period": "pre-treatment ", "post_period": "post-treatment "}
            raise ValueError(f"{which.get(period_column, '')}slope: {exc}") from None

    if row["measure"] == "slope_pre_post":
        pre = trail.add(derive.signed(per_month(row["pre_mean"], "pre_period"), sign))
        post = trail.add(derive.signed(per_month(row["post_mean"], "post_period"), sign))
        change = post - pre
        trail.steps.append(f"change = post - pre = {_fmt(post)} - ({_fmt(pre)}) = {_fmt(change)}")
        return change
    if unit == "per_period":
        raise ValueError(
            "a change per period cannot be expressed per month without both periods' lengths"
        )
    if row.get("mean") is not None:
        value = row["mean"]
        if row.get("arm_mean") is not None:
            check = row["arm_mean"] - row["comparator_mean"]
            if abs(check - value) > 0.011:
                trail.flag(
                    "difference_check_failed",
                    f"printed difference {_fmt(value)} vs arm means {_fmt(check)}",
                )
    elif row.get("arm_mean") is not None:
        value = row["arm_mean"] - row["comparator_mean"]
        trail.flag(
            "difference_from_arm_means",
            f"difference = {_fmt(row['arm_mean'])} - ({_fmt(row['comparator_mean'])}) = "
            f"{_fmt(value)} (not printed; computed from the arm values)",
        )
    elif row.get("median") is not None:
        if row.get("n") is None:
            raise ValueError("a median needs n to be converted to a mean")
        if row.get("q1") is not None:
            mean, _ = derive.mean_sd_from_median_iqr(row["median"], row["q1"], row["q3"], row["n"])
        else:
            mean, _ = derive.mean_sd_from_median_range(
                row["median"], row["minimum"], row["maximum"], row["n"]
            )
        value = trail.add(mean)
    else:
        bound = f"p {row.get('p_qualifier') or ''} {_fmt(row['p_value'])}".replace("  ", " ")
        raise ValueError(f"no estimate is printed, only {bound}")
    value = per_month(value)
    return trail.add(derive.signed(value, sign)) if sign != "slope" else value


def _standard_error(row: Row, estimate: float, r: float, trail: _Trail) -> float:
    """SE of the estimate (per month for slopes) from what was printed.

    Order of preference: a printed SE; an SD (printed, or from a median with quartiles or
    range) with its n; a CI; the SEs of the two arms; an exact p-value; for separately
    printed pre/post slopes, the SD of the change from their SDs and the configured
    correlation ``r``. Raises ValueError with the reason when none applies.
    """
    unit = row["unit"]
    factor = 1.0 if unit == "total" else derive.rate_per_month(1.0, unit).value
    n = row.get("n")
    contrast = row["measure"] in CONTRASTS
    scaled = " (per month)" if factor != 1.0 else ""
    if row.get("se") is not None:
        se = row["se"] * factor
        trail.steps.append(f"SE as printed ({_fmt(row['se'])}){scaled}")
        return se
    sd = row.get("sd")
    if sd is None and row.get("median") is not None and n is not None and not contrast:
        if row.get("q1") is not None:
            _, derived = derive.mean_sd_from_median_iqr(row["median"], row["q1"], row["q3"], n)
        else:
            _, derived = derive.mean_sd_from_median_range(
                row["median"], row["minimum"], row["maximum"], n
            )
        sd = trail.add(derived)
    if sd is not None and n is not None and not contrast:
        return trail.add(derive.se_from_sd(sd, n)) * factor
    if row.get("ci_lower") is not None:
        return (
            trail.add(
                derive.se_from_ci(row["ci_lower"], row["ci_upper"], row.get("ci_level", 0.95))
            )
            * factor
        )
    if row.get("arm_se") is not None:
        return trail.add(derive.se_of_difference(row["arm_se"], row["comparator_se"])) * factor
    if row.get("p_value") is not None and row.get("p_qualifier") == "=":
        test, df = "z", None
        if row.get("p_test") == "t":
            if contrast and n is not None and row.get("comparator_n") is not None:
                test, df = "t", n + row["comparator_n"] - 2
            elif not contrast and n is not None:
                test, df = "t", n - 1
        note = _test_note(row.get("p_test")) if test == "z" else "as the source states"
        return trail.add(
            derive.se_from_p(estimate, row["p_value"], test, df, row.get("p_sided", "two"), note)
        )
    if row.get("pre_sd") is not None and row.get("post_sd") is not None and n is not None:
        sd_change = trail.add(derive.sd_of_change(row["pre_sd"], row["post_sd"], r))
        return trail.add(derive.se_from_sd(sd_change * factor, n))
    if row.get("p_value") is not None:
        raise ValueError(
            f"only a p-value bound is printed (p {row.get('p_qualifier') or '?'} "
            f"{_fmt(row['p_value'])}) and no SD with n, SE or CI"
        )
    raise ValueError("no SD with n, SE, CI or p-value is printed")


def harmonize_efficacy(rows: list[Row], r: float, level: float) -> list[dict]:
    """Continuous measures on the analysis scale (positive = better or slower progression)."""
    out = []
    for row in rows:
        trail = _Trail()
        contrast = row["measure"] in CONTRASTS
        rate = row["unit"] != "total"
        if row["scale"] == "alsfrs":
            trail.flag("original_alsfrs")
        if row.get("erratum_status"):
            trail.flag(row["erratum_status"])
        n, comparator_n = row.get("n"), row.get("comparator_n")
        if contrast and n is None and row.get("n_total") is not None:
            n = row["n_total"]
            trail.flag("n_is_total", f"n = {n} for both arms together (per-arm n not printed)")
        record = {
            "effect_id": row["eff_id"],
            **_provenance(row, "efficacy"),
            "category": row["measure"],
            "measure": "MD" if contrast else "MC",
            "n": n,
            "comparator_n": comparator_n,
            "scale": row["scale"],
            "unit": _UNITS[(row["scale"], rate)],
            "timepoint_months": _timepoint(row, trail),
            "is_primary": row["is_primary"],
        }
        try:
            estimate = _estimate(row, trail)
            se = _standard_error(row, estimate, r, trail)
            if not se > 0:
                raise derive.DerivationError(
                    f"the derived SE is {se:g}: an effect with zero variance cannot be weighted"
                )
        except (ValueError, derive.DerivationError) as exc:
            record.update(status="not_computable", status_reason=str(exc))
            out.append(trail.fill(record))
            continue
        z = measures.normal_quantile(level)
        _computable(
            record,
            estimate,
            se**2,
            se,
            z,
            back=_unchanged,
            ci_method=f"normal {level:.0%}: estimate +/- {z:.2f} SE",
        )
        out.append(trail.fill(record))
    return out


def harmonize(
    data: dict[str, list[Row]],
    add: float,
    to: str,
    level: float,
    r: float,
    measure: str = "PLO",
    ci_method: str = "clopper_pearson",
    corrected_measures=CORRECTED_BY_DEFAULT,
) -> list[dict]:
    """Every effect-size row: adverse events and their two-arm contrasts, efficacy,
    then responders, in table order. An adverse-event row is a proportion on the
    ``measure`` scale with its per-study CI; ``add`` goes to the proportion measures in
    ``corrected_measures`` (and always to the two-group OR, RR and RD)."""
    ae = [
        _proportion(
            row,
            "adverse_events",
            row["ae_id"],
            row["ae_category"],
            add,
            to,
            level,
            measure,
            ci_method,
            corrected_measures,
        )
        for row in data["adverse_events"]
    ]
    arms = {a["arm_id"]: a for a in data["arms"]}
    rows = ae + harmonize_binary_contrasts(ae, arms, add, to, level)
    rows += harmonize_efficacy(data["efficacy"], r, level)
    rows += harmonize_responders(data["responders"], add, to, level)
    return [{column: row.get(column) for column in COLUMNS} for row in rows]


def harmonize_as_configured(data: dict[str, list[Row]], settings: dict) -> list[dict]:
    """:func:`harmonize` with the config's ``harmonize`` section (every key the schema
    requires there)."""
    return harmonize(
        data,
        add=settings["continuity_correction"],
        to=settings["continuity_correction_to"],
        level=settings["ci_level"],
        r=settings["prepost_correlation"],
        measure=settings["proportion_measure"],
        ci_method=settings["ci_method"],
        corrected_measures=settings["continuity_correction_measures"],
    )
