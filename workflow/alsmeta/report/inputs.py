"""What the report is written from: the pipeline's tables, read-only, with their lookups.

Nothing here computes a result. The summary of findings and the PRISMA counts arrive as the
rows of their own tables (summary_of_findings.tsv, prisma_flow.tsv) and are only looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from alsmeta.analysis.grade.table import COLUMNS as SOF_COLUMNS
from alsmeta.analysis.prisma import FLOW_COLUMNS

#: The columns the report reads of the tables it is given results in (summary_of_findings.tsv
#: also needs ``notes``: the finding's notes joined by "; ").
READS = {
    "summary_of_findings": tuple(dict.fromkeys([*SOF_COLUMNS, "notes"])),
    "prisma_flow": tuple(FLOW_COLUMNS),
    "leave_one_out": tuple(
        "outcome omitted_effect_id omitted_label k status reason estimate ci_lower ci_upper "
        "pi_lower pi_upper tau2 i2_tau2_pct".split()
    ),
}


def effect_ids_of(row: dict) -> list[str]:
    """The effect ids of the rows behind a pooled.tsv (or summary_of_findings.tsv) row."""
    return [i for i in str(row.get("effect_ids") or "").split(";") if i]


def percent_level(level: float) -> str:
    """0.95 -> '95%', 0.9 -> '90%', 0.975 -> '97.5%'."""
    return f"{100 * level:.4g}%"


@dataclass(frozen=True)
class Flow:
    """prisma_flow.tsv rows (stage, outcome, category, n_studies, study_ids), looked up."""

    rows: tuple[dict, ...]

    def _matching(self, stage: str, outcome: str) -> list[dict]:
        return [r for r in self.rows if r["stage"] == stage and (r["outcome"] or "") == outcome]

    def _box(self, stage: str, category: str, outcome: str) -> dict:
        rows = [r for r in self._matching(stage, outcome) if r["category"] == category]
        if len(rows) != 1:
            raise ValueError(
                f"prisma_flow: {len(rows)} rows for stage {stage!r}, outcome {outcome!r}, "
                f"category {category!r} (expected 1)"
            )
        return rows[0]

    def count(self, stage: str, category: str, outcome: str = "") -> int:
        """The number of studies (or reports) in one box line."""
        return int(self._box(stage, category, outcome)["n_studies"])

    def ids(self, stage: str, category: str, outcome: str = "") -> list[str]:
        """The study ids of one box line."""
        return [
            i
            for i in str(self._box(stage, category, outcome).get("study_ids") or "").split(";")
            if i
        ]

    def total(self, stage: str, outcome: str = "") -> int:
        """The number of studies in every line of one stage."""
        return sum(int(r["n_studies"]) for r in self._matching(stage, outcome))


@dataclass(frozen=True)
class ReportInputs:
    """Every table the report shows (tuples of TSV rows) and the run's configuration."""

    config: dict
    outcomes: tuple[str, ...]
    data: dict
    effects: tuple[dict, ...]
    inclusion: tuple[dict, ...]
    pooled: tuple[dict, ...]
    analysed: tuple[dict, ...]
    weights: tuple[dict, ...]
    figures: dict
    leave_one_out: tuple[dict, ...]
    summary_of_findings: tuple[dict, ...]
    prisma_flow: tuple[dict, ...]
    input_files: dict
    extra: dict

    @classmethod
    def of(cls, *, outcomes, figures, input_files, extra=None, **tables) -> ReportInputs:
        """From build_report's arguments: tables become tuples, mappings copies."""
        return cls(
            outcomes=tuple(outcomes),
            figures=dict(figures),
            input_files=dict(input_files),
            extra=dict(extra or {}),
            **{k: v if k in ("config", "data") else tuple(v) for k, v in tables.items()},
        )

    def __post_init__(self):
        for name, columns in READS.items():
            rows = getattr(self, name)
            present = set().union(*rows)
            missing = [c for c in columns if rows and c not in present]
            if missing:
                raise ValueError(f"{name}: no column {', '.join(missing)} (the report reads it)")

    @cached_property
    def level(self) -> str:
        """The pooled intervals' level as the page writes it ('95%'; config pooling.level)."""
        return percent_level(self.config["pooling"]["level"])

    @cached_property
    def study_level(self) -> str:
        """The per-study intervals' level ('95%'; config harmonize.ci_level)."""
        return percent_level(self.config["harmonize"]["ci_level"])

    @cached_property
    def definitions(self) -> dict:
        return self.config["outcome_definitions"]

    def label(self, outcome: str) -> str:
        return self.definitions[outcome]["label"]

    def kind(self, outcome: str) -> str:
        return self.definitions[outcome]["kind"]

    def rows_of(self, outcome: str) -> list[dict]:
        """The outcome's analysed_effects.tsv rows."""
        return [r for r in self.analysed if r["outcome"] == outcome]

    def leave_one_out_of(self, outcome: str) -> list[dict]:
        return [r for r in self.leave_one_out if r["outcome"] == outcome]

    @cached_property
    def overall(self) -> dict[str, dict]:
        """outcome -> its overall pooled.tsv row."""
        return {r["outcome"]: r for r in self.pooled if r["subgroup_variable"] == "overall"}

    @cached_property
    def _weights(self) -> dict[tuple, float | None]:
        return {
            (w["outcome"], w["subgroup_variable"], w["subgroup_level"], w["effect_id"]): w[
                "weight_pct"
            ]
            for w in self.weights
        }

    def weight(self, outcome, effect_id, variable="overall", level="all") -> float | None:
        """A row's weight (%) in one analysis; None for the GLMM or a row not in it."""
        return self._weights.get((outcome, variable, level, effect_id))

    @cached_property
    def finding(self) -> dict[str, dict]:
        """outcome -> its summary_of_findings.tsv row."""
        return {r["outcome"]: r for r in self.summary_of_findings}

    @cached_property
    def flow(self) -> Flow:
        return Flow(self.prisma_flow)

    @cached_property
    def studies(self) -> dict[str, dict]:
        return {s["study_id"]: s for s in self.data["studies"]}

    @cached_property
    def quotes(self) -> dict[str, dict]:
        return {q["quote_id"]: q for q in self.data["quotes"]}
