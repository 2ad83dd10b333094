"""Job prepost_sweep_plot: the pooled change in ALSFRS-R slope at each pre/post
correlation r of the sweep, with the r the analysis used marked."""

from alsmeta.figures import style
from alsmeta.figures.sensitivity import prepost_sweep_figure
from alsmeta.io.files import read_json
from alsmeta.jobs import by_format

#: The outcome whose SEs depend on r: within-arm slope changes from pre/post SDs.
OUTCOME = "slope_change"


def main(job):
    sweep = [
        row
        for path in job.input.analyses
        for row in read_json(path)["prepost_sweep"]
        if row["outcome"] == OUTCOME
    ]
    style.save(
        prepost_sweep_figure(
            sweep,
            job.params.prepost_correlation,
            "Change in ALSFRS-R slope: sensitivity to the pre/post correlation r",
            job.params.level,
        ),
        by_format(job.output),
        title="r-sensitivity of the pooled slope change",
    )
    job.log.info("%s: %d values of r", OUTCOME, len(sweep))
