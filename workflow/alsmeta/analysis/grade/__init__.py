"""GRADE for the summary of findings: the certainty of each outcome's evidence, graded as
the GRADE Working Group publishes it, from the pipeline's tables and the judgements a
panel records (data/grade_judgements.tsv).

One concept per module:

* :mod:`~alsmeta.analysis.grade.levels`: the four certainty levels, a domain rating, and
  how a start level and the ratings give the certainty;
* :mod:`~alsmeta.analysis.grade.settings`: config ``grade`` as one typed object;
* :mod:`~alsmeta.analysis.grade.evidence`: one outcome's body of evidence (its rows,
  weights and risk-of-bias judgements) and the share of its weight a test selects;
* :mod:`~alsmeta.analysis.grade.start`: the start level by study design (GRADE 3, 18;
  prognosis: Iorio et al. 2015);
* one module per domain: :mod:`~alsmeta.analysis.grade.risk_of_bias` (GRADE 4),
  :mod:`~alsmeta.analysis.grade.inconsistency` (GRADE 7),
  :mod:`~alsmeta.analysis.grade.indirectness` (GRADE 8),
  :mod:`~alsmeta.analysis.grade.imprecision` (GRADE 6),
  :mod:`~alsmeta.analysis.grade.publication_bias` (GRADE 5),
  :mod:`~alsmeta.analysis.grade.upgrading` (GRADE 9);
* :mod:`~alsmeta.analysis.grade.judgements`: recorded judgements that replace a rule;
* :mod:`~alsmeta.analysis.grade.absolute`: absolute effects and summed counts;
* :mod:`~alsmeta.analysis.grade.wording`: plain-language statements (GRADE 26);
* :mod:`~alsmeta.analysis.grade.finding`: one outcome's row, from the headline result;
* :mod:`~alsmeta.analysis.grade.table`: summary_of_findings.tsv;
* :mod:`~alsmeta.analysis.grade.rules`: the rules as the report prints them.
"""
