"""GRADE's publication-bias domain (Guyatt et al. 2011, GRADE guidelines 5: rating the
quality of evidence, publication bias. J Clin Epidemiol 64:1277-1282).

Rule: from ``sensitivity.small_study_min_k`` studies on (Sterne et al. 2011, BMJ 343:d4002:
no funnel test with fewer than 10), down one level when Egger's regression test (the
mixed-effects one, small_study.tsv) gives p below ``grade.publication_bias.egger_p``. With
fewer studies no test can detect it: the domain is then a judgement (GRADE 5 names
evidence from few small, commercially funded studies as a reason to suspect it), recorded
in data/grade_judgements.tsv; without one it is not rated down, and the reason says so.
"""

from __future__ import annotations

from alsmeta.analysis.grade.levels import Rating

DOMAIN = "Publication bias"


def rating(small_study: list[dict], outcome: str, settings) -> Rating:
    """From the outcome's small_study.tsv rows."""
    rows = [r for r in small_study if r["outcome"] == outcome]
    egger = next(
        (r for r in rows if r["status"] == "done" and str(r["test"]).startswith("Egger")), None
    )
    if egger is None:
        k = rows[0]["k"] if rows else 0
        return Rating(
            DOMAIN,
            0,
            f"not rated down: k = {k}, fewer than the {settings.small_study_min_k} studies a "
            "funnel test needs (Sterne et al. 2011), and no judgement recorded in "
            "data/grade_judgements.tsv",
        )
    p, limit = egger["p_value"], settings.egger_p
    if p < limit:
        return Rating(DOMAIN, -1, f"suspected: {egger['test']} p = {p:.3f} < {limit:g}")
    return Rating(DOMAIN, 0, f"undetected ({egger['test']} p = {p:.3f}, k = {egger['k']})")


def rule_text(settings) -> str:
    return (
        "Guyatt et al. 2011, GRADE guidelines 5 (J Clin Epidemiol 64:1277). From "
        f"{settings.small_study_min_k} studies on (sensitivity.small_study_min_k; Sterne et "
        "al. 2011), down one level when Egger's regression test gives p < "
        f"{settings.egger_p:g} (grade.publication_bias.egger_p). With fewer studies no test "
        "can show it: a panel's judgement recorded in data/grade_judgements.tsv decides, "
        "for example for evidence from few small, commercially funded studies; without "
        "one the domain is not rated down, and its reason says so."
    )
