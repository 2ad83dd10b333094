"""What the Bayesian analyses add to a run: CPU time of the frequentist pooling and of the
Bayesian columns, side by side, for every outcome of a finished run's selections.

Usage (from the repository root, after ``snakemake --cores 2``):

    python tests/benchmarks/bayes_run.py [--repeat 3]

For each outcome of ``criteria.outcomes`` it reads ``results/selection/<outcome>.json``
and, in one process as the analyse jobs run in one Snakemake process, times
``analysis.pooling.pool_all`` and then ``analysis.bayesian.add_bayesian`` on the same
rows (the config's subgroups, pooling and bayes settings). Each repeat starts with the
GLMM and Bayesian results caches empty; the first also pays the imports. Target: the
Bayesian analyses of a whole run add <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

from alsmeta.analysis import bayesian, pooling
from alsmeta.analysis.pooling import pool_all
from alsmeta.analysis.pooling_settings import PoolingSettings
from alsmeta.stats import bayes


def one_run(config: dict, selections: dict) -> tuple[float, float]:
    bayesian._FITTED.clear()
    bayes._BINOMIAL_CACHE.clear()
    pooling._binomial_normal.cache_clear()  # the GLMM fits, cached within a run
    frequentist = bayes_time = 0.0
    settings = PoolingSettings.from_config(config["pooling"])
    for outcome, rows in selections.items():
        definitions = {outcome: config["outcome_definitions"][outcome]}
        start = time.process_time()
        pooled, _ = pool_all(rows, [outcome], definitions, config["subgroups"], settings)
        frequentist += time.process_time() - start
        start = time.process_time()
        bayesian.add_bayesian(
            pooled,
            rows,
            [outcome],
            definitions,
            config["subgroups"],
            settings,
            config["bayes"],
        )
        bayes_time += time.process_time() - start
    return frequentist, bayes_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = yaml.safe_load(Path("config/config.yaml").read_text())
    selections = {
        o: json.loads(Path(f"results/selection/{o}.json").read_text())["analysed"]
        for o in config["criteria"]["outcomes"]
    }
    runs = [one_run(config, selections) for _ in range(args.repeat)]
    frequentist, bayes_time = (min(r[i] for r in runs) for i in (0, 1))
    print(
        f"{len(selections)} outcomes, {len(bayesian._FITTED)} distinct Bayesian data sets; "
        f"CPU, best of {args.repeat}: frequentist pool_all {frequentist:.2f} s, "
        f"Bayesian add_bayesian {bayes_time:.2f} s (target <= 1 s)"
    )


if __name__ == "__main__":
    main()
