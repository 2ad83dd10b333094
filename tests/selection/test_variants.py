"""The sensitivity variants (alsmeta.selection.variants) named from the shipped data: one per
evidence tier, conflict version, erratum switch and overlap member. What each variant pools
is tested in analysis/test_variants_quality.py."""

from pathlib import Path

import pytest

from alsmeta.selection.variants import variants

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def effects(harmonized):
    return harmonized


def test_variants_cover_tiers_every_conflict_errata_and_overlaps(effects, data, config):
    names = [v.name for v in variants(config["criteria"], data, effects)]
    assert names[:2] == ["main", "plus_secondary"]
    for conflict in data["conflicts"]:
        picked = config["criteria"]["conflict_versions"][conflict["conflict_group"]]
        for version in conflict["versions"]:
            name = f"conflict:{conflict['conflict_group']}={version}"
            assert (name in names) == (version != picked)
    assert {"subgroups_admitted", "pre_erratum_admitted"} <= set(names)
    assert "overlap:barczewska_olsztyn=barczewska2019" in names
