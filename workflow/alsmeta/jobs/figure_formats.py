"""Job figure_formats: results/figures/ holds figures of the configured formats only.

A run with ``figures.formats: [svg, png, pdf]`` and then one with ``[svg]`` would leave the
first run's PNG and PDF files beside the newer SVGs, where a reader could take an old PNG
for the current figure. This job runs whenever ``figures.formats`` changes (it is a
param), removes the figures of every other format, and records the formats in its output.
"""

from pathlib import Path

from alsmeta.io.files import atomic_write, remove_other_formats


def main(job):
    folder = Path(job.output.formats).parent
    for path in remove_other_formats(folder, job.params.formats, job.params.known):
        job.log.info("removed %s (figures.formats is %s)", path, ", ".join(job.params.formats))
    atomic_write(job.output.formats, lambda h: h.write("\n".join(job.params.formats) + "\n"))
