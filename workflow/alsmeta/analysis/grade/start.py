"""The level a body of evidence starts at, by study design.

* Randomized trials start High (Balshem et al. 2011, GRADE guidelines 3, J Clin
  Epidemiol 64:401-406).
* Non-randomised comparisons start Low (ibid.), or High when their risk of bias is
  assessed with ROBINS-I, whose judgements then rate them down (Schünemann et al. 2019,
  GRADE guidelines 18, J Clin Epidemiol 111:105-114): config
  ``grade.start.robins_i_starts_high``.
* Single-arm event rates (treated arms, no comparator) answer "how often", not "does MSC
  cause it": config ``grade.start.event_rates`` grades them as non-randomised evidence
  starting Low (``nonrandomized``, the default: the question of this review is about an
  intervention, Balshem et al. 2011), or as a rate under GRADE for prognosis, where series
  that measure a risk start High (``prognosis``; Iorio et al. 2015, BMJ 350:h870).
* A before-after change within treated arms starts Low whatever the design it comes from:
  it has no concurrent control, and the change is open to regression to the mean and to
  the natural course of the disease (Balshem et al. 2011).

A body of evidence mixing designs starts High only when the studies that would start High
carry at least ``grade.start.high_start_share`` % of its weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmeta.analysis.grade.evidence import Evidence
from alsmeta.kinds import KINDS, is_event_rate

BALSHEM = "Balshem et al. 2011, GRADE 3"
SCHUNEMANN = "Schünemann et al. 2019, GRADE 18"
IORIO = "Iorio et al. 2015, GRADE for prognosis"


@dataclass(frozen=True)
class Start:
    level: str
    reason: str

    def cell(self) -> str:
        return f"{self.level}: {self.reason}"


def _starts_high(row, judged, settings) -> bool:
    if row["design"] == "rct":
        return True
    judgement = judged.get(row["study_id"])
    return (
        settings.robins_i_high
        and row["design"] not in ("single_arm", "case_report")
        and judgement is not None
        and judgement.tool == "robins_i"
    )


def start(evidence: Evidence, settings) -> Start:
    """The start level of one outcome's body of evidence and its reason."""
    kind = KINDS[evidence.kind]
    if kind.shows == "within_arm":
        return Start(
            "Low",
            "before-after change within treated arms, no concurrent control (regression to "
            f"the mean, natural course; {BALSHEM})",
        )
    if is_event_rate(evidence.kind):
        if settings.event_rates == "prognosis":
            return Start(
                "High",
                "event rate in treated arms, graded as a risk under GRADE for prognosis "
                f"(grade.start.event_rates: prognosis; {IORIO})",
            )
        return Start(
            "Low",
            "event rate in treated arms without a comparator, graded as non-randomised "
            f"evidence (grade.start.event_rates: nonrandomized; {BALSHEM})",
        )
    high = evidence.share(lambda r: _starts_high(r, evidence.judged, settings))
    randomized = evidence.share(lambda r: r["design"] == "rct")
    if high >= settings.randomized_share:
        if randomized >= 100:
            return Start("High", f"randomized trials ({BALSHEM})")
        robins = (
            f"; non-randomised comparisons assessed with ROBINS-I start High ({SCHUNEMANN}, "
            "grade.start.robins_i_starts_high)"
            if settings.robins_i_high
            else ""
        )
        return Start(
            "High",
            f"{high:.0f}% of the weight from studies that start High: {randomized:.0f}% from "
            f"randomized trials ({BALSHEM}){robins}",
        )
    return Start(
        "Low",
        f"{100 - high:.0f}% of the weight from non-randomised studies ({BALSHEM}; "
        f"grade.start.high_start_share {settings.randomized_share:g}%)",
    )
