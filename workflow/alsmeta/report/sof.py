"""The summary of findings as the report lays it out, read from summary_of_findings.tsv.

One adapter between the table the grading writes (:mod:`alsmeta.analysis.grade`)
and every place that shows it (the report's section, its key messages, the editable .docx
and .tsv a guideline panel pastes): :class:`SofRow` reads one row through :data:`FIELDS`
and :data:`DOMAINS`, the only place that names the table's columns. A field whose column the
table does not have (yet) reads as empty and is not shown; a new column is mapped there.

The layout is GRADEpro's "Summary of findings" table (Schünemann et al., GRADE Handbook 2013,
section 5.2; Guyatt et al. 2011, GRADE guidelines 12 and 13, J Clin Epidemiol 66:158-183):
columns outcome (with importance and follow-up), participants (studies), relative effect,
absolute effect, certainty, comments; each domain's reason a numbered footnote under the
table; main outcomes first, then sensitivity and secondary analyses; the outcomes that no
study informs share one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alsmeta.analysis.grade.levels import SYMBOLS
from alsmeta.analysis.grade.table import DOMAIN_COLUMNS
from alsmeta.figures.text import MINUS, readable
from alsmeta.kinds import KINDS
from alsmeta.report.inputs import percent_level

#: SofRow field -> the summary_of_findings.tsv column it is read from: among them importance
#: (GRADE: critical / important / not important), follow_up, start (the level the design
#: starts at, and why), headline_framework, other_framework (the result of the framework
#: that is not the headline one) and events (a rate's summed events and participants).
FIELDS = {
    "outcome": "outcome",
    "label": "label",
    "importance": "importance",
    "follow_up": "follow_up",
    "studies": "studies",
    "participants": "participants",
    "effect": "effect",
    "absolute": "absolute_effect",
    "assumed_control_risk": "assumed_control_risk",
    "assumed_control_risk_basis": "assumed_control_risk_basis",
    "statement": "statement",
    "certainty": "certainty",
    "start_level": "start",
    "headline_framework": "headline_framework",
    "other_framework": "other_framework",
    "events": "events",
    "notes": "notes",
    "effect_ids": "effect_ids",
}
#: The certainty domains, in GRADE's order, then the domains that rate up: (column, the name
#: the reader sees), as the grading names them. A cell is '-<levels>: <reason>' when it takes
#: certainty down, '+<levels>: <reason>' when it takes it up.
DOMAINS = DOMAIN_COLUMNS
RATED = re.compile(r"'?([-+])(\d+): (.*)", re.S)
#: How the ``notes`` column separates its notes.
NOTE_SEPARATOR = "; "
#: Certainties without a graded effect.
UNGRADED = ("No evidence", "Not assessed")
#: The line between the main outcomes and the later roles.
GROUP_LINE = "Secondary and sensitivity analyses"
#: The roles of an outcome definition (config ``outcome_definitions.*.role``) shown after the
#: main outcomes, in this order.
LATER_ROLES = ("secondary", "sensitivity")


@dataclass(frozen=True)
class Domain:
    """One certainty domain of a row: levels moved (negative: down, 0: none) and why."""

    name: str
    levels: int
    reason: str

    @property
    def text(self) -> str:
        """The footnote: 'Imprecision (−2): ...', or 'Risk of bias: not serious (...)'."""
        if self.levels < 0:
            moved = f" ({MINUS}{-self.levels})"
        else:
            moved = f" (+{self.levels})" if self.levels else ""
        return f"{self.name}{moved}: {self.reason}"


@dataclass(frozen=True)
class SofRow:
    """One outcome of the summary of findings, as the report shows it."""

    outcome: str
    label: str
    kind: str
    role: str
    studies: int
    participants: int
    effect: str
    absolute: str
    certainty: str
    statement: str
    importance: str = ""
    follow_up: str = ""
    assumed_control_risk: float | None = None
    assumed_control_risk_basis: str = ""
    start_level: str = ""
    headline_framework: str = ""
    other_framework: str = ""
    events: str = ""
    domains: tuple[Domain, ...] = ()
    notes: tuple[str, ...] = ()
    effect_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: dict, definition: dict) -> SofRow:
        """From a summary_of_findings.tsv row and the outcome's config definition."""

        def get(field):
            value = row.get(FIELDS[field])
            return "" if value is None else value

        domains = []
        if get("start_level"):
            domains.append(Domain("Start", 0, readable(str(get("start_level")))))
        for column, name in DOMAINS:
            cell = str(row.get(column) or "")
            if not cell:  # not graded, or a domain the table does not have
                continue
            rated = RATED.fullmatch(cell)
            if rated:
                sign = -1 if rated.group(1) == "-" else 1
                levels, reason = sign * int(rated.group(2)), rated.group(3)
            else:
                levels, reason = 0, cell
            domains.append(Domain(name, levels, readable(reason)))
        acr = get("assumed_control_risk")
        return cls(
            outcome=get("outcome"),
            label=get("label"),
            kind=definition["kind"],
            role=definition.get("role", "main"),
            studies=int(get("studies") or 0),
            participants=int(get("participants") or 0),
            effect=str(get("effect")),
            absolute=str(get("absolute")),
            certainty=str(get("certainty")),
            statement=str(get("statement")),
            importance=str(get("importance")),
            follow_up=str(get("follow_up")),
            assumed_control_risk=None if acr == "" else float(acr),
            assumed_control_risk_basis=str(get("assumed_control_risk_basis")),
            start_level=str(get("start_level")),
            headline_framework=str(get("headline_framework")),
            other_framework=str(get("other_framework")),
            events=str(get("events")),
            domains=tuple(domains),
            notes=tuple(readable(n) for n in str(get("notes")).split(NOTE_SEPARATOR) if n),
            effect_ids=tuple(i for i in str(get("effect_ids")).split(";") if i),
        )

    @property
    def graded(self) -> bool:
        return self.certainty not in UNGRADED and self.studies > 0

    @property
    def controlled(self) -> bool:
        """Whether it compares MSC with a concurrent control (the kinds registry)."""
        return KINDS[self.kind].controlled

    @property
    def relative(self) -> str:
        """The relative effect (a ratio), '' for rates and differences (GRADEpro's '-')."""
        return self.effect if self.controlled and KINDS[self.kind].log_scale else ""

    @property
    def absolute_text(self) -> str:
        """The absolute effect: per 1,000 or in the outcome's unit, else the effect itself."""
        return self.absolute or ("" if self.relative else self.effect)

    @property
    def control_risk_text(self) -> str:
        if self.assumed_control_risk is None:
            return ""
        return (
            f"assumed control risk {1000 * self.assumed_control_risk:.0f} per 1,000 "
            f"({self.assumed_control_risk_basis})"
        )

    @property
    def certainty_text(self) -> str:
        """'⊕⊕○○ Low' (GRADE's symbols and words)."""
        symbols = SYMBOLS.get(self.certainty, "")
        return f"{symbols} {self.certainty}" if symbols else self.certainty

    @property
    def comments(self) -> str:
        """The statement worded for the certainty, then the notes."""
        return " ".join([self.statement, *(f"{n[0].upper()}{n[1:]}." for n in self.notes)])

    @property
    def outcome_details(self) -> str:
        """Importance and follow-up, where the table gives them."""
        parts = [self.importance, f"follow-up {self.follow_up}" if self.follow_up else ""]
        return "; ".join(p for p in parts if p)


def rows_of(sof_rows, definitions: dict, outcomes) -> list[SofRow]:
    """The summary_of_findings.tsv rows of ``outcomes`` as :class:`SofRow`, in that order."""
    by_outcome = {r["outcome"]: r for r in sof_rows}
    return [SofRow.of(by_outcome[o], definitions[o]) for o in outcomes if o in by_outcome]


@dataclass(frozen=True)
class Layout:
    """The table's groups: main outcomes, then later roles, then the outcomes without a study
    (one line), and the numbered footnotes (text -> number) of every domain's reason."""

    main: tuple[SofRow, ...]
    later: tuple[SofRow, ...]
    no_study: tuple[SofRow, ...]
    footnotes: dict[str, int]

    def marks(self, row: SofRow) -> list[int]:
        """The footnote numbers of one row's domains."""
        return [self.footnotes[d.text] for d in row.domains]


def layout(rows: list[SofRow]) -> Layout:
    """Group and number the rows as GRADEpro does; identical reasons share a footnote."""
    with_study = [r for r in rows if r.studies > 0]
    main = [r for r in with_study if r.role not in LATER_ROLES]
    later = sorted(
        (r for r in with_study if r.role in LATER_ROLES), key=lambda r: LATER_ROLES.index(r.role)
    )
    footnotes: dict[str, int] = {}
    for r in [*main, *later]:
        for d in r.domains:
            footnotes.setdefault(d.text, len(footnotes) + 1)
    return Layout(tuple(main), tuple(later), tuple(r for r in rows if r.studies == 0), footnotes)


def interval_name(pooling: dict) -> str:
    """'95% CI', '95% CrI' when every headline is Bayesian, or '95% CI or CrI' when the
    headline rule picks per analysis (config ``pooling.primary_framework``: auto); each
    row's effect names its own interval."""
    interval = {"bayesian": "CrI", "frequentist": "CI"}.get(
        pooling["primary_framework"], "CI or CrI"
    )
    return f"{percent_level(pooling['level'])} {interval}"


def export_headers(interval: str) -> list[str]:
    """The editable table's columns (GRADEpro's); ``interval``: '95% CI' or '95% CrI'."""
    return [
        "Outcome",
        "Importance; follow-up",
        "Participants (studies)",
        f"Relative effect ({interval})",
        f"Absolute effect ({interval})",
        "Certainty",
        "Footnotes",
        "Comments",
    ]


#: Columns of the editable table.
WIDTH = 8


def _line(first: str, last: str = "") -> list[str]:
    """A row with only its first (and last) cell filled."""
    return [first, *[""] * (WIDTH - 2), last]


def export_rows(table: Layout) -> list[list[str]]:
    """The table as plain-text rows under :func:`export_headers`: the main outcomes, a group
    line and the later roles, the no-study line (its first cell only)."""

    def cells(r: SofRow) -> list[str]:
        absolute = "; ".join(t for t in (r.absolute_text, r.control_risk_text) if t)
        return [
            r.label,
            r.outcome_details,
            f"{r.participants} ({r.studies})",
            r.relative or "\u2014",  # GRADEpro's dash, not a minus a spreadsheet runs
            absolute,
            r.certainty_text,
            ", ".join(str(m) for m in table.marks(r)),
            r.comments,
        ]

    out = [cells(r) for r in table.main]
    if table.later:
        out.append(_line(GROUP_LINE))
        out += [cells(r) for r in table.later]
    if table.no_study:
        out.append(_line(no_study_text(table)))
    return out


def footnote_rows(table: Layout) -> list[list[str]]:
    """One row per footnote ('Footnote 3', its text under Comments), so that a TSV keeps one
    set of columns."""
    return [_line(f"Footnote {n}", text) for text, n in table.footnotes.items()]


def no_study_text(table: Layout) -> str:
    return "No study met the criteria: " + "; ".join(r.label for r in table.no_study) + "."
