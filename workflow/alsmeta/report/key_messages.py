"""Key messages: the answer under the report's title, written from the summary of findings.

Two questions, as a guideline panel asks them: are MSCs safe (serious adverse events,
deaths, common adverse events), and do they change the decline in ALSFRS-R? Each message
is one row of the summary of findings in plain words: its GRADE statement (already worded
for its certainty, Santesso et al. 2020), its absolute effect, how many people and studies,
and its certainty in GRADE's words ("low-certainty evidence"), linking to its row. Nothing
is typed: a run with other data or other settings gets other messages.

The style follows Cochrane's plain language summaries (Cochrane Methods, "Guidance for
writing a Cochrane plain language summary", 2021: key messages first, at most about 150
words in all, certainty said in words). Which rows answer which question is
:data:`TOPICS`: adverse-event outcomes by their categories (config
``outcome_definitions.*.ae_categories``), efficacy by kind. Sensitivity analyses never
carry a message (they re-ask a main question).

Within a topic the message speaks from the row a panel ranks highest: the most important
outcome (config ``grade.importance``: critical before important, GRADE 2, Guyatt et al.
2011, J Clin Epidemiol 64:395), then a controlled comparison before a single-arm rate, then
the most participants.

Efficacy names its largest controlled trial, whatever the headline row: a pooled or
single-trial result from small trials must not hide a larger trial that found no
difference (here the phase 3 trial, Cudkowicz et al. 2022, n = 189, whose controlled
comparisons carry most of the controlled participants).
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.analysis.grade.settings import IMPORTANCE
from alsmeta.report.sof import SofRow

#: Adverse-event categories whose outcomes answer "serious adverse events" and "deaths";
#: other categories (headache, fever, ...) are the common adverse events, except "any AE".
SERIOUS_CATEGORIES = frozenset(
    ("serious_ae", "treatment_related_sae", "serious_adr", "serious_adverse_reaction", "susar")
)
DEATH_CATEGORIES = frozenset(("death",))
ANY_AE_CATEGORIES = frozenset(("any_ae",))
#: Outcome kinds that measure the ALSFRS-R course (efficacy), and proportions of responders.
EFFICACY_KINDS = frozenset(
    ("slope_change", "slope_change_difference", "alsfrs_change_difference", "responder_odds_ratio")
)
#: At most this many common adverse events are named.
MAX_COMMON = 3
#: The plain-language length limit (Cochrane: about 150 words of key messages).
MAX_WORDS = 150


def _categories(definition: dict) -> frozenset:
    return frozenset(definition.get("ae_categories") or ())


def _serious(d: dict) -> bool:
    return bool(_categories(d) & SERIOUS_CATEGORIES)


def _death(d: dict) -> bool:
    return bool(_categories(d) & DEATH_CATEGORIES) and not _serious(d)


def _common(d: dict) -> bool:
    c = _categories(d)
    return bool(c) and not c & (SERIOUS_CATEGORIES | DEATH_CATEGORIES | ANY_AE_CATEGORIES)


def _efficacy(d: dict) -> bool:
    return d["kind"] in EFFICACY_KINDS or bool(d.get("response_definitions"))


#: (question, topic, which outcome definitions answer it).
TOPICS = (
    ("Are MSCs safe?", "Serious adverse events", _serious),
    ("Are MSCs safe?", "Deaths", _death),
    ("Are MSCs safe?", "Common adverse events", _common),
    ("Do MSCs change ALSFRS-R decline?", "ALSFRS-R decline", _efficacy),
)


@dataclass(frozen=True)
class Trial:
    """A study behind a row: its label ('Cudkowicz 2022'), phase ('' unknown), participants."""

    label: str
    phase: str
    participants: int

    @property
    def described(self) -> str:
        phase = f"phase {self.phase}, " if self.phase else ""
        return f"{self.label}, {phase}{self.participants} people"


@dataclass(frozen=True)
class KeyMessage:
    """One message: its question and topic, its text (plain) and the rows it links to."""

    question: str
    topic: str
    text: str
    outcomes: tuple[str, ...]


def certainty_words(certainty: str) -> str:
    """GRADE's words: 'low-certainty evidence'."""
    return f"{certainty.lower()}-certainty evidence"


def _studies(k: int) -> str:
    return f"{k} study" if k == 1 else f"{k} studies"


def _sentence(text: str) -> str:
    return text.rstrip(".").strip()


def _absolute(row: SofRow) -> str:
    """The absolute effect without the explanation after a colon."""
    return row.absolute_text.split(":")[0].strip()


def _clause(row: SofRow) -> str:
    """'(61 more per 1,000 ...; 189 people, 1 study; low-certainty evidence)'."""
    return (
        f"({_absolute(row)}; {row.participants} people, {_studies(row.studies)}; "
        f"{certainty_words(row.certainty)})"
    )


def _short_label(row: SofRow) -> str:
    """'responders on the ALSFRS-R slope' from the label's first clause."""
    first = row.label.split(",")[0].split(" (")[0]
    return first[0].lower() + first[1:] if first[:2] != first[:2].upper() else first


def _importance_rank(row: SofRow) -> int:
    """0 for a critical outcome, 1 important, 2 not important; 3 when not stated. The
    column may carry where the value came from: 'important (grade.default_importance)'."""
    words = row.importance.split()
    return IMPORTANCE.index(words[0]) if words and words[0] in IMPORTANCE else len(IMPORTANCE)


def _headline(rows: list[SofRow]) -> SofRow | None:
    """The most important outcome, then controlled comparisons before single-arm rates,
    then the most participants."""
    graded = [r for r in rows if r.graded]
    if not graded:
        return None
    return max(graded, key=lambda r: (-_importance_rank(r), r.controlled, r.participants))


def _no_evidence(question: str, topic: str, rows: list[SofRow]) -> KeyMessage:
    return KeyMessage(
        question,
        topic,
        f"{topic}: no study gave a result that could be graded.",
        tuple(r.outcome for r in rows),
    )


def _one_row(question: str, topic: str, rows: list[SofRow]) -> KeyMessage:
    row = _headline(rows)
    if row is None:
        return _no_evidence(question, topic, rows)
    return KeyMessage(
        question, topic, f"{topic}: {_sentence(row.statement)} {_clause(row)}.", (row.outcome,)
    )


def _common_events(question: str, topic: str, rows: list[SofRow]) -> KeyMessage:
    graded = sorted((r for r in rows if r.graded), key=lambda r: -r.participants)[:MAX_COMMON]
    if not graded:
        return _no_evidence(question, topic, rows)
    items = "; ".join(
        f"{r.label.lower()} {_absolute(r)} ({_studies(r.studies)}, {certainty_words(r.certainty)})"
        for r in graded
    )
    return KeyMessage(
        question,
        topic,
        f"{topic}: {items}"
        + ("" if any(r.controlled for r in graded) else ", treated arms only")
        + ".",
        tuple(r.outcome for r in graded),
    )


def _efficacy_message(
    question: str,
    topic: str,
    rows: list[SofRow],
    trials: dict[str, tuple[Trial, ...]],
    includes_null: dict[str, bool | None],
) -> KeyMessage:
    headline = _headline([r for r in rows if r.role == "main"])
    if headline is None:
        return _no_evidence(question, topic, rows)
    text = f"{topic}: {_sentence(headline.statement)} {_clause(headline)}."
    linked = [headline.outcome]
    controlled = [r for r in rows if r.graded and r.controlled]
    candidates = [(t, r) for r in controlled for t in trials.get(r.outcome, ())]
    if candidates:
        trial, row = max(candidates, key=lambda c: (c[0].participants, c[1].role == "main"))
        if row is not headline or headline.studies > 1:
            verdict = {
                True: "; its interval includes no difference",
                False: "; its interval excludes no difference",
            }.get(includes_null.get(row.outcome), "")
            text += (
                f" The largest trial ({trial.described}) found {row.effect} for "
                f"{_short_label(row)}{verdict} ({certainty_words(row.certainty)})."
            )
            linked.append(row.outcome)
    return KeyMessage(question, topic, text, tuple(linked))


def key_messages(
    rows: list[SofRow],
    definitions: dict,
    trials: dict[str, tuple[Trial, ...]] | None = None,
    includes_null: dict[str, bool | None] | None = None,
) -> list[KeyMessage]:
    """The key messages of a run, in :data:`TOPICS` order.

    Parameters
    ----------
    rows
        The summary of findings (:func:`alsmeta.report.sof.rows_of`).
    definitions
        Config ``outcome_definitions``.
    trials
        outcome -> the studies behind its row (for the largest-trial sentence).
    includes_null
        outcome -> whether its interval includes the value of no effect (None: no value).
    """
    trials, includes_null = trials or {}, includes_null or {}
    out = []
    for question, topic, answers in TOPICS:
        mine = [r for r in rows if r.role != "sensitivity" and answers(definitions[r.outcome])]
        if answers is _efficacy:
            out.append(_efficacy_message(question, topic, mine, trials, includes_null))
        elif answers is _common:
            out.append(_common_events(question, topic, mine))
        else:
            out.append(_one_row(question, topic, mine))
    return out


def word_count(messages: list[KeyMessage]) -> int:
    """Words a reader reads: the questions once each, and every message."""
    questions = dict.fromkeys(m.question for m in messages)
    return sum(len(t.split()) for t in [*questions, *(m.text for m in messages)])
