"""Pipeline benchmark: one table of wall time and peak memory (from /usr/bin/time -v), medians of
several runs, in a scratch copy of the project so results/ of the checkout stay untouched.

    python benchmarks/pipeline_benchmark.py                  # default study set, 3 runs each
    python benchmarks/pipeline_benchmark.py --sizes 1000 10000 --runs 1

Rows: cold full run of the default pipeline; no-op rerun; rerun after changing one study's cut
date; a generated study 1 of each --sizes (written outside data/, run on its own).
"""
from __future__ import annotations

import argparse
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


def fresh_copy(base: Path) -> Path:
    folder = Path(tempfile.mkdtemp(dir=base))
    for name in PROJECT:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, folder / name)
    return folder


def snakemake(*args) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--cores", "2", "--quiet", "all", *args]


def median_row(label: str, samples: list[tuple[float, float]]) -> tuple[str, float, float, int]:
    return (label, statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples), len(samples))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="trialstats-bench-"))
    rows = []
    cold, noop, recut = [], [], []
    for _ in range(args.runs):
        folder = fresh_copy(base)
        cold.append(timed(snakemake(), folder))
        noop.append(timed(snakemake(), folder))
        config = yaml.safe_load((folder / "config.yaml").read_text())
        study = next(iter(config["studies"]))
        config["studies"][study]["cuts"] = ["2018-06-30"]
        (folder / "config.yaml").write_text(yaml.safe_dump(config))
        recut.append(timed(snakemake(), folder))
    rows += [median_row("cold full run, default studies", cold), median_row("no-op rerun", noop),
             median_row("rerun after changing one study's cut date", recut)]
    for size in args.sizes:
        samples = []
        for _ in range(args.runs):
            folder = fresh_copy(base)
            data = folder / f"generated_{size}"
            subprocess.run([sys.executable, "-m", "trialstats.cli", "simulate", "nct02302599", "--subjects", str(size),
                            "--out", str(data), "--protocol", str(ROOT / "data/nct02302599/protocol.yaml")],
                           check=True, capture_output=True, cwd=folder)
            config = yaml.safe_load((folder / "config.yaml").read_text())
            config["studies"] = {f"gen{size}": {"data": str(data), "cuts": ["2018-12-31"]}}
            (folder / "config.yaml").write_text(yaml.safe_dump(config))
            samples.append(timed(snakemake(), folder))
        rows.append(median_row(f"generated study 1, {size:,} screened", samples))
    print(f"{'run':<48} {'wall s (median)':>16} {'peak MB (median)':>17} {'runs':>5}")
    for label, wall, peak, n in rows:
        print(f"{label:<48} {wall:>16.1f} {peak:>17.0f} {n:>5}")
    print("MMRM and multiple-imputation times: python benchmarks/mmrm_benchmark.py")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
