"""Leave-one-out re-fits (alsmeta.analysis.sensitivity.leave_one_out_rows) on synthetic data:
the same model as the main analysis without each study. The plot drawn from them is tested in
figures/test_figures.py."""

import pytest
from synthetic import pooling_settings, proportion_analysis

from alsmeta.analysis.pooling import glmm_fit
from alsmeta.analysis.sensitivity import leave_one_out_rows
from alsmeta.effects.measures import expit
from alsmeta.stats.random_effects import random_effects

PROPORTION = {"label": "Serious adverse events (synthetic)", "kind": "proportion"}
IV_POOLING = pooling_settings(inference="knapp_hartung")


def test_leave_one_out_refits_the_same_model_without_each_study():
    rows, _ = proportion_analysis(6)
    yi, vi = [r["yi"] for r in rows], [r["vi"] for r in rows]
    fits = leave_one_out_rows("synthetic", PROPORTION, rows, IV_POOLING)
    assert [f["omitted_effect_id"] for f in fits] == [r["effect_id"] for r in rows]
    direct = random_effects(yi[:2] + yi[3:], vi[:2] + vi[3:], "REML", "knapp_hartung", 0.95)
    assert fits[2]["k"] == 5
    assert fits[2]["method"] == "inverse variance"
    assert fits[2]["estimate"] == pytest.approx(float(expit(direct.estimate)), rel=1e-12)
    assert fits[2]["tau2"] == pytest.approx(direct.tau2, rel=1e-12)
    assert leave_one_out_rows("x", PROPORTION, rows[:2], IV_POOLING) == []


def test_leave_one_out_refits_the_glmm_where_the_main_analysis_uses_it():
    rows, _ = proportion_analysis(5)
    pooling = pooling_settings(
        inference="knapp_hartung", proportion_method="glmm", glmm_quadrature_points=21
    )
    fits = leave_one_out_rows("synthetic", PROPORTION, rows, pooling)
    direct = glmm_fit(rows[1:], 0.95, 21)
    assert fits[0]["method"] == "binomial-normal GLMM"
    assert fits[0]["estimate"] == pytest.approx(float(expit(direct["estimate"])), rel=1e-12)
    assert fits[0]["tau2"] == pytest.approx(direct["tau2"], rel=1e-12)


def test_leave_one_out_honours_the_prediction_setting():
    rows, _ = proportion_analysis(6)
    z = pooling_settings(inference="knapp_hartung", prediction="z")
    t_k1 = leave_one_out_rows("s", PROPORTION, rows, IV_POOLING)
    normal = leave_one_out_rows("s", PROPORTION, rows, z)
    assert all(a["pi_lower"] < b["pi_lower"] for a, b in zip(t_k1, normal, strict=True))


def test_glmm_leave_one_out_above_its_maximum_k_says_so_instead_of_refitting():
    rows, _ = proportion_analysis(6)
    glmm = pooling_settings(
        inference="knapp_hartung", proportion_method="glmm", glmm_quadrature_points=21
    )
    capped = leave_one_out_rows("s", PROPORTION, rows, glmm, glmm_max_k=5)
    assert [r["status"] for r in capped] == ["not_computed"]
    assert "k = 6 > sensitivity.glmm_leave_one_out_max_k = 5" in capped[0]["reason"]
    assert len(leave_one_out_rows("s", PROPORTION, rows, glmm, 6)) == 6
    # Inverse-variance re-fits are one vectorized call: no maximum applies.
    iv = leave_one_out_rows("s", PROPORTION, rows, IV_POOLING, 5)
    assert len(iv) == 6 and {r["status"] for r in iv} == {"pooled"}
