"""Sensitivity analyses: the pooled result of an outcome under each alternative judgement.

The variants and the rows each one selects come from :mod:`alsmeta.selection.variants`;
here every selection is pooled again, overall only, with the main pooling settings, and
compared with the main analysis (``effect_ids_added``, ``effect_ids_removed``,
``differs_from_main``).
"""

from __future__ import annotations

from alsmeta.analysis.pooling import RESULT_COLUMNS, Analysis, pool_all, scales
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.selection.variants import rows_of

#: The columns of a variant's pooled row that variants.tsv shows.
_POOLED_FIELDS = (*RESULT_COLUMNS, "tau2", "i2_tau2_pct", "p_value", "effect_ids")

VARIANT_COLUMNS = [
    "outcome",
    "outcome_label",
    "variant",
    "variant_type",
    "changed_setting",
    *_POOLED_FIELDS,
    "effect_ids_added",
    "effect_ids_removed",
    "differs_from_main",
]


def variant_rows(
    outcome: str,
    definition: dict,
    selections: list[dict],
    pooling: PoolingSettings,
    analysed=None,
):
    """One variants.tsv row per variant selection of ``outcome`` (main first). With
    ``analysed`` (the main rows), ``selections`` hold each variant's changes to them
    (:func:`alsmeta.selection.variants.as_changes`); without, their rows."""
    rows, main = [], None
    for entry in selections:
        if analysed is not None:
            entry = {**entry, "rows": rows_of(entry, analysed)}
        if entry["status"] == "refused":
            analysis = Analysis(outcome, definition, "overall", "all", [])
            pooled = {"status": "refused", "reason": entry["reason"], "scale": scales(analysis)[0]}
        else:
            pooled = pool_all(entry["rows"], [outcome], {outcome: definition}, [], pooling, False)[
                0
            ][0]
        ids = [r["effect_id"] for r in entry["rows"]]
        if main is None:
            main = (pooled, ids)
        main_ids, these = set(main[1]), set(ids)  # sets: a variant of k rows costs k, not k^2
        added = [e for e in ids if e not in main_ids]
        removed = [e for e in main[1] if e not in these]
        rows.append(
            {
                "outcome": outcome,
                "outcome_label": definition["label"],
                "variant": entry["variant"],
                "variant_type": entry["variant_type"],
                "changed_setting": entry["setting"],
                **{key: pooled.get(key) for key in _POOLED_FIELDS},
                "effect_ids_added": ";".join(added),
                "effect_ids_removed": ";".join(removed),
                "differs_from_main": bool(added or removed)
                or pooled.get("status") != main[0].get("status"),
            }
        )
    return rows
