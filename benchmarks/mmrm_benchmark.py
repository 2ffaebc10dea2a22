"""Print MMRM fit times: the two SAS reference data sets and a generated study of 10,000
subjects x 7 visits. Run: python benchmarks/mmrm_benchmark.py [--repeats N]"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from trialstats.stats.mmrm import fit_mmrm

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def generated(n_subjects: int, n_visits: int, seed: int = 1) -> pd.DataFrame:
    """A two-arm trial with an AR-like unstructured covariance and 15% monotone dropout."""
    rng = np.random.default_rng(seed)
    visits = [f"W{i + 1}" for i in range(n_visits)]
    lag = np.abs(np.subtract.outer(np.arange(n_visits), np.arange(n_visits)))
    sigma = 1.0 * 0.7 ** lag * np.sqrt(np.outer(np.linspace(1, 2, n_visits), np.linspace(1, 2, n_visits)))
    arm = rng.integers(0, 2, n_subjects)
    base = rng.normal(9, 1, n_subjects)
    y = (rng.multivariate_normal(np.zeros(n_visits), sigma, n_subjects)
         - 0.3 * np.arange(1, n_visits + 1) * arm[:, None] + 0.5 * (base[:, None] - 9))
    dropout = np.where(rng.uniform(size=n_subjects) < 0.15, rng.integers(1, n_visits, n_subjects), n_visits)
    rows = [(i, visits[v], arm[i], base[i], y[i, v]) for i in range(n_subjects) for v in range(dropout[i])]
    d = pd.DataFrame(rows, columns=["USUBJID", "AVISIT", "ARM", "BASE", "CHG"])
    d["AVISIT"] = pd.Categorical(d["AVISIT"], categories=visits)
    d["ARM"] = pd.Categorical(d["ARM"].map({0: "PBO", 1: "ACT"}), categories=["PBO", "ACT"])
    return d


# Targets (issue 15): ahead of R's mmrm (TMB), measured side by side on this machine: the FEV
# full model 0.042 s in mmrm, 10,000 subjects x 7 visits 26 s in mmrm.
TARGETS = {"fev": 0.04, "big": 2.0}


def timed(label, fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<64} median {statistics.median(times):7.3f} s   (min {min(times):.3f}, {repeats} runs)")
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    measured = {}
    if (REFERENCE / "mmrm_fev_data.csv").exists():
        fev = pd.read_csv(REFERENCE / "mmrm_fev_data.csv")
        fev["AVISIT"] = pd.Categorical(fev["AVISIT"], categories=["VIS1", "VIS2", "VIS3", "VIS4"])
        measured["fev"] = timed("FEV data (537 obs), US, REML, Satterthwaite",
              lambda: fit_mmrm(fev, "FEV1 ~ ARMCD*AVISIT + RACE + SEX", "USUBJID", "AVISIT",
                               ddf="satterthwaite"), args.repeats)
        hamd = pd.read_csv(REFERENCE / "mmrm_antidepressant_chapter15.csv")
        hamd["VISIT"] = pd.Categorical(hamd["VISIT"].astype(str), categories=["4", "5", "6", "7"])
        timed("antidepressant (608 obs), US, REML, Kenward-Roger",
              lambda: fit_mmrm(hamd, "change ~ 0 + VISIT + basval:VISIT + THERAPY:VISIT", "PATIENT",
                               "VISIT", ddf="kenward-roger"), args.repeats)
    else:
        print(f"reference data not found under {REFERENCE}: reference timings skipped")
    big = generated(10_000, 7)
    measured["big"] = max(
        timed(f"10,000 subjects x 7 visits ({len(big)} obs), US, REML, {ddf}",
              lambda ddf=ddf: fit_mmrm(big, "CHG ~ BASE*AVISIT + ARM*AVISIT", "USUBJID", "AVISIT", ddf=ddf),
              max(1, args.repeats // 2))
        for ddf in ("kenward-roger", "satterthwaite"))
    print(f"\n{'target':<48}{'measured s':>12}{'target s':>10}  met")
    for key, label in (("fev", "FEV full model, Satterthwaite"), ("big", "10,000 x 7 visits (slower ddf)")):
        if key in measured:
            met = "yes" if measured[key] < TARGETS[key] else "NO"
            print(f"{label:<48}{measured[key]:>12.3f}{TARGETS[key]:>10.2f}  {met}")


if __name__ == "__main__":
    main()
