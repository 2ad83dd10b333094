"""The answer under the title: the key messages (:mod:`alsmeta.report.key_messages`) of this
run's summary of findings, each linking to its row."""

from __future__ import annotations

from alsmeta.kinds import KINDS, pooled_on_log_scale
from alsmeta.report.html import esc, link
from alsmeta.report.inputs import ReportInputs
from alsmeta.report.key_messages import Trial, key_messages
from alsmeta.report.sections.summary import row_id, sof_rows

ID = "key-messages"


def trials(ctx: ReportInputs, outcome: str) -> tuple[Trial, ...]:
    """The studies behind an outcome's row, with their phase and participants (both arms)."""
    people: dict[str, int] = {}
    for r in ctx.rows_of(outcome):
        n = (r.get("n") or 0) + (r.get("comparator_n") or 0)
        people[r["study_id"]] = people.get(r["study_id"], 0) + n
    out = []
    for study_id, n in people.items():
        study = ctx.studies[study_id]
        label = " ".join(str(study[c]) for c in ("first_author", "year") if study.get(c))
        phases = study.get("phase") or ()
        phases = [phases] if isinstance(phases, str) else phases
        phase = "/".join(p for p in phases if p != "not_applicable")
        out.append(Trial(label or study_id, phase, n))
    return tuple(out)


def includes_null(ctx: ReportInputs, outcome: str) -> bool | None:
    """Whether the outcome's interval (pooled, or its one row's) holds the value of no effect;
    None for a rate, which has none."""
    definition = ctx.definitions[outcome]
    if KINDS[definition["kind"]].null is None:
        return None
    null = 1.0 if pooled_on_log_scale(definition) else 0.0
    pooled = ctx.overall.get(outcome)
    rows = ctx.rows_of(outcome)
    if pooled and pooled["status"] == "pooled":
        lower, upper = pooled["ci_lower"], pooled["ci_upper"]
    elif len(rows) == 1:
        lower, upper = rows[0]["ci_lower"], rows[0]["ci_upper"]
    else:
        return None
    return lower <= null <= upper


def section(ctx: ReportInputs) -> str:
    messages = key_messages(
        sof_rows(ctx),
        ctx.definitions,
        {o: trials(ctx, o) for o in ctx.outcomes},
        {o: includes_null(ctx, o) for o in ctx.outcomes},
    )
    parts = [
        f"<div id='{ID}' class='key-messages'><h2 class='lead'>Key messages</h2>",
        "<p class='small'>Written from this run's summary of findings; certainty in GRADE's "
        "words. Each message links to its row.</p>",
    ]
    question = None
    for m in messages:
        if m.question != question:
            if question is not None:
                parts.append("</ul>")
            parts.append(f"<h3>{esc(m.question)}</h3><ul>")
            question = m.question
        topic, _, text = m.text.partition(": ")
        more = "".join(
            f" <span class='small'>({link(row_id(o), 'its row')})</span>" for o in m.outcomes[1:]
        )
        parts.append(
            f"<li>{link(row_id(m.outcomes[0]), f'<b>{esc(topic)}</b>')}: {esc(text)}{more}</li>"
        )
    parts.append("</ul></div>")
    return "\n".join(parts)
