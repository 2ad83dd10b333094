"""What every workflow script shares: a log file, and bad input as one clear line."""

from __future__ import annotations

import logging
import sys

from alsmeta.io.errors import InputError


def run(main, snakemake) -> None:
    """Run ``main(snakemake)`` logging to the job's log file.

    An :class:`InputError` is written as one line to the log and to stderr, and the
    job exits with status 1 (Snakemake then removes its partial outputs).
    """
    logging.basicConfig(
        filename=snakemake.log[0],
        filemode="w",
        level=logging.INFO,
        format="%(levelname)s %(message)s",
    )
    log = logging.getLogger(snakemake.rule)
    try:
        main(snakemake, log)
    except InputError as exc:
        log.error(str(exc))
        sys.stderr.write(f"Input error: {exc}\n")
        sys.exit(1)
    log.info("done")
