"""What a reader sees, checked: no library names or internal messages, and no claim that
the run's tables or configuration contradict.

:func:`denied_terms` finds library names and internal messages (:data:`DENIED`). A
sentence that says a statistic is unavailable ("not available", "not computed", "no ...
test is computed") is false when an output table carries that statistic; a sentence that
names a pooling method for adverse-event rates is false when the configuration ran another.
:func:`false_claims` returns every such sentence with the reason it is false.
"""

from __future__ import annotations

import re

from alsmeta.analysis.grade.table import COLUMNS as SOF_COLUMNS

#: Library names and internal messages that text a reader sees must not carry.
DENIED = re.compile(
    r"\b(?:lme4|glmer|metafor|escalc|pymare|numpy|scipy|statsmodels|pandas|matplotlib)\b|"
    r"mu ->|Traceback|LinAlgError|Response is constant|\bnan\b|[-+]inf\b",
    re.I,
)
#: summary_of_findings.tsv columns of text a reader sees (all but ids and numbers).
SOF_TEXT_COLUMNS = tuple(
    c
    for c in SOF_COLUMNS
    if c not in ("outcome", "effect_ids", "studies", "participants", "assumed_control_risk")
)


def denied_terms(text: str) -> list[str]:
    """Each denied term in ``text`` with 60 characters around it."""
    return [
        text[max(0, m.start() - 60) : m.end() + 60].replace("\n", " ")
        for m in DENIED.finditer(text)
    ]


def reader_page_text(page: str) -> str:
    """The report's text a reader sees, less 'What was run' (software versions and the
    configuration file are named there on purpose)."""
    start = page.find("<section id='reproducibility'>")
    if start >= 0:
        page = page[:start] + page[page.index("</section>", start) :]
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"src='data:[^']*'", "", page)
    return re.sub(r"<[^>]+>", " ", page)


#: Words that say a statistic does not exist in this run or version.
UNAVAILABLE = re.compile(
    r"not available|not computed|not implemented|does not compute|"
    r"\bno\b[^.;]{0,40}\b(?:test|analysis|sensitivity)\b[^.;]{0,20}\bis computed",
    re.I,
)
#: statistic -> (what names it in a sentence, the table that carries it).
STATISTICS = {
    "test for subgroup differences": (
        re.compile(r"subgroup differences", re.I),
        "pooled.tsv q_between",
    ),
    "pre/post correlation sensitivity": (
        re.compile(r"pre/post[- ](?:correlation|r)\b", re.I),
        "prepost_sweep.tsv",
    ),
    "funnel-plot asymmetry test": (
        re.compile(r"asymmetry|egger|begg", re.I),
        "small_study.tsv",
    ),
}
#: Inverse-variance scales of a proportion, as a reader would see them named.
IV_SCALES = re.compile(r"logit proportion|measure='PLO'|Freeman-Tukey|arcsine|raw proportion", re.I)
AE_RATES = re.compile(r"adverse-event rates|AE rates", re.I)
GLMM = re.compile(r"GLMM|binomial-normal", re.I)
#: A sentence naming an alternative rather than the method run.
ALTERNATIVE = re.compile(
    r"sensitivity|beside|alternative|instead|comparison|option|or `?glmm", re.I
)


def sentences(text: str) -> list[str]:
    """Sentences of plain text (tags removed), split at '. ', ';', a line break or a bullet."""
    plain = re.sub(r"<[^>]+>", " ", text)
    plain = re.sub(r"&[a-z]+;|&#\d+;", " ", plain)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z(])|\n\s*\n|\n\s*[-*|] ", plain)
    return [re.sub(r"\s+", " ", p).strip() for p in parts if p.strip()]


def carried(*, pooled, extra, config) -> dict[str, bool]:
    """Which statistics the run's tables carry (``extra``: the sensitivity tables by name)."""
    small = extra.get("small_study") or []
    return {
        "test for subgroup differences": any(r.get("q_between") not in (None, "") for r in pooled),
        "pre/post correlation sensitivity": bool(extra.get("prepost_sweep")),
        "funnel-plot asymmetry test": any(
            re.search(r"egger|begg", str(r.get("test") or ""), re.I) for r in small
        ),
        "proportion_method": config["pooling"]["proportion_method"],
    }


def false_claims(text: str, facts: dict) -> list[str]:
    """Each sentence of ``text`` that the run contradicts, with why."""
    found = []
    for s in sentences(text):
        if UNAVAILABLE.search(s):
            for name, (names, table) in STATISTICS.items():
                if names.search(s) and facts.get(name):
                    found.append(f"says the {name} is unavailable, but {table} has it: {s!r}")
        if AE_RATES.search(s) and not ALTERNATIVE.search(s):
            method = facts["proportion_method"]
            if method == "glmm" and IV_SCALES.search(s) and not GLMM.search(s):
                found.append(f"names an inverse-variance scale, but the GLMM ran: {s!r}")
            if method == "inverse_variance" and GLMM.search(s):
                found.append(f"names the GLMM, but inverse variance ran: {s!r}")
    return found
