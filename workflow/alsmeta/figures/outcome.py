"""Every figure of one outcome, built from the pipeline's tables.

:func:`overall_forest` and :func:`subgroup_forest` turn rows of ``analysed_effects.tsv``,
``pooled.tsv`` and ``weights.tsv`` (plus the printed per-arm numbers of ``efficacy.tsv``)
into :class:`alsmeta.figures.forest.Forest` values; :func:`leave_one_out_forest` draws the
leave-one-out re-fits the same way. Nothing here computes a statistic except the
leave-one-out re-fits (with :func:`alsmeta.stats.random_effects.random_effects`); a statistic
the tables do not carry (a test for subgroup differences with one subgroup) is said to be absent.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

from alsmeta.analysis.headline import BAYESIAN, bayesian_view, headline_framework
from alsmeta.figures import forest
from alsmeta.figures.text import (
    effect_text,
    heterogeneity_line,
    interval_text,
    level_text,
    num,
    overall_test_line,
    readable,
    subgroup_test_line,
)
from alsmeta.io.risk_of_bias import SCOPE_LABELS, TOOLS
from alsmeta.kinds import KINDS, MIN_K_LEAVE_ONE_OUT, OutcomeKind, is_event_rate, kind_of

SUBGROUP_LABELS = {
    "route": "Route",
    "tissue": "Tissue",
    "design": "Design",
    "product": "Cell product",
    "autologous": "Autologous or allogeneic",
    "definition": "Definition",
}

#: Footnote markers for the flags harmonize sets on a row.
FLAG_NOTES = {
    "count_from_percent": (
        "\u2020",
        "events derived as round(percent \u00d7 n) from a printed percentage",
    ),
    "count_from_statement": ("\u2021", "0 events taken from a statement that none occurred"),
    "converted_from_per_year": ("\u00a7", "slope printed per year, divided by 12"),
    "sign_normalised": (
        "\u00b6",
        "printed as a rate of decline; sign reversed (positive = slower progression)",
    ),
    "original_alsfrs": ("#", "original ALSFRS (0\u201340) scale"),
    "n_from_other_field": ("\u2016", "n read in another field of the source"),
    "n_from_other_source": (
        "\u00a4",
        "n taken from another source of the trial, not printed with the value",
    ),
    "n_from_randomized": (
        "\u2225",
        "n is the arm's randomized n; the treated n is not printed (an assumption)",
    ),
    "timepoint_inferred": (
        "\u2248",
        "time point inferred, not printed with the value (see the report's provenance)",
    ),
}
NO_SD = (
    "*",
    "SD not printed: the analysed SE was derived from the printed CI, p-value or pre/post SDs "
    "(see the report's provenance)",
)


#: Study orders of figures.forest.sort: key of a study row (an analysed_effects.tsv row)
#: given its weight; "listed" keeps the order of the selection.
SORT_KEYS = {
    "year": lambda row, weight: (row["year"],),
    "weight": lambda row, weight: (-(weight or 0.0),),
    "effect": lambda row, weight: (row["estimate"],),
}


@dataclass(frozen=True)
class Settings:
    """What the config says about one outcome's figures: the interval levels they state
    (``ci_level``: harmonize.ci_level, each study's CI; ``level``: pooling.level, pooled
    CIs, prediction and credible intervals) and the forest-plot controls of
    figures.forest with the outcome's figures.forest_overrides (``sort``: study order,
    ``xlim``: axis limits on the natural scale, None to choose them)."""

    ci_level: float
    level: float
    sort: str = "listed"
    xlim: tuple[float, float] | None = None

    @property
    def study_ci(self) -> str:
        return f"{level_text(self.ci_level)} CI"

    @property
    def pooled_ci(self) -> str:
        return f"{level_text(self.level)} CI"

    def ordered(self, rows: list[dict], weights: dict) -> list[dict]:
        """Study rows in the configured order (ties keep the listed order)."""
        if self.sort == "listed":
            return list(rows)
        key = SORT_KEYS[self.sort]
        return sorted(rows, key=lambda r: key(r, weights.get(r["effect_id"])))


def _interval_method(pi_method: str) -> str:
    """The prediction-interval method as a reader reads it: its formula (and reference), not
    the software whose output it reproduces (pooled.tsv keeps that)."""
    return re.sub(r" \(metafor [^)]*\)", "", pi_method.split(",")[0])


def effect_header(entry: OutcomeKind) -> str:
    """The measure (and a short unit) heading the effect column: 'Risk ratio', 'Proportion (%)'."""
    return f"{entry.measure} ({entry.unit})" if 0 < len(entry.unit) <= 2 else entry.measure


def _is_glmm(pooled: dict | None) -> bool:
    return pooled is not None and pooled.get("method") == "binomial-normal GLMM"


#: The Weight cell of a study pooled by the GLMM (explained in the method footnote).
NO_WEIGHT = "none"


def _total_weight(pooled: dict) -> str:
    """The Weight cell of a total: 100% of the inverse-variance weights, or none (GLMM)."""
    return NO_WEIGHT if _is_glmm(pooled) else "100.0%"


def _was_pooled(pooled: dict | None) -> bool:
    """Whether a model pooled the outcome (None: no overall row given, as a pooled plot)."""
    return pooled is None or pooled.get("status") == "pooled"


def _method_label(pooled: dict | None) -> str:
    """RevMan's method tag: inverse variance, or the GLMM (which has no IV weights)."""
    if _is_glmm(pooled):
        return "GLMM, Random"
    return "IV, Random"


def method_and_interval(pooled: dict | None, ci: str) -> str:
    """'IV, Random, 95% CI' over the effect column; the interval alone where nothing was
    pooled (one study: its own estimate, no model and no weights)."""
    return f"{_method_label(pooled)}, {ci}" if _was_pooled(pooled) else ci


def graph_header(entry: OutcomeKind, ci: str, pooled: dict | None = None) -> str:
    """The measure with its unit over the method and interval: RevMan's graph header."""
    unit = f" ({entry.unit})" if entry.unit else ""
    return f"{entry.measure}{unit}\n{method_and_interval(pooled, ci)}"


#: Width (inches) at which the Definition column wraps.
DEFINITION_WRAP_IN = 1.9


def _columns(
    kind: str, entry: OutcomeKind, ci: str, pooled: dict | None = None
) -> tuple[forest.Column, ...]:
    study = forest.Column("study", "Study or subgroup", align="left", wrap_in=2.1)
    definition = forest.Column("definition", "Definition", align="left", wrap_in=DEFINITION_WRAP_IN)
    effect = forest.Column("effect", f"{effect_header(entry)}\n{method_and_interval(pooled, ci)}")
    # No Weight column where nothing was pooled: a single study has no model weight.
    tail = (forest.Column("weight", "Weight"), effect) if _was_pooled(pooled) else (effect,)
    if is_event_rate(kind):
        arms = (
            forest.Column("events", "Events", group="MSC"),
            forest.Column("total", "Total", group="MSC"),
        )
    elif KINDS[kind].shows == "two_arm_counts":
        arms = tuple(
            forest.Column(f"{arm}_{c}", c.capitalize(), group=label)
            for arm, label in (("msc", "MSC"), ("control", "Control"))
            for c in ("events", "total")
        )
    elif KINDS[kind].shows == "within_arm":
        g = "MSC (after \u2212 before)"
        arms = (
            forest.Column("mean", "Mean", group=g),
            forest.Column("sd", "SD", group=g),
            forest.Column("total", "Total", group=g),
        )
    else:
        arms = tuple(
            forest.Column(f"{arm}_{c}", c.capitalize() if c != "sd" else "SD", group=label)
            for arm, label in (("msc", "MSC"), ("control", "Control"))
            for c in ("mean", "sd", "total")
        )
    return (study, definition, *arms, *tail)


def _markers(row: dict, notes: dict) -> str:
    """The footnote marks of a row's flags, each once (a contrast carries the flags of
    both its arms); ``notes`` collects mark -> text."""
    marks = ""
    for flag in dict.fromkeys(filter(None, str(row.get("flags") or "").split(";"))):
        mark, text = FLAG_NOTES.get(flag, ("\u00b0", flag.replace("_", " ")))
        notes[mark] = text
        marks += mark
    return marks


def _arm_rows(efficacy: list[dict]) -> dict:
    """Printed per-arm slope changes on the analysis scale, by (study, arm, timepoint)."""
    return {
        (e["study_id"], e["arm_id"], e["timepoint_months"]): e
        for e in efficacy
        if e["measure"] == "slope_change"
        and e["unit"] == "points_per_month"
        and e["sign_convention"] == "slope"
    }


def _count(value) -> str:
    return "NR" if value is None else str(value)


def study_row(
    row: dict, kind: str, weight, efficacy: list[dict], notes: dict, rob=None
) -> forest.Row:
    """One study's table row and whisker (``row``: an analysed_effects.tsv row; ``rob``:
    study_id -> risk-of-bias judgement, for the dots right of the graph)."""
    cells = {
        "study": row["label"],
        "definition": row["definition"],
        "weight": f"{weight:.1f}%" if weight is not None else "",
        "effect": effect_text(kind, row["estimate"], row["ci_lower"], row["ci_upper"]),
    }
    marks = _markers(row, notes)
    if is_event_rate(kind):
        cells.update(events=f"{row['events']}{marks}", total=str(row["n"]))
    elif KINDS[kind].shows == "two_arm_counts":
        cells.update(
            msc_events=f"{_count(row.get('events'))}{marks}",
            msc_total=_count(row.get("n")),
            control_events=_count(row.get("comparator_events")),
            control_total=_count(row.get("comparator_n")),
        )
    elif KINDS[kind].shows == "within_arm":
        printed = _arm_rows(efficacy).get((row["study_id"], row["arm_id"], row["timepoint_months"]))
        sd = printed.get("sd") if printed and printed["eff_id"] == row["effect_id"] else None
        if sd is None:
            notes[NO_SD[0]] = NO_SD[1]
        cells.update(
            mean=f"{num(row['estimate'])}{marks}",
            sd=num(sd) if sd is not None else NO_SD[0],
            total=str(row["n"]) if row.get("n") is not None else "NR",
        )
    else:
        arms = _arm_rows(efficacy)
        for arm, arm_id, n in (
            ("msc", row["arm_id"], row.get("n")),
            ("control", row["comparator_arm_id"], row.get("comparator_n")),
        ):
            printed = arms.get((row["study_id"], arm_id, row["timepoint_months"]))
            cells[f"{arm}_mean"] = (
                num(printed["mean"]) if printed and printed.get("mean") is not None else "\u2013"
            )
            cells[f"{arm}_sd"] = (
                num(printed["sd"]) if printed and printed.get("sd") is not None else "\u2013"
            )
            cells[f"{arm}_total"] = str(n) if n is not None else "NR"
        if marks:
            cells["msc_mean"] += marks
    return forest.Row(
        "study",
        cells,
        row["estimate"],
        row["ci_lower"],
        row["ci_upper"],
        weight=weight,
        dots=_rob_keys(rob, row["study_id"]),
    )


#: Judgement -> (colour, symbol) of the risk-of-bias dots (robvis's colours).
def _rob_styles() -> dict:
    from alsmeta.figures.risk_of_bias import STYLE

    return STYLE


def _rob_width(rob) -> int:
    return max((len(j.domains) for j in (rob or {}).values()), default=0)


def _rob_keys(rob, study_id: str) -> tuple:
    """The dots of one study: a judgement per domain (padded to the widest tool), then
    the overall judgement; none when the plot shows no risk of bias."""
    if not rob:
        return ()
    width = _rob_width(rob)
    j = rob.get(study_id)
    if j is None:
        return (None,) * (width + 1)
    values = [v for _, v in j.domains]
    return (*values, *([None] * (width - len(values))), j.overall)


def rob_dots(rob) -> forest.Dots | None:
    """The risk-of-bias dot columns (domain numbers, then 'All' for the overall)."""
    if not rob:
        return None
    header = tuple(str(k) for k in range(1, _rob_width(rob) + 1)) + ("All",)
    return forest.Dots(header, _rob_styles())


def rob_footnote(rob, rows: list[dict]) -> str:
    """The legend of the risk-of-bias dots: each tool's numbered domains, the symbols."""
    if not rob:
        return ""
    tools = [t for t in TOOLS if any(j.tool == t for j in rob.values())]
    scopes = sorted({j.scope for j in rob.values()})
    parts = [
        f"{TOOLS[t].name} ({TOOLS[t].citation}): "
        + "; ".join(f"{k} {name.lower()}" for k, name in enumerate(TOOLS[t].domains.values(), 1))
        for t in tools
    ]
    missing = sorted({r["label"] for r in rows if r["study_id"] not in rob})
    text = (
        "Risk of bias (dots right of the graph, judgements for "
        + ", ".join(SCOPE_LABELS[s] for s in scopes)
        + "; All = overall, computed by the tool's rule): "
        + ". ".join(parts)
        + ". + low or yes; \u2212 some concerns or moderate; \u00d7 high, serious or no; "
        "! critical; ? no information or unclear."
    )
    if missing:
        text += f" Not appraised: {', '.join(missing)}."
    return text


def _method_note(pooled: dict, kind: str) -> str:
    if _is_glmm(pooled):
        return (
            f"Random effects: binomial-normal GLMM (logit link, ML); CI {pooled['ci_method']}; "
            f"prediction interval normal. Weight {NO_WEIGHT}: the GLMM fits each study's events "
            "and total through its likelihood and gives it no inverse-variance weight; squares "
            "are drawn at one size. Study CIs exact (Clopper-Pearson). Typical-study rate: the "
            "back-transformed pooled logit, the median of the study rates (conditional on the "
            "random effect). Population-averaged rate: the mean rate over studies, averaged over "
            "the fitted between-study distribution (CI "
            f"{pooled.get('marginal_ci_method') or 'delta method'}); with large \u03c4\u00b2 "
            "the two differ."
        )
    if str(pooled.get("method")).startswith(("Mantel-Haenszel", "Peto")):
        return (
            f"{pooled['method']}: a study has a zero cell, so the pooled odds ratio is the "
            f"count-based common-effect model (CI {pooled['ci_method']}); no prediction "
            "interval. Squares: area proportional to the random-effects weight."
        )
    note = (
        f"Random effects: \u03c4\u00b2 by {pooled.get('estimator_used') or pooled['estimator']}; "
        f"CI {pooled['ci_method']}; prediction interval {_interval_method(pooled['pi_method'])}. "
        "Squares: area proportional to the random-effects (inverse-variance) weight."
    )
    if is_event_rate(kind):
        scale = pooled.get("analysis_scale", "logit")
        note += f" Proportions pooled on the {scale} scale and back-transformed."
    return note


def _pooled_rows(
    kind: str, pooled: dict, studies: list[dict], label: str, weight: str
) -> list[forest.Row]:
    """The pooled (or subtotal) row, and for single-arm counts the total events."""
    cells = {
        "study": label,
        "weight": weight,
        "effect": effect_text(kind, pooled["estimate"], pooled["ci_lower"], pooled["ci_upper"]),
    }
    if is_event_rate(kind) or KINDS[kind].shows == "within_arm":
        cells["total"] = str(pooled["n_total"])
    else:
        cells["msc_total"] = str(sum(r.get("n") or 0 for r in studies))
        cells["control_total"] = str(sum(r.get("comparator_n") or 0 for r in studies))
    rows = [
        forest.Row(
            "pooled", cells, pooled["estimate"], pooled["ci_lower"], pooled["ci_upper"], bold=True
        )
    ]
    if is_event_rate(kind):
        events = str(sum(r["events"] for r in studies))
        rows.append(forest.Row("cells", {"study": "Total events", "events": events}))
    return rows


def _has_marginal(pooled: dict) -> bool:
    """Whether the pooled rate is a GLMM's conditional one with a population average beside it."""
    return _finite(pooled.get("marginal_estimate"))


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _total_rows(kind, pooled, studies, label, weight, level: float) -> list[forest.Row]:
    """The total diamond, then its prediction interval, then (for counts) the total events.

    A GLMM's total is its conditional median rate (the rate of a typical study); the
    population-averaged rate follows it as an open diamond, each row saying which it is."""
    ci = f"{level_text(level)} CI"
    if _has_marginal(pooled):
        label = f"Typical-study rate ({ci})"
    rows = _pooled_rows(kind, pooled, studies, label, weight)
    out = [rows[0]]
    if _has_marginal(pooled):
        est, lo, hi = (pooled[f"marginal_{f}"] for f in ("estimate", "ci_lower", "ci_upper"))
        out.append(
            forest.Row(
                "pooled",
                {
                    "study": f"Population-averaged rate ({ci})",
                    "effect": effect_text(kind, est, lo, hi),
                },
                est,
                lo,
                hi,
                hollow=True,
            )
        )
    # A count-based common-effect headline (Mantel-Haenszel, Peto) has no prediction interval.
    prediction = [] if pooled["pi_lower"] is None else [_prediction_row(kind, pooled, level)]
    return [*out, *prediction, *rows[1:]]


def _prediction_row(kind: str, pooled: dict, level: float) -> forest.Row:
    return forest.Row(
        "prediction",
        {
            "study": f"{level_text(level)} prediction interval",
            "effect": interval_text(kind, pooled["pi_lower"], pooled["pi_upper"]),
        },
        None,
        pooled["pi_lower"],
        pooled["pi_upper"],
    )


#: Fixed axis range for ratios: a pooled interval from k = 2 under t(1) can span ten orders
#: of magnitude; whiskers and bars beyond the range end in arrows.
LOG_LIMITS = (0.01, 100.0)


def _scale(entry: OutcomeKind, xlim=None, reference=()) -> forest.Scale:
    """The axis of ``entry``'s kind: ``xlim`` (natural scale) when configured, else fixed
    limits for ratios and limits chosen from the rows otherwise."""
    limits = LOG_LIMITS if entry.axis == "log" else None
    limits = tuple(xlim) if xlim is not None else limits
    return forest.Scale(
        entry.axis, entry.null, entry.favours, limits=limits, reference=tuple(reference)
    )


def _footnotes(
    pooled: dict | None, kind: str, notes: dict, level: float, bayes: Bayes | None = None
) -> tuple[str, ...]:
    out = [f"{mark} {text}" for mark, text in sorted(notes.items())]
    if pooled is not None and pooled.get("status") == "pooled":
        out.insert(0, _method_note(pooled, kind))
    if bayes is not None and pooled is not None and bayes.draws_total(kind, pooled):
        out.insert(0, bayes.note(kind, pooled, level))
    return tuple(out)


def _total(
    kind: str,
    pooled: dict,
    studies: list[dict],
    not_pooled: str,
    level: float,
    bayes: Bayes | None = None,
) -> list[forest.Row]:
    """The total of an outcome's forest plot: its rows, heterogeneity and the test for the
    overall effect; or, where ``pooled`` did not pool, a note ``not_pooled: why``. With
    ``bayes``, the Bayesian total too (first when it is the primary framework)."""
    if pooled["status"] != "pooled":
        frequentist = [
            forest.Row("note", text=f"{not_pooled}: {readable(pooled['reason'])}", bold=True)
        ]
    else:
        frequentist = [
            *_total_rows(
                kind,
                pooled,
                studies,
                f"Total ({level_text(level)} CI)",
                _total_weight(pooled),
                level,
            ),
            forest.Row("note", text=heterogeneity_line(pooled)),
            forest.Row("note", text=overall_test_line(pooled, kind)),
        ]
    if bayes is None or not bayes.draws_total(kind, pooled):
        return frequentist
    if bayes.leads(kind, pooled):
        return [*_bayes_total(kind, pooled, studies, level, hollow=False), *frequentist]
    return [*frequentist, *_bayes_total(kind, pooled, studies, level, hollow=True)]


def _forest(
    definition: dict,
    settings: Settings,
    pooled: dict,
    table: list[forest.Row],
    title: str,
    notes: dict,
    summary: str,
    rob=None,
    rows=(),
    bayes: Bayes | None = None,
) -> forest.Forest:
    """An outcome's forest plot (overall or by subgroup) around its overall ``pooled`` row;
    ``summary``, when not empty, is the last footnote (why study rows are not drawn)."""
    kind, entry = definition["kind"], kind_of(definition)
    header = graph_header(entry, settings.study_ci, pooled)
    if bayes is not None and bayes.leads(kind, pooled):
        header = f"{header.split(chr(10))[0]}\nBayesian, Random, {level_text(settings.level)} CrI"
    return forest.Forest(
        columns=_columns(kind, entry, settings.study_ci, pooled),
        rows=tuple(table),
        scale=_scale(entry, settings.xlim),
        graph_header=header,
        title=title,
        footnotes=_footnotes(pooled, kind, notes, settings.level, bayes)
        + ((summary,) if summary else ())
        + ((rob_footnote(rob, list(rows)),) if rob else ()),
        binary=entry.binary,
        dots=rob_dots(rob),
    )


def _study_rows(kind, rows, pooled, weights, efficacy, notes, rob) -> list[forest.Row]:
    """The study rows; under a GLMM, whose studies have no inverse-variance weight, the
    Weight cell says so with a mark the method footnote explains."""
    out = []
    for r in rows:
        row = study_row(r, kind, weights.get(r["effect_id"]), efficacy, notes, rob)
        if _is_glmm(pooled) and pooled["status"] == "pooled" and row.weight is None:
            row = dataclasses.replace(row, cells={**row.cells, "weight": NO_WEIGHT})
        out.append(row)
    return out


def overall_forest(
    definition: dict,
    settings: Settings,
    rows: list[dict],
    pooled: dict,
    weights: dict,
    efficacy,
    summary="",
    rob=None,
    bayes: Bayes | None = None,
) -> forest.Forest:
    """The outcome's forest plot. ``settings``: levels and plot controls of the config;
    ``rows``: its analysed effects in display order; ``pooled``: its overall pooled.tsv
    row; ``weights``: effect_id -> weight %. ``summary``: when not empty, the footnote
    saying why the study rows are not drawn. ``rob``: study_id -> risk-of-bias judgement
    for this outcome (None: no dots); ``bayes``: the Bayesian rows to draw (shrinkage
    estimates, total)."""
    kind = definition["kind"]
    notes: dict = {}
    rob = None if summary else rob
    table = []
    shown = [] if summary else settings.ordered(rows, weights)
    drawn = _study_rows(kind, shown, pooled, weights, efficacy, notes, rob)
    for r, row in zip(shown, drawn, strict=True):
        table.append(row)
        if bayes is not None:
            table += bayes.shrinkage_rows(kind, r)
    table += _total(kind, pooled, rows, "Not pooled", settings.level, bayes)
    return _forest(
        definition, settings, pooled, table, definition["label"], notes, summary, rob, rows, bayes
    )


def subgroup_forest(
    definition: dict,
    settings: Settings,
    variable: str,
    rows: list[dict],
    pooled_rows: list[dict],
    weights: dict,
    efficacy,
    summary_only: str = "",
    rob=None,
    bayes: Bayes | None = None,
) -> forest.Forest:
    """Forest plot by subgroup: a diamond per level, the overall diamond, and the test for
    subgroup differences. ``pooled_rows``: every pooled.tsv row of the outcome; ``weights``:
    the overall analysis's weights, so that subtotals add up to 100% as in RevMan.
    ``summary_only``: when not empty, the footnote saying why each level is drawn as its
    subtotal alone, without its study rows (a forest plot of thousands of rows)."""
    kind = definition["kind"]
    rob = None if summary_only else rob
    name = SUBGROUP_LABELS.get(variable, variable)
    overall = next(r for r in pooled_rows if r["subgroup_variable"] == "overall")
    notes: dict = {}
    table: list[forest.Row] = []
    levels = [r for r in pooled_rows if r["subgroup_variable"] == variable]
    for level in levels:
        members = [r for r in rows if r[variable] == level["subgroup_level"]]
        heading = f"{name}: {str(level['subgroup_level']).replace('_', ' ')}"
        if summary_only:
            heading += f" ({len(members)} studies)"
        table.append(forest.Row("heading", text=heading))
        if not summary_only:
            shown = settings.ordered(members, weights)
            table += _study_rows(kind, shown, overall, weights, efficacy, notes, rob)
        if level["status"] == "pooled":
            share = sum(weights.get(r["effect_id"]) or 0 for r in members)
            table += _pooled_rows(
                kind,
                level,
                members,
                f"Subtotal ({settings.pooled_ci})",
                NO_WEIGHT if _is_glmm(overall) else f"{share:.1f}%" if weights else "",
            )
            table.append(forest.Row("note", text=heterogeneity_line(level)))
            if not is_event_rate(kind):
                table.append(forest.Row("note", text=overall_test_line(level, kind)))
        else:
            table.append(
                forest.Row(
                    "note", text=f"Subtotal not estimated: {readable(level['reason'])}", bold=True
                )
            )
        table.append(forest.Row("blank"))
    table += _total(kind, overall, rows, "Total not estimated", settings.level, bayes)
    table.append(forest.Row("note", text=subgroup_test_line(pooled_rows, variable)))
    title = f"{definition['label']}, by {name.lower()}"
    return _forest(
        definition, settings, overall, table, title, notes, summary_only, rob, rows, bayes
    )


# -- the Bayesian analysis on the forest plots ---------------------------------------------


@dataclass(frozen=True)
class Bayes:
    """What a forest plot shows of the Bayesian analysis (figures.show_shrinkage; the
    headline rule of pooling.primary_framework and pooling.bayesian_headline_max_k, read by
    :func:`alsmeta.analysis.headline.headline_framework`). ``shrinkage``: effect_id -> its
    bayes_shrinkage.tsv row in the overall analysis."""

    show_shrinkage: bool = False
    framework: str = "frequentist"
    max_k: int = 4
    shrinkage: dict = field(default_factory=dict)

    def leads(self, kind: str, pooled: dict) -> bool:
        """Whether the Bayesian total is the plot's headline: drawn first and filled, and
        named in the graph header. The one place the figures pick the framework of the
        total diamond, by :func:`alsmeta.analysis.headline.headline_framework`."""
        return (
            headline_framework(pooled, kind, self.framework, self.max_k) == BAYESIAN
            and pooled.get("bayes_status") == "pooled"
        )

    def draws_total(self, kind: str, pooled: dict) -> bool:
        """Whether the Bayesian total is drawn (primary, or beside it with the shrinkage)."""
        return (self.leads(kind, pooled) or self.show_shrinkage) and pooled.get(
            "bayes_status"
        ) == "pooled"

    def shrinkage_rows(self, kind: str, row: dict) -> list[forest.Row]:
        """A study's shrinkage estimate, as an open circle under its square (or nothing)."""
        shrunk = self.shrinkage.get(row["effect_id"]) if self.show_shrinkage else None
        if shrunk is None:
            return []
        lo, est, hi = (shrunk[f"shrunken_{c}"] for c in ("lower", "estimate", "upper"))
        return [
            forest.Row(
                "study",
                {"study": "   Bayesian shrinkage", "effect": effect_text(kind, est, lo, hi)},
                est,
                lo,
                hi,
                hollow=True,
            )
        ]

    def note(self, kind: str, pooled: dict, level: float) -> str:
        """The footnote naming the Bayesian model, its priors and what is drawn open
        (``level``: pooling.level, of every credible and predictive interval)."""
        cri = f"{level_text(level)} credible interval"
        drawn = (
            "open circles: each study's shrinkage estimate (posterior mean of its true effect, "
            f"{cri}); "
            if self.show_shrinkage and self.shrinkage
            else ""
        )
        leads = self.leads(kind, pooled)
        total = "filled" if leads else "open"
        return (
            f"Bayesian random effects ({pooled['bayes_model']} model; priors "
            f"{readable(pooled['bayes_prior'])}): {drawn}{total} diamond: posterior median "
            f"with {cri}; dashed bar: {level_text(level)} predictive interval for a new "
            "study." + ("" if leads else " The forest plot's headline is the frequentist total.")
        )


def _bayes_total(
    kind: str, pooled: dict, studies: list[dict], level: float, hollow: bool
) -> list[forest.Row]:
    """The Bayesian total diamond, its predictive interval, and tau (the total events are
    the frequentist total's)."""
    view = bayesian_view(pooled)
    cri = f"{level_text(level)} CrI"
    rows = _pooled_rows(kind, view, studies, f"Total, Bayesian ({cri})", "")
    diamond = dataclasses.replace(rows[0], hollow=True) if hollow else rows[0]
    prediction = _prediction_row(kind, view, level)
    prediction = dataclasses.replace(
        prediction,
        cells={
            **prediction.cells,
            "study": f"{level_text(level)} predictive interval (Bayesian)",
        },
        hollow=True,
    )
    tau = (
        f"Bayesian heterogeneity: \u03c4 median {num(pooled['bayes_tau_median'])} "
        f"({cri} {num(pooled['bayes_tau_lower'])} to {num(pooled['bayes_tau_upper'])})"
    )
    return [diamond, prediction, forest.Row("note", text=tau)]


def too_many_rows(k: int, max_rows: int, variable: str | None) -> str:
    """The footnote of a forest plot that summarises instead of drawing ``k`` rows, or ''."""
    if k <= max_rows:
        return ""
    by = (
        f"one subtotal per {SUBGROUP_LABELS.get(variable, variable).lower()} level"
        if variable
        else ("the total only")
    )
    return (
        f"{k} study rows are more than figures.max_forest_rows = {max_rows}: drawn as {by}; "
        "every row is in analysed_effects.tsv and the report."
    )


def _refit_model(loo: list[dict], pooled: dict) -> str:
    if loo and loo[0].get("method") == "binomial-normal GLMM":
        return "the binomial-normal GLMM (ML, Wald CI)"
    return (
        f"the random-effects model (\u03c4\u00b2 by {pooled['estimator']}, "
        f"{pooled['inference'].replace('_', '-').title()} CI)"
    )


def leave_one_out_forest(
    definition: dict,
    settings: Settings,
    loo: list[dict],
    pooled: dict,
    max_rows: int | None = None,
) -> forest.Forest:
    """Each re-fit as a point with its CI, the full-data diamond, and a dashed line at it.
    Above ``max_rows`` re-fits, the ``max_rows`` that move the estimate most are drawn."""
    kind, entry = definition["kind"], kind_of(definition)
    table = []
    shown = loo
    if max_rows is not None and len(loo) > max_rows:
        fitted = [r for r in loo if r["status"] == "pooled"]
        moved = sorted(fitted, key=lambda r: -abs(r["estimate"] - pooled["estimate"]))[:max_rows]
        keep = {r["omitted_effect_id"] for r in moved}
        shown = [r for r in loo if r["omitted_effect_id"] in keep]
    loo_note = (
        f"{len(loo)} re-fits are more than figures.max_forest_rows = {max_rows}: the "
        f"{len(shown)} that move the estimate most are drawn (all in leave_one_out.tsv)."
        if shown is not loo
        else ""
    )
    loo = shown
    for r in loo:
        cells = {"study": f"Omitting {r['omitted_label']}", "k": str(r["k"])}
        if r["status"] == "pooled":
            cells.update(
                tau2=f"{r['tau2']:.3g}",
                i2=f"{r['i2_tau2_pct']:.0f}%",
                effect=effect_text(kind, r["estimate"], r["ci_lower"], r["ci_upper"]),
            )
            table.append(forest.Row("study", cells, r["estimate"], r["ci_lower"], r["ci_upper"]))
        else:
            cells["effect"] = "not estimated"
            table.append(forest.Row("study", cells))
    table.append(
        forest.Row(
            "pooled",
            {
                "study": "All studies",
                "k": str(pooled["k"]),
                "tau2": f"{pooled['tau2']:.3g}",
                "i2": f"{pooled['i2_tau2_pct']:.0f}%",
                "effect": effect_text(
                    kind, pooled["estimate"], pooled["ci_lower"], pooled["ci_upper"]
                ),
            },
            pooled["estimate"],
            pooled["ci_lower"],
            pooled["ci_upper"],
            bold=True,
        )
    )
    notes = [
        f"{r['omitted_label']}: not estimated ({r['reason']})"
        for r in loo
        if r["status"] != "pooled"
    ]
    return forest.Forest(
        columns=(
            forest.Column("study", "Study omitted", align="left", wrap_in=2.3),
            forest.Column("k", "k"),
            forest.Column("tau2", "\u03c4\u00b2"),
            forest.Column("i2", "I\u00b2"),
            forest.Column("effect", f"{effect_header(entry)}\n[{settings.pooled_ci}]"),
        ),
        rows=tuple(table),
        scale=_scale(entry, settings.xlim, reference=(pooled["estimate"],)),
        graph_header=graph_header(entry, settings.pooled_ci).split("\n")[0]
        + f"\n{settings.pooled_ci}",
        title=f"{definition['label']}: leave-one-out",
        footnotes=(
            f"Each row re-fits {_refit_model(loo, pooled)} without one study; dashed "
            "line: estimate from all studies. "
            "I\u00b2 is \u03c4\u00b2-based.",
            *notes,
            *([loo_note] if loo_note else []),
        ),
        binary=entry.binary,
    )


def write_forests(
    definition: dict,
    settings: Settings,
    rows: list[dict],
    pooled_rows: list[dict],
    weights: dict,
    efficacy: list,
    paths: dict,
    max_rows: int = 60,
    summary_by: str | None = None,
    rob=None,
    bayes: Bayes | None = None,
) -> None:
    """The outcome's forest plot and one per subgroup variable (``settings``: levels and
    plot controls of the config; ``rob``: study_id ->
    risk-of-bias judgement, drawn as dots right of the graph). ``paths``: ``forest`` ->
    {format: path}, ``subgroups`` -> {variable: {format: path}}. Above ``max_rows`` study
    rows a plot shows the subtotals of ``summary_by`` (a subgroup variable) instead.
    ``bayes``: the Bayesian rows the overall plots add (see :class:`Bayes`)."""
    from alsmeta.figures import style

    label = definition["label"]
    overall = next(r for r in pooled_rows if r["subgroup_variable"] == "overall")
    summary = too_many_rows(len(rows), max_rows, summary_by)
    if summary and summary_by:
        plot = subgroup_forest(
            definition,
            settings,
            summary_by,
            rows,
            pooled_rows,
            weights,
            efficacy,
            summary,
            rob,
            bayes,
        )
    else:
        plot = overall_forest(
            definition, settings, rows, overall, weights, efficacy, summary, rob, bayes
        )
    style.save(forest.draw(plot), paths["forest"], title=f"Forest plot: {label}")
    for variable, variable_paths in paths["subgroups"].items():
        spec = subgroup_forest(
            definition,
            settings,
            variable,
            rows,
            pooled_rows,
            weights,
            efficacy,
            too_many_rows(len(rows), max_rows, variable),
            rob,
            bayes,
        )
        style.save(forest.draw(spec), variable_paths, title=f"Forest plot by {variable}: {label}")


def write_leave_one_out(
    definition: dict,
    settings: Settings,
    overall: dict,
    leave_one_out: list[dict],
    paths: dict,
    max_rows: int = 60,
) -> None:
    """The leave-one-out plot of the re-fits the analysis made (``leave_one_out``: the
    outcome's rows of leave_one_out.tsv), or a figure that says why there are none."""
    from alsmeta.figures import style

    label = definition["label"]
    not_computed = [r for r in leave_one_out if r["status"] == "not_computed"]
    if not_computed:
        figure = style.message_figure(
            f"{label}: leave-one-out", readable(not_computed[0]["reason"])
        )
    elif leave_one_out and overall["status"] == "pooled":
        figure = forest.draw(
            leave_one_out_forest(definition, settings, leave_one_out, overall, max_rows)
        )
    else:
        figure = style.message_figure(
            f"{label}: leave-one-out",
            f"Not drawn: leave-one-out needs at least {MIN_K_LEAVE_ONE_OUT} pooled studies, "
            f"so that every re-fit keeps two; this analysis has k = {overall['k']}"
            + ("" if overall["status"] == "pooled" else " and was not pooled")
            + ".",
        )
    style.save(figure, paths, title=f"Leave-one-out: {label}")


def funnel_axis(definition: dict, overall: dict) -> str:
    """The funnel plot's x axis: the scale the analysis pooled on (pooled.tsv's
    analysis_scale, e.g. log odds ratio, or the Freeman-Tukey scale of a proportion)."""
    scale = overall.get("analysis_scale") or kind_of(definition).analysis_scale
    if is_event_rate(definition["kind"]):
        return f"Proportion, {scale} scale"
    return scale[0].upper() + scale[1:]


def write_funnel(
    definition: dict, rows: list[dict], overall: dict, paths: dict, min_k: int
) -> None:
    """The funnel plot (from ``min_k`` pooled studies), or a figure that says why not."""
    from alsmeta.figures import style
    from alsmeta.figures.funnel import FunnelPoint, funnel_figure

    label = definition["label"]
    if len(rows) >= min_k and overall["status"] == "pooled":
        figure = funnel_figure(
            [FunnelPoint(r["yi"], r["vi"] ** 0.5) for r in rows],
            overall["estimate_analysis"],
            title=f"{label}: funnel plot",
            x_label=funnel_axis(definition, overall),
            min_k=min_k,
        )
    else:
        figure = style.message_figure(
            f"{label}: funnel plot",
            f"Not drawn: a funnel plot needs at least {min_k} pooled studies to show "
            f"small-study effects (Sterne et al. 2011); this analysis has k = {len(rows)}.",
        )
    style.save(figure, paths, title=f"Funnel plot: {label}")
