"""The PRISMA flow counts (alsmeta.analysis.prisma) on a small synthetic example
(synthetic.prisma_example); the figure drawn from them is tested in figures/test_figures.py."""

from synthetic import prisma_example

from alsmeta.analysis import prisma


def test_prisma_flow_counts_each_study_once_under_its_first_reason():
    f = prisma.flow(*prisma_example())
    assert (f.studies, f.reports, f.included_any, f.reports_included) == (4, 4, ("a",), 2)
    s = f.syntheses[0]
    assert s.not_included == {
        "no usable data for this outcome": ("c",),
        "sample size below or not reported (criteria.min_n)": ("b",),
        "other: something_new": ("d",),
    }
    assert f.in_no_synthesis == 3 and f.none_no_data == ("c",)
