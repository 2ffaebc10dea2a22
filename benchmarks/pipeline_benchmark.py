"""Pipeline benchmark: one table of wall time and peak memory (from /usr/bin/time -v: the largest
resident set of any process of the run), medians of several runs, each in a scratch copy of the
project so the checkout's results/ stay untouched; then the targets of issue 9, met or not. The
runs go round-robin (every row once, then again), so a machine that speeds up or slows down
during the benchmark shifts all rows alike and the ratio target compares like with like.

    python benchmarks/pipeline_benchmark.py                       # default studies, 3 runs each
    python benchmarks/pipeline_benchmark.py --sizes 1000 10000    # and generated study 1 sizes

Rows: cold full run of the default pipeline (both studies); no-op rerun; rerun after changing one
study's cut date; study 1 alone at its embedded size (the reference for scaling); a generated
study 1 of each --sizes (written outside data/, run alone). Job rows: the primary job (its 100
imputations and the tipping-point grid, one piece each on a laptop) and the secondary-analysis job
(its MMRMs), from Snakemake's benchmark files.
MMRM fit times alone: python benchmarks/mmrm_benchmark.py.
"""
from __future__ import annotations

import argparse
import csv
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ["Snakefile", "config.yaml", "workflow", "scripts", "data", "profiles"]
STUDY1 = "nct02302599"
JOBS = {"primary": "primary job (MI m = 100, tipping-point grid)", "secondary": "secondary job (MMRMs, ANCOVAs)"}


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB of the largest process) from /usr/bin/time -v."""
    run = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", run.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1)) / 1024
    return seconds, peak


def job_times(folder: Path, study: str) -> dict[str, tuple[float, float]]:
    """(seconds, max RSS MB) of the jobs in JOBS, from Snakemake's benchmark files."""
    out = {}
    for job in JOBS:
        for path in (folder / "results" / study).glob(f"*/benchmarks/{job}.tsv"):
            row = next(csv.DictReader(path.open(), delimiter="\t"))
            out[job] = (float(row["s"]), float(row["max_rss"]))
    return out


def fresh_copy(base: Path, studies: dict | None = None) -> Path:
    folder = Path(tempfile.mkdtemp(dir=base))
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, folder / name)
    if studies is not None:
        config = yaml.safe_load((folder / "config.yaml").read_text())
        config["studies"] = studies
        (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder


def snakemake(*args) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--cores", "2", "--quiet", "all", *args]


def median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="trialstats-bench-"))
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    rows: dict[str, list] = {}
    jobs: dict[str, list] = {}

    def record(label, sample, folder=None, study=STUDY1):
        rows.setdefault(label, []).append(sample)
        for job, value in (job_times(folder, study) if folder else {}).items():
            study_label = label.split(",")[0] if "generated" not in label else label
            jobs.setdefault(f"{JOBS[job]}, {study_label}", []).append(value)

    generated = {}
    for size in args.sizes:
        generated[size] = base / f"generated_{size}"
        subprocess.run([sys.executable, "-m", "trialstats.cli", "simulate", STUDY1, "--subjects", str(size),
                        "--out", str(generated[size]), "--protocol", str(ROOT / f"data/{STUDY1}/protocol.yaml")],
                       check=True, capture_output=True, cwd=ROOT)
    for _ in range(args.runs):     # round-robin: the machine's drift affects every row alike
        folder = fresh_copy(base)
        record("cold full run, default studies", timed(snakemake(), folder))
        record("no-op rerun", timed(snakemake(), folder))
        recut = yaml.safe_load((folder / "config.yaml").read_text())
        recut["studies"][STUDY1]["cuts"] = ["2018-06-30"]
        recut["studies"][STUDY1].pop("data_currency", None)     # keyed by the old cut: a config error
        (folder / "config.yaml").write_text(yaml.safe_dump(recut))
        record("rerun after changing one study's cut date", timed(snakemake(), folder))
        folder = fresh_copy(base, {STUDY1: config["studies"][STUDY1]})
        record("study 1 alone, embedded (103 screened)", timed(snakemake(), folder), folder)
        for size, data in generated.items():
            folder = fresh_copy(base, {f"gen{size}": {"data": str(data), "cuts": ["2018-12-31"]}})
            record(f"generated study 1, {size:,} screened", timed(snakemake(), folder), folder, f"gen{size}")
    print(f"{'run':<52} {'wall s (median)':>16} {'peak MB (median)':>17} {'runs':>5}")
    result = {}
    for label, samples in list(rows.items()) + list(jobs.items()):
        wall, peak = median(samples)
        result[label] = (wall, peak)
        print(f"{label:<52} {wall:>16.1f} {peak:>17.0f} {len(samples):>5}")
    print("\ntarget                                                measured      met")
    reference = result["study 1 alone, embedded (103 screened)"][0]
    checks = [("cold default run < 30 s", result["cold full run, default studies"][0], 30),
              ("no-op rerun < 3 s", result["no-op rerun"][0], 3)]
    if 10000 in args.sizes:
        checks.append((f"10,000 screened < 3 x study 1 alone ({3 * reference:.1f} s)",
                       result["generated study 1, 10,000 screened"][0], 3 * reference))
    checks.append(("peak memory < 2,048 MB (any run)", max(p for _, p in result.values()), 2048))
    for name, value, limit in checks:
        print(f"{name:<52} {value:>10.1f} {'yes' if value < limit else 'NO':>8}")
    print("MMRM fit times alone: python benchmarks/mmrm_benchmark.py")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
