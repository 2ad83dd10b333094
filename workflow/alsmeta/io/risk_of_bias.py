"""Risk-of-bias tools, their vocabularies and overall-judgement rules, and the judgement
of each study for each outcome scope.

``data/risk_of_bias.tsv`` holds one row per study x outcome scope x domain (item). The
tool follows the study's design:

* RoB 2 for randomized trials (Sterne JAC et al. RoB 2: a revised tool for assessing
  risk of bias in randomised trials. BMJ 2019;366:l4898);
* ROBINS-I for non-randomized and externally controlled comparisons (Sterne JAC et al.
  ROBINS-I: a tool for assessing risk of bias in non-randomised studies of
  interventions. BMJ 2016;355:i4919);
* the JBI critical appraisal checklist for case series, 10 items, for single-arm studies
  and case reports (Munn Z et al. Methodological quality of case series studies: an
  introduction to the JBI critical appraisal tool. JBI Evid Synth 2020;18(10):2127-2133).

Every study has a full set of rows for scope ``all``; rows for a narrower scope
(``mortality``, ``safety``, ``alsfrs_r``, ``fvc``) replace the ``all`` row of the same
domain for the outcomes of that scope. The overall judgement is never typed: it is
computed here by the rule of each tool (:func:`overall`), with the settings of config
key ``risk_of_bias`` (:data:`DEFAULTS`). Standard library only: the workflow validates
the table when it is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

SCOPES = ("all", "mortality", "safety", "alsfrs_r", "fvc")


@dataclass(frozen=True)
class Tool:
    key: str
    name: str
    citation: str
    designs: tuple[str, ...]
    domains: dict  # domain id -> name
    judgements: tuple[str, ...]  # domain vocabulary
    overall_rule: str


TOOLS = {
    "rob2": Tool(
        "rob2",
        "RoB 2",
        "Sterne et al. 2019, BMJ 366:l4898",
        ("rct",),
        {
            "D1": "Randomisation process",
            "D2": "Deviations from intended interventions",
            "D3": "Missing outcome data",
            "D4": "Measurement of the outcome",
            "D5": "Selection of the reported result",
        },
        ("low", "some_concerns", "high", "no_information"),
        "overall = the worst domain (low only if every domain is low); a domain without "
        "information counts as some concerns (RoB 2's algorithms give some concerns for "
        "'no information' answers); some concerns in risk_of_bias.rob2_some_concerns_for_high "
        "domains or more make the overall high (RoB 2: 'some concerns for multiple domains in "
        "a way that substantially lowers confidence in the result')",
    ),
    "robins_i": Tool(
        "robins_i",
        "ROBINS-I",
        "Sterne et al. 2016, BMJ 355:i4919",
        ("nonrandomized_controlled", "case_control_external"),
        {
            "D1": "Confounding",
            "D2": "Selection of participants",
            "D3": "Classification of interventions",
            "D4": "Deviations from intended interventions",
            "D5": "Missing data",
            "D6": "Measurement of outcomes",
            "D7": "Selection of the reported result",
        },
        ("low", "moderate", "serious", "critical", "no_information"),
        "overall = the worst domain when a domain is serious or critical; otherwise no "
        "information when a domain lacks information, else the worst domain (low or "
        "moderate), as ROBINS-I prescribes",
    ),
    "jbi_case_series": Tool(
        "jbi_case_series",
        "JBI case-series checklist",
        "Munn et al. 2020, JBI Evid Synth 18(10):2127-2133",
        ("single_arm", "case_report"),
        {
            "Q1": "Clear criteria for inclusion",
            "Q2": "Condition measured in a standard, reliable way",
            "Q3": "Valid methods for identification of the condition",
            "Q4": "Consecutive inclusion of participants",
            "Q5": "Complete inclusion of participants",
            "Q6": "Clear reporting of demographics",
            "Q7": "Clear reporting of clinical information",
            "Q8": "Outcomes or follow-up results clearly reported",
            "Q9": "Clear reporting of the presenting site(s) or clinic(s)",
            "Q10": "Appropriate statistical analysis",
        },
        ("yes", "no", "unclear", "not_applicable"),
        "JBI prescribes no overall rule; this review's rule: the share of applicable items "
        "answered yes (unclear counts as not yes) is at least risk_of_bias.jbi_low_share "
        "percent: low; at least risk_of_bias.jbi_moderate_share percent: moderate; below: high",
    ),
}

#: The overall judgement of each tool on one common scale (GRADE and the criterion use
#: it): 0 low, 1 some concerns / moderate, 2 high / serious, 3 critical; None = no
#: information (counted as configured, risk_of_bias.no_information_counts_as).
LEVEL = {
    "low": 0,
    "some_concerns": 1,
    "moderate": 1,
    "high": 2,
    "serious": 2,
    "critical": 3,
    "no_information": None,
}
#: criteria.max_risk_of_bias -> the highest common level admitted (None: any, even unassessed).
MAX_LEVEL = {"low": 0, "some_concerns": 1, "moderate": 1, "high": 2, "any": None}
#: Names of the common levels, for reasons a reader sees.
LEVEL_NAMES = {0: "low", 1: "some concerns or moderate", 2: "high or serious", 3: "critical"}

#: The settings of config key ``risk_of_bias`` where a caller passes none (the shipped
#: config holds the same values, with their reasons).
DEFAULTS = {
    "outcome_scopes": {},
    "rob2_some_concerns_for_high": 4,
    "jbi_low_share": 70,
    "jbi_moderate_share": 50,
    "no_information_counts_as": "high",
    "grade": {"serious_share": 50, "very_serious_share": 50, "some_concerns_share": 50},
}


def tool_for_design(design: str) -> str | None:
    for tool in TOOLS.values():
        if design in tool.designs:
            return tool.key
    return None


@dataclass(frozen=True)
class Judgement:
    """A study's assessment for one outcome scope: its domain judgements and the overall."""

    study_id: str
    scope: str  # the scope asked for (the rows used may be 'all' rows)
    tool: str
    domains: tuple[tuple[str, str], ...]  # (domain, judgement) in the tool's order
    overall: str

    @property
    def level(self) -> int | None:
        return LEVEL[self.overall]


def overall(tool: str, judgements: dict, settings: dict | None = None) -> str:
    """The overall judgement from the domain judgements, by the tool's rule (:data:`TOOLS`)."""
    settings = {**DEFAULTS, **(settings or {})}
    values = [judgements[d] for d in TOOLS[tool].domains]
    if tool == "rob2":
        counted = ["some_concerns" if v == "no_information" else v for v in values]
        if "high" in counted:
            return "high"
        concerns = counted.count("some_concerns")
        limit = settings["rob2_some_concerns_for_high"]
        if limit is not None and concerns >= limit:
            return "high"
        return "some_concerns" if concerns else "low"
    if tool == "robins_i":
        for worst in ("critical", "serious"):
            if worst in values:
                return worst
        if "no_information" in values:
            return "no_information"
        return "moderate" if "moderate" in values else "low"
    applicable = [v for v in values if v != "not_applicable"]
    if not applicable:
        return "no_information"
    share = 100.0 * sum(v == "yes" for v in applicable) / len(applicable)
    if share >= settings["jbi_low_share"]:
        return "low"
    return "moderate" if share >= settings["jbi_moderate_share"] else "high"


def assessments(rows, settings: dict | None = None) -> dict:
    """{(study_id, scope): Judgement} for every assessed study and every scope in
    :data:`SCOPES` (a scope without rows of its own is the ``all`` assessment)."""
    by_study: dict[str, dict] = {}
    tools: dict[str, str] = {}
    for row in rows:
        by_study.setdefault(row["study_id"], {})[(row["outcome_scope"], row["domain"])] = row
        tools[row["study_id"]] = row["tool"]
    out = {}
    for study, cells in by_study.items():
        tool = tools[study]
        for scope in SCOPES:
            chosen = {
                d: (cells.get((scope, d)) or cells[("all", d)])["judgement"]
                for d in TOOLS[tool].domains
            }
            out[(study, scope)] = Judgement(
                study,
                scope,
                tool,
                tuple(chosen.items()),
                overall(tool, chosen, settings),
            )
    return out


def scope_of(outcome: str, settings: dict | None) -> str:
    """The outcome scope (data/risk_of_bias.tsv) whose judgements an outcome uses."""
    return ((settings or {}).get("outcome_scopes") or {}).get(outcome, "all")


def judgement_for(table: dict, study_id: str, outcome: str, settings) -> Judgement | None:
    """The study's judgement for ``outcome``, None when the study is not assessed."""
    return table.get((study_id, scope_of(outcome, settings)))


def counted_level(judgement: Judgement | None, settings: dict | None) -> int:
    """A judgement's common level, with 'no information' and unassessed studies counted
    as ``risk_of_bias.no_information_counts_as``."""
    settings = {**DEFAULTS, **(settings or {})}
    level = None if judgement is None else judgement.level
    return LEVEL[settings["no_information_counts_as"]] if level is None else level


def readable(judgement: str) -> str:
    return judgement.replace("_", " ")


SCOPE_LABELS = {
    "all": "all outcomes",
    "mortality": "death",
    "safety": "adverse events",
    "alsfrs_r": "ALSFRS-R",
    "fvc": "FVC",
}
#: Columns of results/tables/risk_of_bias.tsv.
TABLE_COLUMNS = ["study_id", "label", "outcome_scope", "tool", "domain", "domain_name", "judgement"]


def shown(rows, table: dict) -> list[Judgement]:
    """The judgements a reader sees: each study's 'all' assessment, then one per scope it
    has rows of its own for (sorted by study, then scope order)."""
    scopes: dict[str, set[str]] = {}
    for row in rows:
        scopes.setdefault(row["study_id"], {"all"}).add(row["outcome_scope"])
    return [
        table[(study, scope)]
        for study in sorted(scopes)
        for scope in SCOPES
        if scope in scopes[study]
    ]


def table_rows(judgements: list[Judgement], labels: dict) -> list[dict]:
    """results/tables/risk_of_bias.tsv: every domain and the computed overall judgement."""
    out = []
    for j in judgements:
        domains = TOOLS[j.tool].domains
        for domain, value in [*j.domains, ("overall", j.overall)]:
            out.append(
                {
                    "study_id": j.study_id,
                    "label": labels[j.study_id],
                    "outcome_scope": j.scope,
                    "tool": j.tool,
                    "domain": domain,
                    "domain_name": domains.get(domain, "Overall (computed)"),
                    "judgement": value,
                }
            )
    return out
