"""Pool many analyses at once, and compare with a metafor loop when R is installed.

Usage (from the repository root, with the pipeline installed):

    python tests/benchmarks/engine.py [--analyses 10000] [--k 10] [--repeat 3] [--no-r]
                                      [--no-bayes] [--binomial-analyses 200] [--binomial-k 5]

Simulates ``--analyses`` meta-analyses of ``--k`` studies (fixed seed), pools them with
REML + Knapp-Hartung + t(k-1) prediction intervals in one batched call, and reports the
best wall time of ``--repeat`` runs. With Rscript and metafor available, the same
analyses are fitted by ``rma(method="REML", test="knha")`` + ``predict()`` in an R loop,
timed inside R, and the largest relative differences of estimate, tau^2 and PI bounds
over all analyses are printed. Target: under 2 s for 10,000 analyses of k = 10.

The same analyses are then fitted by the Bayesian normal-normal engine (half-normal(0.5)
tau prior, N(0, 10^2) mu prior, default grid), once without and once with the per-study
shrinkage posteriors, best of ``--repeat`` runs each.

Then ``--binomial-analyses`` single-arm analyses of ``--binomial-k`` studies (zero-heavy
counts: half the studies have a true proportion of 0, sizes 10-120; fixed seed) are fitted
by the Bayesian binomial-normal model (half-normal(0.5) tau prior, N(0, 10^2) mu prior,
default grid), best of ``--repeat`` runs with the results cache emptied before each, and
once more with every analysis already cached (a subgroup repeating the overall's studies).
Target: under 25 ms per analysis for k <= 10.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from alsmeta.stats import bayes
from alsmeta.stats.bayes import BayesSettings, TauPrior, normal_normal_batch
from alsmeta.stats.random_effects import Settings, fit_batch

R_LOOP = r"""
suppressMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
y <- as.matrix(read.csv(args[1], header = FALSE)); v <- as.matrix(read.csv(args[2], header = FALSE))
m <- ncol(y); out <- matrix(NA_real_, m, 4)
ctrl <- list(threshold = 1e-12, maxiter = 1000)
elapsed <- system.time(for (j in seq_len(m)) {
  res <- try(rma(y[, j], v[, j], method = "REML", test = "knha", control = ctrl), silent = TRUE)
  if (inherits(res, "try-error")) next
  p <- predict(res)
  out[j, ] <- c(res$b[1], res$tau2, p$pi.lb, p$pi.ub)
})[["elapsed"]]
write.table(out, args[3], sep = ",", row.names = FALSE, col.names = FALSE)
cat(elapsed, "\n")
"""


def simulate(m: int, k: int, seed: int = 20261121):
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 0.2, size=(k, m))
    y = rng.normal(rng.normal(0.3, 0.25, size=(k, m)), np.sqrt(v))
    return y, v


def bayes_normal(y, v, repeat: int) -> None:
    """Time the Bayesian normal-normal engine on the same analyses (columns of y, v)."""
    settings = BayesSettings(TauPrior("half_normal", 0.5), mu_sd=10.0)
    yis, vis = list(y.T), list(v.T)
    normal_normal_batch(yis[:2], vis[:2], settings)  # first call: imports SciPy's special functions
    for shrinkage in (False, True):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fits = normal_normal_batch(yis, vis, settings, shrinkage=shrinkage)
            times.append(time.perf_counter() - start)
        best = min(times)
        worst_error = max(f.integration_error for f in fits)
        print(
            f"alsmeta normal_normal_batch: {len(yis)} analyses x k = {y.shape[0]}, "
            f"{settings.grid_points}-node tau rule, shrinkage {'on' if shrinkage else 'off'}: "
            f"best of {repeat} = {best:.3f} s ({1e6 * best / len(yis):.1f} us per analysis); "
            f"largest integration_error {worst_error:.1e}"
        )


def simulate_counts(m: int, k: int, seed: int = 20261201):
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 121, size=(m, k))
    p = np.where(rng.random((m, k)) < 0.5, 0.0, rng.choice([0.02, 0.05, 0.15], size=(m, k)))
    return list(rng.binomial(n, p).astype(float)), list(n.astype(float))


def bayes_binomial(m: int, k: int, repeat: int) -> None:
    """Time the Bayesian binomial-normal model on m zero-heavy analyses of k studies."""
    settings = BayesSettings(TauPrior("half_normal", 0.5), mu_sd=10.0)
    events, sizes = simulate_counts(m, k)
    bayes.binomial_normal_batch(events[:1], sizes[:1], settings)  # first call: imports
    times, cpu = [], []
    for _ in range(repeat):
        bayes._BINOMIAL_CACHE.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        fits = bayes.binomial_normal_batch(events, sizes, settings)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    start = time.perf_counter()
    bayes.binomial_normal_batch(events, sizes, settings)
    cached = time.perf_counter() - start
    zero = np.mean([np.mean(e == 0) for e in events])
    print(
        f"alsmeta binomial_normal_batch: {m} analyses x k = {k} ({zero:.0%} zero counts), "
        f"{settings.grid_points}-node rules: best of {repeat} = {min(times):.2f} s wall "
        f"({1e3 * min(times) / m:.1f} ms per analysis; CPU {1e3 * min(cpu) / m:.1f} ms); "
        f"largest integration_error {max(f.integration_error for f in fits):.1e}; "
        f"all {m} again from the cache: {1e3 * cached:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=10_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true", help="skip the metafor loop")
    parser.add_argument("--no-bayes", action="store_true", help="skip the Bayesian engine")
    parser.add_argument("--binomial-analyses", type=int, default=200)
    parser.add_argument("--binomial-k", type=int, default=5)
    args = parser.parse_args()
    y, v = simulate(args.analyses, args.k)
    settings = Settings(estimator="REML", inference="knapp_hartung", prediction="t_k1")
    start = time.perf_counter()
    fit_batch(y[:, :2], v[:, :2], settings)  # first call: imports PyMARE and SciPy
    print(f"first call (imports): {time.perf_counter() - start:.3f} s")
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        fits = fit_batch(y, v, settings)
        times.append(time.perf_counter() - start)
    ours = np.array([[f["estimate"], f["tau2"], f["pi_lower"], f["pi_upper"]] for f in fits])
    best = min(times)
    print(
        f"alsmeta fit_batch: {args.analyses} analyses x k = {args.k}, REML + Knapp-Hartung + "
        f"t(k-1) PI: best of {args.repeat} = {best:.3f} s "
        f"({1e6 * best / args.analyses:.1f} us per analysis)"
    )
    if not args.no_bayes:
        bayes_normal(y, v, args.repeat)
        bayes_binomial(args.binomial_analyses, args.binomial_k, args.repeat)
    if args.no_r or shutil.which("Rscript") is None:
        print("metafor loop: not run (Rscript not found or --no-r)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.savetxt(tmp / "y.csv", y, delimiter=",", fmt="%.17g")
        np.savetxt(tmp / "v.csv", v, delimiter=",", fmt="%.17g")
        (tmp / "loop.R").write_text(R_LOOP)
        proc = subprocess.run(
            [
                "Rscript",
                str(tmp / "loop.R"),
                str(tmp / "y.csv"),
                str(tmp / "v.csv"),
                str(tmp / "out.csv"),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            print(f"metafor loop: failed ({proc.stderr.strip().splitlines()[-1:]})")
            return
        r_time = float(proc.stdout.split()[-1])
        theirs = np.genfromtxt(tmp / "out.csv", delimiter=",")
    ok = np.all(np.isfinite(theirs), axis=1)
    diff = np.abs(ours[ok] - theirs[ok])
    ref = np.abs(theirs[ok])
    print(
        f"metafor 3.8 rma() + predict() loop: {r_time:.1f} s "
        f"({r_time / best:.0f} x the batched fit); {int((~ok).sum())} fits failed in R "
        "(Fisher scoring did not converge)"
    )
    for j, name in enumerate(("estimate", "tau2", "pi_lower", "pi_upper")):
        big = ref[:, j] > 1e-2
        print(
            f"  {name}: max absolute difference {diff[:, j].max():.2e}; max relative "
            f"difference where |value| > 0.01: {(diff[big, j] / ref[big, j]).max():.2e}"
        )


if __name__ == "__main__":
    main()
