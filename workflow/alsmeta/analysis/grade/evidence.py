"""One outcome's body of evidence as the GRADE domains read it: its analysed rows, each
row's weight in the overall analysis and each study's risk-of-bias judgement."""

from __future__ import annotations

from dataclasses import dataclass, field

from alsmeta.io.risk_of_bias import judgement_for

#: Designs without any control group.
UNCONTROLLED = ("single_arm", "case_report")


@dataclass(frozen=True)
class Evidence:
    """``rows``: the outcome's analysed_effects.tsv rows; ``weights``: effect_id -> weight %
    in the overall analysis (None for a GLMM, which has none); ``judged``: study_id ->
    :class:`~alsmeta.io.risk_of_bias.Judgement` for the outcome's scope."""

    outcome: str
    kind: str
    rows: tuple = ()
    weights: dict = field(default_factory=dict)
    judged: dict = field(default_factory=dict)

    @property
    def studies(self) -> int:
        return len({r["study_id"] for r in self.rows})

    def share(self, test) -> float:
        """Percent of the analysis' weight in the rows passing ``test``.

        The GLMM has no inverse-variance weights; its studies are weighted by their share
        of the participants instead. A single row carries all of the weight.
        """
        rows = self.rows
        if len(rows) == 1:
            return 100.0 if test(rows[0]) else 0.0
        if any(self.weights.get(r["effect_id"]) is None for r in rows):
            total = sum(r.get("n") or 0 for r in rows)
            chosen = sum(r.get("n") or 0 for r in rows if test(r))
            return 100.0 * chosen / total if total else 0.0
        return sum(self.weights[r["effect_id"]] for r in rows if test(r))

    def follow_up(self) -> str:
        """The studies' follow-up, as data/studies.tsv gives it ('6 to 12 months')."""
        months = sorted(
            {round(r["follow_up_months"], 1) for r in self.rows if r.get("follow_up_months")}
        )
        missing = sum(1 for r in self.rows if not r.get("follow_up_months"))
        if not months:
            return "not reported"
        span = (
            f"{months[0]:g} months"
            if len(months) == 1
            else f"{months[0]:g} to {months[-1]:g} months"
        )
        return span + (f" ({missing} not reported)" if missing else "")


def evidence_of(outcome, kind, analysed, weights, assessed, rob) -> Evidence:
    """An outcome's :class:`Evidence` from the gathered tables: analysed_effects.tsv and
    weights.tsv rows, the risk-of-bias assessments and config ``risk_of_bias``."""
    rows = tuple(r for r in analysed if r["outcome"] == outcome)
    w = {
        x["effect_id"]: x["weight_pct"]
        for x in weights
        if x["outcome"] == outcome and x["subgroup_variable"] == "overall"
    }
    judged = {
        r["study_id"]: j
        for r in rows
        if (j := judgement_for(assessed or {}, r["study_id"], outcome, rob)) is not None
    }
    return Evidence(outcome, kind, rows, w, judged)
